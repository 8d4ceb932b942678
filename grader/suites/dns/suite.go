// Package dns grades the dns assignment (Kurose & Ross, chapter 2, "DNS";
// RFC 1034 and RFC 1035): part 1, an authoritative name server for one
// zone file, and part 2, a caching iterative resolver.
//
// The contract is handouts/dns.md. Each part-1 check writes a zone file made from
// the check's seed (so that no answer can be learnt by heart), starts the
// student's `bin/server -port P -zone FILE`, sends it queries built by
// hand or with golang.org/x/net/dns/dnsmessage, and judges each reply by
// the RFC sentence the check quotes. Replies are parsed with dnsmessage,
// an implementation independent of the reference's.
//
// Each part-2 check (the dns/resolver/ checks) starts a world of its own:
// a DNS hierarchy of harness/dnstest servers built from the zone files in
// testdata/world, scripted for the check (a dead server, a forgery, loss),
// then the student's `bin/resolver` against it, and judges the stub's
// replies and the world's log of what the resolver asked (world.go).
package dns

import "github.com/socklab/socklab/grader"

// Suite is the dns assignment.
var Suite = &grader.Suite{
	ID:      "dns",
	Title:   "DNS: an authoritative name server and a caching resolver",
	Roles:   []string{"server", "resolver"},
	Handout: "handouts/dns.md",
}

func init() {
	for _, group := range [][]*grader.Check{
		headerChecks, malformedChecks, answerChecks, negativeChecks,
		cnameChecks, additionalChecks, referralChecks, compressionChecks,
		truncationChecks, tcpChecks, ednsChecks, loadChecks,
		resolveChecks, cacheChecks, trustChecks, failureChecks, serviceChecks,
	} {
		Suite.Checks = append(Suite.Checks, group...)
	}
	grader.Register(Suite)
}

// Handout sections, as titled in handouts/dns.md.
const (
	secMessage   = "§2 The message format"
	secLookup    = "§3 How the server answers"
	secZone      = "§4 Zone files"
	secTransport = "§5 UDP, TCP and EDNS"

	secIterate  = "§8 Iterated queries"
	secCache    = "§9 Caching"
	secTrust    = "§10 Trust"
	secFailures = "§11 When servers fail"
)
