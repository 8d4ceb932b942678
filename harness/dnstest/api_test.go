package dnstest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/trace"
	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

func TestLayout(t *testing.T) {
	w := startWorld(t, Config{})
	want := []netip.Addr{netip.MustParseAddr("127.0.99.1"), netip.MustParseAddr("127.0.99.2")}
	if got := w.Roots(); !slices.Equal(got, want) {
		t.Errorf("Roots() = %v, want %v", got, want)
	}
	var servers []string
	for _, s := range w.Servers() {
		servers = append(servers, s.String()+" "+strings.Join(s.Zones(), ","))
	}
	wantServers := []string{
		"a.root-servers.net. (127.0.99.1) .",
		"b.root-servers.net. (127.0.99.2) .",
		"a.edu-servers.net. (127.0.99.3) edu.",
		"a.gtld-servers.net. (127.0.99.4) com.",
		"dns.umass.edu. (127.0.99.10) umass.edu.",
		"ns.hosting.com. (127.0.99.20) hosting.com.,smith.edu.",
	}
	if diff := cmp.Diff(wantServers, servers); diff != "" {
		t.Errorf("Servers() (-want +got):\n%s", diff)
	}
	for _, name := range []string{"ns.hosting.com.", "NS.Hosting.COM", "ns.hosting.com"} {
		if s := w.Server(name); s == nil || s.Addr() != netip.MustParseAddr("127.0.99.20") {
			t.Errorf("Server(%q) = %v, want ns.hosting.com.", name, s)
		}
	}
	for _, name := range []string{"nope.edu.", "", "hosting.com."} {
		if s := w.Server(name); s != nil {
			t.Errorf("Server(%q) = %v, want nil", name, s)
		}
	}
	if got := w.Server("dns.umass.edu").Names(); !slices.Equal(got, []string{"dns.umass.edu."}) {
		t.Errorf("Names() = %v", got)
	}
	if w.Port() == 0 {
		t.Error("Port() = 0 after Start with port 0")
	}
}

// TestClosestEnclosingZone: a server of both edu and umass.edu answers
// from the closer zone, and refers from the other.
func TestClosestEnclosingZone(t *testing.T) {
	zs := parseZones(t, testZones...)
	zs[2].Records = append(zs[2].Records, zone.Record{Name: "umass.edu.", TTL: 3600, Data: &zone.NS{Host: "a.edu-servers.net."}})
	w, err := build(Config{Zones: zs})
	if err != nil {
		t.Fatal(err)
	}
	s := w.Server("a.edu-servers.net.")
	if got := s.Zones(); !slices.Equal(got, []string{"edu.", "umass.edu."}) {
		t.Fatalf("Zones() = %v", got)
	}
	for name, want := range map[string]string{
		"gaia.cs.umass.edu.": "NOERROR AA=1 TC=0",
		"www.smith.edu.":     "NOERROR AA=0 TC=0",
	} {
		req, err := parseQuery(query(1, name, dnsmessage.TypeA, false))
		if err != nil {
			t.Fatal(err)
		}
		m, _, _, err := s.respond(req, false, &Behavior{})
		if err != nil || render(*m)[0] != want {
			t.Errorf("%s: %v, %v; want %s", name, render(*m), err, want)
		}
	}
}

func TestStartErrors(t *testing.T) {
	zs := parseZones(t, testZones...)
	busy, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 99, 10)})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		cfg  Config
		want error
		text string
	}{
		{"no root", Config{Zones: zs[1:]}, ErrConfig, "no root zone"},
		{"two zones for one origin", Config{Zones: append(slices.Clone(zs), zs[1])}, ErrConfig, "two zones for edu."},
		{"nil zone", Config{Zones: []*zone.Zone{zs[0], nil}}, ErrConfig, "zone 1 is nil"},
		{"bad port", Config{Zones: zs, Port: 70000}, ErrConfig, "port 70000"},
		{"A record of IPv6", Config{Zones: []*zone.Zone{{Origin: ".", Records: append(slices.Clone(zs[0].Records),
			zone.Record{Name: "x.", TTL: 1, Data: &zone.A{Addr: netip.MustParseAddr("::1")}})}}}, ErrConfig, "not an IPv4 address"},
		{"no SOA", Config{Zones: []*zone.Zone{{Origin: ".", Records: zs[0].Records[1:]}}}, ErrConfig, "no SOA record"},
		{"port in use", Config{Zones: zs, Port: busy.LocalAddr().(*net.UDPAddr).Port}, syscall.EADDRINUSE, "127.0.99.10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Start(tt.cfg)
			if err == nil {
				w.Close()
				t.Fatal("Start succeeded")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Start: %v; want %v, saying %q", err, tt.want, tt.text)
			}
		})
	}
}

