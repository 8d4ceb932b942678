// Broken on purpose. The mistake: when stdin ends, the client does not
// close its sending side (CloseWrite), so the server never learns that
// the input is over, never closes, and the client waits for its EOF
// forever. Handout §5: "When stdin ends, the client closes its sending
// side, and exits 0 once all replies are printed and the server has closed
// the connection." The program is the reference client without its
// CloseWrite.
//
// It should lose tcp-echo/client/lines, sliced-delayed-server, long-line
// and large-input, in which it prints every reply and then hangs, and
// nothing else.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("client: ")
	server := flag.String("server", "", "the echo server, HOST:PORT")
	flag.Parse()
	conn, err := net.Dial("tcp", *server)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	sent := make(chan error, 1)
	go func() {
		_, err := io.Copy(conn, os.Stdin) // the mistake: no conn.(*net.TCPConn).CloseWrite() after it
		sent <- err
	}()
	if _, err := io.Copy(os.Stdout, conn); err != nil {
		log.Fatal(err)
	}
	select {
	case err := <-sent:
		if err != nil {
			log.Fatalf("send: %v", err)
		}
	default:
	}
}
