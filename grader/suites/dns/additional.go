package dns

import (
	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The additional section: the addresses of the hosts an answer names, so
// that the asker need not ask again (RFC 1034 §4.3.2, step 6).

var additionalChecks = []*grader.Check{
	{
		ID: "dns/additional/mx", Name: "An MX answer brings its exchangers' addresses", Points: 2,
		Requirement: `"MX records cause type A additional section processing for the host specified by EXCHANGE." (RFC 1035 §3.3.9; RFC 1034 §4.3.2, step 6)`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { additionalFor(t, dnsmessage.TypeMX, zone.TypeMX) },
	},
	{
		ID: "dns/additional/ns", Name: "An NS answer brings its servers' addresses", Points: 1,
		Requirement: `"NS records cause both the usual additional section processing to locate a type A record, and, when used in a referral, a special search of the zone in which they reside for glue information." (RFC 1035 §3.3.11)`,
		Handout:     secLookup,
		Run:         func(t *grader.T) { additionalFor(t, dnsmessage.TypeNS, zone.TypeNS) },
	},
}

// additionalFor asks for the apex's MX or NS records and expects the
// in-zone A records of every host they name in the additional section;
// more (AAAA records, say) is allowed.
func additionalFor(t *grader.T, qt dnsmessage.Type, zt zone.Type) {
	s := startServer(t, "udp")
	r := s.ask(newQuery(t, "@", qt))
	r.expectRCode(t, rcodeNoError)
	var want []rr
	for _, rec := range s.zone.z.Lookup(origin, zt) {
		var host string
		switch d := rec.Data.(type) {
		case *zone.MX:
			host = d.Host
		case *zone.NS:
			host = d.Host
		}
		want = append(want, s.zone.records(host, zone.TypeA)...)
	}
	r.expectContains(t, additional, want)
}
