package dnstest

import (
	"context"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/trace"
	"golang.org/x/net/dns/dnsmessage"
)

const gaia = "gaia.cs.umass.edu."

// poison is an A record for name with an attacker's address.
func poison(name string) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 86400},
		Body:   &dnsmessage.AResource{A: [4]byte{203, 0, 113, 66}},
	}
}

func waitFate(t *testing.T, w *World, n int, fate string) Query {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := w.WaitQuery(ctx, func(q Query) bool { return q.N == n && q.Fate == fate })
	if err != nil {
		t.Fatalf("waiting for query #%d to be %s: %v\nlog:\n%s", n, fate, err, logText(w.Queries()))
	}
	return q
}

// TestReplyShape covers the behaviors that change what a reply holds.
func TestReplyShape(t *testing.T) {
	tests := []struct {
		name     string
		b        Behavior
		qname    string
		qtype    dnsmessage.Type
		want     []string
		wantFate string
	}{
		{"SERVFAIL", Behavior{Rcode: dnsmessage.RCodeServerFailure}, gaia, dnsmessage.TypeA,
			[]string{"SERVFAIL AA=0 TC=0"}, "rcode SERVFAIL"},
		{"REFUSED", Behavior{Rcode: dnsmessage.RCodeRefused}, gaia, dnsmessage.TypeA,
			[]string{"REFUSED AA=0 TC=0"}, "rcode REFUSED"},
		{"Truncate", Behavior{Truncate: true}, gaia, dnsmessage.TypeA,
			[]string{"NOERROR AA=1 TC=1"}, "truncated"},
		{"Extra", Behavior{Extra: []dnsmessage.Resource{poison("www.bank.example.")}}, gaia, dnsmessage.TypeA,
			[]string{"NOERROR AA=1 TC=0", "answer: 600 gaia.cs.umass.edu. A 128.119.245.12",
				"additional: 86400 www.bank.example. A 203.0.113.66"}, "answered"},
		{"Match", Behavior{Rcode: dnsmessage.RCodeServerFailure, Match: func(q Query) bool { return q.Type == dnsmessage.TypeAAAA }},
			gaia, dnsmessage.TypeA, []string{"NOERROR AA=1 TC=0", "answer: 600 gaia.cs.umass.edu. A 128.119.245.12"}, "answered"},
		{"Match matching", Behavior{Rcode: dnsmessage.RCodeServerFailure, Match: func(q Query) bool { return q.Type == dnsmessage.TypeAAAA }},
			gaia, dnsmessage.TypeAAAA, []string{"SERVFAIL AA=0 TC=0"}, "rcode SERVFAIL"},
		{"Delay", Behavior{Delay: 20 * time.Millisecond}, "nope.umass.edu.", dnsmessage.TypeA,
			[]string{"NXDOMAIN AA=1 TC=0", "authority: 300 umass.edu. SOA dns.umass.edu. hostmaster.umass.edu. 2024 7200 3600 1209600 300"}, "answered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startWorld(t, Config{})
			c := newClient(t)
			w.Server("dns.umass.edu.").Script(tt.b)
			start := time.Now()
			m := c.ask(w, "dns.umass.edu.", tt.qname, tt.qtype)
			if diff := cmp.Diff(tt.want, render(m)); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if took := time.Since(start); took < tt.b.Delay {
				t.Errorf("reply after %s, want after at least %s", took, tt.b.Delay)
			}
			if q := w.Queries()[0]; q.Fate != tt.wantFate || q.Reply == nil || q.Reply.Header.ID != m.Header.ID {
				t.Errorf("log: %s, reply %v; want %s and the reply", q, q.Reply, tt.wantFate)
			}
		})
	}
}

