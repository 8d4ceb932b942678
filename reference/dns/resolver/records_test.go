package main

import (
	"net/netip"
	"strings"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// Records for the tests, TTL 3600 unless a test sets another.

func rrA(name, addr string) message.Record {
	return message.Record{Name: name, Type: message.TypeA, Class: message.ClassIN, TTL: 3600,
		Data: &message.A{Addr: netip.MustParseAddr(addr)}}
}

func rrNS(name, host string) message.Record {
	return message.Record{Name: name, Type: message.TypeNS, Class: message.ClassIN, TTL: 3600,
		Data: &message.NS{Host: host}}
}

func rrCNAME(name, target string) message.Record {
	return message.Record{Name: name, Type: message.TypeCNAME, Class: message.ClassIN, TTL: 3600,
		Data: &message.CNAME{Target: target}}
}

// rrSOA is the SOA of zone, with TTL ttl and MINIMUM minimum.
func rrSOA(zone string, ttl, minimum uint32) message.Record {
	return message.Record{Name: zone, Type: message.TypeSOA, Class: message.ClassIN, TTL: ttl,
		Data: &message.SOA{MName: "ns." + zone, RName: "hostmaster." + zone, Serial: 1,
			Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: minimum}}
}

// withTTL returns r with TTL ttl.
func withTTL(r message.Record, ttl uint32) message.Record {
	r.TTL = ttl
	return r
}

// show renders records one per line, for comparisons and failures.
func show(records []message.Record) string {
	var lines []string
	for _, r := range records {
		lines = append(lines, r.String())
	}
	return strings.Join(lines, "\n")
}

// A clock is a time that a test moves by hand: the cache's now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestCache() (*cache, *clock) {
	clk := &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	c := newCache()
	c.now = clk.now
	return c, clk
}
