// Broken on purpose. The mistake: main just returns, so the exit status is
// always 0, also when no ping got a reply. The handout says 1 then, so a
// script (or a CI job) can tell "the server is down" from "it answered".
//
// It should lose udp-echo/client/server-down, and nothing else.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"time"
)

func main() {
	server := flag.String("server", "", "the echo server, HOST:PORT")
	count := flag.Int("count", 10, "number of pings")
	timeout := flag.Float64("timeout", 1, "seconds to wait for each reply")
	flag.Parse()
	addr, err := net.ResolveUDPAddr("udp", *server)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", nil)
	if err != nil {
		log.Fatal(err)
	}

	var rtts []time.Duration
	for seq := 1; seq <= *count; seq++ {
		rtt, ok := ping(conn, addr, seq, time.Duration(*timeout*float64(time.Second)))
		if !ok {
			fmt.Printf("Request timed out: seq=%d\n", seq)
			continue
		}
		fmt.Printf("Reply from %s: seq=%d time=%.3f ms\n", *server, seq, ms(rtt))
		rtts = append(rtts, rtt)
	}

	fmt.Printf("--- %s ping statistics ---\n", *server)
	fmt.Printf("%d packets transmitted, %d received, %.1f%% packet loss\n",
		*count, len(rtts), 100*float64(*count-len(rtts))/float64(*count))
	if len(rtts) == 0 {
		return // exit status 0: "the program ran fine"
	}
	lo, hi, sum := rtts[0], rtts[0], time.Duration(0)
	for _, r := range rtts {
		lo, hi, sum = min(lo, r), max(hi, r), sum+r
	}
	fmt.Printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", ms(lo), ms(sum/time.Duration(len(rtts))), ms(hi))
}

// ping sends ping seq and waits until timeout after the send for the
// datagram whose first two words are PING and seq.
func ping(conn *net.UDPConn, addr *net.UDPAddr, seq int, timeout time.Duration) (time.Duration, bool) {
	sent := time.Now()
	conn.WriteToUDP(fmt.Appendf(nil, "PING %d %d", seq, sent.UnixNano()), addr)
	conn.SetReadDeadline(sent.Add(timeout))
	buf := make([]byte, 65535)
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return 0, false // the deadline passed
		}
		f := strings.Fields(string(buf[:n]))
		if len(f) >= 2 && strings.EqualFold(f[0], "PING") && f[1] == strconv.Itoa(seq) {
			return time.Since(sent), true
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
