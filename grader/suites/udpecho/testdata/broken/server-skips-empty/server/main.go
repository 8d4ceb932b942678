// Broken on purpose. The mistake: "an empty datagram has nothing to
// uppercase", so it is skipped. But an empty datagram is a datagram, and
// the handout says its reply is an empty datagram.
//
// It should lose udp-echo/server/empty, and nothing else (survives-garbage
// sends an empty datagram too, but does not judge the replies to its odd
// datagrams).
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
		if n == 0 {
			continue // nothing to do?
		}
		reply := buf[:n]
		for i, c := range reply {
			if 'a' <= c && c <= 'z' {
				reply[i] = c - 'a' + 'A'
			}
		}
		conn.WriteToUDP(reply, from)
	}
}
