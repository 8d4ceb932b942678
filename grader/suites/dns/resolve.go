package dns

import (
	"fmt"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
)

// The resolver checks of §8, iterated queries: what the resolver asks of
// whom on a first resolution, and what it tells the stub. Each starts a
// world of its own (world.go) with an empty cache.

// The handout's sentences these checks test.
const (
	ruleWalk     = `"The resolver starts at the root servers it was given and follows the referrals down, asking each zone's servers in turn, until a server of the name's own zone answers."`
	ruleRD       = `"Every query the resolver sends to a name server has RD=0: it asks for what the server knows, and does the recursion itself."`
	ruleHeader   = `"The reply to the stub has the stub's ID, QR=1, RA=1, RD copied from the query, and the question copied byte for byte."`
	ruleGlueless = `"A name server whose name comes without an address in the referral is looked up first, from the root, like any other name."`
	ruleCNAME    = `"When the answer is a CNAME, the resolver asks again for its target, wherever that lives, and answers the stub with the whole chain."`
	ruleLoop     = `"A CNAME chain longer than 8, or one that comes back to a name it has seen, ends in SERVFAIL."`
	ruleNegative = `"A name that does not exist gets NXDOMAIN, and a type that a name does not have gets NOERROR with an empty answer; both with the zone's SOA record in the authority section."`
)

var resolveChecks = []*grader.Check{
	{
		ID: "dns/resolver/walk", Name: "A first query walks from the root down to the name's zone", Points: 3,
		Requirement: ruleWalk + ` (handout §8; RFC 1034 §5.3.3): gaia.cs.umass.edu is asked of a root server, then of edu's, then of umass.edu's.`,
		Handout:     secIterate,
		Run:         resolverWalk,
	},
	{
		ID: "dns/resolver/header", Name: "The reply to the stub has its ID, RA=1 and its question", Points: 2,
		Requirement: ruleHeader + ` (handout §8; RFC 1035 §4.1.1: RA "denotes whether recursive query support is available in the name server")`,
		Handout:     secIterate,
		Run:         resolverHeader,
	},
	{
		ID: "dns/resolver/rd-clear", Name: "Queries to name servers have RD=0", Points: 1,
		Requirement: ruleRD + ` (handout §8; RFC 1034 §5.3.1)`,
		Handout:     secIterate,
		Run:         resolverRDClear,
	},
	{
		ID: "dns/resolver/glueless", Name: "A delegation without glue is followed by resolving the server's name", Points: 2,
		Requirement: ruleGlueless + ` (handout §8): example.com's servers are ns1 and ns2.hosting.net, which com cannot give addresses for.`,
		Handout:     secIterate,
		Run:         resolverGlueless,
	},
	{
		ID: "dns/resolver/cname", Name: "A CNAME into another zone is followed there", Points: 2,
		Requirement: ruleCNAME + ` (handout §8; RFC 1034 §5.3.3 step 4): www.example.com is a CNAME for www.example.com.cdn.net.`,
		Handout:     secIterate,
		Run:         resolverCNAME,
	},
	{
		ID: "dns/resolver/cname-loop", Name: "A CNAME loop across zones ends in SERVFAIL, in time", Points: 2,
		Requirement: ruleLoop + ` (handout §8) ` + ruleBound + ` (handout §11): loop.example.com and loop.cdn.net are CNAMEs for each other.`,
		Handout:     secIterate,
		Run:         resolverCNAMELoop,
	},
	{
		ID: "dns/resolver/negative", Name: "NXDOMAIN and NODATA reach the stub with the SOA", Points: 2,
		Requirement: ruleNegative + ` (handout §8; RFC 2308 §2)`,
		Handout:     secIterate,
		Run:         resolverNegative,
	},
}

// The names the checks ask for.
const (
	gaia = "gaia.cs.umass.edu."
)

func resolverWalk(t *grader.T) {
	w := startWorld(t, nil)
	r := w.ask(gaia, dnsmessage.TypeA)
	r.expectAddrs(t, gaia, w.v.Gaia)

	// The first query of each level, in the order they were sent. A
	// resolver may ask each level for the whole name or, minimising
	// (RFC 9156), for just the part that level needs: any name at or
	// above gaia's counts.
	qs := w.Queries()
	levels := []struct {
		what    string
		servers []string
	}{
		{"a root server", []string{"a.root-servers.net.", "b.root-servers.net."}},
		{"edu's server", []string{"a.edu-servers.net."}},
		{"a server of umass.edu", []string{"dns.umass.edu.", "dns2.umass.edu."}},
	}
	last := 0
	for i, l := range levels {
		first := 0
		for _, q := range qs {
			if serverIn(q, l.servers) && zone.InZone(gaia, q.Name) && (i < len(levels)-1 || zone.Equal(q.Name, gaia)) {
				first = q.N
				break
			}
		}
		switch {
		case first == 0:
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your resolver answered %s A without asking %s about it", gaia, l.what),
				Expected: fmt.Sprintf("a query to %s for %s or a name above it", strings.Join(l.servers, " or "), gaia),
				Actual:   "your resolver's queries to the world:\n" + listQueries(qs),
			})
		case first < last:
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your resolver asked %s before the level above it had sent it there", l.what),
				Expected: "the root first, then edu's server, then umass.edu's: each referral names the next",
				Actual:   "your resolver's queries to the world:\n" + listQueries(qs),
			})
		}
		last = first
	}
}

