package dns

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// A probe is a query whose right answer is plain: the zone's records of
// one name and type, NOERROR. The transport checks send probes, so that
// what they judge is how the query travelled, not the lookup (the answer
// checks judge that).
type probe struct {
	rel string
	zt  zone.Type
}

// probes are names and types of the test zone with answers of different
// sizes and shapes, none of them a CNAME, a referral or a negative answer.
var probes = []probe{
	{"www", zone.TypeA},
	{"mail", zone.TypeAAAA},
	{"@", zone.TypeMX},
	{"note", zone.TypeTXT},
	{"ns1", zone.TypeA},
	{"@", zone.TypeSOA},
	{"mail2", zone.TypeA},
	{"www", zone.TypeAAAA},
	{"@", zone.TypeNS},
	{"host.deep", zone.TypeA},
	{"ns1", zone.TypeAAAA},
}

// query is a fresh query for the probe, with an ID none of taken has;
// the ID is added to taken.
func (p probe) query(t *grader.T, taken map[uint16]bool) query {
	q := newQuery(t, p.rel, dnsmessage.Type(p.zt))
	q.ID = freshID(t, taken)
	return q
}

// freshID is a random ID that taken does not have, and adds it: the
// checks that have several queries out at once tell the replies apart by
// ID. It is never 0, the ID a server may give a reply to a message too
// short to have one.
func freshID(t *grader.T, taken map[uint16]bool) uint16 {
	for {
		id := uint16(t.Rand().Uint32())
		if id != 0 && !taken[id] {
			taken[id] = true
			return id
		}
	}
}

// A known is what the server answers to probes asked one at a time over
// UDP, without EDNS. The transport checks compare their replies with it,
// not with the zone: whether the answer is right is the answer checks'
// business, and a server that gets an RRset wrong loses those, not every
// check that carries the same query another way.
type known struct {
	s       *server
	replies map[probe]*reply
}

// learn asks each probe once over UDP, before the check's own traffic.
func learn(s *server, ps ...probe) *known {
	k := &known{s: s, replies: map[probe]*reply{}}
	taken := map[uint16]bool{}
	for _, p := range ps {
		if k.replies[p] != nil {
			continue
		}
		q := p.query(s.t, taken)
		s.udp.Send(q.pack())
		d, err := s.udp.TryRecv(grader.ReplyTimeout)
		if err != nil {
			s.failNoReply(err, fmt.Sprintf("your server did not answer %s, sent over UDP before anything else, within %s",
				q, grader.ReplyTimeout))
		}
		k.replies[p] = parseReply(s.t, q.String()+" (over UDP, to compare with later replies)", d.Data)
	}
	return k
}

// failNoReply ends a check whose wait for a reply failed: with the
// server's exit when it died, else saying what did not come.
func (s *server) failNoReply(err error, what string) {
	if errors.Is(err, grader.ErrRoleExited) {
		s.t.Fail(grader.Failure{Message: s.role.Process().Describe(), Err: err})
	}
	s.t.Fail(grader.Failure{Message: what, Err: err})
}

// expect checks that r holds what the server answered to p over UDP:
// the same RCODE and the same answer records (TTLs aside).
func (k *known) expect(t *grader.T, p probe, r *reply) {
	base := k.replies[p]
	if base == nil {
		panic("dns: a check expects the answer to a probe it did not learn")
	}
	if got, want := fullRCode(&r.msg), fullRCode(&base.msg); got != want {
		r.fail(t, fmt.Sprintf("has RCODE %s, but the same query alone over UDP got %s", rcodeName(got), rcodeName(want)),
			rcodeName(want), rcodeName(got))
	}
	w, g := sorted(base.records(answer), false), sorted(r.records(answer), false)
	if !slices.Equal(w, g) {
		r.failRecords(t, "does not hold the answer that the same query alone over UDP got", w, g)
	}
}

// expectRRset checks that the answer section of r holds want whole. TXT
// records compare by their text, however it is cut into strings: that is
// the answer checks' business (dns/answer/txt), not the transport's.
func expectRRset(t *grader.T, r *reply, want []rr) {
	joined := func(rs []rr) []string {
		out := make([]string, len(rs))
		for i, x := range rs {
			if x.Type == dnsmessage.TypeTXT {
				x.Data = strings.ReplaceAll(x.Data, `" "`, "")
			}
			out[i] = x.noTTL()
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(joined(want), joined(r.records(answer))) {
		r.failRecords(t, "does not hold the whole RRset in the ANSWER section", sorted(want, false), sorted(r.records(answer), false))
	}
}

// askedFor says whether raw is a reply whose one question is q's (name
// without regard to case, type and class IN). Only the header and the
// question are read, so that a reply with a broken record further on is
// still known for what it answers, and judged as that.
func askedFor(raw []byte, q query) bool {
	var p dnsmessage.Parser
	if _, err := p.Start(raw); err != nil {
		return false
	}
	qs, err := p.AllQuestions()
	if err != nil || len(qs) != 1 {
		return false
	}
	return zone.Equal(qs[0].Name.String(), q.Name) && qs[0].Type == q.Type && qs[0].Class == dnsmessage.ClassINET
}

// replyID is the ID of a message, and whether it is long enough to have
// one.
func replyID(raw []byte) (uint16, bool) {
	if len(raw) < 2 {
		return 0, false
	}
	return uint16(raw[0])<<8 | uint16(raw[1]), true
}
