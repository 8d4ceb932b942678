package grader

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/socklab/socklab/harness/trace"
)

// Datagram is one datagram the grader received.
type Datagram struct {
	Data []byte
	From netip.AddrPort
	At   time.Time
}

// UDPConn is a grader-side UDP socket whose traffic goes into the check's
// transcript. Its waits fail fast, with the server's exit status, when a
// server role dies.
type UDPConn struct {
	t        *T
	c        *net.UDPConn
	local    netip.AddrPort
	name     string         // who the grader is in the transcript: "grader"
	peer     netip.AddrPort // where Send sends
	peerName string
	in       chan Datagram
	mu       sync.Mutex
	lost     int // datagrams dropped because the check did not read them
}

// udpQueue bounds what a socket keeps unread, so a program that floods the
// grader costs it a bounded amount of memory.
const udpQueue = 4096

// DialUDP opens a grader socket that sends to a server role.
func (t *T) DialUDP(r *Role) *UDPConn {
	return t.DialUDPAddr(r.Addr, "your "+r.name)
}

// DialUDPAddr opens a grader socket that sends to addr, named peerName in
// the transcript.
func (t *T) DialUDPAddr(addr netip.AddrPort, peerName string) *UDPConn {
	return t.listenUDP("grader", addr, peerName)
}

// ListenUDP opens a grader socket on 127.0.0.1 and a kernel-chosen port,
// named name in the transcript: a peer for a student's client.
func (t *T) ListenUDP(name string) *UDPConn {
	return t.listenUDP(name, netip.AddrPort{}, "")
}

// listenUDP opens the socket with its peer already set: the reader
// goroutine reads peer and peerName to name senders, so they must not
// change once it runs.
func (t *T) listenUDP(name string, peer netip.AddrPort, peerName string) *UDPConn {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.GraderErrorf("opening a UDP socket: %v", err)
	}
	c := &UDPConn{
		t:        t,
		c:        pc,
		local:    pc.LocalAddr().(*net.UDPAddr).AddrPort(),
		name:     name,
		peer:     peer,
		peerName: peerName,
		in:       make(chan Datagram, udpQueue),
	}
	go c.read()
	t.Cleanup(func() { pc.Close() })
	return c
}

func (c *UDPConn) read() {
	defer close(c.in)
	buf := make([]byte, 65536)
	for {
		n, from, err := c.c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		d := Datagram{Data: append([]byte(nil), buf[:n]...), From: from, At: time.Now()}
		c.t.trace.Add(trace.Event{Kind: trace.Recv, Proto: "udp", From: c.nameOf(from), To: c.name,
			Src: from, Dst: c.local, Data: d.Data})
		select {
		case c.in <- d:
		default:
			c.mu.Lock()
			c.lost++
			c.mu.Unlock()
		}
	}
}

func (c *UDPConn) nameOf(a netip.AddrPort) string {
	if a == c.peer && c.peerName != "" {
		return c.peerName
	}
	return a.String()
}

// Addr is the socket's own address, for a client role to send to.
func (c *UDPConn) Addr() netip.AddrPort { return c.local }

// Send sends one datagram to the peer.
func (c *UDPConn) Send(p []byte) { c.SendTo(p, c.peer) }

// SendTo sends one datagram to addr.
func (c *UDPConn) SendTo(p []byte, addr netip.AddrPort) {
	c.t.trace.Add(trace.Event{Kind: trace.Send, Proto: "udp", From: c.name, To: c.nameOf(addr),
		Src: c.local, Dst: addr, Data: p})
	if _, err := c.c.WriteToUDPAddrPort(p, addr); err != nil && c.t.ctx.Err() == nil {
		// Sending on loopback fails only when the grader broke. Once the
		// check is over, a peer's late send failing is expected.
		c.t.GraderErrorf("sending a datagram to %s: %v", addr, err)
	}
}

// Recv waits up to ReplyTimeout for the next datagram and returns its
// payload. Nothing arriving fails the check.
func (c *UDPConn) Recv() []byte {
	d, err := c.TryRecv(ReplyTimeout)
	if err != nil {
		what := fmt.Sprintf("no reply from %s within %s", c.peerName, ReplyTimeout)
		if c.peerName == "" {
			// A ListenUDP socket: it waits for whoever sends first.
			what = fmt.Sprintf("no datagram reached %s within %s", c.name, ReplyTimeout)
		}
		c.t.failWait(what, err)
	}
	return d.Data
}

// TryRecv waits up to d for the next datagram. Its error is ErrTimeout, or
// ErrRoleExited when a server role died first.
func (c *UDPConn) TryRecv(d time.Duration) (Datagram, error) {
	ctx, cancel := c.t.timeoutCtx(d)
	defer cancel()
	return c.RecvContext(ctx)
}

// RecvContext waits until ctx is done for the next datagram.
func (c *UDPConn) RecvContext(ctx context.Context) (Datagram, error) {
	select {
	case d, ok := <-c.in:
		if ok {
			return d, nil
		}
	default:
	}
	select {
	case d, ok := <-c.in:
		if !ok {
			return Datagram{}, ErrClosed
		}
		return d, nil
	case <-ctx.Done():
		return Datagram{}, ErrTimeout
	case <-c.t.serverDown():
		return Datagram{}, ErrRoleExited
	}
}
