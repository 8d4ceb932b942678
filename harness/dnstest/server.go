package dnstest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

// tcpIdle is how long a TCP connection may stay without a new query
// before the server closes it (RFC 7766 §6.2.3 suggests seconds).
const tcpIdle = 10 * time.Second

// A Server is one name server of the world: one address, the zones it is
// authoritative for, and a Behavior.
type Server struct {
	w        *World
	names    []string
	addr     netip.Addr
	zones    []*zoneData
	udp      *net.UDPConn
	tcp      *net.TCPListener
	behavior atomic.Pointer[Behavior]
}

// A Behavior scripts a server away from answering as it should. The zero
// Behavior answers every query by the book. Fields combine: Rcode, then
// Extra, then Truncate shape the reply; Delay, then Hold, delay it.
type Behavior struct {
	// Silent makes a dead server: it receives and records queries, and
	// answers none (forgeries, if any, are still sent).
	Silent bool
	// Rcode, if not NOERROR, answers every query with this RCODE, AA=0
	// and no records: SERVFAIL, or REFUSED, which is what a lame server
	// says.
	Rcode dnsmessage.RCode
	// Truncate answers over UDP with TC=1, the question and no records;
	// over TCP the server answers in full.
	Truncate bool
	// Delay makes the server wait this long before each reply.
	Delay time.Duration
	// Jitter adds to Delay a wait drawn from 0 to Jitter for each reply:
	// seeded by the world's Loss Seed and Key (SetLoss with P 0 sets
	// them alone), the server and the question's try number, so that the
	// delays are the same on every run.
	Jitter time.Duration
	// Hold, if not nil, makes each reply wait until it is closed, or the
	// world is (the reply is then never sent).
	Hold <-chan struct{}
	// Forge are forged replies sent before each real reply over UDP; see
	// Forgery for the order.
	Forge []Forgery
	// Extra is appended to the additional section of every reply: records
	// that may be outside the server's zones (cache-poisoning attempts,
	// RFC 2181 §5.4.1).
	Extra []dnsmessage.Resource
	// Match, if not nil, narrows the behavior to the queries it matches;
	// the others get the normal answer. It is called once per query that
	// reaches the server, in the world's order of arrival, from the
	// world's goroutines: it must not block.
	Match func(Query) bool
}

// Names returns the server's name server host names, absolute, spelled as
// in the zones, in order of first appearance.
func (s *Server) Names() []string { return slices.Clone(s.names) }

// Addr returns the server's address.
func (s *Server) Addr() netip.Addr { return s.addr }

// Zones returns the origins of the zones the server is authoritative for.
func (s *Server) Zones() []string {
	out := make([]string, len(s.zones))
	for i, z := range s.zones {
		out[i] = z.Origin
	}
	return out
}

// String names the server for messages: "dns.umass.edu. (127.0.99.10)".
func (s *Server) String() string { return fmt.Sprintf("%s (%s)", s.names[0], s.addr) }

// Queries returns the queries the server received, in order of arrival.
func (s *Server) Queries() []Query {
	var out []Query
	for _, q := range s.w.Queries() {
		if q.Server == s {
			out = append(out, q)
		}
	}
	return out
}

// Script replaces the server's behavior. It is safe at any time, also
// while the server runs: a query follows the behavior in force when it
// arrived. The slices and channel of b are used, not copied.
func (s *Server) Script(b Behavior) { s.behavior.Store(&b) }

// behaviorFor is the behavior that q follows.
func (s *Server) behaviorFor(q Query) Behavior {
	b := s.behavior.Load()
	if b == nil || (b.Match != nil && !b.Match(q)) {
		return Behavior{}
	}
	return *b
}

// label is what the transcript calls a server: its first name without
// the final dot, "a.root-servers.net".
func (s *Server) label() string { return strings.TrimSuffix(s.names[0], ".") }