// TestDangling: an NS host with no address has no server.
func TestDangling(t *testing.T) {
	zs := parseZones(t, testZones...)
	zs[1].Records = append(zs[1].Records, zone.Record{Name: "gone.edu.", TTL: 60, Data: &zone.NS{Host: "ns.nowhere.example."}})
	w := startWorld(t, Config{Zones: zs})
	if s := w.Server("ns.nowhere.example."); s != nil || len(w.Servers()) != 6 {
		t.Errorf("Server(ns.nowhere.example.) = %v and %d servers, want nil and 6", s, len(w.Servers()))
	}
}

// TestQueryLog: the log numbers queries in the world, counts tries of a
// question over every server and both transports, without regard to
// case, and says what each server sent.
func TestQueryLog(t *testing.T) {
	tr := trace.New()
	settled := make(chan Query, 10)
	w := startWorld(t, Config{Transcript: tr, OnQuery: func(q Query) { settled <- q }})
	c := newClient(t)
	c.ask(w, "a.root-servers.net.", "gaia.cs.umass.edu.", dnsmessage.TypeA)
	c.ask(w, "a.edu-servers.net.", "GAIA.cs.umass.edu.", dnsmessage.TypeA)
	c.ask(w, "a.edu-servers.net.", "gaia.cs.umass.edu.", dnsmessage.TypeAAAA)
	tc := dialTCP(t, w, "dns.umass.edu.")
	tc.Write(framed(query(5, "gaia.CS.umass.edu.", dnsmessage.TypeA, true)))
	readTCP(t, tc)

	qs := w.Queries()
	type entry struct {
		N, Try    int
		Server    string
		Name      string
		TCP, EDNS bool
		Fate      string
		Answers   int
	}
	var got []entry
	for _, q := range qs {
		got = append(got, entry{q.N, q.Try, q.Server.Names()[0], q.Name, q.TCP, q.EDNS, q.Fate, len(q.Reply.Answers)})
		if q.From.Addr() != c.addr().Addr() || len(q.Raw) == 0 || q.At.IsZero() {
			t.Errorf("%s: From %s, %d raw bytes, At %v", q, q.From, len(q.Raw), q.At)
		}
	}
	want := []entry{
		{1, 1, "a.root-servers.net.", "gaia.cs.umass.edu.", false, false, "answered", 0},
		{2, 2, "a.edu-servers.net.", "GAIA.cs.umass.edu.", false, false, "answered", 0},
		{3, 1, "a.edu-servers.net.", "gaia.cs.umass.edu.", false, false, "answered", 0},
		{4, 3, "dns.umass.edu.", "gaia.CS.umass.edu.", true, true, "answered", 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	seen := map[int]bool{}
	for range qs {
		select {
		case q := <-settled:
			if seen[q.N] || q.Fate != "answered" {
				t.Errorf("OnQuery(%s): twice, or not settled", q)
			}
			seen[q.N] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("OnQuery was called for %d of %d queries", len(seen), len(qs))
		}
	}
	if n := len(w.Server("a.edu-servers.net").Queries()); n != 2 {
		t.Errorf("a.edu-servers.net has %d queries, want 2", n)
	}
	s := qs[0].String()
	wantS := "query #1 to a.root-servers.net. (127.0.99.1) from " + qs[0].From.String() +
		" over UDP: gaia.cs.umass.edu. A, id 4711, RD=0 → answered"
	if s != wantS {
		t.Errorf("String() =\n%s\nwant\n%s", s, wantS)
	}
	var texts []string
	for _, e := range tr.Events() {
		texts = append(texts, e.Kind.String()+" "+e.From+" → "+e.To+" "+e.Proto+": "+e.Text)
	}
	wantT := []string{
		"recv resolver → a.root-servers.net udp: query gaia.cs.umass.edu. A, id 4711, RD=0",
		"send a.root-servers.net → resolver udp: reply: referral to edu. (a.edu-servers.net.); additional: a.edu-servers.net. A 127.0.99.3, AA=0",
		"recv resolver → a.edu-servers.net udp: query GAIA.cs.umass.edu. A, id 4711, RD=0",
		"send a.edu-servers.net → resolver udp: reply: referral to umass.edu. (dns.umass.edu.); additional: dns.umass.edu. A 127.0.99.10, AA=0",
		"recv resolver → a.edu-servers.net udp: query gaia.cs.umass.edu. AAAA, id 4711, RD=0",
		"send a.edu-servers.net → resolver udp: reply: referral to umass.edu. (dns.umass.edu.); additional: dns.umass.edu. A 127.0.99.10, AA=0",
		"recv resolver → dns.umass.edu tcp: query gaia.CS.umass.edu. A, id 5, RD=0, EDNS",
		"send dns.umass.edu → resolver tcp: reply: gaia.CS.umass.edu. A 128.119.245.12, AA=1",
	}
	if diff := cmp.Diff(wantT, texts); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

func TestWaitQuery(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	c.send(at(w, "b.root-servers.net."), query(1, "x.", dnsmessage.TypeA, false))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := w.WaitQuery(ctx, func(q Query) bool { return q.Name == "x." && q.Fate == "answered" })
	if err != nil || q.N != 1 {
		t.Fatalf("WaitQuery = %v, %v; want query #1", q, err)
	}
	short, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := w.WaitQuery(short, func(Query) bool { return false }); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitQuery with a done context: %v", err)
	}
	w.Close()
	if _, err := w.WaitQuery(ctx, func(Query) bool { return false }); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitQuery after Close: %v, want ErrClosed", err)
	}
}

// worldGoroutines lists the stacks of goroutines running the world's code.
func worldGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, f := range []string{"dnstest.(*Server)", "dnstest.(*World)", "dnstest.(*exchange)"} {
			if strings.Contains(g, f) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// TestClose: Close with a held reply, a delayed one, forgeries waiting to
// be read and an open TCP connection returns, leaves no goroutine behind,
// and can be called again.
func TestClose(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	w.Server("a.root-servers.net").Script(Behavior{Hold: make(chan struct{})})
	w.Server("b.root-servers.net").Script(Behavior{Delay: time.Hour})
	w.Server("dns.umass.edu").Script(Behavior{Forge: []Forgery{{Kind: WrongID}}})
	c.send(at(w, "a.root-servers.net"), query(1, "x.", dnsmessage.TypeA, false))
	c.send(at(w, "b.root-servers.net"), query(2, "x.", dnsmessage.TypeA, false))
	c.send(at(w, "dns.umass.edu"), query(3, "x.umass.edu.", dnsmessage.TypeA, false)) // never read
	dialTCP(t, w, "a.edu-servers.net")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, f := range []string{"held", "delayed"} {
		if _, err := w.WaitQuery(ctx, func(q Query) bool { return q.Fate == f }); err != nil {
			t.Fatalf("waiting for a %s query: %v", f, err)
		}
	}
	for n, err := unread(c.addr()); n == 0; n, err = unread(c.addr()) {
		if err != nil || ctx.Err() != nil {
			t.Fatalf("waiting for the forgery to arrive: %v, %v", err, ctx.Err())
		}
		runtime.Gosched()
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for g := worldGoroutines(); len(g) > 0; g = worldGoroutines() {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(g, "\n\n"))
		}
		runtime.Gosched() // Close waited for them; they are returning
	}
	for _, q := range w.Queries() {
		if q.Reply != nil {
			t.Errorf("%s: a reply was sent", q)
		}
	}
}
