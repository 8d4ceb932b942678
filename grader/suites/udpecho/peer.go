package udpecho

import (
	"math/rand/v2"
	"net/netip"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
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

// fate is what a script decides for packet n; scripts of drops, copies and
// holds draw nothing from the random stream.
func fate(s netem.Script, dir netem.Direction, n uint64) netem.Fate {
	var f netem.Fate
	s.Decide(netem.Packet{Dir: dir, N: n}, rand.New(rand.NewPCG(0, n)), &f)
	return f
}
