package dns

import (
	"fmt"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
)

// The header checks: the twelve bytes in front of every reply (RFC 1035
// §4.1.1), and the question section that follows them.

var headerChecks = []*grader.Check{
	{
		ID: "dns/header/id", Name: "The reply carries the query's ID", Points: 2,
		Requirement: `"ID: A 16 bit identifier assigned by the program that generates any kind of query. This identifier is copied the corresponding reply and can be used by the requester to match up replies to outstanding queries." (RFC 1035 §4.1.1)`,
		Handout:     secMessage,
		Run:         headerID,
	},
	{
		ID: "dns/header/qr", Name: "QR is 1 in a reply", Points: 1,
		Requirement: `"QR: A one bit field that specifies whether this message is a query (0), or a response (1)." (RFC 1035 §4.1.1)`,
		Handout:     secMessage,
		Run:         headerQR,
	},
	{
		ID: "dns/header/opcode-rd", Name: "OPCODE and RD are copied from the query", Points: 1,
		Requirement: `"OPCODE: ... This value is set by the originator of a query and copied into the response." "RD: Recursion Desired - this bit may be set in a query and is copied into the response." (RFC 1035 §4.1.1)`,
		Handout:     secMessage,
		Run:         headerOpcodeRD,
	},
	{
		ID: "dns/header/aa", Name: "AA is 1 in an answer from the zone", Points: 2,
		Requirement: `"AA: Authoritative Answer - this bit is valid in responses, and specifies that the responding name server is an authority for the domain name in question section." (RFC 1035 §4.1.1)`,
		Handout:     secMessage,
		Run:         headerAA,
	},
	{
		ID: "dns/header/ra", Name: "RA is 0: the server does not recurse", Points: 1,
		Requirement: `"RA: Recursion Available - this be is set or cleared in a response, and denotes whether recursive query support is available in the name server." (RFC 1035 §4.1.1) The server answers only from its zone (handout §3).`,
		Handout:     secMessage,
		Run:         headerRA,
	},
	{
		ID: "dns/header/question", Name: "The question is sent back exactly as asked", Points: 2,
		Requirement: `"The question section is copied from the query into the reply, byte for byte: the name keeps the case it was sent in." (handout §2; RFC 1035 §4.1.2, RFC 4343 §4.1)`,
		Handout:     secMessage,
		Run:         headerQuestion,
	},
	{
		ID: "dns/header/notimp", Name: "An unknown OPCODE gets NOTIMP", Points: 1,
		Requirement: `"Not Implemented - The name server does not support the requested kind of query." (RCODE 4, RFC 1035 §4.1.1) The server implements only OPCODE 0, a standard query.`,
		Handout:     secMessage,
		Run:         headerNotImp,
	},
	{
		ID: "dns/header/qdcount", Name: "A query without exactly one question gets FORMERR", Points: 2,
		Requirement: `"A query with no question, or with more than one, gets RCODE 1, FORMERR." (handout §2; RFC 9619 §4: a query, OPCODE 0, carries at most one question, and one that does not is malformed; RFC 1035 §4.1.1: "Format error - The name server was unable to interpret the query.")`,
		Handout:     secMessage,
		Run:         headerQDCount,
	},
}

func headerID(t *grader.T) {
	s := startServer(t, "udp")
	// IDs at both ends of the range, and one from the seed.
	for _, id := range []uint16{0, 0xffff, 0x8000 | uint16(t.Rand().IntN(0x7fff))} {
		q := newQuery(t, "www", dnsmessage.TypeA)
		q.ID = id
		r := s.ask(q)
		if r.msg.Header.ID != id {
			r.fail(t, fmt.Sprintf("has ID %d, not the query's", r.msg.Header.ID),
				fmt.Sprintf("ID %d (0x%04x)", id, id), fmt.Sprintf("ID %d (0x%04x)", r.msg.Header.ID, r.msg.Header.ID))
		}
	}
}

func headerQR(t *grader.T) {
	s := startServer(t, "udp")
	s.ask(newQuery(t, "www", dnsmessage.TypeA)).expectFlag(t, "qr", true)
	s.ask(newQuery(t, "nothing-here", dnsmessage.TypeA)).expectFlag(t, "qr", true)
}

