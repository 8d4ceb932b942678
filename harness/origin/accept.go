package origin

import (
	"net"

	"github.com/socklab/socklab/harness/netem"
)

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
