// Broken on purpose. The mistake: bytes.ToUpper. It reads the datagram as
// UTF-8 text: it uppercases é and ß as Unicode letters, and it replaces each
// byte that is not valid UTF-8 with U+FFFD (three bytes), so the reply has
// other bytes and another length. The handout's rule is on bytes: a-z
// become A-Z, every other byte stays.
//
// It should lose udp-echo/server/other-bytes, and nothing else.
package main

import (
	"bytes"
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
		conn.WriteToUDP(bytes.ToUpper(buf[:n]), from) // text, not bytes
	}
}
