package dns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
)

// The load checks: many clients at once, and a network that loses and
// duplicates datagrams. Neither judges speed: each waits for every reply
// as long as a single query would (grader.ReplyTimeout), and a lost
// datagram is known from the impairment proxy's log, not guessed from a
// timer.

var loadChecks = []*grader.Check{
	{
		ID: "dns/load/many-clients", Name: "Queries from many clients at once are all answered", Points: 2,
		Requirement: `"One query per datagram, one reply per query, sent to the address and port the query came from. Many clients use the server at once." (handout §5)`,
		Handout:     secTransport,
		Run:         loadManyClients,
	},
	{
		ID: "dns/load/loss", Name: "Queries through a lossy network are answered each time they arrive", Points: 2,
		Requirement: `"Queries sent using UDP may be lost, and hence a retransmission strategy is required." (RFC 1035 §4.2.1) The client sends a query again when it or its reply is lost, and the server answers every datagram it gets, a query sent again like the first: "One query per datagram, one reply per query" (handout §5).`,
		Handout:     secTransport,
		TimeLimit:   30 * time.Second,
		Run:         loadLoss,
	},
}

// A lookup is one query of a load check and its fate.
type lookup struct {
	p        probe
	q        query
	client   int // which of the grader's sockets asked it
	answered bool
}

// loadManyClients opens 50 sockets; each sends two different queries at
// once, and must get both replies.
func loadManyClients(t *grader.T) {
	const clients, each = 50, 2
	s := startServer(t, "udp")
	k := learn(s, probes...)
	taken := map[uint16]bool{}
	byID := map[uint16]*lookup{}
	conns := make([]*grader.UDPConn, clients)
	mine := make([][]*lookup, clients)
	for i := range conns {
		conns[i] = t.DialUDP(s.role)
		for j := range each {
			p := probes[(i*each+j)%len(probes)]
			l := &lookup{p: p, q: p.query(t, taken), client: i}
			byID[l.q.ID] = l
			mine[i] = append(mine[i], l)
		}
	}
	arrivals := gather(t, conns)
	t.Logf("the grader sends %d queries from %d sockets, %d from each, all at once", clients*each, clients, each)
	for i, c := range conns {
		for _, l := range mine[i] {
			c.Send(l.q.pack())
		}
	}
	for answered := 0; answered < clients*each; {
		var a arrival
		select {
		case a = <-arrivals:
		case <-time.After(grader.ReplyTimeout):
			a.err = grader.ErrTimeout
		}
		if a.err != nil {
			var first *lookup
			for _, l := range byID {
				if !l.answered && (first == nil || l.client < first.client) {
					first = l
				}
			}
			s.failNoReply(a.err, fmt.Sprintf("%d of the %d queries got no reply within %s of the last reply; client %d of %d, for one, got none to %s",
				clients*each-answered, clients*each, grader.ReplyTimeout, first.client+1, clients, unanswered(mine[first.client])))
		}
		i, raw := a.client, a.d.Data
		id, _ := replyID(raw)
		l := byID[id]
		if l == nil {
			// Not an ID the grader sent: known by its question.
			for _, x := range mine[i] {
				if !x.answered && askedFor(raw, x.q) {
					l = x
				}
			}
		}
		switch {
		case l == nil:
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("client %d of %d got a reply that answers none of its queries", i+1, clients),
				Expected: "a reply to " + unanswered(mine[i]),
				Actual:   describeDatagram(raw),
			})
		case l.client != i:
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("client %d of %d got the reply to client %d's query %s: a reply goes to the address and port its query came from",
					i+1, clients, l.client+1, l.q),
				Expected: fmt.Sprintf("the reply to %s at client %d (%s)", l.q, l.client+1, conns[l.client].Addr()),
				Actual:   fmt.Sprintf("it arrived at client %d (%s)", i+1, conns[i].Addr()),
			})
		case l.answered:
			continue // a second copy is not this check's business
		}
		k.expect(t, l.p, parseReply(t, fmt.Sprintf("%s (client %d of %d)", l.q, i+1, clients), raw))
		l.answered = true
		answered++
	}
}

