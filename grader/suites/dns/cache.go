package dns

import (
	"fmt"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
)

// The resolver checks of §9, caching: what a second query costs. Each
// asks twice and reads the world's log between: an answer from the cache
// sends no query, an expired one does.

const (
	ruleCache      = `"A record in the cache is used until its TTL runs out, and the TTL in the reply is what is left of it: it counts down, second by second."`
	ruleExpiry     = `"Once its TTL has run out, the resolver asks again."`
	ruleDelegation = `"The NS records and addresses from a referral are cached too: the next name in a zone already visited is asked of that zone's servers, not of the root."`
	ruleNegCache   = `"A negative answer is cached for the smaller of the SOA record's TTL and its MINIMUM field (RFC 2308 §5)."`
)

var cacheChecks = []*grader.Check{
	{
		ID: "dns/resolver/cache-hit", Name: "A repeated query is answered from the cache, its TTL counted down", Points: 3,
		Requirement: ruleCache + ` (handout §9; RFC 1035 §7.4): gaia.cs.umass.edu has a TTL of 3600 s, and is asked again 1.5 s later.`,
		Handout:     secCache,
		Run:         resolverCacheHit,
	},
	{
		ID: "dns/resolver/cache-expiry", Name: "A record is fetched again once its TTL has run out", Points: 2,
		Requirement: ruleExpiry + ` (handout §9): brief.example.com has a TTL of 1 s, and is asked again 2 s later.`,
		Handout:     secCache,
		Run:         resolverCacheExpiry,
	},
	{
		ID: "dns/resolver/cache-delegation", Name: "A second name in a visited zone skips the root and the TLD", Points: 2,
		Requirement: ruleDelegation + ` (handout §9; RFC 1034 §5.3.3 step 2): after gaia.cs.umass.edu, www.umass.edu is asked of umass.edu's servers only.`,
		Handout:     secCache,
		Run:         resolverCacheDelegation,
	},
	{
		ID: "dns/resolver/negative-cache", Name: "An NXDOMAIN is answered from the cache", Points: 2,
		Requirement: ruleNegCache + ` (handout §9): umass.edu's negative answers may be cached 300 s.`,
		Handout:     secCache,
		Run:         resolverNegativeCache,
	},
	{
		ID: "dns/resolver/negative-expiry", Name: "A negative answer expires after the SOA's MINIMUM", Points: 1,
		Requirement: ruleNegCache + ` (handout §9): example.com's SOA has a MINIMUM of 1 s, so its NXDOMAIN is asked again 2 s later.`,
		Handout:     secCache,
		Run:         resolverNegativeExpiry,
	},
}

// expectFromCache fails unless the queries since mark hold none for name:
// the reply came from the cache.
func (w *world) expectFromCache(mark int, name, why string) {
	if qs := asked(w.Queries()[mark:], name, 0); len(qs) > 0 {
		w.t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your resolver asked the world about %s again, %s", name, why),
			Expected: "the answer from the cache, with no query to a name server",
			Actual:   "your resolver's queries for the second stub query:\n" + listQueries(qs),
		})
	}
}

// expectAskedAgain fails unless the queries since mark hold one for
// name of type typ: the cache had let it go.
func (w *world) expectAskedAgain(mark int, name string, typ dnsmessage.Type, why string) {
	if qs := asked(w.Queries()[mark:], name, typ); len(qs) == 0 {
		w.t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your resolver answered %s %s from its cache, %s", name, typeName(typ), why),
			Expected: "a new query to a name server",
			Actual:   "no query for the name; your resolver's queries since the stub asked again:\n" + listQueries(w.Queries()[mark:]),
		})
	}
}

