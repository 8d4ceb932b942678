package dns

import (
	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The referral: below a zone cut the data belongs to another zone, and
// the server points the asker to that zone's servers (RFC 1034 §4.2.1 and
// §4.3.2, step 3b).

var referralChecks = []*grader.Check{
	{
		ID: "dns/referral/below-cut", Name: "A name below a delegation gets a referral", Points: 3,
		Requirement: `"If a match would take us out of the authoritative data, we have a referral. This happens when we encounter a node with NS RRs marking cuts along the bottom of a zone. Copy the NS RRs for the subzone into the authority section of the reply. Put whatever addresses are available into the additional section, using glue RRs if the addresses are not available from authoritative data or the cache." (RFC 1034 §4.3.2, step 3b) The reply is not authoritative: AA=0.`,
		Handout:     secLookup,
		Run:         referralBelowCut,
	},
	{
		ID: "dns/referral/at-cut", Name: "The delegated name itself gets a referral", Points: 1,
		Requirement: `"The answer section stays empty, RCODE is NOERROR and AA is 0: the NS records at the cut belong to the child zone, and the server is not its authority. This holds for a query for the cut's own name too." (handout §3; RFC 1034 §4.2.1; RFC 2181 §6.1)`,
		Handout:     secLookup,
		Run:         referralAtCut,
	},
}

// expectReferral checks a reply for the referral to sub.example.org.
func expectReferral(t *grader.T, s *server, r *reply) {
	r.expectRCode(t, rcodeNoError)
	r.expectSection(t, answer, nil, false)
	r.expectSection(t, authority, s.zone.records("sub", zone.TypeNS), false)
	r.expectContains(t, additional, s.zone.records("ns.sub", zone.TypeA))
	r.expectFlag(t, "aa", false)
}

func referralBelowCut(t *grader.T) {
	s := startServer(t, "udp")
	expectReferral(t, s, s.ask(newQuery(t, "host.sub", dnsmessage.TypeA)))
	expectReferral(t, s, s.ask(newQuery(t, "a.b.sub", dnsmessage.TypeMX)))
}

func referralAtCut(t *grader.T) {
	s := startServer(t, "udp")
	expectReferral(t, s, s.ask(newQuery(t, "sub", dnsmessage.TypeNS)))
	expectReferral(t, s, s.ask(newQuery(t, "sub", dnsmessage.TypeA)))
}
