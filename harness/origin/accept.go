package origin

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/socklab/socklab/harness/netem"
)

// accept accepts connections until the listener closes.
func (s *Server) accept() {
	for {
		c, err := s.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !s.pause() {
				return
			}
			continue // the client gave up before it was accepted, or out of files
		}
		if s.flush.isProbe(c) {
			c.Close()
			continue
		}
		if !s.track(c) {
			c.Close()
			return
		}
	}
}

// pause waits a little after an accept error other than closing, so that
// one that persists (out of file descriptors) does not spin; false means
// the server is closing.
func (s *Server) pause() bool {
	t := time.NewTimer(5 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// track logs a new connection and starts its goroutines; false means the
// server is closing and the caller must close the connection itself.
func (s *Server) track(tc *net.TCPConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	c := &Conn{
		N:         len(s.conns) + 1,
		Remote:    unmap(tc.RemoteAddr().(*net.TCPAddr).AddrPort()),
		Local:     unmap(tc.LocalAddr().(*net.TCPAddr).AddrPort()),
		s:         s,
		c:         tc,
		plain:     netem.NewSegmentWriter(tc, netem.WriterOptions{Context: s.ctx}),
		paced:     netem.NewSegmentWriter(tc, netem.WriterOptions{Paced: true, Context: s.ctx}),
		wake:      make(chan struct{}, 1),
		readDone:  make(chan struct{}),
		done:      make(chan struct{}),
		answering: true,
	}
	s.conns = append(s.conns, c)
	s.changedLocked()
	c.notef("accepted from port %d", c.Remote.Port())
	s.wg.Go(c.read)
	s.wg.Go(c.serve)
	return true
}

// A flusher lets WaitIdle count every connection a client opened, also
// one still in the listen queue, not yet accepted: a client that
// connects, writes and exits at once may be gone before the accept loop
// gets to its connection, and a check that then reads the log would miss
// it on a loaded machine, and see it on an idle one.
//
// The kernel hands out queued connections in order. So WaitIdle opens a
// connection of its own, a probe, and waits until the accept loop takes
// it: every connection queued before it has been taken by then. The
// accept loop knows a probe by its address, which WaitIdle learns only
// once its dial has returned, possibly after the accept; so while a probe
// is being dialled, the accept loop waits for its address before it
// decides what a new connection is.
type flusher struct {
	mu      *sync.Mutex // the server's
	cond    *sync.Cond  // signalled when a dial returns
	dialing int         // probes being dialled
	probes  map[netip.AddrPort]chan struct{}
}

func (f *flusher) init(mu *sync.Mutex) {
	f.mu = mu
	f.cond = sync.NewCond(mu)
	f.probes = map[netip.AddrPort]chan struct{}{}
}

// isProbe says whether c, just accepted, is a probe, and tells its
// WaitIdle that it is through.
func (f *flusher) isProbe(c *net.TCPConn) bool {
	from := unmap(c.RemoteAddr().(*net.TCPAddr).AddrPort())
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if accepted, ok := f.probes[from]; ok {
			delete(f.probes, from)
			close(accepted)
			return true
		}
		if f.dialing == 0 {
			return false
		}
		f.cond.Wait()
	}
}

// await sends a probe through s's listen queue and waits until the accept
// loop has taken it, or s closes (then nothing more is accepted anyway),
// or ctx is done.
func (f *flusher) await(ctx context.Context, s *Server) error {
	f.mu.Lock()
	if s.closing {
		f.mu.Unlock()
		return nil
	}
	f.dialing++
	f.mu.Unlock()

	to := s.addr
	if to.Addr().IsUnspecified() {
		to = netip.AddrPortFrom(netip.IPv6Loopback(), to.Port())
		if s.addr.Addr().Is4() {
			to = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), to.Port())
		}
	}
	var d net.Dialer
	probe, err := d.DialContext(ctx, "tcp", to.String())
	accepted := make(chan struct{})
	f.mu.Lock()
	f.dialing--
	if err == nil {
		// Left in the map if ctx ends first: the accept loop still has
		// to know it for what it is.
		f.probes[unmap(probe.LocalAddr().(*net.TCPAddr).AddrPort())] = accepted
	}
	f.cond.Broadcast()
	f.mu.Unlock()
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
	case <-s.ctx.Done():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
