package dns

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
)

// The grader's stub: what the resolver checks send the student's
// resolver, as a laptop's stub resolver does (one question, RD=1, over
// UDP), and how they read the world's log of what the resolver asked.

// answerLimit is the handout's bound on the resolver's reply: "The stub
// gets an answer within 5 s" (§11). The stub waits ReplyTimeout more, for
// a loaded machine.
const (
	answerLimit = 5 * time.Second
	answerWait  = answerLimit + grader.ReplyTimeout
)

// stubQuery is a stub's query for name (absolute) and typ, with a random
// ID.
func stubQuery(t *grader.T, name string, typ dnsmessage.Type) query {
	return query{ID: uint16(t.Rand().Uint32()), Name: name, Type: typ, RD: true}
}

// ask sends a stub query for name and typ and returns the reply.
func (w *world) ask(name string, typ dnsmessage.Type) *reply {
	r, _ := w.askQuery(stubQuery(w.t, name, typ))
	return r
}

// askQuery sends q from the stub socket and returns the next datagram
// back, parsed, and how long it took. The stub has one query out at a
// time, so the reply is known without its ID (dns/resolver/header judges
// the ID). No reply within answerWait fails the check, with what the
// resolver asked the world meanwhile.
func (w *world) askQuery(q query) (*reply, time.Duration) {
	mark := w.mark()
	sent := time.Now()
	w.stub.Send(q.pack())
	d, err := w.stub.TryRecv(answerWait)
	if err != nil {
		w.failNoAnswer(q, err, mark)
	}
	return parseReply(w.t, q.String(), d.Data), d.At.Sub(sent)
}

// failNoAnswer ends a check whose stub query got no reply.
func (w *world) failNoAnswer(q query, err error, mark int) {
	if errors.Is(err, grader.ErrRoleExited) {
		w.t.Fail(grader.Failure{Message: w.res.Process().Describe(), Err: err})
	}
	w.t.Fail(grader.Failure{
		Message: fmt.Sprintf("your resolver did not answer the stub's query for %s within %s", q, answerWait),
		Expected: fmt.Sprintf("a reply within %s: the answer, or SERVFAIL when the resolution cannot finish (handout §11)",
			answerLimit),
		Actual: "no reply; meanwhile your resolver asked the world:\n" + listQueries(w.Queries()[mark:]),
		Err:    err,
	})
}

// mark is where the world's log stands: w.Queries()[mark:] is what
// comes after.
func (w *world) mark() int { return len(w.Queries()) }

// asked is the queries of qs for name (without regard to case), of type
// typ or of any type when typ is 0.
func asked(qs []dnstest.Query, name string, typ dnsmessage.Type) []dnstest.Query {
	var out []dnstest.Query
	for _, q := range qs {
		if zone.Equal(q.Name, name) && (typ == 0 || q.Type == typ) {
			out = append(out, q)
		}
	}
	return out
}

// to is the queries of qs that went to the server named host.
func to(qs []dnstest.Query, s *dnstest.Server) []dnstest.Query {
	var out []dnstest.Query
	for _, q := range qs {
		if q.Server == s {
			out = append(out, q)
		}
	}
	return out
}

// maxListed bounds the queries a message lists.
const maxListed = 25

// listQueries is qs for a student to read, one per line.
func listQueries(qs []dnstest.Query) string {
	if len(qs) == 0 {
		return "    (no query at all)"
	}
	var b strings.Builder
	for i, q := range qs {
		if i == maxListed {
			fmt.Fprintf(&b, "    … and %d more\n", len(qs)-maxListed)
			break
		}
		b.WriteString("    " + q.String() + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// chainEnd is where name leads in the reply's answer: the last target
// of the CNAME chain that starts at name, or name itself.
func (r *reply) chainEnd(name string) string {
	owner := zone.Canonical(name)
	for range maxChainFollowed {
		next := ""
		for _, x := range r.records(answer) {
			if x.Type == dnsmessage.TypeCNAME && x.Name == owner {
				next = x.Data
			}
		}
		if next == "" {
			break
		}
		owner = next
	}
	return owner
}

// maxChainFollowed bounds the CNAMEs the grader follows in one answer.
const maxChainFollowed = 10

// expectAddrs checks that r answers name, type A, with exactly addrs:
// RCODE NOERROR, and the A records owned by name (or by the end of its
// CNAME chain in the answer) are addrs, whatever else the answer holds.
func (r *reply) expectAddrs(t *grader.T, name string, addrs ...netip.Addr) {
	r.expectRCode(t, rcodeNoError)
	owner := r.chainEnd(name)
	var want, got []string
	for _, a := range addrs {
		want = append(want, owner+" IN A "+a.String())
	}
	for _, x := range r.records(answer) {
		if x.Type == dnsmessage.TypeA && x.Name == owner {
			got = append(got, x.noTTL())
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		msg := "does not hold the right addresses in the ANSWER section"
		if slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, " "+poison.String()) }) {
			msg = fmt.Sprintf("holds the attacker's address %s: your resolver believed a forged or out-of-bailiwick record", poison)
		}
		r.failRecords(t, msg, want, got)
	}
}

// ttlOf is the smallest TTL of the A records at the end of name's chain
// in the reply (call it once expectAddrs has passed).
func (r *reply) ttlOf(name string) uint32 {
	owner := r.chainEnd(name)
	ttl := uint32(1<<31 - 1)
	for _, x := range r.records(answer) {
		if x.Type == dnsmessage.TypeA && x.Name == owner {
			ttl = min(ttl, x.TTL)
		}
	}
	return ttl
}

// wait lets d pass, as a check about TTLs must: the property is what the
// resolver does once time has gone by. It ends early only when the check
// does.
func wait(t *grader.T, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-t.Context().Done():
		t.Fatalf("the check's time ran out")
	}
}
