package main

import (
	"github.com/socklab/socklab/harness/zone"
	"github.com/socklab/socklab/reference/dns/message"
)

// maxChain is the most CNAME records one answer follows. A chain that
// loops back on itself is stopped earlier, at the first name seen twice.
const maxChain = 8

// A result is what a lookup found: the RCODE, the AA bit and the three
// sections of the reply.
type result struct {
	rcode      int
	aa         bool
	answer     []message.Record
	authority  []message.Record
	additional []message.Record
}

// lookup answers the question "qname, qtype" from the zone, following the
// algorithm of RFC 1034 §4.3.2 for a server that holds one zone and has no
// cache. Names compare without regard to case (RFC 4343 §3).
//
// Not supported: wildcards (RFC 4592). A name such as "*.example.com."
// matches only a query for that very name.
func (a *authority) lookup(qname string, qtype message.Type) result {
	// Step 2: is there a zone for qname? If not, there is nothing to say:
	// REFUSED, not authoritative. (A server that recursed would ask
	// other servers instead; this one answers only for its zone.)
	if !zone.InZone(qname, a.origin) {
		return result{rcode: message.RCodeRefused}
	}
	res := result{rcode: message.RCodeSuccess, aa: true}
	a.find(&res, qname, qtype)
	a.addAddresses(&res)
	return res
}

// find is step 3 of the algorithm: it matches qname down from the origin,
// and fills res. A CNAME sends it round again with the CNAME's target, and
// what it finds for the target is added to res: the answer section then
// holds the chain, and the RCODE says what became of the last name
// (RFC 6604 §3).
func (a *authority) find(res *result, qname string, qtype message.Type) {
	seen := make(map[string]bool)
	for name := zone.Canonical(qname); ; {
		seen[name] = true

		// Step 3b: a zone cut on the way down means the name belongs to
		// another zone. Refer the asker to that zone's servers. The NS
		// records belong to the child zone, so the referral is not
		// authoritative, unless a CNAME of ours led here (RFC 1034
		// §4.3.2 step 3b; RFC 2181 §6.1).
		if cut := a.cut(name); cut != "" {
			res.authority = a.records(cut, message.TypeNS)
			res.aa = len(res.answer) > 0
			return
		}

		// Step 3c: no such name: NXDOMAIN. (RFC 1034 gives NXDOMAIN
		// only when the name is the original QNAME; RFC 6604 §3 later
		// made the RCODE say what became of the last name of a CNAME
		// chain, and that is what resolvers expect.) RFC 2308 §3:
		// "Name servers authoritative for a zone MUST include the SOA
		// record of the zone in the authority section of the response
		// when reporting an NXDOMAIN or indicating that no data of the
		// requested type exists."
		if _, ok := a.nodes[name]; !ok {
			res.rcode = message.RCodeNXDomain
			res.authority = []message.Record{a.negativeSOA()}
			return
		}

		// Step 3a: the node is found. Records of the type asked for are
		// the answer, the whole RRset. This is also where a query for
		// the CNAME itself, or for ANY, ends.
		if rrs := a.records(name, qtype); len(rrs) > 0 {
			res.answer = append(res.answer, rrs...)
			return
		}

		// A CNAME, when QTYPE is another type: copy it into the answer
		// and go round again with its target, if that is in our zone.
		// Out of the zone, the asker's resolver takes it from there.
		cname := a.records(name, message.TypeCNAME)
		if len(cname) == 0 {
			// NODATA: the name exists, without records of this type.
			// That includes types the server has never heard of
			// (RFC 3597 §3).
			res.authority = []message.Record{a.negativeSOA()}
			return
		}
		res.answer = append(res.answer, cname[0]) // a name has one CNAME at most (RFC 2181 §10.1)
		target := zone.Canonical(cname[0].Data.(*message.CNAME).Target)
		if !zone.InZone(target, a.origin) || seen[target] || len(res.answer) >= maxChain {
			return
		}
		name = target
	}
}

// cut returns the highest name below the origin, on the way down to name
// (name included), that has NS records: where the zone delegates name to
// another zone. It returns "" when there is none. The origin's own NS
// records are the zone's servers, not a delegation.
func (a *authority) cut(name string) string {
	var path []string // from name up to, not including, the origin
	for n := name; n != a.origin && n != "."; n = parent(n) {
		path = append(path, n)
	}
	for i := len(path) - 1; i >= 0; i-- { // top down
		if len(a.records(path[i], message.TypeNS)) > 0 {
			return path[i]
		}
	}
	return ""
}

// addAddresses is step 6, additional section processing: the A and AAAA
// records of the hosts named by MX and NS records in the answer, and by NS
// records in the authority section of a referral, where they are the glue
// (RFC 1035 §3.3.9, §3.3.11). Only hosts in our zone can be looked up, and
// each record goes in once, and not at all if the answer has it already.
func (a *authority) addAddresses(res *result) {
	type key struct {
		name string
		t    message.Type
	}
	have := make(map[key]bool)
	for _, r := range res.answer {
		have[key{zone.Canonical(r.Name), r.Type}] = true
	}
	var hosts []string
	for _, section := range [][]message.Record{res.answer, res.authority} {
		for _, r := range section {
			switch d := r.Data.(type) {
			case *message.MX:
				hosts = append(hosts, d.Host)
			case *message.NS:
				hosts = append(hosts, d.Host)
			}
		}
	}
	for _, h := range hosts {
		h = zone.Canonical(h)
		if !zone.InZone(h, a.origin) {
			continue
		}
		for _, t := range []message.Type{message.TypeA, message.TypeAAAA} {
			if k := (key{h, t}); !have[k] {
				have[k] = true
				res.additional = append(res.additional, a.records(h, t)...)
			}
		}
	}
}
