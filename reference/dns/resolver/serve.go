package main

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// idleTimeout is how long a stub's TCP connection may stay without a
// whole query, and how long a reply may take to send (RFC 7766 §6.2.3).
const idleTimeout = 10 * time.Second

// serveUDP answers the stubs' queries that arrive on conn until conn is
// closed.
//
// Unlike the authoritative server, which answers from memory in
// microseconds, the resolver may wait seconds for name servers. So each
// query gets a goroutine of its own, and the loop goes straight back to
// reading: "The resolver serves many stubs at once: a slow resolution
// never delays another." Goroutines are cheap; a resolver facing the
// whole Internet would bound how many run at once.
func (r *resolver) serveUDP(conn *net.UDPConn) {
	buf := make([]byte, 65535) // the largest UDP payload: no datagram is cut short
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			r.logf("udp: read: %v", err)
			continue
		}
		query := append([]byte(nil), buf[:n]...) // buf is reused by the next read
		go func() {
			reply := r.respond(query, true)
			if reply == nil {
				return
			}
			// The reply goes to the address and port the query came
			// from (RFC 1035 §4.2.1). A UDPConn may be written by
			// many goroutines at once.
			if _, err := conn.WriteToUDPAddrPort(reply, from); err != nil {
				r.logf("udp: reply to %v: %v", from, err)
			}
		}()
	}
}

// serveTCP accepts stubs' connections on ln until ln is closed, and
// serves each in a goroutine of its own.
func (r *resolver) serveTCP(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			r.logf("tcp: accept: %v", err) // out of file descriptors, for a moment
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go r.serveConn(conn)
	}
}

// serveConn answers the queries of one TCP connection, each after its
// 2-byte length (RFC 1035 §4.2.2), until the stub closes it or leaves it
// idle. A stub may send several queries without waiting for the replies
// (RFC 7766 §6.2.1.1). Each is resolved in a goroutine of its own, so a
// slow one does not hold up those after it, and the replies go back as
// they are ready, one whole message at a time, each with its ID to match.
// The connection is closed only once every query on it is answered.
func (r *resolver) serveConn(conn net.Conn) {
	var (
		writing sync.Mutex // one reply at a time on the stream
		pending sync.WaitGroup
	)
	defer conn.Close()
	defer pending.Wait() // deferred last, so it runs first: replies before the close
	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		var length [2]byte
		if _, err := io.ReadFull(conn, length[:]); err != nil {
			r.logConnError(conn, err)
			return
		}
		query := make([]byte, binary.BigEndian.Uint16(length[:]))
		if _, err := io.ReadFull(conn, query); err != nil {
			r.logConnError(conn, err)
			return
		}
		pending.Go(func() {
			reply := r.respond(query, false)
			if reply == nil {
				return
			}
			out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reply)), uint16(len(reply)))
			writing.Lock()
			defer writing.Unlock()
			conn.SetWriteDeadline(time.Now().Add(idleTimeout))
			if _, err := conn.Write(append(out, reply...)); err != nil {
				r.logConnError(conn, err)
			}
		})
	}
}

// logConnError logs why a connection ends, unless it ended the ordinary
// ways: the stub closed it, or let it sit idle.
func (r *resolver) logConnError(conn net.Conn, err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	r.logf("tcp: %v: %v", conn.RemoteAddr(), err)
}
