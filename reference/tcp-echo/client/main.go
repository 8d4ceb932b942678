// Client is the reference solution for the client half of the tcp-echo
// assignment (handout §3 "The client" and §5 "Half close and errors"). It is
// the textbook's TCPClient (Kurose & Ross, §2.7.2) grown from one line into
// a whole input: it copies stdin to the server and the server's answers to
// stdout, like a small nc(1).
//
// Usage:
//
//	client -server HOST:PORT
//
// The flag:
//
//	-server HOST:PORT   the echo server to connect to (required)
//
// When stdin ends, the client closes its sending side only (a TCP "half
// close"), so the server sees end of input, and keeps copying answers until
// the server closes the connection. The exit status is 0 after a normal
// close, 1 if the client cannot connect or the connection breaks, and 2 for
// bad usage.
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
	log.SetPrefix("client: ")

	server := flag.String("server", "", "the echo server, as `HOST:PORT` (required)")
	flag.Parse()
	if _, _, err := net.SplitHostPort(*server); err != nil || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "client: need -server HOST:PORT, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	os.Exit(run(*server))
}

// run talks to server until the server closes the connection, and returns
// the exit status.
func run(server string) int {
	conn, err := net.Dial("tcp", server)
	if err != nil {
		log.Print(err) // connection refused, for instance
		return 1
	}
	defer conn.Close()

	// Sending and receiving run at the same time, one goroutine each.
	// Doing them in turn can deadlock: while we write a large input and
	// read nothing, the server's answers fill our receive buffer, then
	// its send buffer; its Write blocks, so it stops reading, so our
	// send buffer fills and our Write blocks too. Each side waits for
	// the other forever. A reader that always runs keeps things moving.
	sent := make(chan error, 1)
	go func() { sent <- send(conn.(*net.TCPConn), os.Stdin) }()

	// Copy answers until the server closes the connection (EOF). The
	// server decides when the conversation is over, not our stdin: it
	// may still be answering our last lines after our input has ended.
	if err := receive(conn, os.Stdout); err != nil {
		log.Print(err)
		return 1
	}

	// Normally the sender finished long ago. If it failed, the
	// connection broke while we were sending. If it is still running,
	// the server closed before our input ended: nothing more will be
	// answered, so we stop here too.
	select {
	case err := <-sent:
		if err != nil {
			log.Printf("send: %v", err)
			return 1
		}
	default:
	}
	return 0
}

// receive copies what the server sends to out until the server closes the
// connection. Each Read returns whatever has arrived, a piece of a line or
// several lines; they are written out as they come, since the answer is a
// stream of bytes, not of lines.
func receive(conn net.Conn, out io.Writer) error {
	buf := make([]byte, 32*1024)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				return fmt.Errorf("writing the answers: %w", werr)
			}
		}
		if err == io.EOF {
			return nil // the server closed the connection: all answered
		}
		if err != nil {
			return fmt.Errorf("receiving from the server: %w", err) // a reset, for instance
		}
	}
}

// send copies in to conn until in ends, then closes conn's sending side.
func send(conn *net.TCPConn, in io.Reader) error {
	// io.Copy reads and writes in chunks, whatever the line lengths; it
	// does not need to know where lines end, so lines of any length work.
	if _, err := io.Copy(conn, in); err != nil {
		return err
	}

	// CloseWrite sends a FIN: "I will send no more". It is not Close:
	// the connection stays open in the other direction, so the server
	// can still answer the end of our input, and we can still read it.
	// Close here would throw those answers away.
	return conn.CloseWrite()
}
