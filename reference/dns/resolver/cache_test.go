package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// "A record in the cache is used until its TTL runs out, and the TTL in
// the reply is what is left of it: it counts down, second by second."
func TestCacheCountdown(t *testing.T) {
	www := []message.Record{withTTL(rrA("www.example.org.", "192.0.2.1"), 300), withTTL(rrA("www.example.org.", "192.0.2.2"), 300)}
	tests := []struct {
		after time.Duration
		ttl   uint32 // 0: gone
	}{
		{0, 300},
		{999 * time.Millisecond, 299}, // rounded down
		{time.Second, 299},
		{1500 * time.Millisecond, 298},
		{299 * time.Second, 1},
		{299*time.Second + 500*time.Millisecond, 0}, // less than a second left: nothing
		{300 * time.Second, 0},
		{time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.after.String(), func(t *testing.T) {
			c, clk := newTestCache()
			c.put(www, rankAnswer)
			clk.advance(tt.after)
			got := c.get("WWW.Example.ORG.", message.TypeA, rankAnswer)
			if tt.ttl == 0 {
				if got != nil {
					t.Fatalf("expired, yet get returns\n%s", show(got))
				}
				return
			}
			if len(got) != 2 || got[0].TTL != tt.ttl || got[1].TTL != tt.ttl {
				t.Fatalf("got\n%s\nwant both records with TTL %d", show(got), tt.ttl)
			}
		})
	}
}

func TestCachePut(t *testing.T) {
	c, _ := newTestCache()
	c.put([]message.Record{
		withTTL(rrA("a.example.org.", "192.0.2.1"), 600),
		withTTL(rrA("a.example.org.", "192.0.2.2"), 60), // the RRset lives as long as its shortest
		rrNS("example.org.", "ns1.example.org."),
		withTTL(rrA("zero.example.org.", "192.0.2.3"), 0),         // use now, do not cache
		withTTL(rrA("huge.example.org.", "192.0.2.4"), 1<<31+100), // RFC 2181 §8: counts as 0
	}, rankAnswer)

	if got := c.get("a.example.org.", message.TypeA, rankAnswer); len(got) != 2 || got[0].TTL != 60 {
		t.Errorf("a.example.org A:\n%s\nwant two records with TTL 60", show(got))
	}
	if got := c.get("example.org.", message.TypeNS, rankAnswer); len(got) != 1 {
		t.Errorf("example.org NS:\n%s\nwant one record", show(got))
	}
	if got := c.get("a.example.org.", message.TypeAAAA, rankAnswer); got != nil {
		t.Errorf("a.example.org AAAA, never cached:\n%s", show(got))
	}
	for _, name := range []string{"zero.example.org.", "huge.example.org."} {
		if got := c.get(name, message.TypeA, rankAnswer); got != nil {
			t.Errorf("%s A is cached:\n%s", name, show(got))
		}
	}
}

// Data from an answer replaces what is cached; referral data does not
// replace an answer that has not run out, and never answers a stub.
func TestCacheRank(t *testing.T) {
	answer := withTTL(rrA("ns1.example.org.", "192.0.2.1"), 100)
	glue := withTTL(rrA("ns1.example.org.", "198.51.100.66"), 1000)
	tests := []struct {
		name  string
		first message.Record
		r1    rank
		wait  time.Duration // between the two puts
		then  message.Record
		r2    rank
		// what get finds afterwards, with least rankReferral and rankAnswer
		want       string
		wantAnswer string
	}{
		{"glue, then an answer", glue, rankReferral, 0, answer, rankAnswer, "192.0.2.1", "192.0.2.1"},
		{"an answer, then glue", answer, rankAnswer, 0, glue, rankReferral, "192.0.2.1", "192.0.2.1"},
		{"an answer, then glue once it has run out", answer, rankAnswer, 100 * time.Second, glue, rankReferral, "198.51.100.66", ""},
		{"glue, then other glue", glue, rankReferral, 0, answer, rankReferral, "192.0.2.1", ""},
		{"an answer, then another", glue, rankAnswer, 0, answer, rankAnswer, "192.0.2.1", "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk := newTestCache()
			c.put([]message.Record{tt.first}, tt.r1)
			clk.advance(tt.wait)
			c.put([]message.Record{tt.then}, tt.r2)
			for _, g := range []struct {
				least rank
				want  string
			}{{rankReferral, tt.want}, {rankAnswer, tt.wantAnswer}} {
				got := ""
				if rrs := c.get("ns1.example.org.", message.TypeA, g.least); len(rrs) == 1 {
					got = rrs[0].Data.String()
				}
				if got != g.want {
					t.Errorf("get with rank at least %d: %q, want %q", g.least, got, g.want)
				}
			}
		})
	}
}

