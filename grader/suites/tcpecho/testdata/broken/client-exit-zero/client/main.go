// Broken on purpose. The mistake: when it cannot connect, it says so on
// stderr but returns from main, so the exit status is 0, as if all went
// well. Handout §5: the client "exits with a non-zero status, with a
// message on stderr, when it cannot connect", so that a script can tell.
//
// It should lose tcp-echo/client/server-down, and nothing else.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"os"
)

func main() {
	server := flag.String("server", "", "the echo server, HOST:PORT")
	flag.Parse()
	conn, err := net.Dial("tcp", *server)
	if err != nil {
		log.Print(err)
		return // the mistake: exit status 0
	}
	defer conn.Close()
	go func() {
		io.Copy(conn, os.Stdin)
		conn.(*net.TCPConn).CloseWrite()
	}()
	if _, err := io.Copy(os.Stdout, conn); err != nil {
		log.Fatal(err)
	}
}
