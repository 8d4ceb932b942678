package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// These tests run the resolver against a tiny DNS hierarchy of fake name
// servers on addresses of 127.0.0.0/8 (all local on Linux), all on one
// port, as the grader's world is. The grader tests the resolver far more
// thoroughly; these show that the parts fit together.

// A fakeServer answers each query, over UDP and TCP, with what answer
// returns for its question (nil: no reply), and logs what it was asked.
type fakeServer struct {
	addr   string
	answer func(q message.Question) *message.Message

	mu    sync.Mutex
	asked []string // "udp www.example.org. A", in order
}

// queries returns what the server has been asked so far.
func (s *fakeServer) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// reply is the server's reply to a query, in wire form, or nil.
func (s *fakeServer) reply(b []byte, transport string) []byte {
	query, err := message.Parse(b)
	if err != nil || len(query.Questions) != 1 {
		return nil
	}
	q := query.Questions[0]
	s.mu.Lock()
	s.asked = append(s.asked, transport+" "+q.Name+" "+q.Type.String())
	s.mu.Unlock()
	m := s.answer(q)
	if m == nil {
		return nil
	}
	m.ID, m.QR, m.Questions = query.ID, true, query.Questions
	limit := 512
	if transport == "tcp" {
		limit = 65535
	}
	out, _ := m.PackLimit(limit)
	return out
}

func (s *fakeServer) serveUDP(conn *net.UDPConn) {
	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if out := s.reply(buf[:n], "udp"); out != nil {
			conn.WriteToUDPAddrPort(out, from)
		}
	}
}

func (s *fakeServer) serveTCP(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			var length [2]byte
			if _, err := io.ReadFull(conn, length[:]); err != nil {
				return
			}
			b := make([]byte, binary.BigEndian.Uint16(length[:]))
			if _, err := io.ReadFull(conn, b); err != nil {
				return
			}
			if out := s.reply(b, "tcp"); out != nil {
				conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...))
			}
		}()
	}
}

// startFakes starts the servers, each on its address, all on one port,
// until the test ends, and returns the port. It skips the test where the
// addresses are not local (macOS, without aliases).
func startFakes(t *testing.T, servers ...*fakeServer) uint16 {
	t.Helper()
	for range 20 {
		var closers []io.Closer
		closeAll := func() {
			for _, c := range closers {
				c.Close()
			}
		}
		port, err := 0, error(nil)
		for _, s := range servers {
			ip := net.ParseIP(s.addr)
			var udp *net.UDPConn
			if udp, err = net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: port}); err != nil {
				break
			}
			closers = append(closers, udp)
			port = udp.LocalAddr().(*net.UDPAddr).Port
			var tcp net.Listener
			if tcp, err = net.ListenTCP("tcp4", &net.TCPAddr{IP: ip, Port: port}); err != nil {
				break
			}
			closers = append(closers, tcp)
			go s.serveUDP(udp)
			go s.serveTCP(tcp)
		}
		if err == nil {
			t.Cleanup(closeAll)
			return uint16(port)
		}
		closeAll()
		if strings.Contains(err.Error(), "assign requested address") {
			t.Skipf("addresses of 127.0.0.0/8 other than 127.0.0.1 are not local here: %v", err)
		}
	}
	t.Fatal("no port free on every fake server's address")
	return 0
}

// collectLog sets r to log into the test's log, which is shown when the
// test fails, or with go test -v. Lines that come after the test ends are
// dropped.
func collectLog(t *testing.T, r *resolver) {
	var mu sync.Mutex
	var lines []string
	r.logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, strings.TrimSpace(fmt.Sprintf(format, args...)))
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if t.Failed() || testing.Verbose() {
			t.Log("the resolver's log:\n" + strings.Join(lines, "\n"))
		}
		lines = nil
	})
}

// count is how many times s is in list.
func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// referral is a referral to zone, served by host at addr.
func referral(zone, host, addr string) *message.Message {
	return &message.Message{Authority: []message.Record{rrNS(zone, host)}, Additional: []message.Record{rrA(host, addr)}}
}