func headerOpcodeRD(t *grader.T) {
	s := startServer(t, "udp")
	for _, rd := range []bool{true, false} {
		q := newQuery(t, "www", dnsmessage.TypeA)
		q.RD = rd
		r := s.ask(q)
		if r.msg.Header.OpCode != 0 {
			r.fail(t, fmt.Sprintf("has OPCODE %d", r.msg.Header.OpCode), "OPCODE 0 (QUERY), as in the query",
				fmt.Sprintf("OPCODE %d", r.msg.Header.OpCode))
		}
		r.expectFlag(t, "rd", rd)
	}
}

func headerAA(t *grader.T) {
	s := startServer(t, "udp")
	// AA holds for every authoritative answer: data, NODATA, NXDOMAIN.
	s.ask(newQuery(t, "www", dnsmessage.TypeA)).expectFlag(t, "aa", true)
	s.ask(newQuery(t, "@", dnsmessage.TypeSOA)).expectFlag(t, "aa", true)
	s.ask(newQuery(t, "nothing-here", dnsmessage.TypeA)).expectFlag(t, "aa", true)
}

func headerRA(t *grader.T) {
	s := startServer(t, "udp")
	s.ask(newQuery(t, "www", dnsmessage.TypeA)).expectFlag(t, "ra", false)
}

func headerQuestion(t *grader.T) {
	s := startServer(t, "udp")
	for _, n := range []string{"www." + origin, mixCase(t, "www."+origin), mixCase(t, "no-such-name."+origin)} {
		q := newQuery(t, n, dnsmessage.TypeA)
		msg := q.pack()
		r := s.askRaw(q.String(), msg)
		// The question is what follows the 12-byte header: the name,
		// QTYPE and QCLASS.
		sent := msg[12:]
		if len(r.msg.Questions) == 1 && len(r.raw) >= len(msg) &&
			string(r.raw[12:len(msg)]) == string(sent) {
			continue
		}
		var got []string
		for _, x := range r.msg.Questions {
			got = append(got, fmt.Sprintf("%s IN %s", x.Name, typeName(x.Type)))
		}
		exp := fmt.Sprintf("one question, %s IN %s, in the bytes it was sent in: %s", q.Name, typeName(q.Type), grader.Quote(sent))
		act := fmt.Sprintf("%d question(s) %v", len(r.msg.Questions), got)
		if len(r.raw) >= 12 {
			end := min(len(r.raw), 12+len(sent))
			act += ", bytes " + grader.Quote(r.raw[12:end])
		}
		r.fail(t, "does not repeat the question exactly", exp, act)
	}
}

// mixCase writes a name in random upper and lower case, as a resolver
// using "0x20" randomisation would (RFC 4343 §4.1: a server must answer it
// and keep its case).
func mixCase(t *grader.T, n string) string {
	b := []byte(n)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && t.Rand().IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func headerNotImp(t *grader.T) {
	s := startServer(t, "udp")
	q := newQuery(t, "www", dnsmessage.TypeA)
	q.Opcode = 2 // STATUS: defined in RFC 1035, implemented by almost no server
	r := s.ask(q)
	r.expectRCode(t, rcodeNotImp)
	if r.msg.Header.OpCode != q.Opcode {
		r.fail(t, fmt.Sprintf("has OPCODE %d", r.msg.Header.OpCode), "OPCODE 2, copied from the query",
			fmt.Sprintf("OPCODE %d", r.msg.Header.OpCode))
	}
}

func headerQDCount(t *grader.T) {
	s := startServer(t, "udp")
	one := newQuery(t, "www", dnsmessage.TypeA)

	// No question: the header alone, QDCOUNT 0.
	none := one.pack()[:12]
	none[4], none[5] = 0, 0
	r := s.askRaw("a query with no question (QDCOUNT 0)", none)
	r.expectRCode(t, rcodeFormErr)

	// Two questions, built by hand: dnsmessage would not let a check
	// build a bad message, and that is the point here.
	two := newQuery(t, "www", dnsmessage.TypeA)
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: two.ID, RecursionDesired: true})
	must(b.StartQuestions())
	for _, n := range []string{"www." + origin, "mail." + origin} {
		must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(n), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
	}
	msg, err := b.Finish()
	must(err)
	r = s.askRaw("a query with two questions (QDCOUNT 2)", msg)
	r.expectRCode(t, rcodeFormErr)
}