// An arrival is a datagram at one of the grader's sockets, or why none
// can come.
type arrival struct {
	client int
	d      grader.Datagram
	err    error
}

// gather merges what arrives at the sockets into one stream, in the order
// it arrives, until the check ends.
func gather(t *grader.T, conns []*grader.UDPConn) <-chan arrival {
	out := make(chan arrival, 4*len(conns))
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	for i, c := range conns {
		go func() {
			for {
				d, err := c.RecvContext(ctx)
				if ctx.Err() != nil {
					return
				}
				select {
				case out <- arrival{client: i, d: d, err: err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	return out
}

// unanswered lists the queries of one client that have no reply yet.
func unanswered(ls []*lookup) string {
	var out string
	for _, l := range ls {
		if !l.answered {
			if out != "" {
				out += " or "
			}
			out += l.q.String()
		}
	}
	return out
}

// describeDatagram renders a datagram for a failure: as dig would print
// it when it is a DNS message, else its bytes.
func describeDatagram(raw []byte) string {
	var m dnsmessage.Message
	if m.Unpack(raw) == nil {
		return "\n" + indent(present(&m, len(raw)), "    ")
	}
	return fmt.Sprintf("%d bytes: %s", len(raw), grader.Quote(raw))
}

// The loss check's impairment: each datagram, either way, is lost with
// probability 0.3 and, if not, duplicated with probability 0.2; which
// ones is decided by the run's seed.
var lossy = []netem.Impairment{netem.Loss{P: 0.3}, netem.Duplicate{P: 0.2}}

// maxTries bounds how often one query is sent. A try gets through both
// ways with probability about one half, so a correct server needs 30
// tries for one query with a chance of about one in a billion; that run
// is the grader's bad luck (an error, not a failure).
const maxTries = 30

// loadLoss sends 20 queries, one after the other, through the impairment
// proxy, each again as often as the proxy's log shows that it or every
// reply to it was lost, until a reply arrives.
func loadLoss(t *grader.T) {
	s := startServer(t, "udp")
	k := learn(s, probes...)
	proxy := t.UDPProxy(s.role.Addr, lossy, lossy)
	l := &lossyLink{s: s, k: k, proxy: proxy, c: t.DialUDPAddr(proxy.Addr(), "your server (through the impairment proxy)")}
	t.Logf("the grader sends 20 queries through the impairment proxy (%v each way), each again when the proxy loses it or every reply to it", lossy)
	taken := map[uint16]bool{}
	done := map[uint16]bool{}
	for i := range 20 {
		p := probes[i%len(probes)]
		q := p.query(t, taken)
		l.exchange(p, q, done)
		done[q.ID] = true
	}
}

// A lossyLink is the grader's socket to the server through the proxy.
type lossyLink struct {
	s     *server
	k     *known
	proxy *netem.UDPProxy
	c     *grader.UDPConn
	sent  int // datagrams sent: the k-th is the proxy's "up #k"
}

// tries is what the proxy's log says about one query so far.
type tries struct {
	n       int  // how often the grader sent it
	pending bool // a copy the proxy has not yet logged
	copies  int  // copies the proxy passed to the server; a duplicated datagram counts twice
	replies int  // replies to it that the proxy logged
	through bool // one of them the proxy passed on to the grader
}

// lost says whether every try is known to be lost: each copy was dropped,
// or the server answered each one that reached it and each answer was
// dropped.
func (tr tries) lost() bool { return !tr.pending && !tr.through && tr.replies >= tr.copies }

// exchange sends q until its reply arrives, and judges the reply. done
// holds the IDs of the queries answered before, whose late or duplicated
// replies are skipped.
func (l *lossyLink) exchange(p probe, q query, done map[uint16]bool) {
	t := l.s.t
	msg := q.pack()
	var mine []int // the proxy's numbers of this query's tries
	// The proxy's log from here on is this query's: the one before was
	// settled before it was sent.
	from := len(l.proxy.Events())
	send := func() {
		l.c.Send(msg)
		l.sent++
		mine = append(mine, l.sent)
	}
	send()
	last := time.Now() // when the grader last learnt something new
	seen := tries{}
	pause := time.Millisecond
	for {
		d, err := l.c.TryRecv(pause)
		if errors.Is(err, grader.ErrRoleExited) {
			l.s.failNoReply(err, "")
		}
		if err == nil {
			id, _ := replyID(d.Data)
			if id == q.ID || !done[id] && askedFor(d.Data, q) {
				l.k.expect(t, p, parseReply(t, q.String(), d.Data))
				l.settle(q, from, mine)
				return
			}
			continue // a late copy of an earlier reply
		}
		tr := l.state(q, from, mine)
		if tr != seen {
			seen, last, pause = tr, time.Now(), time.Millisecond
		}
		quiet := time.Since(last) > grader.ReplyTimeout
		switch {
		case tr.lost() || quiet && !tr.through && tr.replies > 0:
			// Lost, as the log shows; or the server answered fewer
			// copies than it got, and those answers were lost.
			if tr.n >= maxTries {
				t.GraderErrorf("the impairment proxy lost %s or its replies %d times in a row; grade again with another -seed", q, tr.n)
			}
			t.Logf("the proxy lost %s or every reply to it; the grader sends it again", q)
			send()
			last, pause = time.Now(), time.Millisecond
			continue
		case quiet && tr.through:
			t.GraderErrorf("the proxy passed on a reply to %s, and it did not reach the grader's socket within %s", q, grader.ReplyTimeout)
		case quiet && tr.pending:
			t.GraderErrorf("the impairment proxy did not forward %s within %s", q, grader.ReplyTimeout)
		case quiet:
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("your server sent no reply to %s, which the proxy passed on to it %s, within %s",
					q, times(tr.copies), grader.ReplyTimeout),
				Expected: "a reply to each query that arrives",
				Actual:   "no reply",
				Err:      grader.ErrTimeout,
			})
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// state reads what the proxy's log, from its event from on, says about
// query q, sent as the proxy's datagrams mine. A reply is q's by its ID,
// or by its question when the server got the ID wrong (that mistake is
// dns/header/id's to judge).
func (l *lossyLink) state(q query, from int, mine []int) tries {
	tr := tries{n: len(mine)}
	up := map[int]netem.Fate{}
	for _, e := range l.proxy.Events()[from:] {
		switch e.Dir {
		case netem.Up:
			up[int(e.N)] = e.Fate
		case netem.Down:
			if rid, ok := replyID(e.Data); ok && (rid == q.ID || askedFor(e.Data, q)) {
				tr.replies++
				tr.through = tr.through || !e.Fate.Drop
			}
		}
	}
	for _, n := range mine {
		f, ok := up[n]
		switch {
		case !ok:
			tr.pending = true
		case !f.Drop:
			tr.copies += 1 + f.Copies
		}
	}
	return tr
}

// settle waits, at most ReplyTimeout, until the proxy has logged a reply
// to every copy of the query that reached the server. Then the next query
// starts after all of this one's traffic, and the proxy numbers the
// datagrams, and so decides their fates, the same way on every run.
func (l *lossyLink) settle(q query, from int, mine []int) {
	deadline := time.Now().Add(grader.ReplyTimeout)
	pause := 100 * time.Microsecond
	for time.Now().Before(deadline) {
		if tr := l.state(q, from, mine); !tr.pending && tr.replies >= tr.copies {
			return
		}
		select {
		case <-l.s.t.Context().Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}