// "A negative answer is cached for the smaller of the SOA record's TTL
// and its MINIMUM field (RFC 2308 §5)." NXDOMAIN holds for every type of
// the name, NODATA for its type.
func TestCacheNegative(t *testing.T) {
	tests := []struct {
		name  string
		t     message.Type // nxdomainType for NXDOMAIN
		soa   message.Record
		after time.Duration
		ask   message.Type
		rcode int
		ttl   uint32 // of the SOA given back; 0: no entry
	}{
		{"NXDOMAIN, MINIMUM smaller", nxdomainType, rrSOA("example.org.", 3600, 300), 0, message.TypeA, message.RCodeNXDomain, 300},
		{"NXDOMAIN, TTL smaller", nxdomainType, rrSOA("example.org.", 60, 300), 0, message.TypeA, message.RCodeNXDomain, 60},
		{"NXDOMAIN holds for every type", nxdomainType, rrSOA("example.org.", 3600, 300), 0, message.TypeMX, message.RCodeNXDomain, 300},
		{"NXDOMAIN counts down", nxdomainType, rrSOA("example.org.", 3600, 300), 100500 * time.Millisecond, message.TypeA, message.RCodeNXDomain, 199},
		{"NXDOMAIN runs out", nxdomainType, rrSOA("example.org.", 3600, 300), 300 * time.Second, message.TypeA, 0, 0},
		{"NODATA", message.TypeMX, rrSOA("example.org.", 3600, 300), 0, message.TypeMX, message.RCodeSuccess, 300},
		{"NODATA is for its type only", message.TypeMX, rrSOA("example.org.", 3600, 300), 0, message.TypeA, 0, 0},
		{"NODATA runs out", message.TypeMX, rrSOA("example.org.", 3600, 1), 1 * time.Second, message.TypeMX, 0, 0},
		{"MINIMUM 0: not cached", nxdomainType, rrSOA("example.org.", 3600, 0), 0, message.TypeA, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk := newTestCache()
			c.putNegative("nosuch.example.org.", tt.t, tt.soa)
			clk.advance(tt.after)
			rcode, soa, ok := c.getNegative("NoSuch.example.org.", tt.ask)
			switch {
			case tt.ttl == 0 && ok:
				t.Errorf("found RCODE %d, SOA %v; want nothing", rcode, soa)
			case tt.ttl == 0:
			case !ok:
				t.Errorf("nothing found; want RCODE %d", tt.rcode)
			case rcode != tt.rcode || soa.TTL != tt.ttl || soa.Type != message.TypeSOA:
				t.Errorf("RCODE %d, SOA %v; want RCODE %d, SOA TTL %d", rcode, soa, tt.rcode, tt.ttl)
			}
		})
	}
}

// A positive answer for a name replaces a negative one.
func TestCacheNegativeReplaced(t *testing.T) {
	c, _ := newTestCache()
	c.putNegative("new.example.org.", nxdomainType, rrSOA("example.org.", 3600, 300))
	c.put([]message.Record{rrA("new.example.org.", "192.0.2.7")}, rankAnswer)
	if _, _, ok := c.getNegative("new.example.org.", message.TypeMX); ok {
		t.Error("the NXDOMAIN is still cached after an answer for the name")
	}
}

// Many goroutines use the cache at once (run with -race).
func TestCacheConcurrent(t *testing.T) {
	c, _ := newTestCache()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				name := fmt.Sprintf("h%d.example.org.", j%10)
				c.put([]message.Record{rrA(name, fmt.Sprintf("192.0.2.%d", i))}, rankAnswer)
				c.get(name, message.TypeA, rankAnswer)
				c.putNegative(name, message.TypeMX, rrSOA("example.org.", 60, 60))
				c.getNegative(name, message.TypeMX)
			}
		})
	}
	wg.Wait()
}
