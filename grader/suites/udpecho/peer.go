package udpecho

import (
	"net/netip"

	"github.com/socklab/socklab/grader"
)

// startEcho runs the grader's own echo server, the reference behaviour the
// student's pinger is tested against: one uppercased reply to each
// datagram, at once, to its sender.
func startEcho(t *grader.T) netip.AddrPort {
	c := t.ListenUDP("the grader's echo server")
	go func() {
		for {
			d, err := c.RecvContext(t.Context())
			if err != nil {
				return
			}
			c.SendTo(upper(d.Data), d.From)
		}
	}()
	return c.Addr()
}
