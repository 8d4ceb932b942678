package main

import (
	"log"

	"github.com/socklab/socklab/reference/dns/message"
)

// respond returns the reply to one query, ready to send, or nil when the
// query gets no reply. overUDP says the reply must fit in a UDP datagram.
// malformed says the query could not be read; a TCP connection is then
// closed, as the client is not speaking DNS, or not in step with us.
func (a *authority) respond(query []byte, overUDP bool) (reply []byte, malformed bool) {
	q, err := message.Parse(query)
	if err != nil {
		return formErr(query), true
	}
	r := a.answer(q)
	if r == nil {
		return nil, false
	}
	limit := maxTCPSize
	if overUDP {
		e, _ := q.EDNS()
		limit = udpLimit(e)
	}
	b, err := r.PackLimit(limit)
	if err != nil {
		// Only a bug of ours can get here: every name and record of
		// the reply came from the zone or from a parsed query.
		log.Printf("packing the reply to %v: %v", q.Questions, err)
		return nil, false
	}
	return b, false
}

// formErr is the reply to a query that cannot be parsed: "Format error -
// The name server was unable to interpret the query." (RFC 1035 §4.1.1,
// RCODE 1), with the query's ID so that the asker can match it. A message
// shorter than a header has no ID to send back, and a response is never
// answered, so both get nothing.
func formErr(query []byte) []byte {
	h, err := message.ParseHeader(query)
	if err != nil || h.QR {
		return nil
	}
	r := &message.Message{Header: message.Header{
		ID: h.ID, QR: true, Opcode: h.Opcode, RD: h.RD, RCode: message.RCodeFormErr,
	}}
	b, _ := r.Pack() // a bare header always packs
	return b
}

// answer builds the reply to a parsed query, or returns nil when there is
// none to send.
//
// The header of every reply: the query's ID, QR=1, the query's OPCODE and
// RD, RA=0 (no recursion here), Z=0, and AA only when the answer comes from
// the zone (RFC 1035 §4.1.1). The question goes back as it came, the name
// in the asker's spelling: Pack writes it in full, byte for byte.
func (a *authority) answer(q *message.Message) *message.Message {
	if q.QR {
		// A response, not a query. Answering it could start two
		// servers replying to each other forever.
		return nil
	}
	r := &message.Message{Header: message.Header{ID: q.ID, QR: true, Opcode: q.Opcode, RD: q.RD}}
	edns, ednsErr := q.EDNS()
	rcode := message.RCodeSuccess
	switch {
	case q.Opcode != message.OpcodeQuery:
		// "Not Implemented - The name server does not support the
		// requested kind of query." (RFC 1035 §4.1.1)
		r.Questions = q.Questions
		rcode = message.RCodeNotImp
	case len(q.Questions) != 1:
		// RFC 9619 §4: a query carries one question; with none or
		// several it is malformed. There is no one question to echo.
		rcode = message.RCodeFormErr
	case ednsErr != nil:
		// Two OPT records, or one out of place (RFC 6891 §6.1.1).
		rcode = message.RCodeFormErr
	case edns != nil && edns.Version > 0:
		// "If a responder does not implement the VERSION level of the
		// request, then it MUST respond with RCODE=BADVERS."
		// (RFC 6891 §6.1.3)
		r.Questions = q.Questions
		rcode = message.RCodeBadVers
	default:
		r.Questions = q.Questions
		rcode = a.query(r, q.Questions[0])
	}
	// RCODE has 12 bits with EDNS: 4 in the header, 8 in the OPT record.
	r.RCode = uint8(rcode & 0xF)
	if edns != nil || ednsErr != nil {
		r.Additional = append(r.Additional, replyOPT(rcode))
	}
	return r
}

// query answers a standard query from the zone: it fills r's sections and
// AA, and returns the RCODE.
func (a *authority) query(r *message.Message, q message.Question) int {
	switch q.Type {
	case message.TypeAXFR, message.TypeIXFR:
		// Zone transfers (RFC 5936, RFC 1995) are not implemented.
		return message.RCodeNotImp
	}
	if q.Class != message.ClassIN {
		// The zone is of class IN; other classes are not ours to
		// answer (RFC 1035 §3.2.4). QCLASS ANY, "*", is refused too.
		return message.RCodeRefused
	}
	res := a.lookup(q.Name, q.Type)
	r.AA = res.aa
	r.Answers = res.answer
	r.Authority = res.authority
	r.Additional = res.additional
	return res.rcode
}
