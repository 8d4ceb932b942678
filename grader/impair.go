package grader

import (
	"fmt"
	"net/netip"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// UDPProxy puts the impairment proxy in front of target: the check points a
// client role at the proxy's address, and each datagram's fate is decided
// from the run's seed, the check's ID, its direction and its number, and
// recorded in the transcript. The proxy closes when the check ends.
func (t *T) UDPProxy(target netip.AddrPort, up, down []netem.Impairment) *netem.UDPProxy {
	p, err := netem.NewUDPProxy(netem.UDPConfig{
		Target:  target.String(),
		Seed:    t.seed,
		Key:     t.check.ID,
		Up:      up,
		Down:    down,
		OnEvent: t.recordProxy("udp"),
	})
	if err != nil {
		t.GraderErrorf("starting the impairment proxy: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TCPProxy puts the TCP impairment proxy in front of target, with toxics
// for each direction.
func (t *T) TCPProxy(target netip.AddrPort, up, down []netem.Toxic) *netem.TCPProxy {
	return t.TCPProxyWith(netem.TCPConfig{Target: target.String(), Up: up, Down: down})
}

// TCPProxyWith starts a TCP impairment proxy configured by cfg (for Paced,
// say); the check fills in the seed, its ID as the key, and the
// transcript.
func (t *T) TCPProxyWith(cfg netem.TCPConfig) *netem.TCPProxy {
	cfg.Seed, cfg.Key, cfg.OnEvent = t.seed, t.check.ID, t.recordProxy("tcp")
	p, err := netem.NewTCPProxy(cfg)
	if err != nil {
		t.GraderErrorf("starting the TCP impairment proxy: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// recordProxy turns proxy events into transcript lines: the packet, who
// sent it, and its fate.
func (t *T) recordProxy(proto string) func(netem.Event) {
	return func(e netem.Event) {
		from, to := "client", "server"
		if e.Dir == netem.Down {
			from, to = to, from
		}
		text := fmt.Sprintf("%s #%d: %s", e.Dir, e.N, e.Fate)
		if proto == "tcp" {
			text = fmt.Sprintf("%s segment #%d", e.Dir, e.N)
			if e.Note != "" {
				text += ": " + e.Note
			}
		}
		t.trace.Add(trace.Event{Kind: trace.Fate, Proto: proto, From: from, To: to,
			Src: e.From, Dst: e.To, Size: e.Size, Data: e.Data,
			Text: text + " " + trace.Quote(e.Data, 60)})
	}
}
