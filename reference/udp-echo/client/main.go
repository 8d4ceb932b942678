// Client is the reference solution for the client half of the udp-echo
// assignment: the UDP pinger of the textbook's socket programming lab
// (Kurose & Ross, chapter 2), described in handout §3 "The client (UDP
// pinger)" and §4 "Output format and exit status".
//
// Usage:
//
//	client -server HOST:PORT [-count N] [-timeout SECONDS]
//
// The flags:
//
//	-server HOST:PORT   the echo server to ping (required)
//	-count N            how many pings to send (default 10)
//	-timeout SECONDS    how long to wait for each reply, counted from the
//	                    moment its ping was sent: a number of seconds such
//	                    as 1 or 0.25, or a Go duration such as 250ms
//	                    (default 1)
//
// The pinger is stop-and-wait: it sends ping 1, waits for its reply or the
// timeout, prints one line, then sends ping 2, and so on. UDP promises
// nothing, so any ping or reply may be lost, duplicated, delayed or
// reordered on the way; the timeout turns "no reply yet" into "lost", and
// the sequence number in each ping tells which ping a reply belongs to.
// At the end it prints statistics like ping(8):
//
//	Reply from 127.0.0.1:9000: seq=1 time=0.153 ms
//	Request timed out: seq=2
//	--- 127.0.0.1:9000 ping statistics ---
//	2 packets transmitted, 1 received, 50.0% packet loss
//	rtt min/avg/max = 0.153/0.153/0.153 ms
//
// The exit status is 0 if at least one reply arrived, 1 if none did, and 2
// for bad usage.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

// maxDatagram is the receive buffer size: big enough for any UDP payload,
// so that a long garbage datagram is read whole and then ignored.
const maxDatagram = 65535

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

	os.Exit(run(*server, *count, time.Duration(timeout)))
}

// run pings server count times, prints a line per ping and the statistics,
// and returns the exit status.
func run(server string, count int, timeout time.Duration) int {
	// A "connected" UDP socket sends no handshake: connecting only records
	// the peer in the kernel. After that, Write needs no address, and the
	// kernel drops any datagram that does not come from the server, so
	// strangers cannot fake a reply.
	addr, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		log.Print(err)
		return 1
	}
	conn, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		log.Print(err)
		return 1
	}
	defer conn.Close()

	var rtts []time.Duration
	for seq := 1; seq <= count; seq++ {
		rtt, ok := ping(conn, seq, timeout)
		if ok {
			fmt.Printf("Reply from %s: seq=%d time=%.3f ms\n", server, seq, ms(rtt))
			rtts = append(rtts, rtt)
		} else {
			fmt.Printf("Request timed out: seq=%d\n", seq)
		}
	}
	printStats(server, count, rtts)

	if len(rtts) == 0 {
		return 1
	}
	return 0
}

// ping sends ping number seq and waits for its reply. It returns the round
// trip time and true, or false if no reply came within timeout.
func ping(conn *net.UDPConn, seq int, timeout time.Duration) (time.Duration, bool) {
	// time.Now carries a monotonic clock reading, so time.Since below is
	// right even if the wall clock is adjusted while we wait.
	sent := time.Now()
	msg := fmt.Appendf(nil, "PING %d %d", seq, sent.UnixNano())
	if _, err := conn.Write(msg); err != nil {
		// This ping is lost; we still wait out its timeout, so that the
		// pinger keeps its pace and prints one line per ping.
		log.Printf("seq=%d: send: %v", seq, err)
	}

	// The deadline is fixed once, from the send time. Reading a stale
	// reply below does not push it back: a ping gets timeout, not more.
	conn.SetReadDeadline(sent.Add(timeout))

	buf := make([]byte, maxDatagram)
	for {
		n, err := conn.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, false
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			// The server host answered our ping with an ICMP "port
			// unreachable": nothing listens there. Linux reports it
			// on the next read of a connected socket. It is not a
			// reply, so we keep waiting for the timeout.
			log.Printf("seq=%d: %v (is the server running?)", seq, err)
			continue
		}
		if err != nil {
			log.Printf("seq=%d: receive: %v", seq, err)
			continue
		}

		// Only the reply to this very ping counts. The one that arrives
		// may be a late reply to an earlier ping that we already
		// declared lost, or a duplicate; taking it would print a wrong
		// RTT for this ping, and then this ping's real reply would be
		// taken as the next one's. The sequence number tells them apart.
		if isReply(buf[:n], seq) {
			return time.Since(sent), true
		}
	}
}

// isReply reports whether payload is the reply to ping seq: its first word
// is PING (in any case) and its second word is seq.
func isReply(payload []byte, seq int) bool {
	words := bytes.Fields(payload)
	return len(words) >= 2 &&
		bytes.EqualFold(words[0], []byte("PING")) &&
		string(words[1]) == strconv.Itoa(seq)
}

// printStats prints the summary: sent is the number of pings sent, rtts
// holds the round trip time of each ping that got its reply.
func printStats(server string, sent int, rtts []time.Duration) {
	received := len(rtts)
	loss := 100 * float64(sent-received) / float64(sent)
	fmt.Printf("--- %s ping statistics ---\n", server)
	fmt.Printf("%d packets transmitted, %d received, %.1f%% packet loss\n", sent, received, loss)
	if received == 0 {
		return // no min, average or max of nothing
	}

	lo, hi, sum := rtts[0], rtts[0], time.Duration(0)
	for _, rtt := range rtts {
		lo, hi, sum = min(lo, rtt), max(hi, rtt), sum+rtt
	}
	avg := sum / time.Duration(received)
	fmt.Printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", ms(lo), ms(avg), ms(hi))
}

// ms converts d to (fractional) milliseconds, for printing.
func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// seconds is the value of the -timeout flag. It accepts a number of seconds
// ("1", "0.25"), like the textbook's settimeout(1), or, for convenience, a
// Go duration ("250ms").
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
