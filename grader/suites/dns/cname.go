package dns

import (
	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The CNAME checks: an alias is followed within the zone (RFC 1034 §4.3.2,
// step 3a), except when the alias itself is what was asked for.

var cnameChecks = []*grader.Check{
	{
		ID: "dns/cname/follow", Name: "A CNAME chain in the zone is followed to the address", Points: 2,
		Requirement: `"If the data at the node is a CNAME, and QTYPE doesn't match CNAME, copy the CNAME RR into the answer section of the response, change QNAME to the canonical name in the CNAME RR, and go back to step 1." (RFC 1034 §4.3.2, step 3a)`,
		Handout:     secLookup,
		Run:         cnameFollow,
	},
	{
		ID: "dns/cname/qtype-cname", Name: "A CNAME query gets the CNAME alone", Points: 1,
		Requirement: `The CNAME is followed only when "QTYPE doesn't match CNAME" (RFC 1034 §4.3.2, step 3a); a query for the CNAME itself gets just that record.`,
		Handout:     secLookup,
		Run:         cnameQType,
	},
	{
		ID: "dns/cname/leaves-zone", Name: "A CNAME out of the zone is answered, not refused", Points: 1,
		Requirement: `"If the new name is outside the zone, stop: the reply holds the CNAME (or the chain of them) and RCODE NOERROR, and the resolver asking takes it from there." (handout §3; RFC 1034 §4.3.2, steps 1-2: the lookup goes on only in a zone the server has)`,
		Handout:     secLookup,
		Run:         cnameLeavesZone,
	},
}

func cnameFollow(t *grader.T) {
	s := startServer(t, "udp")
	// alias -> ftp -> www: two steps, then the three addresses.
	r := s.ask(newQuery(t, "alias", dnsmessage.TypeA))
	r.expectRCode(t, rcodeNoError)
	want := append(s.zone.records("alias", zone.TypeCNAME), s.zone.records("ftp", zone.TypeCNAME)...)
	want = append(want, s.zone.records("www", zone.TypeA)...)
	r.expectSection(t, answer, want, false)
	r.expectFlag(t, "aa", true)
}

func cnameQType(t *grader.T) {
	s := startServer(t, "udp")
	r := s.ask(newQuery(t, "alias", dnsmessage.TypeCNAME))
	r.expectRCode(t, rcodeNoError)
	r.expectSection(t, answer, s.zone.records("alias", zone.TypeCNAME), false)
}

func cnameLeavesZone(t *grader.T) {
	s := startServer(t, "udp")
	r := s.ask(newQuery(t, "away", dnsmessage.TypeA))
	r.expectRCode(t, rcodeNoError)
	r.expectSection(t, answer, s.zone.records("away", zone.TypeCNAME), false)
}
