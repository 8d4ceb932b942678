package dns

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
)

// The TCP checks: the same messages as over UDP, each preceded by its
// length in two bytes (RFC 1035 §4.2.2), several on one connection, and
// however TCP cuts them into segments (RFC 7766).

var tcpChecks = []*grader.Check{
	{
		ID: "dns/tcp/query", Name: "A query over TCP is answered", Points: 2,
		Requirement: `"The message is prefixed with a two byte length field which gives the message length, excluding the two byte length field." (RFC 1035 §4.2.2) "The server serves TCP on the same port as UDP." (handout §1; RFC 7766 §5 makes TCP a required part of every DNS implementation)`,
		Handout:     secTransport,
		Run:         tcpQuery,
	},
	{
		ID: "dns/tcp/several", Name: "Several queries on one connection, sent at once, are all answered", Points: 2,
		Requirement: `(RFC 7766 §6.2.1.1: servers must expect pipelined queries and answer them all) "The server should assume that the client will initiate connection closing, and should delay closing its end of the connection until all outstanding client requests have been satisfied." (RFC 1035 §4.2.2) "A client may send several queries on one connection, one after another or all at once, and the server answers each one" (handout §5).`,
		Handout:     secTransport,
		Run:         tcpSeveral,
	},
	{
		ID: "dns/tcp/sliced", Name: "A query that arrives one byte at a time is answered", Points: 1,
		Requirement: `(RFC 7766 §8: a message may take several reads from TCP) "the bytes of a query may arrive in several pieces, one byte at a time even, so read until you have the whole length and the whole message." (handout §5)`,
		Handout:     secTransport,
		Run:         tcpSliced,
	},
}

func tcpQuery(t *grader.T) {
	s := startServer(t, "udp+tcp")
	p := probes[0]
	k := learn(s, p)
	k.expect(t, p, s.askTCP(p.query(t, map[uint16]bool{})))
}

// tcpSeveral writes three queries in one write, reads three replies,
// which may come in any order (RFC 7766 §7), then asks a fourth question
// on the same connection.
func tcpSeveral(t *grader.T) {
	s := startServer(t, "udp+tcp")
	k := learn(s, probes[:4]...)
	taken := map[uint16]bool{}
	sent := map[uint16]probe{}
	queries := map[uint16]query{}
	var batch []byte
	var ids []string
	for _, p := range probes[:3] {
		q := p.query(t, taken)
		sent[q.ID], queries[q.ID] = p, q
		batch = append(batch, frame(q.pack())...)
		ids = append(ids, fmt.Sprintf("%d (%s)", q.ID, q))
	}
	c := s.dialTCP()
	t.Logf("the grader sends three queries in one write, %d bytes: %s", len(batch), strings.Join(ids, ", "))
	c.c.Write(batch)
	for i := range 3 {
		r := c.read(fmt.Sprintf("one of the three queries sent at once (%d of them answered so far)", i))
		id := r.msg.Header.ID
		if _, ok := sent[id]; !ok {
			// A reply with a wrong ID is still told apart by its
			// question: the ID is dns/header/id's to judge.
			for qid, q := range queries {
				if _, open := sent[qid]; open && askedFor(r.raw, q) {
					id = qid
				}
			}
		}
		p, ok := sent[id]
		if !ok {
			what := "has an ID that none of the three queries has"
			if q, answered := queries[id]; answered {
				what = fmt.Sprintf("answers %s a second time", q)
			}
			r.fail(t, what, "the IDs "+strings.Join(ids, ", ")+", one reply each", fmt.Sprintf("ID %d", id))
		}
		delete(sent, id)
		r.q = queries[id].String() + " over TCP"
		k.expect(t, p, r)
	}
	// The connection is still open for more (RFC 7766 §6.2.1).
	p := probes[3]
	q := p.query(t, taken)
	t.Logf("the grader sends a fourth query on the same connection, now that the three are answered")
	c.send(q)
	k.expect(t, p, c.read(q.String()+", the fourth on the connection,"))
}

// tcpSliced sends a query, length prefix and all, one byte per segment,
// each sent only once the server has read the one before.
func tcpSliced(t *grader.T) {
	s := startServer(t, "udp+tcp")
	p := probes[0]
	k := learn(s, p)
	q := p.query(t, map[uint16]bool{})
	msg := frame(q.pack())
	segs := make([][]byte, len(msg))
	for i := range msg {
		segs[i] = msg[i : i+1]
	}
	c := s.dialTCP()
	t.Logf("the grader sends %s over TCP in %d segments of one byte, each once your server has read the one before", q, len(segs))
	c.c.WriteSegments(segs...)
	k.expect(t, p, c.read(q.String()+" (sent one byte at a time)"))
}
