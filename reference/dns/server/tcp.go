package main

import (
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"time"
)

// idleTimeout is how long a TCP connection may stay without a whole query
// before the server closes it, and how long a reply may take to send. RFC
// 7766 §6.2.3 asks servers to close idle connections, in seconds rather
// than minutes, so that clients cannot hold the server's sockets.
const idleTimeout = 10 * time.Second

// serveTCP accepts connections on ln until ln is closed, and serves each
// in a goroutine of its own: a slow client then waits only on itself, and
// never holds up the others or UDP.
func (a *authority) serveTCP(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Usually out of file descriptors, for a moment. Wait a
			// little instead of spinning on the same error.
			log.Printf("tcp: accept: %v", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go a.serveConn(conn)
	}
}

// serveConn answers the queries of one TCP connection, in order, until the
// client closes it, stays idle too long, or sends what is not DNS.
//
// Over TCP each message is preceded by its length, two bytes (RFC 1035
// §4.2.2). TCP is a byte stream: the client's writes are not kept apart,
// so a query may arrive one byte at a time, or three queries in one
// segment. io.ReadFull reads exactly the length, then exactly the message,
// whatever the segments; the bytes after them wait for the next query.
func (a *authority) serveConn(conn net.Conn) {
	defer conn.Close()
	for {
		conn.SetDeadline(time.Now().Add(idleTimeout))
		var length [2]byte
		if _, err := io.ReadFull(conn, length[:]); err != nil {
			logConnError(conn, "read", err)
			return
		}
		n := binary.BigEndian.Uint16(length[:])
		if n < 12 {
			// Not even a header: the client does not speak DNS
			// over TCP, or has lost count of its own bytes.
			log.Printf("tcp: %v: message of %d bytes, shorter than a header; closing", conn.RemoteAddr(), n)
			hangUp(conn)
			return
		}
		query := make([]byte, n)
		if _, err := io.ReadFull(conn, query); err != nil {
			logConnError(conn, "read", err)
			return
		}

		reply, malformed := a.respond(query, false)
		if reply != nil {
			// The length and the message in one write, so they
			// leave in one segment (RFC 7766 §8).
			out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reply)), uint16(len(reply)))
			if _, err := conn.Write(append(out, reply...)); err != nil {
				logConnError(conn, "write", err)
				return
			}
		}
		if malformed {
			hangUp(conn) // after the FORMERR, if any: see respond
			return
		}
	}
}

// hangUp ends a connection whose client does not speak DNS, without
// destroying the FORMERR just written to it. Closing a socket that still
// has unread input makes the kernel send a reset (RFC 1122 §4.2.2.13),
// and a reset can discard data still on its way to the client. So the
// server first closes its sending side, which the client reads as the end
// of the stream, then reads and throws away what the client still sends,
// for a second at most, and only then closes the socket.
func hangUp(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	tc.CloseWrite()
	tc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(tc, 64<<10))
}

// logConnError logs why a connection ends, unless it ended the ordinary
// ways: the client closed it, or let it sit idle.
func logConnError(conn net.Conn, op string, err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	log.Printf("tcp: %v: %s: %v", conn.RemoteAddr(), op, err)
}
