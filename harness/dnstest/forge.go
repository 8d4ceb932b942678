package dnstest

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/socklab/socklab/harness/sockstat"
	"github.com/socklab/socklab/harness/trace"
	"golang.org/x/net/dns/dnsmessage"
)

// A ForgeKind says what gives a forged reply away: each kind breaks one of
// the checks a resolver must make before it believes a reply (RFC 5452
// §3: the source address and port, the ID and the question must all match
// the query's).
type ForgeKind int

const (
	// WrongID comes from the right address and port, with the right
	// question, and the ID plus one (mod 65536).
	WrongID ForgeKind = iota
	// WrongQuestion comes from the right address and port, with the right
	// ID, and asks about another name (Forgery.ForgedName).
	WrongQuestion
	// WrongAddr has the right ID and question, and comes from another
	// loopback address, port Config.Port: the server's address with last
	// byte 250 (249 for a server at .250).
	WrongAddr
	// WrongPort has the right ID and question, and comes from the
	// server's own address, at another port.
	WrongPort
)

func (k ForgeKind) String() string {
	switch k {
	case WrongID:
		return "WrongID"
	case WrongQuestion:
		return "WrongQuestion"
	case WrongAddr:
		return "WrongAddr"
	case WrongPort:
		return "WrongPort"
	}
	return "ForgeKind(" + strconv.Itoa(int(k)) + ")"
}

// A Forgery is a forged reply that a server sends before its real one, as
// an off-path attacker would who guessed well.
//
// Order: on a UDP query that a Behavior with Forge matches, the server
// sends every forgery first, in order, to the query's source address and
// port, at once (before any Delay or Hold, and when Silent too). Before
// the real reply it waits until the resolver's socket at that port has
// read them: until the receive queues of the UDP sockets bound there (to
// that address or the wildcard, as package sockstat sees them) are
// empty, polling with a backoff from 50 µs to 5 ms, for up to 2 s. A
// socket connected to the server gets no WrongAddr or WrongPort forgery
// (the kernel drops them), so there is nothing to wait for; nor is there
// when no socket is seen (closed, in another network namespace, not
// Linux), and the server stops waiting at once. A resolver thus meets
// the forgeries first, whatever its timing.
type Forgery struct {
	Kind ForgeKind
	// Answer is the forgery's answer section: the poison it carries,
	// typically an A record for the asked name with an attacker's
	// address. The header says AA=1, QR=1, RCODE NOERROR.
	Answer []dnsmessage.Resource
	// ForgedName is, for WrongQuestion, the name in the question; ""
	// means "forged." and the asked name.
	ForgedName string
}

// How the server waits for the resolver to read forgeries.
const (
	forgePollMin  = 50 * time.Microsecond
	forgePollMax  = 5 * time.Millisecond
	forgedAddrEnd = 250 // the last byte of WrongAddr's source address
)

// forgeWait is how long the server waits at most; a variable for the test
// of giving up.
var forgeWait = 2 * time.Second

// forge sends the exchange's forgeries to the resolver and reports
// whether any went out.
func (x *exchange) forge() bool {
	s, w, to := x.s, x.s.w, x.q.From
	sent := false
	for _, f := range x.b.Forge {
		m, what := forgery(x.req, f)
		e := s.event(trace.Send, to, false)
		e.From = "attacker"
		out, err := m.Pack()
		var c *net.UDPConn
		if err == nil {
			c, err = s.forgeConn(f.Kind)
		}
		if err != nil {
			e.Kind, e.Text = trace.Note, fmt.Sprintf("forged reply (%s) not sent: %v", what, err)
			w.tr.Add(e)
			continue
		}
		e.Src = c.LocalAddr().(*net.UDPAddr).AddrPort()
		if f.Kind == WrongAddr || f.Kind == WrongPort {
			what += " " + e.Src.String()
		}
		e.Data, e.Text = out, fmt.Sprintf("forged reply (%s): %s", what, answerText(m.Answers))
		w.tr.Add(e)
		if _, err := c.WriteToUDPAddrPort(out, to); err != nil {
			e.Kind, e.Text = trace.Note, fmt.Sprintf("forged reply (%s) not sent: %v", what, err)
			w.tr.Add(e)
			continue
		}
		sent = true
	}
	return sent
}

