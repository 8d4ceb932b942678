package main

import (
	"github.com/socklab/socklab/harness/zone"
	"github.com/socklab/socklab/reference/dns/message"
)

// An authority is one zone, arranged for lookups: the records of each name,
// ready to copy into a reply. It is built once at start-up and only read
// afterwards, so every goroutine may use it without locks.
type authority struct {
	origin string         // the zone's apex, in canonical (lowercase) form
	soa    message.Record // the zone's SOA record

	// nodes has an entry for every name that exists in the zone, keyed by
	// its canonical form: the owner of some record, or a name above one,
	// up to the origin. A name of the second kind, an "empty non-terminal"
	// such as deep.example.com when only host.deep.example.com has
	// records, has no records of its own, yet it exists: a query for it
	// gets NODATA, not NXDOMAIN (RFC 8020 §2, RFC 4592 §2.2.2).
	nodes map[string][]message.Record
}

// newAuthority arranges a parsed zone for lookups. Package zone has
// checked the zone already: one SOA at the origin, every name in the zone.
func newAuthority(z *zone.Zone) *authority {
	a := &authority{
		origin: zone.Canonical(z.Origin),
		soa:    toMessage(z.SOA()),
		nodes:  make(map[string][]message.Record),
	}
	for _, r := range z.Records {
		name := zone.Canonical(r.Name)
		a.nodes[name] = append(a.nodes[name], toMessage(r))
		// The names between the owner and the origin exist too.
		for n := parent(name); zone.InZone(n, a.origin) && n != a.origin; n = parent(n) {
			if _, ok := a.nodes[n]; !ok {
				a.nodes[n] = nil
			}
		}
	}
	return a
}

// records returns the records of name that have type t, all of them for
// QTYPE ANY; name is in canonical form.
func (a *authority) records(name string, t message.Type) []message.Record {
	var out []message.Record
	for _, r := range a.nodes[name] {
		if r.Type == t || t == message.TypeANY {
			out = append(out, r)
		}
	}
	return out
}

// negativeSOA is the SOA record that goes into the authority section of
// NXDOMAIN and NODATA replies. Its TTL says how long the "no" may be
// cached: "the minimum of the MINIMUM field of the SOA record and the TTL
// of the SOA itself" (RFC 2308 §3).
func (a *authority) negativeSOA() message.Record {
	r := a.soa
	r.TTL = min(r.TTL, r.Data.(*message.SOA).Minimum)
	return r
}

// parent returns the name with its first label taken off:
// "www.example.com." → "example.com." → "com." → "." → ".". A dot escaped
// as "\." is inside a label and does not count.
func parent(name string) string {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++ // skip the escaped character; \DDD has no dots
		case '.':
			if i == len(name)-1 {
				return "."
			}
			return name[i+1:]
		}
	}
	return "."
}

// toMessage converts a record of the zone file into a record of a message.
// The two packages have the same types with the same fields; they are kept
// apart because the zone parser is given to students and the message
// package is what they write.
func toMessage(r zone.Record) message.Record {
	m := message.Record{Name: r.Name, Type: message.Type(r.Type()), Class: message.ClassIN, TTL: r.TTL}
	switch d := r.Data.(type) {
	case *zone.A:
		m.Data = &message.A{Addr: d.Addr}
	case *zone.AAAA:
		m.Data = &message.AAAA{Addr: d.Addr}
	case *zone.NS:
		m.Data = &message.NS{Host: d.Host}
	case *zone.CNAME:
		m.Data = &message.CNAME{Target: d.Target}
	case *zone.MX:
		m.Data = &message.MX{Preference: d.Preference, Host: d.Host}
	case *zone.TXT:
		m.Data = &message.TXT{Strings: d.Strings}
	case *zone.SOA:
		m.Data = &message.SOA{MName: d.MName, RName: d.RName, Serial: d.Serial,
			Refresh: d.Refresh, Retry: d.Retry, Expire: d.Expire, Minimum: d.Minimum}
	default:
		panic("server: zone record of unexpected type " + r.Type().String())
	}
	return m
}
