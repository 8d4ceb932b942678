package dnstest

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

// A Query is one message a server received, and what became of it: the
// world's log, from which a check judges what the resolver asked of whom.
type Query struct {
	N      int // order of arrival in the world, from 1
	At     time.Time
	Server *Server
	From   netip.AddrPort
	TCP    bool
	ID     uint16
	Name   string // the QNAME as sent, case kept, absolute: "Gaia.CS.umass.edu."
	Type   dnsmessage.Type
	Class  dnsmessage.Class
	RD     bool
	EDNS   bool // the query had an OPT record
	Raw    []byte
	// Try is which try of this question (name without regard to case,
	// type, class) the query is, counted over the whole world from 1,
	// over UDP and TCP; 0 for an unparseable message.
	Try int
	// Fate is what became of the query: "answered", "truncated", "rcode
	// SERVFAIL" (scripted), "silent", "query lost", "reply lost",
	// "unparseable", "not sent: ..." (the grader's own failure); while the
	// reply waits, "received", "delayed" or "held", which stays if the
	// world closes first.
	Fate string
	// Reply is what the server sent back, after scripting; nil if nothing.
	Reply *dnsmessage.Message
}

// String describes the query on one line, for messages to students:
//
//	query #3 to dns.umass.edu. (127.0.0.10) from 127.0.0.1:40211 over UDP: gaia.cs.umass.edu. A, id 4711, RD=0 → answered
func (q Query) String() string {
	proto := "UDP"
	if q.TCP {
		proto = "TCP"
	}
	what := fmt.Sprintf("%d bytes that are not a DNS query", len(q.Raw))
	if q.Fate != "unparseable" {
		req := request{header: dnsmessage.Header{ID: q.ID, RecursionDesired: q.RD}, edns: q.EDNS,
			question: dnsmessage.Question{Name: mustName(q.Name), Type: q.Type, Class: q.Class}}
		what = req.questionText()
	}
	return fmt.Sprintf("query #%d to %s from %s over %s: %s → %s", q.N, q.Server, q.From, proto, what, q.Fate)
}

// Loss drops tries of questions, the same way on every run.
//
// The fate of a try is a pure function of Seed, Key, the question (its
// name lowercased, its type and class) and the try's number n, counted
// over the whole world from 1: never of time, nor of which server got
// it. A resolver that retries, whatever its timer and whichever server it
// rotates to, meets the same fates on every run. Only UDP tries are lost;
// a TCP try counts, and gets through.
type Loss struct {
	Seed uint64 // with Key, decides every fate
	Key  string // e.g. the check's ID
	// P is the probability that a try is lost: its query (half of the
	// lost ones, which the log shows as "query lost" and the server
	// never answers), or its reply (the other half: the server receives
	// and logs the query, and drops its reply: "reply lost").
	P float64
	// MaxInARow bounds how many tries of one question are lost in a row:
	// with 2, tries 1 and 2 may be lost, and try 3 then gets through. 0
	// means no bound.
	MaxInARow int
}

// A lossFate is what Loss does with one try.
type lossFate int

const (
	delivered lossFate = iota
	queryLost
	replyLost
)

// questionKey is a question as Loss and Try count it.
type questionKey struct {
	name  string // canonical
	typ   dnsmessage.Type
	class dnsmessage.Class
}

// tryCount is where the tries of one question stand.
type tryCount struct {
	n      int // tries so far
	inARow int // of them, lost since the last one that got through
}

// draw is the fate of try n of question k by the dice alone, before
// MaxInARow. The dice are netem's random-access streams, the ones every
// impairment of the kit draws from: one stream per question, the try
// number as its packet number, so that no try's fate depends on which
// others were drawn.
func (l Loss) draw(k questionKey, n int) lossFate {
	if l.P <= 0 {
		return delivered
	}
	r := netem.Rand(l.Seed, l.Key, netem.Up, fmt.Sprintf("dnstest loss %s %d %d", k.name, k.typ, k.class), uint64(n))
	switch {
	case r.Float64() >= l.P:
		return delivered
	case r.IntN(2) == 0:
		return queryLost
	}
	return replyLost
}

// arrive logs a query (req nil: it did not parse), counts its try, and
// decides by the world's Loss whether the query or its reply is lost.
// w.mu is held (see logged).
func (w *World) arrive(s *Server, from netip.AddrPort, tcp bool, raw []byte, req *request) (*Query, lossFate) {
	q := &Query{N: len(w.queries) + 1, At: time.Now(), Server: s, From: from, TCP: tcp, Raw: raw, Fate: "received"}
	w.queries = append(w.queries, q)
	if req == nil {
		q.Fate = "unparseable"
		if len(raw) >= 2 {
			q.ID = binary.BigEndian.Uint16(raw)
		}
		return q, delivered
	}
	qq := req.question
	q.ID, q.Name, q.Type, q.Class = req.header.ID, qq.Name.String(), qq.Type, qq.Class
	q.RD, q.EDNS = req.header.RecursionDesired, req.edns
	k := questionKey{zone.Canonical(q.Name), q.Type, q.Class}
	tc := w.tries[k]
	if tc == nil {
		tc = &tryCount{}
		w.tries[k] = tc
	}
	tc.n++
	q.Try = tc.n
	fate := delivered
	if !tcp && (w.loss.MaxInARow <= 0 || tc.inARow < w.loss.MaxInARow) {
		fate = w.loss.draw(k, tc.n)
	}
	if fate == delivered {
		tc.inARow = 0
	} else {
		tc.inARow++
	}
	if fate == queryLost {
		q.Fate = "query lost"
	}
	return q, fate
}

// logged runs f, which changes the log, with w.mu held, and then wakes
// WaitQuery's callers. Transcript events that f adds are there before any
// of them sees the change.
func (w *World) logged(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
	if !w.closed {
		close(w.changed)
		w.changed = make(chan struct{})
	}
}

// setFate records what became of a query and, if it was sent, its reply,
// after adding events to the transcript.
func (w *World) setFate(q *Query, fate string, reply *dnsmessage.Message, events ...trace.Event) {
	w.logged(func() {
		for _, e := range events {
			w.tr.Add(e)
		}
		q.Fate, q.Reply = fate, reply
	})
}

// settled reports a query whose fate is settled to Config.OnQuery.
func (w *World) settled(q *Query) {
	if w.onQuery != nil {
		w.onQuery(w.snapshot(q))
	}
}

// snapshot copies a log entry as it stands.
func (w *World) snapshot(q *Query) Query {
	w.mu.Lock()
	defer w.mu.Unlock()
	return *q
}