// forgery builds the forged reply f to req, and says what is wrong with
// it: "wrong ID 4712", "wrong question forged.gaia.cs.umass.edu.", "wrong
// address" (to which forge adds the source).
func forgery(req *request, f Forgery) (*dnsmessage.Message, string) {
	q := req.question
	m := &dnsmessage.Message{
		Header: dnsmessage.Header{ID: req.header.ID, Response: true, Authoritative: true,
			RecursionDesired: req.header.RecursionDesired},
		Answers: f.Answer,
	}
	var what string
	switch f.Kind {
	case WrongID:
		m.Header.ID++
		what = "wrong ID " + strconv.Itoa(int(m.Header.ID))
	case WrongQuestion:
		name := f.ForgedName
		if name == "" {
			name = "forged." + strings.TrimPrefix(q.Name.String(), ".")
		}
		q.Name = mustName(name)
		what = "wrong question " + name
	case WrongAddr:
		what = "wrong address"
	case WrongPort:
		what = "wrong port"
	default:
		what = f.Kind.String()
	}
	m.Questions = []dnsmessage.Question{q}
	if req.edns {
		// Otherwise valid: a resolver must reject it for its one flaw.
		var h dnsmessage.ResourceHeader
		h.SetEDNS0(ednsUDP, dnsmessage.RCodeSuccess, false)
		m.Additionals = []dnsmessage.Resource{{Header: h, Body: &dnsmessage.OPTResource{}}}
	}
	return m, what
}

func answerText(rs []dnsmessage.Resource) string {
	if len(rs) == 0 {
		return "no answer"
	}
	t := make([]string, len(rs))
	for i, r := range rs {
		t[i] = rrText(r)
	}
	return strings.Join(t, "; ")
}

// forgeConn is the socket a forgery of kind k comes from.
func (s *Server) forgeConn(k ForgeKind) (*net.UDPConn, error) {
	switch k {
	case WrongAddr:
		b := s.addr.As4()
		b[3] = forgedAddrEnd
		if s.addr.As4()[3] == forgedAddrEnd {
			b[3]--
		}
		a := netip.AddrFrom4(b)
		if other := s.w.byAddr[a]; other != nil {
			return other.udp, nil // a server of the world: the attacker is a neighbour
		}
		return s.w.forger(netip.AddrPortFrom(a, uint16(s.w.port)))
	case WrongPort:
		return s.w.forger(netip.AddrPortFrom(s.addr, 0))
	}
	return s.udp, nil
}

// forger returns the world's forging socket at ap, binding it the first
// time it is asked for; port 0 means any port (one socket per address).
func (w *World) forger(ap netip.AddrPort) (*net.UDPConn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClosed
	}
	if c := w.forgers[ap]; c != nil {
		return c, nil
	}
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, fmt.Errorf("dnstest: forging from %s: %w", ap, err)
	}
	w.forgers[ap] = c
	return c, nil
}

// waitRead waits until the resolver has read the forgeries (see Forgery),
// and reports false if the world closed meanwhile.
func (x *exchange) waitRead() bool {
	s, to := x.s, x.q.From
	note := func(text string) {
		e := s.event(trace.Note, to, false)
		e.Text = text
		s.w.tr.Add(e)
	}
	deadline := time.Now().Add(forgeWait)
	pause := forgePollMin
	for {
		n, err := unread(to)
		switch {
		case err != nil:
			note("not waiting for the forgeries to be read: " + err.Error())
			return true
		case n == 0:
			return true
		case time.Now().After(deadline):
			note(fmt.Sprintf("the resolver left the forgeries unread (%d bytes queued) for %s: sending the real reply anyway", n, forgeWait))
			return true
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-s.w.done:
			t.Stop()
			return false
		}
		pause = min(2*pause, forgePollMax)
	}
}

// unread returns the bytes queued at the UDP sockets that receive what is
// sent to "to": bound to its address or to the wildcard, at its port,
// IPv4 or dual-stack IPv6.
func unread(to netip.AddrPort) (int, error) {
	socks, err := sockstat.List("udp", sockstat.Filter{Port: to.Port()})
	if err != nil {
		return 0, err
	}
	n, found := 0, false
	for _, s := range socks {
		if a := s.Local.Addr().Unmap(); a == to.Addr() || a.IsUnspecified() {
			n, found = n+s.RecvQ, true
		}
	}
	if !found {
		return 0, fmt.Errorf("%w: no UDP socket at %s", sockstat.ErrNotFound, to)
	}
	return n, nil
}
