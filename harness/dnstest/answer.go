package dnstest

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

// maxChain is how many CNAMEs one reply follows inside a zone before it
// stops and leaves the rest to the resolver, as NSD does.
const maxChain = 8

// zoneData is a zone indexed for lookups, which walk names label by label
// and must not scan the whole file at each step.
type zoneData struct {
	*zone.Zone
	origin string                   // canonical
	nodes  map[string][]zone.Record // canonical owner → its records, in file order
	// exists holds every owner and every name between an owner and the
	// origin: a name with no records but names below it (an empty
	// non-terminal) exists, and gets NODATA, not NXDOMAIN (RFC 8020).
	exists map[string]bool
	soa    zone.Record
}

// indexZone indexes z, and checks that each of its records can go into a
// DNS message, so that answering never meets one that cannot.
func indexZone(z *zone.Zone) (*zoneData, error) {
	zd := &zoneData{
		Zone:   z,
		origin: zone.Canonical(z.Origin),
		nodes:  map[string][]zone.Record{},
		exists: map[string]bool{},
	}
	soa := -1
	for i, r := range z.Records {
		if err := checkRecord(r, z.Origin); err != nil {
			return nil, fmt.Errorf("%w: zone %s: %v", ErrConfig, z.Origin, err)
		}
		probe := dnsmessage.Message{Answers: []dnsmessage.Resource{toResource(r.Name, r)}}
		if _, err := probe.Pack(); err != nil {
			return nil, fmt.Errorf("%w: zone %s: %s: %v", ErrConfig, z.Origin, r, err)
		}
		if r.Type() == zone.TypeSOA && zone.Equal(r.Name, z.Origin) && soa < 0 {
			soa = i
		}
		c := zone.Canonical(r.Name)
		zd.nodes[c] = append(zd.nodes[c], r)
		for n := c; ; n = parent(n) {
			zd.exists[n] = true
			if n == zd.origin {
				break
			}
		}
	}
	if soa < 0 {
		return nil, fmt.Errorf("%w: zone %s has no SOA record at its origin", ErrConfig, z.Origin)
	}
	zd.soa = z.Records[soa]
	return zd, nil
}

// checkRecord catches what a zone built by hand rather than parsed may
// hold and toResource cannot take.
func checkRecord(r zone.Record, origin string) error {
	switch d := r.Data.(type) {
	case nil:
		return fmt.Errorf("%s has no data", r.Name)
	case *zone.A:
		if !d.Addr.Is4() {
			return fmt.Errorf("%s: A record for %s, not an IPv4 address", r.Name, d.Addr)
		}
	case *zone.AAAA:
		if !d.Addr.Is6() {
			return fmt.Errorf("%s: AAAA record for %s, not an IPv6 address", r.Name, d.Addr)
		}
	}
	if !zone.InZone(r.Name, origin) {
		return fmt.Errorf("%s is outside the zone", r)
	}
	return nil
}

// parent is the name one label up: "a.b." → "b.", "b." → ".".
func parent(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 && i+1 < len(name) {
		return name[i+1:]
	}
	return "."
}

// records returns the records of the given type (any, for TypeALL) at the
// canonical name c.
func (z *zoneData) records(c string, t dnsmessage.Type) []zone.Record {
	var out []zone.Record
	for _, r := range z.nodes[c] {
		if t == dnsmessage.TypeALL || dnsmessage.Type(r.Type()) == t {
			out = append(out, r)
		}
	}
	return out
}

// zoneFor returns the server's zone that is the closest enclosing zone
// of name: the one with the longest origin at or above it. nil means
// the server has no authority there (it refuses).
func (s *Server) zoneFor(name string) *zoneData {
	var best *zoneData
	for _, z := range s.zones {
		if zone.InZone(name, z.origin) && (best == nil || len(z.origin) > len(best.origin)) {
			best = z
		}
	}
	return best
}

// lookup fills m's header flags, RCODE and sections with z's answer to
// qname and qtype: RFC 1034 §4.3.2 as handouts/dns.md §3 tells it. qname
// keeps the query's spelling, which the records owned by it take.
func (z *zoneData) lookup(qname string, qtype dnsmessage.Type, m *dnsmessage.Message) {
	m.Header.Authoritative = true
	name := qname
	followed := map[string]bool{}
	for {
		c := zone.Canonical(name)
		// Step 3b: a cut on the way down from the origin takes the name
		// out of the zone's authority, even the cut's own name.
		if cut := z.cut(c); cut != "" {
			z.refer(cut, m)
			// AA describes the first owner in the answer section: a
			// CNAME that led here is ours, a bare referral is not.
			m.Header.Authoritative = len(m.Answers) > 0
			return
		}
		if !z.exists[c] {
			m.Header.RCode = dnsmessage.RCodeNameError
			z.negative(m)
			return
		}
		// Step 3a: an alias, unless the CNAME itself (or everything) is
		// asked for.
		if qtype != dnsmessage.TypeCNAME && qtype != dnsmessage.TypeALL {
			if cn := z.records(c, dnsmessage.TypeCNAME); len(cn) > 0 {
				m.Answers = append(m.Answers, toResource(name, cn[0]))
				followed[c] = true
				target := cn[0].Data.(*zone.CNAME).Target
				if !zone.InZone(target, z.origin) || followed[zone.Canonical(target)] || len(followed) >= maxChain {
					return // the resolver follows it from here
				}
				name = target
				continue
			}
		}
		found := z.records(c, qtype)
		if len(found) == 0 {
			z.negative(m) // NODATA: NOERROR, no answer, the SOA
			return
		}
		for _, r := range found {
			m.Answers = append(m.Answers, toResource(name, r))
		}
		// Step 6: the addresses of the NS and MX hosts it names.
		z.addresses(found, m)
		return
	}
}

