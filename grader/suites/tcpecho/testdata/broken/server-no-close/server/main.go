// Broken on purpose. The mistake: serve returns at the client's EOF
// without closing the connection (there is no defer conn.Close()), so the
// client, which has closed its sending side, waits for the server's FIN
// forever. Handout §5: "When the client closes its sending side (EOF), the
// server answers what is left and then closes the connection."
//
// It should lose tcp-echo/server/half-close, and nothing else.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
)

func main() {
	port := flag.Int("port", 0, "TCP port to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Print(err)
			continue
		}
		go serve(conn)
	}
}

func serve(conn net.Conn) { // the mistake: no defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if _, err := conn.Write(upper(line)); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// upper turns a-z into A-Z, in place, and leaves every other byte alone.
func upper(b []byte) []byte {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return b
}