// TestTruncateTCP: a truncating server answers in full over TCP.
func TestTruncateTCP(t *testing.T) {
	w := startWorld(t, Config{})
	w.Server("dns.umass.edu.").Script(Behavior{Truncate: true})
	c := dialTCP(t, w, "dns.umass.edu.")
	c.Write(framed(query(1, gaia, dnsmessage.TypeA, false)))
	if got := render(readTCP(t, c)); !slices.Equal(got, []string{"NOERROR AA=1 TC=0", "answer: 600 gaia.cs.umass.edu. A 128.119.245.12"}) {
		t.Errorf("TCP reply %v, want the full answer", got)
	}
}

// TestSilent: a silent server logs the query and sends nothing.
func TestSilent(t *testing.T) {
	tr := trace.New()
	w := startWorld(t, Config{Transcript: tr})
	c := newClient(t)
	w.Server("dns.umass.edu.").Script(Behavior{Silent: true})
	c.send(at(w, "dns.umass.edu."), query(1, gaia, dnsmessage.TypeA, false))
	waitFate(t, w, 1, "silent")
	if m := c.ask(w, "a.root-servers.net.", gaia, dnsmessage.TypeA); m.Header.ID != 4711 {
		t.Errorf("the next datagram is %v, want the root's reply", render(m))
	}
	if n, err := unread(c.addr()); n != 0 || err != nil {
		t.Errorf("%d bytes unread (%v), want none", n, err)
	}
	if ev := tr.Events(); len(ev) < 2 || ev[1].Kind != trace.Note || !strings.Contains(ev[1].Text, "silent server") {
		t.Errorf("transcript:\n%s", trace.Excerpt(ev, 10, 10))
	}
}

// TestHold: a held reply waits for its channel and holds up no other
// query, over UDP nor on the same TCP connection.
func TestHold(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	hold := make(chan struct{})
	w.Server("dns.umass.edu.").Script(Behavior{Hold: hold, Match: func(q Query) bool { return q.Name == gaia }})
	c.send(at(w, "dns.umass.edu."), query(1, gaia, dnsmessage.TypeA, false))
	waitFate(t, w, 1, "held")
	c.send(at(w, "dns.umass.edu."), query(2, "www.umass.edu.", dnsmessage.TypeA, false))
	if m, _ := c.recv(); m.Header.ID != 2 {
		t.Fatalf("first reply has ID %d, want 2: the held one came first", m.Header.ID)
	}
	close(hold)
	if m, _ := c.recv(); m.Header.ID != 1 || len(m.Answers) != 1 {
		t.Fatalf("reply %v after the release, want the answer to ID 1", render(m))
	}
	waitFate(t, w, 1, "answered")

	hold = make(chan struct{})
	w.Server("dns.umass.edu.").Script(Behavior{Hold: hold, Match: func(q Query) bool { return q.Name == gaia }})
	tc := dialTCP(t, w, "dns.umass.edu.")
	tc.Write(append(framed(query(10, gaia, dnsmessage.TypeA, false)), framed(query(11, "www.umass.edu.", dnsmessage.TypeA, false))...))
	if m := readTCP(t, tc); m.Header.ID != 11 {
		t.Fatalf("first TCP reply has ID %d, want 11", m.Header.ID)
	}
	close(hold)
	if m := readTCP(t, tc); m.Header.ID != 10 {
		t.Fatalf("second TCP reply has ID %d, want 10", m.Header.ID)
	}
}