// cut returns the canonical name of the highest delegation (NS records
// strictly below the origin) at or above the canonical name c, or "".
func (z *zoneData) cut(c string) string {
	if c == z.origin {
		return ""
	}
	rel := strings.TrimSuffix(c, "."+z.origin)
	if z.origin == "." {
		rel = strings.TrimSuffix(c, ".")
	}
	labels := strings.Split(rel, ".")
	n := z.origin
	for i := len(labels) - 1; i >= 0; i-- {
		if n == "." {
			n = labels[i] + "."
		} else {
			n = labels[i] + "." + n
		}
		if len(z.records(n, dnsmessage.TypeNS)) > 0 {
			return n
		}
	}
	return ""
}

// refer adds a referral to the child zone at cut: its NS set in the
// authority section and, in the additional section, the glue this zone
// has for those hosts that are at or below its origin (in bailiwick).
func (z *zoneData) refer(cut string, m *dnsmessage.Message) {
	ns := z.records(cut, dnsmessage.TypeNS)
	for _, r := range ns {
		m.Authorities = append(m.Authorities, toResource(r.Name, r))
	}
	z.addresses(ns, m)
}

// addresses adds the A and AAAA records that z has for the hosts that the
// NS and MX records of rs name, each host once, in order: the additional
// section processing of RFC 1034 §4.3.2 step 6, which for a referral is
// the glue. Hosts outside the zone are left out: what z says of them is
// not its to say (out of bailiwick).
func (z *zoneData) addresses(rs []zone.Record, m *dnsmessage.Message) {
	seen := map[string]bool{}
	for _, r := range rs {
		var host string
		switch d := r.Data.(type) {
		case *zone.NS:
			host = d.Host
		case *zone.MX:
			host = d.Host
		default:
			continue
		}
		c := zone.Canonical(host)
		if seen[c] || !zone.InZone(c, z.origin) {
			continue
		}
		seen[c] = true
		for _, t := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
			for _, a := range z.records(c, t) {
				m.Additionals = append(m.Additionals, toResource(a.Name, a))
			}
		}
	}
}

// negative adds the zone's SOA to the authority section of an NXDOMAIN or
// NODATA reply, with the TTL a resolver may cache the negative answer for:
// "the minimum of the MINIMUM field of the SOA record and the TTL of the
// SOA itself" (RFC 2308 §3).
func (z *zoneData) negative(m *dnsmessage.Message) {
	soa := z.soa
	if min := soa.Data.(*zone.SOA).Minimum; min < soa.TTL {
		soa.TTL = min
	}
	m.Authorities = append(m.Authorities, toResource(soa.Name, soa))
}

// toResource turns a zone record into a resource record owned by owner
// (the record's own name, or the query's spelling of it).
func toResource(owner string, r zone.Record) dnsmessage.Resource {
	h := dnsmessage.ResourceHeader{Name: mustName(owner), Type: dnsmessage.Type(r.Type()), Class: dnsmessage.ClassINET, TTL: r.TTL}
	var body dnsmessage.ResourceBody
	switch d := r.Data.(type) {
	case *zone.A:
		body = &dnsmessage.AResource{A: d.Addr.As4()}
	case *zone.AAAA:
		body = &dnsmessage.AAAAResource{AAAA: d.Addr.As16()}
	case *zone.NS:
		body = &dnsmessage.NSResource{NS: mustName(d.Host)}
	case *zone.CNAME:
		body = &dnsmessage.CNAMEResource{CNAME: mustName(d.Target)}
	case *zone.MX:
		body = &dnsmessage.MXResource{Pref: d.Preference, MX: mustName(d.Host)}
	case *zone.TXT:
		body = &dnsmessage.TXTResource{TXT: d.Strings}
	case *zone.SOA:
		body = &dnsmessage.SOAResource{NS: mustName(d.MName), MBox: mustName(d.RName), Serial: d.Serial,
			Refresh: d.Refresh, Retry: d.Retry, Expire: d.Expire, MinTTL: d.Minimum}
	default:
		body = &dnsmessage.UnknownResource{Type: h.Type}
	}
	return dnsmessage.Resource{Header: h, Body: body}
}

// mustName makes a dnsmessage name of a zone's or a query's name, which
// are never longer than 255 bytes (a longer one is cut, and then fails to
// pack where indexZone checks it).
func mustName(s string) dnsmessage.Name {
	n, err := dnsmessage.NewName(s)
	if err != nil {
		n, _ = dnsmessage.NewName(s[:255])
	}
	return n
}
