// Client is the starter code for the client half of the tcp-echo
// assignment. Read handouts/tcp-echo.md, §3 "The client", first.
//
// Usage:
//
//	client -server HOST:PORT
//
// The flag:
//
//	-server HOST:PORT   the echo server to connect to (required)
//
// As given, the client connects, then hangs up without sending anything.
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
	log.SetPrefix("client: ")

	server := flag.String("server", "", "the echo server, as `HOST:PORT` (required)")
	flag.Parse()
	if _, _, err := net.SplitHostPort(*server); err != nil || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "client: need -server HOST:PORT, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	conn, err := net.Dial("tcp", *server)
	if err != nil {
		log.Fatal(err) // exits with status 1
	}
	defer conn.Close()

	// TODO(handout §3 "The client"): send stdin to the server, and copy
	// everything the server sends back to stdout, byte for byte.
	//
	// TODO(handout §4 "Concurrency"): can the client deadlock if it
	// sends all of a large input before it reads any reply?
	//
	// TODO(handout §5 "Half close and errors"): when stdin ends, how does
	// the server learn it, while the client can still read the last
	// replies? When is the client done, and with which exit status?
}
