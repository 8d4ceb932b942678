package dns

import (
	"fmt"
	"strings"
	"sync"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
)

// The resolver checks of §10, trust: forged replies racing the real one,
// records a server has no authority for, and the ID and port randomness
// that makes forging hard. A forged reply carries the attacker's address
// (poison) and reaches the resolver before the real one, which the
// world sends only once the resolver has read the forgeries; the stub is
// then asked twice, so that a forgery believed and cached shows too.
// Only the first query for the name at its server meets forgeries: a resolver may go
// on waiting for the real reply, or give the try up and ask again, as
// unbound does on a reply to another question.

const (
	ruleMatch     = `"A reply is accepted only if it comes from the address and port the query was sent to, has the query's ID, and has the query's question; any other datagram is ignored."`
	ruleRandom    = `"Each query to a name server has a new random ID and is sent from a new random port."`
	ruleBailiwick = `"A record in a reply is believed only if its name is in the zone the server was asked about: at or below it."`
)

var trustChecks = []*grader.Check{
	{
		ID: "dns/resolver/forged-id", Name: "A forged reply with the wrong ID is not believed", Points: 2,
		Requirement: ruleMatch + ` (handout §10; RFC 5452 §9.1): a reply to login.bank.com from bank.com's server, with an ID one off, arrives before the real one.`,
		Handout:     secTrust,
		Run:         func(t *grader.T) { resolverForged(t, "login.bank.com.", 1, dnstest.WrongID) },
	},
	{
		ID: "dns/resolver/forged-question", Name: "A forged reply to another question is not believed", Points: 2,
		Requirement: ruleMatch + ` (handout §10; RFC 5452 §9.1): a reply with the query's ID, from bank.com's server, whose question is another name but whose answer gives pay.bank.com an address, arrives before the real one.`,
		Handout:     secTrust,
		Run:         func(t *grader.T) { resolverForged(t, "pay.bank.com.", 2, dnstest.WrongQuestion) },
	},
	{
		ID: "dns/resolver/forged-source", Name: "A forged reply from the wrong address or port is not believed", Points: 2,
		Requirement: ruleMatch + ` (handout §10; RFC 5452 §9.1): replies to mail.bank.com with the query's ID and question, one from another address and one from another port of the server's, arrive before the real one.`,
		Handout:     secTrust,
		Run:         func(t *grader.T) { resolverForged(t, "mail.bank.com.", 3, dnstest.WrongAddr, dnstest.WrongPort) },
	},
	{
		ID: "dns/resolver/bailiwick", Name: "Records a server has no authority for are not believed", Points: 2,
		Requirement: ruleBailiwick + ` (handout §10; RFC 5452 §6; RFC 2181 §5.4.1): evil.com's server adds an address for www.bank.com, and NS records for bank.com, to its replies.`,
		Handout:     secTrust,
		Run:         resolverBailiwick,
	},
	{
		ID: "dns/resolver/unpredictable", Name: "Queries to name servers have random IDs and source ports", Points: 2,
		Requirement: ruleRandom + ` (handout §10; RFC 5452 §9.2): over the queries for ten names, IDs that repeat or go up by a fixed step, or one source port for all, fail.`,
		Handout:     secTrust,
		Run:         resolverUnpredictable,
	},
}

// firstQueryFor matches the first query for name that a server gets, and
// no other.
func firstQueryFor(name string) func(dnstest.Query) bool {
	var mu sync.Mutex
	seen := false
	return func(q dnstest.Query) bool {
		if !zone.Equal(q.Name, name) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		first := !seen
		seen = true
		return first
	}
}

// poisonA is an A record giving name the attacker's address.
func poisonA(name string) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 86400},
		Body:   &dnsmessage.AResource{A: poison.As4()},
	}
}

