// Server is the reference solution for the server half of the tcp-echo
// assignment (handout §2 "The server" and §4 "Concurrency"). It is the Go
// version of the textbook's TCPServer (Kurose & Ross, §2.7.2), fixed in the
// two ways the handout asks for: it serves many clients at once, and it
// works with lines of any length.
//
// Usage:
//
//	server -port P
//
// The flag:
//
//	-port P   the TCP port to listen on, on every local address (required)
//
// Each client sends lines; the server answers each line with the same bytes,
// lowercase ASCII letters turned to uppercase, in order. When the client
// closes its sending side (handout §5 "Half close and errors"), the server
// answers what is left and closes the connection. The server runs until it
// is killed.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"
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

	// The listening socket only accepts connections; each accepted
	// connection is a new socket of its own, connected to one client.
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		log.Fatal(err) // port in use, or not allowed: nothing we can fix
	}
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Usually out of file descriptors, for a moment. Wait a
			// little instead of spinning on the same error.
			log.Printf("accept: %v", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}

		// A goroutine per connection. The textbook's server serves one
		// client from accept to close before it accepts the next, so a
		// client that stops sending halfway through a line holds every
		// other client in the queue. Here each client waits only on
		// itself; goroutines are cheap enough (a few KiB each) to have
		// thousands.
		go serve(conn)
	}
}

// serve answers the lines of one client until the client closes its sending
// side, then closes the connection. Errors end this connection only.
func serve(conn net.Conn) {
	defer conn.Close()

	// TCP carries a stream of bytes, not messages: the sender's writes
	// are not kept apart. One read may return half a line, or three lines
	// and the start of a fourth, depending on segment sizes and timing.
	// The textbook's recv(1024) is wrong on both counts: it answers a
	// piece of a line as if it were a line, and a line longer than 1024
	// bytes is cut in two. So we collect bytes until the '\n' that ends
	// the line: ReadBytes reads as many times as it takes and keeps the
	// bytes that follow the '\n' for the next call.
	r := bufio.NewReader(conn)
	for {
		// ReadBytes grows its result as needed, so lines have no
		// length limit. (A server on the open Internet would set one,
		// or a client could send an endless line and eat its memory.)
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			log.Printf("%v: read: %v", conn.RemoteAddr(), err)
			return // reset, or gone: nobody to answer
		}

		// At EOF, line holds the unfinished last line, if any: it is
		// answered as it is, without a '\n' added.
		if len(line) > 0 {
			upper(line)
			// Unlike send() in C or Python, Write on a net.Conn
			// returns only when all of line is written or on error.
			// There is no buffering on our side, so the answer leaves
			// now, before we wait for the next line.
			//
			// If the client has gone, Write fails with "broken pipe"
			// or "connection reset". In C that first raises SIGPIPE,
			// which kills the whole server unless ignored; Go ignores
			// SIGPIPE on sockets, so here it is just an error that
			// ends this one connection.
			if _, err := conn.Write(line); err != nil {
				log.Printf("%v: write: %v", conn.RemoteAddr(), err)
				return
			}
		}

		if err == io.EOF {
			// The client has half-closed: it will send nothing more,
			// but is still reading. All its input is answered, so we
			// close. Reading up to EOF first matters: closing a socket
			// with unread input makes the kernel send a reset, which
			// can destroy answers that are still on their way.
			return
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