func resolverCacheHit(t *grader.T) {
	w := startWorld(t, nil)
	const ttl = 3600 // gaia's TTL in umass.edu
	sent := time.Now()
	first := w.ask(gaia, dnsmessage.TypeA)
	first.expectAddrs(t, gaia, w.v.Gaia)
	got := time.Now()

	// 1.5 s on, whatever way the resolver rounds, a whole second is off.
	wait(t, 1500*time.Millisecond)
	mark := w.mark()
	second := w.ask(gaia, dnsmessage.TypeA)
	second.expectAddrs(t, gaia, w.v.Gaia)
	w.expectFromCache(mark, gaia, fmt.Sprintf("%.1f s after it learnt it with a TTL of %d s", time.Since(got).Seconds(), ttl))

	// It can have counted down no more than the time since the first
	// query was sent, and no less than the time since its reply came.
	t1, t2 := first.ttlOf(gaia), second.ttlOf(gaia)
	most := ttl - 1
	least := ttl - int(time.Since(sent).Seconds()) - 1
	if t1 > ttl || int(t2) > most || int(t2) < least || t2 > t1 {
		second.fail(t, "from the cache has the wrong TTL",
			fmt.Sprintf("the first reply's TTL at most %d; the second's between %d and %d (%d s less what has passed), and no more than the first's",
				ttl, least, most, ttl),
			fmt.Sprintf("the first reply's TTL %d, the second's %d", t1, t2))
	}
}

func resolverCacheExpiry(t *grader.T) {
	w := startWorld(t, nil)
	const brief, ttl = "brief.example.com.", 1
	w.ask(brief, dnsmessage.TypeA).expectAddrs(t, brief, w.v.Brief)
	// The entry is gone ttl after the resolver got the answer, which is
	// before the stub got it; one second more for the resolver's rounding.
	wait(t, (ttl+1)*time.Second)
	mark := w.mark()
	w.ask(brief, dnsmessage.TypeA).expectAddrs(t, brief, w.v.Brief)
	w.expectAskedAgain(mark, brief, dnsmessage.TypeA, fmt.Sprintf("%d s after it learnt it with a TTL of %d s", ttl+1, ttl))
}

func resolverCacheDelegation(t *grader.T) {
	w := startWorld(t, nil)
	w.ask(gaia, dnsmessage.TypeA).expectAddrs(t, gaia, w.v.Gaia)
	mark := w.mark()
	const www = "www.umass.edu."
	w.ask(www, dnsmessage.TypeA).expectAddrs(t, www, w.v.WWW)
	umass := []string{"dns.umass.edu.", "dns2.umass.edu."}
	var elsewhere []dnstest.Query
	for _, q := range w.Queries()[mark:] {
		if !serverIn(q, umass) {
			elsewhere = append(elsewhere, q)
		}
	}
	if len(elsewhere) > 0 {
		t.Fail(grader.Failure{
			Message:  "for www.umass.edu, your resolver asked servers other than umass.edu's, although it had just been there for gaia.cs.umass.edu",
			Expected: "queries to dns.umass.edu or dns2.umass.edu only: their names and addresses are in the cache",
			Actual:   "your resolver's queries for www.umass.edu:\n" + listQueries(w.Queries()[mark:]),
		})
	}
}

func resolverNegativeCache(t *grader.T) {
	w := startWorld(t, nil)
	const nx = "nosuch.umass.edu."
	w.ask(nx, dnsmessage.TypeA).expectRCode(t, rcodeNXDomain)
	mark := w.mark()
	w.ask(nx, dnsmessage.TypeA).expectRCode(t, rcodeNXDomain)
	w.expectFromCache(mark, nx, "although its NXDOMAIN may be cached for 300 s")
}

func resolverNegativeExpiry(t *grader.T) {
	w := startWorld(t, nil)
	const nx, ttl = "nosuch.example.com.", 1
	w.ask(nx, dnsmessage.TypeA).expectRCode(t, rcodeNXDomain)
	wait(t, (ttl+1)*time.Second)
	mark := w.mark()
	w.ask(nx, dnsmessage.TypeA).expectRCode(t, rcodeNXDomain)
	w.expectAskedAgain(mark, nx, dnsmessage.TypeA, fmt.Sprintf("%d s after its NXDOMAIN, which may be cached %d s", ttl+1, ttl))
}
