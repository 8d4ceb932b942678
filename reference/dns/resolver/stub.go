package main

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// The stub side: queries from stub resolvers, the small resolvers in
// every host's C library (and dig), which send a question with RD=1 and
// leave the rest to us (RFC 1034 §5.3.1).

// stubTimeout is how long the resolution of a stub's query may take.
// "The stub gets an answer within 5 s: when the resolution cannot finish
// by then, SERVFAIL." Giving up at 4 s leaves time for the SERVFAIL to
// get there.
const stubTimeout = 4 * time.Second

// UDP reply sizes, as for the server (../server/edns.go): 512 bytes
// without EDNS (RFC 1035 §4.2.1); with EDNS what the stub offers, but at
// least 512 (RFC 6891 §6.2.5) and at most 1232, the size our OPT record
// offers, against IP fragmentation (RFC 8900).
const (
	minUDPSize = 512
	ourUDPSize = 1232
	maxTCPSize = 65535
)

// respond returns the reply to one message from a stub, ready to send, or
// nil when it gets none. overUDP says the reply must fit in a datagram.
//
// "A stub's query that the resolver cannot read gets FORMERR or no reply,
// and the resolver goes on answering." A message shorter than a header
// has no ID to send back, and a response (QR=1) is never answered: two
// programs answering each other's answers would never stop.
func (r *resolver) respond(query []byte, overUDP bool) []byte {
	h, err := message.ParseHeader(query)
	if err != nil || h.QR {
		return nil
	}
	q, err := message.Parse(query)
	if err != nil {
		b, _ := formErr(query, h).Pack() // a header and a parsed question always pack
		return b
	}
	reply := r.answer(q)
	limit := maxTCPSize
	if overUDP {
		limit = udpLimit(q)
	}
	// PackLimit sets TC=1 on a reply that does not fit; the stub then
	// asks again over TCP.
	b, err := reply.PackLimit(limit)
	if err != nil {
		// Only a bug of ours can get here: every name and record of
		// the reply came from a parsed message.
		r.logf("packing the reply to %v: %v", reply.Questions, err)
		return nil
	}
	return b
}

// udpLimit is the largest UDP reply to query q.
func udpLimit(q *message.Message) int {
	e, _ := q.EDNS()
	if e == nil {
		return minUDPSize
	}
	return min(max(int(e.UDPSize), minUDPSize), ourUDPSize)
}

// formErr is the reply to a query that cannot be parsed: FORMERR, with
// its ID, and its question when it has one that can be read.
func formErr(query []byte, h message.Header) *message.Message {
	reply := &message.Message{Header: message.Header{
		ID: h.ID, QR: true, Opcode: h.Opcode, RD: h.RD, RA: true, RCode: message.RCodeFormErr,
	}}
	if q, ok := firstQuestion(query); ok {
		reply.Questions = []message.Question{q}
	}
	return reply
}

// firstQuestion reads the question of a query that does not parse as a
// whole (a record after the question is cut short, say). It needs QDCOUNT
// to be 1 and the question to be whole.
//
// The question's name is the first name of the message, so it holds no
// compression pointer: there is no earlier name to point to. Its end is
// found by skipping labels. The header and the question, with the other
// counts set to 0, are then a message of their own, and Parse checks it.
func firstQuestion(query []byte) (message.Question, bool) {
	if len(query) < 12 || binary.BigEndian.Uint16(query[4:]) != 1 {
		return message.Question{}, false
	}
	end := 12
	for end < len(query) && query[end] != 0 {
		if query[end] > 63 { // a pointer, or a reserved label type
			return message.Question{}, false
		}
		end += 1 + int(query[end])
	}
	end += 1 + 4 // the final 0, QTYPE and QCLASS
	if end > len(query) {
		return message.Question{}, false
	}
	b := append([]byte(nil), query[:end]...)
	clear(b[6:12]) // ANCOUNT, NSCOUNT, ARCOUNT
	m, err := message.Parse(b)
	if err != nil {
		return message.Question{}, false
	}
	return m.Questions[0], true
}

// answer builds the reply to a query that parses.
//
// "The reply to the stub has the stub's ID, QR=1, RA=1, RD copied from the
// query, and the question copied byte for byte." AA is 0: the answer comes
// from other servers, or from the cache, not from a zone of ours. The
// question goes back as it came, byte for byte: Pack writes it in full,
// in the stub's spelling.
func (r *resolver) answer(q *message.Message) *message.Message {
	reply := &message.Message{Header: message.Header{ID: q.ID, QR: true, Opcode: q.Opcode, RD: q.RD, RA: true}}
	if len(q.Questions) == 1 {
		reply.Questions = q.Questions
	}
	edns, ednsErr := q.EDNS()
	var rcode int
	switch {
	case q.Opcode != message.OpcodeQuery:
		rcode = message.RCodeNotImp // "does not support the requested kind of query" (RFC 1035 §4.1.1)
	case len(q.Questions) != 1:
		rcode = message.RCodeFormErr // one question per query (RFC 9619 §4)
	case ednsErr != nil:
		rcode = message.RCodeFormErr // two OPT records, or one out of place (RFC 6891 §6.1.1)
	case edns != nil && edns.Version > 0:
		rcode = message.RCodeBadVers // RFC 6891 §6.1.3
	default:
		rcode = r.query(reply, q.Questions[0])
	}
	// RCODE has 12 bits with EDNS: 4 in the header, 8 in the OPT record.
	// "If an OPT record is present in a received request, compliant
	// responders MUST include an OPT record in their respective
	// responses." (RFC 6891 §7)
	reply.RCode = uint8(rcode & 0xF)
	if edns != nil || ednsErr != nil {
		opt := message.EDNS{UDPSize: ourUDPSize, ExtRCode: uint8(rcode >> 4)}
		reply.Additional = append(reply.Additional, opt.Record())
	}
	return reply
}

// query resolves the stub's question into reply's sections, and returns
// the RCODE. The resolution has stubTimeout to finish.
func (r *resolver) query(reply *message.Message, q message.Question) int {
	switch q.Type {
	case message.TypeANY, message.TypeAXFR, message.TypeIXFR:
		// A cache cannot tell whether it holds every type of a name,
		// and zone transfers are between servers (RFC 8482 lets a
		// resolver decline ANY).
		return message.RCodeNotImp
	}
	if q.Class != message.ClassIN {
		return message.RCodeRefused // the Internet class only
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.stubTimeout)
	defer cancel()
	a := (&resolution{resolver: r}).resolve(ctx, q.Name, q.Type)
	reply.Answers = a.records
	reply.Authority = a.authority
	r.logf("stub: %s %v: %s, %d in the answer", q.Name, q.Type, rcodeName(a.rcode), len(a.records))
	return a.rcode
}