// event is the transcript's addressing of an exchange with a server.
func (s *Server) event(kind trace.Kind, from netip.AddrPort, tcp bool) trace.Event {
	e := trace.Event{Kind: kind, Proto: "udp", From: s.w.client, To: s.label(), Src: from, Dst: s.addrPort()}
	if tcp {
		e.Proto = "tcp"
	}
	if kind == trace.Send {
		e.From, e.To, e.Src, e.Dst = e.To, e.From, e.Dst, e.Src
	}
	return e
}

// onWire is a message as it crosses the wire: over TCP, after its 2-byte
// length (RFC 1035 §4.2.2), so that a pcap of the transcript reads as DNS
// over TCP.
func onWire(msg []byte, tcp bool) []byte {
	if !tcp {
		return msg
	}
	return append([]byte{byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

func (s *Server) addrPort() netip.AddrPort { return netip.AddrPortFrom(s.addr, uint16(s.w.port)) }

// bind makes the server's sockets: at its own address exactly, never the
// wildcard, so that replies come from the address the resolver asked.
func (s *Server) bind(port int) error {
	ap := netip.AddrPortFrom(s.addr, uint16(port))
	udp, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return fmt.Errorf("dnstest: server %s: %w", s, err)
	}
	if port == 0 {
		ap = udp.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	tcp, err := net.ListenTCP("tcp4", net.TCPAddrFromAddrPort(ap))
	if err != nil {
		udp.Close()
		return fmt.Errorf("dnstest: server %s: %w", s, err)
	}
	s.udp, s.tcp = udp, tcp
	return nil
}

func (s *Server) unbind() {
	if s.udp != nil {
		s.udp.Close()
		s.tcp.Close()
		s.udp, s.tcp = nil, nil
	}
}

// serveUDP reads queries until the socket closes. Each is logged here, in
// the order they arrive, and answered in a goroutine of its own, so that
// a held reply holds up no other.
func (s *Server) serveUDP() {
	buf := make([]byte, 65536)
	for {
		n, from, err := s.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !s.w.pause() {
				return
			}
			continue // an ICMP error reported late; the socket still works
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		x := s.receive(slices.Clone(buf[:n]), from, false)
		if x == nil {
			continue
		}
		s.w.wg.Go(func() {
			x.run(func(b []byte) error {
				_, err := s.udp.WriteToUDPAddrPort(b, from)
				return err
			})
		})
	}
}

// serveTCP accepts connections until the listener closes.
func (s *Server) serveTCP() {
	for {
		c, err := s.tcp.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !s.w.pause() {
				return
			}
			continue // the client gave up before it was accepted, or out of files
		}
		if !s.w.track(c) {
			c.Close()
			return
		}
		s.w.wg.Go(func() { s.serveConn(c) })
	}
}

// serveConn reads length-prefixed queries (RFC 1035 §4.2.2), any number,
// until the client closes the connection or sends nothing for tcpIdle,
// and answers each in a goroutine of its own, in whatever order they are
// ready (RFC 7766 §6.2.1.1). It closes the connection once every reply is
// out.
func (s *Server) serveConn(c *net.TCPConn) {
	defer s.w.untrack(c)
	defer c.Close()
	from := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	var wmu sync.Mutex
	send := func(b []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		c.SetWriteDeadline(time.Now().Add(tcpIdle))
		_, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...))
		return err
	}
	var pending sync.WaitGroup
	defer pending.Wait()
	r := bufio.NewReader(c)
	for {
		c.SetReadDeadline(time.Now().Add(tcpIdle))
		var n [2]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		if x := s.receive(msg, from, true); x != nil {
			pending.Add(1)
			s.w.wg.Go(func() {
				defer pending.Done()
				x.run(send)
			})
		}
	}
}

// pause waits a little after a socket error other than closing, so that
// one that persists (out of file descriptors) does not spin; false means
// the world is closing.
func (w *World) pause() bool {
	t := time.NewTimer(5 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.done:
		return false
	}
}

// An exchange is one query on its way to its reply.
type exchange struct {
	s    *Server
	q    *Query // the log's entry
	req  *request
	tcp  bool
	lost lossFate
	b    Behavior
}

