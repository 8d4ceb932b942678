package dns

import (
	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
)

// The negative answers: a name the zone lacks (NXDOMAIN), a type a name
// lacks (NODATA), and a name outside the zone (REFUSED). RFC 2308 says
// what the first two carry, so that resolvers can cache them.

var negativeChecks = []*grader.Check{
	{
		ID: "dns/negative/nxdomain", Name: "A missing name gets NXDOMAIN with the zone's SOA", Points: 2,
		Requirement: `"Name servers authoritative for a zone MUST include the SOA record of the zone in the authority section of the response when reporting an NXDOMAIN" (RFC 2308 §3); "Name Error - Meaningful only for responses from an authoritative name server, this code signifies that the domain name referenced in the query does not exist." (RCODE 3, RFC 1035 §4.1.1)`,
		Handout:     secLookup,
		Run:         negativeNXDomain,
	},
	{
		ID: "dns/negative/nodata", Name: "A missing type gets NOERROR, no answer, and the SOA", Points: 2,
		Requirement: `"The name exists but has no records of QTYPE (including a type your server has never heard of, such as SRV or 65280): RCODE NOERROR, an empty answer section, and the zone's SOA record in the authority section." (handout §3) "Name servers authoritative for a zone MUST include the SOA record of the zone in the authority section of the response when reporting an NXDOMAIN or indicating that no data of the requested type exists." (RFC 2308 §3)`,
		Handout:     secLookup,
		Run:         negativeNoData,
	},
	{
		ID: "dns/negative/unknown-type", Name: "A type the server does not know gets NODATA", Points: 1,
		Requirement: `"The name exists but has no records of QTYPE (including a type your server has never heard of, such as SRV or 65280): RCODE NOERROR, an empty answer section, and the zone's SOA record in the authority section." (handout §3; RFC 2308 §2.2, NODATA; RFC 3597: types a server does not know are still types)`,
		Handout:     secLookup,
		Run:         negativeUnknownType,
	},
	{
		ID: "dns/negative/soa-ttl", Name: "The SOA of a negative answer has the negative TTL", Points: 1,
		Requirement: `"The TTL of this record is set from the minimum of the MINIMUM field of the SOA record and the TTL of the SOA itself, and indicates how long a resolver may cache the negative answer." (RFC 2308 §3)`,
		Handout:     secLookup,
		Run:         negativeSOATTL,
	},
	{
		ID: "dns/negative/empty-non-terminal", Name: "A name with only names below it gets NODATA", Points: 1,
		Requirement: `"A name with no records of its own but names below it exists: it gets NODATA, not NXDOMAIN." (handout §3; RFC 4592 §2.2.2 calls it an empty non-terminal; RFC 8020 §2: NXDOMAIN says that nothing exists at or below the name)`,
		Handout:     secLookup,
		Run:         negativeEmptyNonTerminal,
	},
	{
		ID: "dns/negative/refused", Name: "A name outside the zone gets REFUSED", Points: 2,
		Requirement: `"A query for a name outside the zone gets RCODE 5, REFUSED: the server answers only for its zone and does not recurse." (handout §3; RFC 1035 §4.1.1: "Refused - The name server refuses to perform the specified operation for policy reasons.")`,
		Handout:     secLookup,
		Run:         negativeRefused,
	},
}

func negativeNXDomain(t *grader.T) {
	s := startServer(t, "udp")
	for _, rel := range []string{"no-such-name", "deeper.www", "a.b.c"} {
		r := s.ask(newQuery(t, rel, dnsmessage.TypeA))
		r.expectRCode(t, rcodeNXDomain)
		r.expectSection(t, answer, nil, false)
		r.expectSection(t, authority, []rr{s.zone.negativeSOA()}, false)
	}
}

func negativeNoData(t *grader.T) {
	s := startServer(t, "udp")
	for _, c := range []struct {
		rel string
		qt  dnsmessage.Type
	}{{"www", dnsmessage.TypeMX}, {"mail2", dnsmessage.TypeAAAA}, {"@", dnsmessage.TypeA}} {
		r := s.ask(newQuery(t, c.rel, c.qt))
		r.expectRCode(t, rcodeNoError)
		r.expectSection(t, answer, nil, false)
		r.expectSection(t, authority, []rr{s.zone.negativeSOA()}, false)
	}
}

func negativeUnknownType(t *grader.T) {
	s := startServer(t, "udp")
	// SRV (33) is real but absent from the zone format; 65280 is for
	// private use and no server knows it.
	for _, qt := range []dnsmessage.Type{dnsmessage.TypeSRV, 65280} {
		r := s.ask(newQuery(t, "www", qt))
		r.expectRCode(t, rcodeNoError)
		r.expectSection(t, answer, nil, false)
		r.expectSection(t, authority, []rr{s.zone.negativeSOA()}, false)
	}
}

func negativeSOATTL(t *grader.T) {
	s := startServer(t, "udp")
	for _, c := range []struct {
		rel string
		qt  dnsmessage.Type
	}{{"no-such-name", dnsmessage.TypeA}, {"www", dnsmessage.TypeMX}} {
		r := s.ask(newQuery(t, c.rel, c.qt))
		r.expectSection(t, authority, []rr{s.zone.negativeSOA()}, true)
	}
}

func negativeEmptyNonTerminal(t *grader.T) {
	s := startServer(t, "udp")
	// deep.example.org. has no records; host.deep.example.org. has one.
	r := s.ask(newQuery(t, "deep", dnsmessage.TypeA))
	r.expectRCode(t, rcodeNoError)
	r.expectSection(t, answer, nil, false)
}

func negativeRefused(t *grader.T) {
	s := startServer(t, "udp")
	// A sibling zone, the parent, and a name that merely ends like the zone.
	for _, n := range []string{"www.example.com.", "org.", "badexample.org."} {
		r := s.ask(newQuery(t, n, dnsmessage.TypeA))
		r.expectRCode(t, rcodeRefused)
		r.expectSection(t, answer, nil, false)
	}
}
