package main

import (
	"errors"
	"log"
	"net"
)

// serveUDP answers the queries that arrive on conn until conn is closed.
//
// One goroutine reads every datagram and answers it before reading the
// next: a lookup takes microseconds, and the kernel queues the datagrams
// that arrive meanwhile. Each reply goes to the address and port its query
// came from (RFC 1035 §4.2.1).
//
// A limit of this simple way: the socket listens on every local address,
// and the kernel picks the source address of each reply by its routes. On
// a host with several addresses, a reply to a query sent to one of them
// may leave from another, and the asker drops it. Servers that care bind
// one socket per address, or read the query's destination with
// IP_PKTINFO.
func (a *authority) serveUDP(conn *net.UDPConn) {
	// The largest UDP payload: no datagram is ever cut short. A query is
	// seldom more than 100 bytes, but a short buffer would silently drop
	// the rest of a longer one, which then reads as a truncated message.
	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("udp: read: %v", err)
			continue
		}
		// respond keeps nothing of buf, so buf is free for the next
		// datagram as soon as it returns.
		reply, _ := a.respond(buf[:n], true)
		if reply == nil {
			continue
		}
		if _, err := conn.WriteToUDPAddrPort(reply, from); err != nil {
			log.Printf("udp: reply to %v: %v", from, err)
		}
	}
}
