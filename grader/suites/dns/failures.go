package dns

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
)

// The resolver checks of §11, when servers fail: loss, dead and lame
// servers, a zone none of whose servers answers, and truncation. The
// world's servers are scripted so that the failure meets the resolver
// whatever it does: "the first server asked" is whichever it asks first.

const (
	ruleRetry = `"Each question is tried at least 3 times, over the zone's servers in turn, before the resolver gives up on it."`
	ruleSkip  = `"A server that answers SERVFAIL or REFUSED, or does not answer, is skipped for another server of the zone."`
	ruleTCP   = `"A reply with TC=1 is asked again over TCP, of the same server."`
	ruleBound = `"The stub gets an answer within 5 s: when the resolution cannot finish by then, SERVFAIL."`
)

var failureChecks = []*grader.Check{
	{
		ID: "dns/resolver/loss", Name: "Names resolve through a network that loses 30% of the tries", Points: 3,
		Requirement: ruleRetry + ` (handout §11; RFC 1035 §4.2.1: "Queries sent using UDP may be lost, and hence a retransmission strategy is required."): a third of the queries or their replies are lost, never two tries of one question in a row.`,
		Handout:     secFailures,
		Run:         resolverLoss,
	},
	{
		ID: "dns/resolver/dead-server", Name: "A server that does not answer is skipped for the zone's other", Points: 2,
		Requirement: ruleSkip + ` (handout §11; RFC 1034 §5.3.3 step 4): the first server of two.org that is asked for www.two.org never answers.`,
		Handout:     secFailures,
		Run:         resolverDeadServer,
	},
	{
		ID: "dns/resolver/lame-server", Name: "A server that refuses the zone is skipped for the zone's other", Points: 2,
		Requirement: ruleSkip + ` (handout §11): the first server of two.org that is asked for ftp.two.org answers REFUSED, as a lame server does.`,
		Handout:     secFailures,
		Run:         resolverLameServer,
	},
	{
		ID: "dns/resolver/servfail", Name: "A zone whose servers are all dead gets SERVFAIL, in time", Points: 2,
		Requirement: ruleBound + ` (handout §11): neither server of dead.org answers.`,
		Handout:     secFailures,
		Run:         resolverServfail,
	},
	{
		ID: "dns/resolver/tcp-fallback", Name: "A truncated reply is asked again over TCP", Points: 2,
		Requirement: ruleTCP + ` (handout §11; RFC 2181 §9: "When a DNS client receives a reply with TC set, it should ignore that response, and query again, using a mechanism, such as a TCP connection, that will permit larger replies.")`,
		Handout:     secFailures,
		Run:         resolverTCPFallback,
	},
}

// failFirst scripts the servers so that, for the question name and typ,
// whichever of them gets it first behaves as b, and only for that
// question: the others answer it.
func failFirst(name string, typ dnsmessage.Type, b dnstest.Behavior, servers ...*dnstest.Server) {
	var mu sync.Mutex
	var first *dnstest.Server
	b.Match = func(q dnstest.Query) bool {
		if !zone.Equal(q.Name, name) || q.Type != typ {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = q.Server
		}
		return q.Server == first
	}
	for _, s := range servers {
		s.Script(b)
	}
}

func resolverLoss(t *grader.T) {
	w := startWorld(t, func(w *world) {
		w.SetLoss(dnstest.Loss{Seed: t.Seed(), Key: t.ID(), P: 0.3, MaxInARow: 1})
	})
	w.ask(gaia, dnsmessage.TypeA).expectAddrs(t, gaia, w.v.Gaia)
	w.ask("www.umass.edu.", dnsmessage.TypeA).expectAddrs(t, "www.umass.edu.", w.v.WWW)
	w.ask("mail.example.com.", dnsmessage.TypeA).expectAddrs(t, "mail.example.com.", w.v.Mail)
	// The fates are the seed's: should they have lost fewer than two
	// tries so far, more names make sure that a resolver which never
	// tries again cannot pass by luck.
	for i := 0; lost(w.Queries()) < 2 && i < len(w.v.Hosts); i++ {
		name := fmt.Sprintf("h%d.umass.edu.", i+1)
		w.ask(name, dnsmessage.TypeA).expectAddrs(t, name, w.v.Hosts[i])
	}
}

// lost counts the tries that the world's loss took.
func lost(qs []dnstest.Query) int {
	n := 0
	for _, q := range qs {
		if q.Fate == "query lost" || q.Fate == "reply lost" {
			n++
		}
	}
	return n
}

func resolverDeadServer(t *grader.T) {
	const www = "www.two.org."
	w := startWorld(t, func(w *world) {
		failFirst(www, dnsmessage.TypeA, dnstest.Behavior{Silent: true},
			w.server("ns1.two.org."), w.server("ns2.two.org."))
	})
	r, took := w.askQuery(stubQuery(t, www, dnsmessage.TypeA))
	r.expectAddrs(t, www, w.v.Two[0])
	w.expectInTime(r, took)
}

func resolverLameServer(t *grader.T) {
	const ftp = "ftp.two.org."
	w := startWorld(t, func(w *world) {
		failFirst(ftp, dnsmessage.TypeA, dnstest.Behavior{Rcode: dnsmessage.RCodeRefused},
			w.server("ns1.two.org."), w.server("ns2.two.org."))
	})
	w.ask(ftp, dnsmessage.TypeA).expectAddrs(t, ftp, w.v.Two[1])
}

func resolverServfail(t *grader.T) {
	w := startWorld(t, func(w *world) {
		w.server("ns1.dead.org.").Script(dnstest.Behavior{Silent: true})
		w.server("ns2.dead.org.").Script(dnstest.Behavior{Silent: true})
	})
	r, took := w.askQuery(stubQuery(t, "www.dead.org.", dnsmessage.TypeA))
	r.expectRCode(t, rcodeServFail)
	w.expectInTime(r, took)
}

// expectInTime fails a reply that came later than the handout allows.
func (w *world) expectInTime(r *reply, took time.Duration) {
	if s := took.Seconds(); s > answerLimit.Seconds() {
		r.fail(w.t, fmt.Sprintf("came %.1f s after the stub's query", s),
			fmt.Sprintf("a reply within %s", answerLimit), fmt.Sprintf("%.1f s", s))
	}
}

func resolverTCPFallback(t *grader.T) {
	const files = "files.umass.edu."
	w := startWorld(t, func(w *world) {
		tc := dnstest.Behavior{Truncate: true, Match: func(q dnstest.Query) bool { return zone.Equal(q.Name, files) }}
		w.server("dns.umass.edu.").Script(tc)
		w.server("dns2.umass.edu.").Script(tc)
	})
	w.ask(files, dnsmessage.TypeA).expectAddrs(t, files, w.v.Files[:]...)
	var overTCP []dnstest.Query
	for _, q := range asked(w.Queries(), files, dnsmessage.TypeA) {
		if q.TCP {
			overTCP = append(overTCP, q)
		}
	}
	if len(overTCP) == 0 {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your resolver answered %s A without asking over TCP, although every UDP reply had TC=1", files),
			Expected: "the question asked again over TCP, of the server that truncated its reply",
			Actual:   "your resolver's queries for the name:\n" + listQueries(asked(w.Queries(), files, 0)),
		})
	}
}
