// Server is the starter code for the server half of the udp-echo
// assignment. Read handouts/udp-echo.md, §2 "The server", first.
//
// Usage:
//
//	server -port P
//
// The flag:
//
//	-port P   the UDP port to listen on, on every local address (required)
//
// As given, the server binds its port and reads datagrams, but answers
// none of them. Your job is to answer each one.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("server: ")

	port := flag.Int("port", 0, "UDP `port` to listen on (required)")
	flag.Parse()
	if *port < 1 || *port > 65535 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "server: need -port P with P in 1..65535, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	// An address with no IP means "every local address", like binding
	// ('', port) in the textbook's Python.
	conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: *port})
	if err != nil {
		log.Fatal(err)
	}

	// TODO(handout §2 "The server"): how big must buf be? Read what the
	// handout says about datagram sizes.
	buf := make([]byte, 1024)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			// TODO(handout §2 "The server"): the server must keep
			// running after a bad datagram. Is exiting right here?
			log.Fatal(err)
		}

		// TODO(handout §2 "The server"): uppercase the datagram and send
		// it back to its sender. Mind which bytes may change, and which
		// may not.
		log.Printf("got %d bytes from %v; not answered yet", n, from)
	}
}