// The world: a root server, one that refuses everything (a lame root
// hint), org's server, and the servers of example.org and cdn.org; the
// second serves hosted.org too, which org delegates to it without glue.
func world() (root, lame, org, example, cdn *fakeServer) {
	root = &fakeServer{addr: "127.0.0.2", answer: func(q message.Question) *message.Message {
		return referral("org.", "ns.org.", "127.0.0.3")
	}}
	lame = &fakeServer{addr: "127.0.0.6", answer: func(q message.Question) *message.Message {
		return &message.Message{Header: message.Header{RCode: message.RCodeRefused}}
	}}
	org = &fakeServer{addr: "127.0.0.3", answer: func(q message.Question) *message.Message {
		switch {
		case inZone(q.Name, "cdn.org."):
			return referral("cdn.org.", "ns.cdn.org.", "127.0.0.5")
		case inZone(q.Name, "hosted.org."):
			// Glueless: the resolver must find ns2.cdn.org's address.
			return &message.Message{Authority: []message.Record{rrNS("hosted.org.", "ns2.cdn.org.")}}
		}
		return referral("example.org.", "ns.example.org.", "127.0.0.4")
	}}
	big := make([]string, 5)
	for i := range big {
		big[i] = strings.Repeat("b", 200)
	}
	example = &fakeServer{addr: "127.0.0.4", answer: func(q message.Question) *message.Message {
		m := &message.Message{Header: message.Header{AA: true}}
		switch canonical(q.Name) {
		case "www.example.org.":
			// The CNAME's target is in cdn.org: the A record given
			// with it, out of example.org's bailiwick, is poison.
			m.Answers = []message.Record{rrCNAME("www.example.org.", "www.cdn.org."), rrA("www.cdn.org.", "203.0.113.66")}
		case "mail.example.org.":
			m.Answers = []message.Record{rrA("mail.example.org.", "192.0.2.25")}
		case "big.example.org.":
			m.Answers = []message.Record{{Name: "big.example.org.", Type: message.TypeTXT, Class: message.ClassIN, TTL: 60, Data: &message.TXT{Strings: big}}}
		case "loop.example.org.":
			m.Answers = []message.Record{rrCNAME("loop.example.org.", "loop.cdn.org.")}
		default:
			m.RCode = message.RCodeNXDomain
			m.Authority = []message.Record{rrSOA("example.org.", 3600, 300)}
		}
		return m
	}}
	cdn = &fakeServer{addr: "127.0.0.5", answer: func(q message.Question) *message.Message {
		m := &message.Message{Header: message.Header{AA: true}}
		switch canonical(q.Name) {
		case "www.cdn.org.":
			m.Answers = []message.Record{withTTL(rrA("www.cdn.org.", "192.0.2.80"), 60)}
		case "loop.cdn.org.":
			m.Answers = []message.Record{rrCNAME("loop.cdn.org.", "loop.example.org.")}
		case "ns2.cdn.org.":
			m.Answers = []message.Record{rrA("ns2.cdn.org.", "127.0.0.5")}
		case "www.hosted.org.": // the server serves hosted.org too
			m.Answers = []message.Record{rrA("www.hosted.org.", "192.0.2.99")}
		}
		return m
	}}
	return
}