// resolverForged has bank.com's server send forgeries of the kinds given
// before its real reply to name, whose real address is bank.com's host
// number host, and asks the stub's query twice.
func resolverForged(t *grader.T, name string, host int, kinds ...dnstest.ForgeKind) {
	w := startWorld(t, func(w *world) {
		var forge []dnstest.Forgery
		for _, k := range kinds {
			f := dnstest.Forgery{Kind: k, Answer: []dnsmessage.Resource{poisonA(name)}}
			if k == dnstest.WrongQuestion {
				f.ForgedName = "www.bank.com."
			}
			forge = append(forge, f)
		}
		w.server("ns.bank.com.").Script(dnstest.Behavior{
			Forge: forge,
			Match: firstQueryFor(name),
		})
	})
	real := w.v.Bank[host]
	w.ask(name, dnsmessage.TypeA).expectAddrs(t, name, real)
	// Asked again, the answer comes from the cache: it must hold no
	// forgery either.
	w.ask(name, dnsmessage.TypeA).expectAddrs(t, name, real)
}

func resolverBailiwick(t *grader.T) {
	const www, bank = "www.evil.com.", "www.bank.com."
	w := startWorld(t, func(w *world) {
		evilNS := dnsmessage.Resource{
			Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("bank.com."), Type: dnsmessage.TypeNS, Class: dnsmessage.ClassINET, TTL: 86400},
			Body:   &dnsmessage.NSResource{NS: dnsmessage.MustNewName("ns.evil.com.")},
		}
		w.server("ns.evil.com.").Script(dnstest.Behavior{Extra: []dnsmessage.Resource{poisonA(bank), evilNS}})
	})
	w.ask(www, dnsmessage.TypeA).expectAddrs(t, www, w.v.Evil)
	w.ask(bank, dnsmessage.TypeA).expectAddrs(t, bank, w.v.Bank[0])
	if qs := to(w.Queries(), w.server("ns.evil.com.")); len(asked(qs, bank, 0)) > 0 {
		t.Fail(grader.Failure{
			Message:  "your resolver asked evil.com's server about www.bank.com: it believed the NS records for bank.com that evil.com's server added",
			Expected: "www.bank.com asked of bank.com's own server, found through com",
			Actual:   "your resolver's queries to ns.evil.com:\n" + listQueries(qs),
		})
	}
}

func resolverUnpredictable(t *grader.T) {
	w := startWorld(t, nil)
	for i := range 10 {
		name := fmt.Sprintf("h%d.umass.edu.", i+1)
		w.ask(name, dnsmessage.TypeA).expectAddrs(t, name, w.v.Hosts[i])
	}
	var ids []uint16
	ports := map[uint16]bool{}
	var udp []dnstest.Query
	for _, q := range w.Queries() {
		if !q.TCP {
			udp = append(udp, q)
			ids = append(ids, q.ID)
			ports[q.From.Port()] = true
		}
	}
	n := len(udp)
	distinct := map[uint16]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	fixedStep := n >= 3
	for i := 2; i < n; i++ {
		fixedStep = fixedStep && ids[i]-ids[i-1] == ids[1]-ids[0]
	}
	var problems []string
	switch {
	case len(distinct) < (n+1)/2:
		problems = append(problems, fmt.Sprintf("%d different IDs in %d queries", len(distinct), n))
	case fixedStep:
		problems = append(problems, fmt.Sprintf("IDs that go up by %d each time", ids[1]-ids[0]))
	}
	if len(ports) < (n+1)/2 {
		problems = append(problems, fmt.Sprintf("%d different source ports for %d queries", len(ports), n))
	}
	if len(problems) > 0 {
		t.Fail(grader.Failure{
			Message: "your resolver's queries are easy to forge: " + strings.Join(problems, ", and ") +
				"; an attacker who guesses ID and port can get a forged reply believed",
			Expected: "a new random 16-bit ID and a new random source port for each query",
			Actual:   "your resolver's queries:\n" + listQueries(udp),
		})
	}
}