// TestForge: each forgery reaches the resolver before the real reply,
// from the source its kind says.
func TestForge(t *testing.T) {
	server := netip.MustParseAddr("127.0.99.10")
	tests := []struct {
		name     string
		f        Forgery
		id       uint16
		qname    string
		srcAddr  netip.Addr
		samePort bool
		text     string
	}{
		{"WrongID", Forgery{Kind: WrongID}, 4712, gaia, server, true, "forged reply (wrong ID 4712): gaia.cs.umass.edu. A 203.0.113.66"},
		{"WrongQuestion", Forgery{Kind: WrongQuestion}, 4711, "forged." + gaia, server, true,
			"forged reply (wrong question forged.gaia.cs.umass.edu.): gaia.cs.umass.edu. A 203.0.113.66"},
		{"WrongQuestion named", Forgery{Kind: WrongQuestion, ForgedName: "www.bank.example."}, 4711, "www.bank.example.", server, true,
			"forged reply (wrong question www.bank.example.): gaia.cs.umass.edu. A 203.0.113.66"},
		{"WrongAddr", Forgery{Kind: WrongAddr}, 4711, gaia, netip.MustParseAddr("127.0.99.250"), true, "forged reply (wrong address 127.0.99.250:"},
		{"WrongPort", Forgery{Kind: WrongPort}, 4711, gaia, server, false, "forged reply (wrong port 127.0.99.10:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := trace.New()
			w := startWorld(t, Config{Transcript: tr})
			c := newClient(t)
			tt.f.Answer = []dnsmessage.Resource{poison(gaia)}
			w.Server("dns.umass.edu.").Script(Behavior{Forge: []Forgery{tt.f}})
			c.send(at(w, "dns.umass.edu."), query(4711, gaia, dnsmessage.TypeA, false))
			m, from := c.recv()
			if m.Header.ID != tt.id || m.Questions[0].Name.String() != tt.qname || !m.Header.Authoritative ||
				from.Addr() != tt.srcAddr || (from.Port() == uint16(w.Port())) != tt.samePort {
				t.Errorf("forgery from %s: %v %v", from, m.Header, m.Questions)
			}
			if len(m.Answers) != 1 || m.Answers[0].Body.(*dnsmessage.AResource).A != [4]byte{203, 0, 113, 66} {
				t.Errorf("forgery's answer %v, want the poison", m.Answers)
			}
			real, from := c.recv()
			if from != at(w, "dns.umass.edu.") || real.Header.ID != 4711 || len(real.Answers) != 1 ||
				real.Answers[0].Body.(*dnsmessage.AResource).A != [4]byte{128, 119, 245, 12} {
				t.Errorf("second datagram from %s: %v, want the real reply", from, render(real))
			}
			var sends []string
			for _, e := range tr.Events() {
				if e.Kind == trace.Send {
					sends = append(sends, e.From+": "+e.Text)
				}
			}
			if len(sends) != 2 || !strings.HasPrefix(sends[0], "attacker: "+tt.text) || !strings.HasPrefix(sends[1], "dns.umass.edu: reply:") {
				t.Errorf("transcript's sends: %q, want the forgery (%s) and then the reply", sends, tt.text)
			}
		})
	}
}

// TestForgeAll: several forgeries arrive in order, all before the real
// reply, on every query; and a silent server still forges.
func TestForgeAll(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	var fs []Forgery
	for _, k := range []ForgeKind{WrongAddr, WrongID, WrongPort, WrongQuestion} {
		fs = append(fs, Forgery{Kind: k, Answer: []dnsmessage.Resource{poison(gaia)}})
	}
	w.Server("dns.umass.edu.").Script(Behavior{Forge: fs})
	for try := range 3 {
		c.send(at(w, "dns.umass.edu."), query(uint16(100+try), gaia, dnsmessage.TypeA, false))
		var got []string
		for range 5 {
			m, from := c.recv()
			got = append(got, from.Addr().String()+" "+m.Questions[0].Name.String()+" "+bit(m.Header.ID == uint16(100+try)))
		}
		want := []string{"127.0.99.250 " + gaia + " 1", "127.0.99.10 " + gaia + " 0", "127.0.99.10 " + gaia + " 1",
			"127.0.99.10 forged." + gaia + " 1", "127.0.99.10 " + gaia + " 1"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("try %d: datagrams (-want +got):\n%s", try, diff)
		}
	}
	w.Server("dns.umass.edu.").Script(Behavior{Silent: true, Forge: fs[1:2]})
	c.send(at(w, "dns.umass.edu."), query(7, gaia, dnsmessage.TypeA, false))
	if m, _ := c.recv(); m.Header.ID != 8 {
		t.Errorf("from a silent forging server: ID %d, want the forgery's 8", m.Header.ID)
	}
	waitFate(t, w, 4, "silent")
}