func TestResolve(t *testing.T) {
	root, lame, org, example, cdn := world()
	port := startFakes(t, root, lame, org, example, cdn)
	r := newResolver([]netip.Addr{netip.MustParseAddr(root.addr), netip.MustParseAddr(lame.addr)}, port)
	collectLog(t, r)

	// The stub asks over UDP, as a stub does.
	stub, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stub.Close()
	go r.serveUDP(stub)
	ask := func(name string, qtype message.Type) *message.Message {
		t.Helper()
		conn, err := net.Dial("udp", stub.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write(pack(t, stubQuery(7, name, qtype)))
		buf := make([]byte, 65535)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("%s %v: no reply: %v", name, qtype, err)
		}
		m, err := message.Parse(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	answers := func(m *message.Message) string {
		var lines []string
		for _, r := range m.Answers {
			lines = append(lines, fmt.Sprintf("%s %v %v", r.Name, r.Type, r.Data))
		}
		return rcodeName(int(m.RCode)) + "\n" + strings.Join(lines, "\n")
	}
	counts := func() [4]int {
		return [4]int{len(root.queries()), len(org.queries()), len(example.queries()), len(cdn.queries())}
	}

	// Through two referrals and a CNAME into another zone; the poison
	// that came with the CNAME is not believed.
	m := ask("www.example.org.", message.TypeA)
	want := "NOERROR\nwww.example.org. CNAME www.cdn.org.\nwww.cdn.org. A 192.0.2.80"
	if got := answers(m); got != want {
		t.Errorf("www.example.org A:\n%s\nwant\n%s", got, want)
	}
	if got := cdn.queries(); len(got) != 1 || got[0] != "udp www.cdn.org. A" {
		t.Errorf("cdn.org's server was asked %q, want the CNAME's target", got)
	}

	// Another name in example.org: asked of its server alone.
	before := counts()
	if got, want := answers(ask("mail.example.org.", message.TypeA)), "NOERROR\nmail.example.org. A 192.0.2.25"; got != want {
		t.Errorf("mail.example.org A:\n%s\nwant\n%s", got, want)
	}
	if after := counts(); after[0] != before[0] || after[1] != before[1] || after[2] != before[2]+1 {
		t.Errorf("queries to root, org, example.org, cdn.org: %v, then %v; want one more to example.org only", before, after)
	}

	// The first name again: from the cache, without a query.
	before = counts()
	if got := answers(ask("www.example.org.", message.TypeA)); got != want {
		t.Errorf("www.example.org A, from the cache:\n%s\nwant\n%s", got, want)
	}
	if after := counts(); after != before {
		t.Errorf("queries to root, org, example.org, cdn.org: %v, then %v; want none", before, after)
	}

	// Truncated over UDP, asked again over TCP.
	if m := ask("big.example.org.", message.TypeTXT); m.RCode != message.RCodeSuccess || !m.TC {
		t.Errorf("big.example.org TXT over UDP, 512 bytes at most: want TC=1\n%s", m)
	}
	if got := example.queries(); got[len(got)-1] != "tcp big.example.org. TXT" {
		t.Errorf("example.org's server was asked %q; want big.example.org over TCP last", got)
	}

	// NXDOMAIN with the SOA, then from the cache.
	for range 2 {
		m := ask("nosuch.example.org.", message.TypeA)
		if m.RCode != message.RCodeNXDomain || len(m.Authority) != 1 || m.Authority[0].Type != message.TypeSOA {
			t.Errorf("nosuch.example.org A:\n%s", m)
		}
	}
	if got := example.queries(); count(got, "udp nosuch.example.org. A") != 1 {
		t.Errorf("example.org's server was asked %q; want nosuch.example.org once", got)
	}

	// A delegation without glue: the address of ns2.cdn.org is looked up
	// first, of cdn.org's server, which the cache knows.
	if got, want := answers(ask("www.hosted.org.", message.TypeA)), "NOERROR\nwww.hosted.org. A 192.0.2.99"; got != want {
		t.Errorf("www.hosted.org A:\n%s\nwant\n%s", got, want)
	}
	if got := cdn.queries(); count(got, "udp ns2.cdn.org. A") != 1 {
		t.Errorf("cdn.org's server was asked %q; want ns2.cdn.org A once", got)
	}

	// A CNAME loop across two zones.
	if m := ask("loop.example.org.", message.TypeA); m.RCode != message.RCodeServFail {
		t.Errorf("loop.example.org A:\n%s\nwant SERVFAIL", m)
	}
}

// "Each question is tried at least 3 times, over the zone's servers in
// turn, before the resolver gives up on it." Then SERVFAIL.
func TestResolveSilentServer(t *testing.T) {
	silent := &fakeServer{addr: "127.0.0.2", answer: func(message.Question) *message.Message { return nil }}
	port := startFakes(t, silent)
	r := newResolver([]netip.Addr{netip.MustParseAddr(silent.addr)}, port)
	r.tryTimeout = 20 * time.Millisecond
	collectLog(t, r)

	b := r.respond(pack(t, stubQuery(1, "www.example.org.", message.TypeA)), true)
	if h, err := message.ParseHeader(b); err != nil || h.RCode != message.RCodeServFail {
		t.Errorf("reply %+v, %v; want SERVFAIL", h, err)
	}
	if got := silent.queries(); len(got) != rounds {
		t.Errorf("the server was asked %q; want %d tries", got, rounds)
	}
}

// "The stub gets an answer within 5 s: when the resolution cannot finish
// by then, SERVFAIL." Here the stub's time is made short.
func TestResolveDeadline(t *testing.T) {
	silent := &fakeServer{addr: "127.0.0.2", answer: func(message.Question) *message.Message { return nil }}
	port := startFakes(t, silent)
	r := newResolver([]netip.Addr{netip.MustParseAddr(silent.addr)}, port)
	r.tryTimeout = 10 * time.Second
	r.stubTimeout = 50 * time.Millisecond
	collectLog(t, r)

	start := time.Now()
	b := r.respond(pack(t, stubQuery(1, "www.example.org.", message.TypeA)), true)
	if h, err := message.ParseHeader(b); err != nil || h.RCode != message.RCodeServFail {
		t.Errorf("reply %+v, %v; want SERVFAIL", h, err)
	}
	// Without the deadline, the three tries would take 30 s.
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("SERVFAIL after %v; the stub's deadline was %v", took, r.stubTimeout)
	}
}
