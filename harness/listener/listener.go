// Package listener is a loopback TCP listener whose Flush waits until
// every connection queued before it has been accepted. It is for test
// servers whose logs must be complete once a client exits
// (harness/origin, harness/smtptest): their WaitIdle flushes the listen
// queue before it waits for the connections they have accepted.
//
// Without it, a client that connects, writes and exits at once may be
// gone before the server's accept loop gets to its connection, and a
// check that then reads the log would miss that connection on a loaded
// machine, and see it on an idle one.
//
// The kernel hands out queued connections in order. So Flush opens a
// connection of its own, a probe, and waits until Accept takes it: every
// connection queued before it has been taken by then. Accept knows a
// probe by its address, which Flush learns only once its dial has
// returned, possibly after the accept; so while a probe is being
// dialled, Accept waits for its address before it decides what a new
// connection is. Accept closes probes itself: its caller never sees one.
package listener

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// A Listener is a TCP listener that can be flushed. Its methods are safe
// for concurrent use.
type Listener struct {
	ln   *net.TCPListener
	addr netip.AddrPort
	done chan struct{} // closed by Close

	mu      sync.Mutex
	cond    *sync.Cond // signalled when a probe's dial returns
	closed  bool
	dialing int                              // probes being dialled
	probes  map[netip.AddrPort]chan struct{} // by the probe's address; closed once accepted
}

// Listen listens on address as net.Listen does; network must be "tcp",
// "tcp4" or "tcp6". Flush dials the address listened on, or, when that
// is unspecified (0.0.0.0, ::), the loopback address of its family.
func Listen(network, address string) (*Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	l := &Listener{
		ln:     ln.(*net.TCPListener),
		addr:   unmap(ln.Addr().(*net.TCPAddr).AddrPort()),
		done:   make(chan struct{}),
		probes: map[netip.AddrPort]chan struct{}{},
	}
	l.cond = sync.NewCond(&l.mu)
	return l, nil
}

// Addr returns the address the listener listens on, an IPv4 one as such
// (127.0.0.1, not ::ffff:127.0.0.1).
func (l *Listener) Addr() netip.AddrPort { return l.addr }

// Accept waits for the next connection that is not a probe and returns
// it. It closes the probes it takes, and tells their Flush. Its errors
// are net.TCPListener.AcceptTCP's: net.ErrClosed once the listener is
// closed.
func (l *Listener) Accept() (*net.TCPConn, error) {
	for {
		c, err := l.ln.AcceptTCP()
		if err != nil {
			return nil, err
		}
		if !l.isProbe(c) {
			return c, nil
		}
		c.Close()
	}
}

// Serve accepts connections and hands each to track, until the listener
// closes, ctx is done, or track returns false (the server is closing);
// the connection it refused is closed here. An accept error other than
// the close (a client that gave up before it was accepted, no file
// descriptors left) is waited out a little, so that one that persists
// does not spin.
func (l *Listener) Serve(ctx context.Context, track func(*net.TCPConn) bool) {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !pause(ctx) {
				return
			}
			continue
		}
		if !track(c) {
			c.Close()
			return
		}
	}
}

// pause waits acceptPause; false if ctx ends first.
func pause(ctx context.Context) bool {
	t := time.NewTimer(acceptPause)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// acceptPause is how long Serve waits after an accept error.
const acceptPause = 5 * time.Millisecond

// isProbe says whether c, just accepted, is a probe, and tells its Flush
// that it is through.
func (l *Listener) isProbe(c *net.TCPConn) bool {
	from := unmap(c.RemoteAddr().(*net.TCPAddr).AddrPort())
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if accepted, ok := l.probes[from]; ok {
			delete(l.probes, from)
			close(accepted)
			return true
		}
		if l.dialing == 0 {
			return false
		}
		l.cond.Wait()
	}
}

// Flush sends a probe through the listen queue and waits until Accept
// has taken it, and with it every connection queued before. It returns
// nil then, and also if the listener is closed, before or while it
// waits (nothing more is accepted anyway); and ctx's error if ctx is
// done first.
func (l *Listener) Flush(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.dialing++
	l.mu.Unlock()

	to := l.addr
	if to.Addr().IsUnspecified() {
		to = netip.AddrPortFrom(netip.IPv6Loopback(), to.Port())
		if l.addr.Addr().Is4() {
			to = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), to.Port())
		}
	}
	var d net.Dialer
	probe, err := d.DialContext(ctx, "tcp", to.String())
	accepted := make(chan struct{})
	l.mu.Lock()
	l.dialing--
	if err == nil {
		// Left in the map if ctx ends first: Accept still has to know
		// it for what it is.
		l.probes[unmap(probe.LocalAddr().(*net.TCPAddr).AddrPort())] = accepted
	}
	l.cond.Broadcast()
	l.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil // refused: the listener is closed, nothing more is accepted
	}
	defer probe.Close()
	select {
	case <-accepted:
		return nil
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the listener: Accept returns net.ErrClosed, and every
// Flush returns nil. It returns net.TCPListener.Close's error.
func (l *Listener) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	l.mu.Unlock()
	return l.ln.Close()
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
