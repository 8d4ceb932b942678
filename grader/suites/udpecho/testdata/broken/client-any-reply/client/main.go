// Broken on purpose. The mistake: the first datagram to arrive after a ping
// is taken as its reply, without looking at its sequence number. A
// duplicate reply, or a late reply to a ping that already timed out, is
// then credited to the ping being waited for, with a wrong round-trip time.
//
// It should lose udp-echo/client/duplicates and late-reply, and nothing
// else.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
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
	buf := make([]byte, 65535)
	for seq := 1; seq <= *count; seq++ {
		sent := time.Now()
		conn.WriteToUDP(fmt.Appendf(nil, "PING %d %d", seq, sent.UnixNano()), addr)
		conn.SetReadDeadline(sent.Add(time.Duration(*timeout * float64(time.Second))))
		if _, _, err := conn.ReadFromUDP(buf); err != nil {
			fmt.Printf("Request timed out: seq=%d\n", seq)
			continue
		}
		rtt := time.Since(sent) // whatever came, it must be our reply?
		fmt.Printf("Reply from %s: seq=%d time=%.3f ms\n", *server, seq, ms(rtt))
		rtts = append(rtts, rtt)
	}

	fmt.Printf("--- %s ping statistics ---\n", *server)
	fmt.Printf("%d packets transmitted, %d received, %.1f%% packet loss\n",
		*count, len(rtts), 100*float64(*count-len(rtts))/float64(*count))
	if len(rtts) == 0 {
		os.Exit(1)
	}
	lo, hi, sum := rtts[0], rtts[0], time.Duration(0)
	for _, r := range rtts {
		lo, hi, sum = min(lo, r), max(hi, r), sum+r
	}
	fmt.Printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", ms(lo), ms(sum/time.Duration(len(rtts))), ms(hi))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
