package dns

import (
	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The answer checks: a name and type the zone has are answered with all
// of the zone's records of that type, and their TTLs (RFC 1034 §4.3.2,
// step 3a).

var answerChecks = []*grader.Check{
	{
		ID: "dns/answer/a", Name: "An A query is answered with the address", Points: 2,
		Requirement: `"If the whole of QNAME is matched, we have found the node. If the data at the node is a CNAME, and QTYPE doesn't match CNAME, ... Otherwise, copy all RRs which match QTYPE into the answer section" (RFC 1034 §4.3.2, step 3a); A data is a 32-bit address (RFC 1035 §3.4.1).`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "mail2", zone.TypeA, dnsmessage.TypeA) },
	},
	{
		ID: "dns/answer/aaaa", Name: "An AAAA query is answered with the IPv6 address", Points: 1,
		Requirement: `"copy all RRs which match QTYPE into the answer section" (RFC 1034 §4.3.2, step 3a), for QTYPE AAAA, whose data is a 128-bit IPv6 address (RFC 3596 §2.2).`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "mail", zone.TypeAAAA, dnsmessage.TypeAAAA) },
	},
	{
		ID: "dns/answer/mx", Name: "An MX query is answered with every mail exchanger", Points: 2,
		Requirement: `"copy all RRs which match QTYPE into the answer section" (RFC 1034 §4.3.2, step 3a), for QTYPE MX, whose data is a 16-bit PREFERENCE and an EXCHANGE name (RFC 1035 §3.3.9).`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "@", zone.TypeMX, dnsmessage.TypeMX) },
	},
	{
		ID: "dns/answer/txt", Name: "A TXT record keeps each of its strings", Points: 2,
		Requirement: `"TXT-DATA: One or more <character-string>s." (RFC 1035 §3.3.14) A record of two strings is sent as two length-prefixed strings, not one.`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "note", zone.TypeTXT, dnsmessage.TypeTXT) },
	},
	{
		ID: "dns/answer/ns", Name: "An NS query at the apex is answered with the zone's servers", Points: 1,
		Requirement: `"copy all RRs which match QTYPE into the answer section" (RFC 1034 §4.3.2, step 3a), for QTYPE NS at the zone's own name (its own servers, not a delegation), whose data is a host name (RFC 1035 §3.3.11).`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "@", zone.TypeNS, dnsmessage.TypeNS) },
	},
	{
		ID: "dns/answer/soa", Name: "An SOA query is answered with the zone's SOA", Points: 1,
		Requirement: `"copy all RRs which match QTYPE into the answer section" (RFC 1034 §4.3.2, step 3a), for QTYPE SOA, whose data is MNAME, RNAME and five 32-bit numbers (RFC 1035 §3.3.13).`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "@", zone.TypeSOA, dnsmessage.TypeSOA) },
	},
	{
		ID: "dns/answer/rrset", Name: "Every record of an RRset is in the answer", Points: 2,
		Requirement: `"copy all RRs which match QTYPE into the answer section" (RFC 1034 §4.3.2, step 3a): a name with three addresses gets all three.`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { answerType(t, "www", zone.TypeA, dnsmessage.TypeA) },
	},
	{
		ID: "dns/answer/ttl", Name: "Answers carry the zone's TTLs", Points: 2,
		Requirement: `"A record's TTL is the one written on it, or else the $TTL in force; the reply carries that TTL." (handout §4; RFC 2308 §4 defines $TTL, RFC 1035 §5.1 the TTL field of a zone file entry)`,
		Handout:     secZone,
		Run:         answerTTL,
	},
	{
		ID: "dns/answer/case-insensitive", Name: "Names match without regard to case", Points: 2,
		Requirement: `"For all parts of the DNS that are part of the official protocol, all comparisons between character strings (e.g., labels, domain names, etc.) are done in a case-insensitive manner." (RFC 1035 §2.3.3; RFC 4343 §3)`,
		Handout:     secLookup,
		Run:         answerCase,
	},
}

// answerType asks for rel's records of one type and expects exactly the
// zone's, with AA=1 and RCODE NOERROR.
func answerType(t *grader.T, rel string, zt zone.Type, qt dnsmessage.Type) {
	s := startServer(t, "udp")
	r := s.ask(newQuery(t, rel, qt))
	r.expectRCode(t, rcodeNoError)
	r.expectSection(t, answer, s.zone.records(rel, zt), false)
}

func answerTTL(t *grader.T) {
	s := startServer(t, "udp")
	for _, c := range []struct {
		rel string
		zt  zone.Type
		qt  dnsmessage.Type
	}{
		{"www", zone.TypeA, dnsmessage.TypeA},      // a TTL on the record
		{"mail2", zone.TypeA, dnsmessage.TypeA},    // another, over a day
		{"ns1", zone.TypeA, dnsmessage.TypeA},      // the $TTL default
		{"@", zone.TypeMX, dnsmessage.TypeMX},      // the default again, at the apex
		{"note", zone.TypeTXT, dnsmessage.TypeTXT}, // and on TXT
	} {
		r := s.ask(newQuery(t, c.rel, c.qt))
		r.expectTTLs(t, answer, s.zone.records(c.rel, c.zt))
	}
}

func answerCase(t *grader.T) {
	s := startServer(t, "udp")
	for range 3 {
		q := newQuery(t, mixCase(t, "www."+origin), dnsmessage.TypeA)
		q.Name = "WWW." + q.Name[4:] // at least one capital, whatever the seed
		r := s.ask(q)
		r.expectRCode(t, rcodeNoError)
		r.expectSection(t, answer, s.zone.records("www", zone.TypeA), false)
	}
}
