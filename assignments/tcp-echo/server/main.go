// Server is the starter code for the server half of the tcp-echo
// assignment. Read handouts/tcp-echo.md, §2 "The server", first.
//
// Usage:
//
//	server -port P
//
// The flag:
//
//	-port P   the TCP port to listen on, on every local address (required)
//
// As given, the server accepts connections one at a time and reads each
// client's input to the end, but answers nothing.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("server: ")

	port := flag.Int("port", 0, "TCP `port` to listen on (required)")
	flag.Parse()
	if *port < 1 || *port > 65535 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "server: need -port P with P in 1..65535, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Printf("accept: %v", err)
			continue
		}

		// TODO(handout §4 "Concurrency"): while serve runs, no other
		// client is accepted. What happens to them if this client
		// stalls?
		serve(conn)
	}
}

// serve talks to one client.
func serve(conn net.Conn) {
	defer conn.Close()

	// TODO(handout §2 "The server"): answer each line with the same
	// bytes, lowercase ASCII letters made uppercase. One Read is not one
	// line: read the handout on line lengths and on how lines arrive.
	//
	// TODO(handout §5 "Half close and errors"): what is left to answer
	// when the client closes its sending side, and what must happen
	// when the connection breaks?
	n, err := io.Copy(io.Discard, conn)
	log.Printf("%v: read %d bytes, answered none (%v)", conn.RemoteAddr(), n, err)
}