// serverIn says whether q went to one of the named servers.
func serverIn(q dnstest.Query, hosts []string) bool {
	for _, h := range q.Server.Names() {
		for _, want := range hosts {
			if zone.Equal(h, want) {
				return true
			}
		}
	}
	return false
}

func resolverHeader(t *grader.T) {
	w := startWorld(t, nil)
	// Mixed case, as some stubs send it (DNS 0x20): the question comes
	// back exactly so.
	q := stubQuery(t, "GaIa.cS.UMass.Edu.", dnsmessage.TypeA)
	r, _ := w.askQuery(q)
	if r.msg.Header.ID != q.ID {
		r.fail(t, "has another ID than the stub's query", fmt.Sprintf("ID %d", q.ID), fmt.Sprintf("ID %d", r.msg.Header.ID))
	}
	r.expectFlag(t, "qr", true)
	r.expectFlag(t, "ra", true)
	r.expectFlag(t, "rd", true)
	if !echoesQuestion(q, r.raw) {
		r.fail(t, "does not copy the stub's question byte for byte", q.Name+" IN A, case kept", questionText(&r.msg))
	}
	r.expectAddrs(t, gaia, w.v.Gaia)
}

// echoesQuestion says whether reply's question section is query q's,
// byte for byte.
func echoesQuestion(q query, reply []byte) bool {
	sent := q.pack()
	const header = 12
	n := len(sent) - header // the query is a header and one question
	return len(reply) >= header+n && string(reply[header:header+n]) == string(sent[header:]) &&
		reply[4] == 0 && reply[5] == 1
}

func questionText(m *dnsmessage.Message) string {
	if len(m.Questions) != 1 {
		return fmt.Sprintf("%d questions", len(m.Questions))
	}
	return fmt.Sprintf("%s IN %s", m.Questions[0].Name, typeName(m.Questions[0].Type))
}

func resolverRDClear(t *grader.T) {
	w := startWorld(t, nil)
	w.ask(gaia, dnsmessage.TypeA).expectAddrs(t, gaia, w.v.Gaia)
	w.ask("www.example.com.", dnsmessage.TypeA).expectAddrs(t, "www.example.com.", w.v.CDN)
	var rd []dnstest.Query
	for _, q := range w.Queries() {
		if q.RD {
			rd = append(rd, q)
		}
	}
	if len(rd) > 0 {
		t.Fail(grader.Failure{
			Message: fmt.Sprintf("%d of your resolver's %d queries to name servers asked for recursion (RD=1)",
				len(rd), len(w.Queries())),
			Expected: "RD=0 in every query to a name server: the resolver follows the referrals itself",
			Actual:   "the queries with RD=1:\n" + listQueries(rd),
		})
	}
}

func resolverGlueless(t *grader.T) {
	w := startWorld(t, nil)
	const mail = "mail.example.com."
	w.ask(mail, dnsmessage.TypeA).expectAddrs(t, mail, w.v.Mail)
	qs := w.Queries()
	if len(asked(qs, "ns1.hosting.net.", 0))+len(asked(qs, "ns2.hosting.net.", 0)) == 0 {
		t.Fail(grader.Failure{
			Message:  "your resolver answered for example.com without looking up the address of its name servers",
			Expected: "a query for ns1.hosting.net or ns2.hosting.net, the names com's referral gives without addresses",
			Actual:   "your resolver's queries to the world:\n" + listQueries(qs),
		})
	}
}

func resolverCNAME(t *grader.T) {
	w := startWorld(t, nil)
	const www, target = "www.example.com.", "www.example.com.cdn.net."
	r := w.ask(www, dnsmessage.TypeA)
	r.expectAddrs(t, www, w.v.CDN)
	if end := r.chainEnd(www); end != target {
		r.fail(t, "does not hold the CNAME record that leads from the name asked to the address",
			fmt.Sprintf("%s IN CNAME %s, then %s IN A %s", www, target, target, w.v.CDN),
			fmt.Sprintf("the answer's chain from %s ends at %s", www, end))
	}
}

func resolverCNAMELoop(t *grader.T) {
	w := startWorld(t, nil)
	const loop = "loop.example.com."
	r, took := w.askQuery(stubQuery(t, loop, dnsmessage.TypeA))
	r.expectRCode(t, rcodeServFail)
	w.expectInTime(r, took)
}

func resolverNegative(t *grader.T) {
	w := startWorld(t, nil)
	soa := fmt.Sprintf("umass.edu. IN SOA dns.umass.edu. hostmaster.umass.edu. %d 7200 3600 1209600 300", w.v.Serial)

	nx := w.ask("nosuch.umass.edu.", dnsmessage.TypeA)
	nx.expectRCode(t, rcodeNXDomain)
	nx.expectNegative(t, soa)

	nodata := w.ask(gaia, dnsmessage.TypeMX)
	nodata.expectRCode(t, rcodeNoError)
	nodata.expectNegative(t, soa)
}

// expectNegative checks a negative reply's sections: no answer, and the
// zone's SOA in the authority section (its TTL is the cache's business).
func (r *reply) expectNegative(t *grader.T, soa string) {
	if got := r.records(answer); len(got) > 0 {
		r.failRecords(t, "has records in the ANSWER section, although the answer is no", nil, sorted(got, true))
	}
	var got []string
	for _, x := range r.records(authority) {
		if x.Type == dnsmessage.TypeSOA {
			got = append(got, x.noTTL())
		}
	}
	if len(got) != 1 || got[0] != soa {
		r.failRecords(t, "does not carry the zone's SOA record in the AUTHORITY section", []string{soa}, got)
	}
}
