package dns

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
)

// The resolver checks of §11 about its stubs: many at once, and messages
// it cannot read.

const (
	ruleConcurrent = `"The resolver serves many stubs at once: a slow resolution never delays another."`
	ruleMalformed  = `"A stub's query that the resolver cannot read gets FORMERR or no reply, and the resolver goes on answering."`
)

var serviceChecks = []*grader.Check{
	{
		ID: "dns/resolver/many-clients", Name: "Twenty stubs at once are answered while a slow resolution waits", Points: 2,
		Requirement: ruleConcurrent + ` (handout §11): cdn.net's server holds its reply to slow.cdn.net until 19 other stubs, asking for names in umass.edu, have their answers.`,
		Handout:     secFailures,
		Run:         resolverManyClients,
	},
	{
		ID: "dns/resolver/malformed", Name: "Stub messages it cannot read neither stop nor fool the resolver", Points: 2,
		Requirement: ruleMalformed + ` (handout §11; RFC 1035 §4.1.1: "Format error - The name server was unable to interpret the query.")`,
		Handout:     secFailures,
		Run:         resolverMalformed,
	},
}

func resolverManyClients(t *grader.T) {
	const slow = "slow.cdn.net."
	release := make(chan struct{})
	w := startWorld(t, func(w *world) {
		w.server("ns.cdn.net.").Script(dnstest.Behavior{
			Hold:  release,
			Match: func(q dnstest.Query) bool { return zone.Equal(q.Name, slow) },
		})
	})
	t.Cleanup(func() { closeOnce(release) })

	// Stub A's query, until the resolver is waiting on cdn.net's server.
	a := t.DialUDPAddr(w.res.Addr, "your resolver")
	qa := stubQuery(t, slow, dnsmessage.TypeA)
	a.Send(qa.pack())
	ctx, cancel := context.WithTimeout(t.Context(), answerLimit)
	_, err := w.WaitQuery(ctx, func(q dnstest.Query) bool { return zone.Equal(q.Name, slow) && q.Type == dnsmessage.TypeA })
	cancel()
	if err != nil {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your resolver did not ask cdn.net's server for %s within %s of the stub's query", slow, answerLimit),
			Expected: "a query for slow.cdn.net to ns.cdn.net, after the root's and net's referrals",
			Actual:   "your resolver's queries to the world:\n" + listQueries(w.Queries()),
		})
	}

	// Nineteen stubs at once, each asking for a name of umass.edu.
	const others = 19
	stubs := make([]*grader.UDPConn, others)
	queries := make([]query, others)
	for i := range others {
		stubs[i] = t.DialUDPAddr(w.res.Addr, "your resolver")
		queries[i] = stubQuery(t, fmt.Sprintf("h%d.umass.edu.", i+1), dnsmessage.TypeA)
	}
	for i := range others {
		stubs[i].Send(queries[i].pack())
	}
	replies := make([]*reply, others)
	arrived := make([]time.Time, others)
	for i := range others {
		d, err := stubs[i].TryRecv(answerWait)
		if err != nil {
			w.failNoAnswer(queries[i], err, 0)
		}
		replies[i], arrived[i] = parseReply(t, queries[i].String(), d.Data), d.At
	}
	ad, aerr := a.TryRecv(0) // the slow stub's reply, if it came already
	if aerr == nil {
		later := 0
		for _, at := range arrived {
			if at.After(ad.At) {
				later++
			}
		}
		if later > 0 {
			r := parseReply(t, qa.String(), ad.Data)
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("your resolver answered the stub that asked for %s, held up at cdn.net's server, "+
					"before %d of the 19 others: one slow resolution delayed them", slow, later),
				Expected: "the 19 names of umass.edu answered while slow.cdn.net waits",
				Actual:   "the slow stub's reply first:\n" + indent(present(&r.msg, len(ad.Data)), "    "),
			})
		}
	}
	for i, r := range replies {
		r.expectAddrs(t, queries[i].Name, w.v.Hosts[i])
	}

	// Now cdn.net's server answers: the slow stub gets its answer, or
	// SERVFAIL if the resolver gave up meanwhile.
	closeOnce(release)
	if aerr != nil {
		if ad, aerr = a.TryRecv(answerWait); aerr != nil {
			w.failNoAnswer(qa, aerr, 0)
		}
	}
	r := parseReply(t, qa.String(), ad.Data)
	if fullRCode(&r.msg) != rcodeServFail {
		r.expectAddrs(t, slow, w.v.Slow)
	}
}

// closeOnce closes c unless it is closed.
func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

func resolverMalformed(t *grader.T) {
	w := startWorld(t, nil)
	w.ask(gaia, dnsmessage.TypeA).expectAddrs(t, gaia, w.v.Gaia) // now in the cache

	taken := map[uint16]bool{}
	id := freshID(t, taken)
	var bad []malformedMsg
	bad = append(bad, shortHeaders(id)...)
	bad = append(bad, pointerLoops(id)...)
	bad = append(bad, truncatedQuestions(id)...)
	bad = append(bad, malformedMsg{"a query with two questions (QDCOUNT 2)", twoQuestions(id)})
	// The resolver may answer each message on a goroutine of its own, so
	// the FORMERR for a bad message may come after the reply to a good
	// one sent after it: FORMERRs are counted against every bad message
	// sent so far, not against the last one alone.
	formErrs := 0
	for i, m := range bad {
		good := stubQuery(t, gaia, dnsmessage.TypeA)
		good.ID = freshID(t, taken)
		t.Logf("the grader sends %s (%d bytes), then a good query, %s", m.what, len(m.msg), good)
		w.stub.Send(m.msg)
		w.stub.Send(good.pack())
		formErrs += w.expectOnlyFormErr(m, good, i+1-formErrs)
	}
}

// expectOnlyFormErr reads the stub socket until the reply to good, which
// must be the right answer; before it may come FORMERRs, at most allowed
// of them (one for each bad message sent and not yet answered), and
// nothing else. It returns how many came.
func (w *world) expectOnlyFormErr(m malformedMsg, good query, allowed int) int {
	t := w.t
	for n := 0; ; n++ {
		d, err := w.stub.TryRecv(answerWait)
		if err != nil {
			w.failNoAnswer(good, fmt.Errorf("after %s: %w", m.what, err), 0)
		}
		if id, _ := replyID(d.Data); id == good.ID || askedFor(d.Data, good) {
			parseReply(t, good.String()+", sent after "+m.what, d.Data).expectAddrs(t, gaia, w.v.Gaia)
			return n
		}
		if n == allowed {
			t.Fatalf("your resolver sent more replies to the bad messages than there were bad messages (%d so far, the last %s)",
				allowed, m.what)
		}
		judgeRejection(t, "your resolver", m, d.Data)
	}
}

// twoQuestions is a query for gaia with two questions.
func twoQuestions(id uint16) []byte {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	must(b.StartQuestions())
	for _, n := range []string{gaia, "www.umass.edu."} {
		must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(n), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
	}
	msg, err := b.Finish()
	must(err)
	return msg
}
