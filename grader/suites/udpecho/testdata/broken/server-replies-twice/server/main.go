// Broken on purpose. The mistake: "UDP may lose my reply, so I send it
// twice to be safe". The handout says one reply per datagram: reliability
// is the client's job (its timeout), and a second copy is a reply to a
// datagram nobody sent.
//
// It should lose udp-echo/server/one-reply-each, and nothing else: the
// other checks use a fresh socket for each exchange, or skip a repeated
// copy of a reply, so that this one mistake costs one check.
package main

import (
	"flag"
	"log"
	"net"
)

func main() {
	port := flag.Int("port", 0, "UDP port to listen on")
	flag.Parse()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: *port})
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			log.Print(err)
			continue
		}
		reply := buf[:n]
		for i, c := range reply {
			if 'a' <= c && c <= 'z' {
				reply[i] = c - 'a' + 'A'
			}
		}
		for range 2 { // "to be safe"
			conn.WriteToUDP(reply, from)
		}
	}
}
