// Server is the reference solution for the server half of the udp-echo
// assignment (handout §2 "The server"). It is the Go version of the
// textbook's UDPServer (Kurose & Ross, §2.7.1), made robust enough to be
// graded: it answers every datagram with the same bytes, lowercase ASCII
// letters turned to uppercase.
//
// Usage:
//
//	server -port P
//
// The flag:
//
//	-port P   the UDP port to listen on, on every local address (required)
//
// There is no connection and no per-client state: one socket receives the
// datagrams of every client, and each answer goes back to the address and
// port that the datagram came from. The server runs until it is killed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
)

// maxDatagram is the size of the receive buffer. The handout promises
// payloads of at most 4096 bytes, but the largest UDP payload over IPv4 is
// 65,507 bytes, so with a buffer this big no datagram is ever cut short.
//
// That matters because UDP keeps message boundaries: one read returns one
// whole datagram, and if the buffer is smaller than the datagram, the kernel
// silently throws the rest away. (TCP is the opposite: there, the rest waits
// for the next read. See the tcp-echo server.)
const maxDatagram = 65535

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
		log.Fatal(err) // port in use, or not allowed: nothing we can fix
	}
	serve(conn)
}

// serve answers datagrams on conn until conn is closed. A bad datagram or a
// failed send is logged and forgotten: one broken client must not take the
// service away from all the others.
func serve(conn *net.UDPConn) {
	buf := make([]byte, maxDatagram)
	for {
		// n may be 0: an empty datagram is a real datagram and gets an
		// empty datagram back.
		n, from, err := conn.ReadFromUDP(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("read: %v", err)
			continue
		}

		reply := buf[:n]
		upper(reply)
		if _, err := conn.WriteToUDP(reply, from); err != nil {
			log.Printf("reply to %v: %v", from, err)
		}
	}
}

// upper turns the ASCII letters 'a'..'z' in b into 'A'..'Z', in place, and
// leaves every other byte alone.
//
// Why not bytes.ToUpper? It reads b as UTF-8 text: it changes letters such
// as 'é' (two bytes that become two other bytes), and it may change the
// length. The protocol is defined on bytes, not on text, so the rule is
// written out: in ASCII, 'a' is 0x61 and 'A' is 0x41, and every lowercase
// letter is 0x20 above its uppercase partner.
func upper(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
