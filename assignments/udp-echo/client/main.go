// Client is the starter code for the client half of the udp-echo
// assignment, the UDP pinger. Read handouts/udp-echo.md, §3 "The client
// (UDP pinger)" and §4 "Output format and exit status", first.
//
// Usage:
//
//	client -server HOST:PORT [-count N] [-timeout SECONDS]
//
// The flags:
//
//	-server HOST:PORT   the echo server to ping (required)
//	-count N            how many pings to send (default 10)
//	-timeout SECONDS    how long to wait for each reply: a number of
//	                    seconds such as 1 or 0.25, or a Go duration such as
//	                    250ms (default 1)
//
// As given, the client parses its flags and opens its socket, but sends no
// ping and prints nothing.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("client: ")

	server := flag.String("server", "", "the echo server, as `HOST:PORT` (required)")
	count := flag.Int("count", 10, "number of pings to send")
	timeout := seconds(time.Second)
	flag.Var(&timeout, "timeout", "how long to wait for each reply, in `SECONDS` (0.25) or as a duration (250ms)")
	flag.Parse()
	if _, _, err := net.SplitHostPort(*server); err != nil || *count < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "client: need -server HOST:PORT, a -count of at least 1, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	// A "connected" UDP socket: no handshake is sent, but from now on
	// conn.Write sends to the server, and conn.Read only returns
	// datagrams that come from the server.
	addr, err := net.ResolveUDPAddr("udp", *server)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	for seq := 1; seq <= *count; seq++ {
		// TODO(handout §3 "The client (UDP pinger)"): send ping seq,
		// then wait for its reply, but no longer than timeout after
		// the send (conn.SetReadDeadline). Which datagrams count as
		// the reply to ping seq, and which must be ignored?

		// TODO(handout §4 "Output format and exit status"): print one
		// line for this ping: its reply and RTT, or a timeout.
	}

	// TODO(handout §4 "Output format and exit status"): print the
	// statistics, and choose the exit status.
}

// seconds is the value of the -timeout flag. It accepts a number of seconds
// ("1", "0.25") or a Go duration ("250ms").
type seconds time.Duration

func (s *seconds) String() string { return time.Duration(*s).String() }

func (s *seconds) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return errors.New("want seconds (0.25) or a duration (250ms)")
		}
		if !(f > 0 && f < 1e9) { // also rejects NaN and Inf
			return errors.New("must be a positive number of seconds")
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d <= 0 {
		return errors.New("must be positive")
	}
	*s = seconds(d)
	return nil
}