// receive logs a query and decides what it meets: nil when nothing more
// is to be done (it does not parse, or loss took it).
func (s *Server) receive(raw []byte, from netip.AddrPort, tcp bool) *exchange {
	w := s.w
	req, perr := parseQuery(raw)
	w.matchMu.Lock()
	var q *Query
	var lost lossFate
	w.logged(func() {
		q, lost = w.arrive(s, from, tcp, raw, req)
		ev := s.event(trace.Recv, from, tcp)
		ev.Data = onWire(raw, tcp)
		switch {
		case perr != nil:
			ev.Text = "unparseable, not answered: " + perr.Error()
		case lost == queryLost:
			ev.Kind = trace.Note
			ev.Text = fmt.Sprintf("%s: query %s dropped (loss, try %d of this question)", s.label(), req.questionText(), q.Try)
		default:
			ev.Text = "query " + req.questionText()
		}
		w.tr.Add(ev)
	})
	var x *exchange
	if perr == nil && lost != queryLost {
		x = &exchange{s: s, q: q, req: req, tcp: tcp, lost: lost, b: s.behaviorFor(w.snapshot(q))}
	}
	w.matchMu.Unlock()
	if x == nil {
		w.settled(q)
	}
	return x
}

// jitter is this reply's share of Jitter: a pure function of the world's
// seed, the server, the question and its try number.
func (x *exchange) jitter() time.Duration {
	if x.b.Jitter <= 0 {
		return 0
	}
	w := x.s.w
	w.mu.Lock()
	l := w.loss
	w.mu.Unlock()
	stream := fmt.Sprintf("dnstest delay %s %s %d %d", x.s.addr, zone.Canonical(x.q.Name), x.q.Type, x.q.Class)
	return time.Duration(netem.Rand(l.Seed, l.Key, netem.Down, stream, uint64(x.q.Try)).Int64N(int64(x.b.Jitter) + 1))
}

// run takes a received query to its fate: forgeries, silence, the reply
// computed, loss, delay and hold, and the reply sent by send. Each fate
// goes to the transcript before the log, and both before the reply is
// sent: whoever sees the resolver act on a reply, or waits for the log
// with WaitQuery, finds them written.
func (x *exchange) run(send func([]byte) error) {
	w, s, id := x.s.w, x.s, x.req.header.ID
	defer w.settled(x.q)
	fateNote := func(fate string, format string, args ...any) {
		e := s.event(trace.Note, x.q.From, x.tcp)
		e.Text = s.label() + ": " + fmt.Sprintf(format, args...)
		w.setFate(x.q, fate, nil, e)
	}
	forged := !x.tcp && len(x.b.Forge) > 0 && x.forge()
	if x.b.Silent {
		fateNote("silent", "no reply to id %d (silent server)", id)
		return
	}
	m, out, fate, err := s.respond(x.req, x.tcp, &x.b)
	if err != nil {
		fateNote("not sent: "+err.Error(), "no reply to id %d: %v", id, err)
		return
	}
	if x.lost == replyLost {
		fateNote("reply lost", "reply to id %d dropped (loss, try %d of this question)", id, x.q.Try)
		return
	}
	if d := x.b.Delay + x.jitter(); d > 0 {
		fateNote("delayed", "reply to id %d delayed %s", id, d)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-w.done:
			t.Stop()
			return
		}
	}
	if x.b.Hold != nil {
		fateNote("held", "reply to id %d held", id)
		select {
		case <-x.b.Hold:
		case <-w.done:
			return
		}
	}
	if forged && !x.waitRead() {
		return
	}
	e := s.event(trace.Send, x.q.From, x.tcp)
	e.Data, e.Text = onWire(out, x.tcp), replyText(m)
	w.setFate(x.q, fate, m, e)
	if err := send(out); err != nil {
		fateNote("not sent: "+err.Error(), "reply to id %d not sent: %v", id, err)
	}
}
