// Package dns grades the dns assignment, part 1: an authoritative name
// server for one zone file (Kurose & Ross, chapter 2, "DNS"; RFC 1034 and
// RFC 1035).
//
// The contract is handouts/dns.md. Each check writes a zone file made from
// the check's seed (so that no answer can be learnt by heart), starts the
// student's `bin/server -port P -zone FILE`, sends it queries built by
// hand or with golang.org/x/net/dns/dnsmessage, and judges each reply by
// the RFC sentence the check quotes. Replies are parsed with dnsmessage,
// an implementation independent of the reference's.
package dns

import "github.com/socklab/socklab/grader"

// Suite is the dns assignment.
var Suite = &grader.Suite{
	ID:      "dns",
	Title:   "DNS: an authoritative name server",
	Roles:   []string{"server"},
	Handout: "handouts/dns.md",
}

func init() {
	for _, group := range [][]*grader.Check{
		headerChecks, malformedChecks, answerChecks, negativeChecks,
		cnameChecks, additionalChecks, referralChecks, compressionChecks,
		truncationChecks, tcpChecks, ednsChecks, loadChecks,
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
)