// TestForgeWaitsForRead: the real reply waits while the forgery is unread,
// and goes when it is read, or when the wait is over.
func TestForgeWaitsForRead(t *testing.T) {
	defer func(d time.Duration) { forgeWait = d }(forgeWait)
	forgeWait = time.Hour
	w := startWorld(t, Config{})
	c, probe := newClient(t), newClient(t)
	w.Server("dns.umass.edu.").Script(Behavior{Forge: []Forgery{{Kind: WrongID, Answer: []dnsmessage.Resource{poison(gaia)}}}})
	c.send(at(w, "dns.umass.edu."), query(1, gaia, dnsmessage.TypeA, false))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	queued := 0
	for queued == 0 && ctx.Err() == nil {
		queued, _ = unread(c.addr())
		runtime.Gosched()
	}
	// A round trip elsewhere: time enough for a reply that did not wait.
	probe.ask(w, "a.root-servers.net.", gaia, dnsmessage.TypeA)
	if n, _ := unread(c.addr()); n != queued || w.Queries()[0].Reply != nil {
		t.Fatalf("%d bytes queued (the forgery is %d), reply %v: the real reply did not wait", n, queued, w.Queries()[0].Reply)
	}
	if m, _ := c.recv(); m.Header.ID != 2 {
		t.Fatalf("first datagram has ID %d, want the forgery's 2", m.Header.ID)
	}
	if m, _ := c.recv(); m.Header.ID != 1 {
		t.Fatalf("second datagram has ID %d, want the real reply's 1", m.Header.ID)
	}
	w.Close()

	forgeWait = 10 * time.Millisecond
	tr := trace.New()
	w = startWorld(t, Config{Transcript: tr})
	w.Server("dns.umass.edu.").Script(Behavior{Forge: []Forgery{{Kind: WrongID}}})
	c.send(at(w, "dns.umass.edu."), query(1, gaia, dnsmessage.TypeA, false))
	waitFate(t, w, 1, "answered") // with the forgery still unread
	if ev := tr.Events(); !strings.Contains(ev[len(ev)-2].Text, "left the forgeries unread") {
		t.Errorf("transcript:\n%s", trace.Excerpt(ev, 10, 10))
	}
}

// TestJitter: a reply's extra delay is a pure function of the world's
// seed and key, the server, the question and its try, within Jitter.
func TestJitter(t *testing.T) {
	w := startWorld(t, Config{})
	s := w.Server("dns.umass.edu.")
	delays := func(seed uint64, key string) []time.Duration {
		w.SetLoss(Loss{Seed: seed, Key: key})
		var out []time.Duration
		for try := 1; try <= 20; try++ {
			x := &exchange{s: s, q: &Query{Name: gaia, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, Try: try},
				b: Behavior{Jitter: 50 * time.Millisecond}}
			out = append(out, x.jitter())
		}
		return out
	}
	a, b := delays(3, "k"), delays(3, "k")
	if !slices.Equal(a, b) {
		t.Errorf("one seed, two sequences of delays:\n%v\n%v", a, b)
	}
	if slices.Equal(a, delays(3, "other key")) {
		t.Errorf("another key gave the same delays: %v", a)
	}
	distinct := map[time.Duration]bool{}
	for _, d := range a {
		if d < 0 || d > 50*time.Millisecond {
			t.Errorf("delay %v outside 0..50ms", d)
		}
		distinct[d] = true
	}
	if len(distinct) < 10 {
		t.Errorf("20 tries drew only %d different delays: %v", len(distinct), a)
	}
	if d := (&exchange{s: s, q: &Query{Name: gaia, Try: 1}}).jitter(); d != 0 {
		t.Errorf("no Jitter, and a delay of %v", d)
	}
}
