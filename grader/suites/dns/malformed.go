package dns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
)

// The malformed-message checks: a server on the Internet gets garbage,
// cut-off datagrams and attacks, and must neither stop nor answer them as
// if they were queries it could read. Each check sends messages built by
// hand (dnsmessage would refuse to build them), each followed by a good
// query from the same socket, which must still be answered.

// malformedRule is the handout's sentence that every check here tests.
const malformedRule = `"A message the server cannot read gets a FORMERR reply or none at all, and the server goes on answering." (handout §2; RFC 1035 §4.1.1: "Format error - The name server was unable to interpret the query.")`

var malformedChecks = []*grader.Check{
	{
		ID: "dns/malformed/short-header", Name: "A message shorter than the header is not answered as a query", Points: 1,
		Requirement: malformedRule + ` The header is six 16-bit fields, 12 bytes (RFC 1035 §4.1.1): an empty datagram, or one of 5 or 11 bytes, holds no whole header.`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, shortHeaders) },
	},
	{
		ID: "dns/malformed/label-too-long", Name: "A label of 64 bytes or more is not read", Points: 1,
		Requirement: malformedRule + ` "labels 63 octets or less" (RFC 1035 §2.3.4); a length byte starting with the bits 01 or 10 is neither a label nor a pointer: "The 10 and 01 combinations are reserved for future use." (RFC 1035 §4.1.4)`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, longLabels) },
	},
	{
		ID: "dns/malformed/name-too-long", Name: "A name of more than 255 bytes is not read", Points: 1,
		Requirement: malformedRule + ` "names 255 octets or less" (RFC 1035 §2.3.4), counting every length byte and the final zero.`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, longNames) },
	},
	{
		ID: "dns/malformed/pointer-loop", Name: "A compression pointer loop neither hangs nor crashes the server", Points: 2,
		Requirement: malformedRule + ` "an entire domain name or a list of labels at the end of a domain name is replaced with a pointer to a prior occurance of the same name." (RFC 1035 §4.1.4): a pointer that leads back to itself makes a name without end.`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, pointerLoops) },
	},
	{
		ID: "dns/malformed/pointer-out-of-range", Name: "A pointer past the end of the message is not followed", Points: 1,
		Requirement: malformedRule + ` A pointer is "a pointer to a prior occurance of the same name" (RFC 1035 §4.1.4): one that points past the end of the message points at nothing.`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, pointersOutOfRange) },
	},
	{
		ID: "dns/malformed/truncated-question", Name: "A message that ends inside its question is not answered as a query", Points: 1,
		Requirement: malformedRule + ` A question is a QNAME, then a two-byte QTYPE and a two-byte QCLASS (RFC 1035 §4.1.2); a message that ends before them lacks them.`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, truncatedQuestions) },
	},
	{
		ID: "dns/malformed/truncated-record", Name: "A message that ends inside a record is not answered as a query", Points: 1,
		Requirement: malformedRule + ` "ARCOUNT: an unsigned 16 bit integer specifying the number of resource records in the additional records section." (RFC 1035 §4.1.1); a record is a name, TYPE, CLASS, TTL, RDLENGTH and RDLENGTH bytes of RDATA (RFC 1035 §4.1.3). A message whose records end early is malformed, however good its question.`,
		Handout:     secMessage,
		Run:         func(t *grader.T) { rejectAll(t, truncatedRecords) },
	},
}

// A malformedMsg is one bad message and how a student should read about
// it.
type malformedMsg struct {
	what string // "an empty datagram"
	msg  []byte
}

// rejectAll starts the server and sends it each of the check's malformed
// messages, each followed by a good query.
func rejectAll(t *grader.T, variants func(id uint16) []malformedMsg) {
	s := startServer(t, "udp")
	k := learn(s, probes[0])
	taken := map[uint16]bool{}
	var earlier []uint16
	var last malformedMsg
	for _, m := range variants(freshID(t, taken)) {
		earlier = s.expectRejected(k, m, true, taken, earlier)
		last = m
	}
	// A server that handles each datagram on its own may fail on the
	// last one after it answered the good query: it must answer still.
	s.expectRejected(k, last, false, taken, earlier)
}

// expectRejected sends m (if send is set), then a good query (www A)
// from the same socket, and reads what comes back until the good query's
// reply, which must be the one k knows: before it, at most a FORMERR for
// m. earlier holds the IDs of the good queries sent before, whose late
// copies are skipped; the new one is added.
func (s *server) expectRejected(k *known, m malformedMsg, send bool, taken map[uint16]bool, earlier []uint16) []uint16 {
	t := s.t
	good := probes[0].query(t, taken)
	after := "sent after " + m.what
	if send {
		t.Logf("the grader sends %s (%d bytes), then a good query, %s", m.what, len(m.msg), good)
		s.udp.Send(m.msg)
	} else {
		t.Logf("the grader sends one more good query, %s", good)
		after = "the last query, " + after
	}
	s.udp.Send(good.pack())
	const most = 4 // datagrams read before giving up on the good reply
	for n := 0; n < most; n++ {
		d, err := s.udp.TryRecv(grader.ReplyTimeout)
		if err != nil {
			s.failNoGoodReply(m, good, after, err)
		}
		// The good reply is known by its ID or, from a server that
		// does not copy IDs, by its question.
		id, _ := replyID(d.Data)
		switch {
		case id == good.ID || askedFor(d.Data, good) && !slices.Contains(earlier, id):
			k.expect(t, probes[0], parseReply(t, fmt.Sprintf("%s (%s)", good, after), d.Data))
			s.drainRejected(m, append(earlier, good.ID))
			return append(earlier, good.ID)
		case slices.Contains(earlier, id):
			continue // a late copy of an earlier good reply
		}
		judgeRejection(s.t, "your server", m, d.Data)
	}
	t.Fatalf("your server sent %d datagrams after %s and the good query %s, and none of them answers the good query", most, m.what, good)
	return nil
}

// drainRejected judges the datagrams that have already arrived after the
// good reply, without waiting for more: a server that handles datagrams
// concurrently may answer the malformed message last.
func (s *server) drainRejected(m malformedMsg, goods []uint16) {
	for {
		d, err := s.udp.TryRecv(0)
		if err != nil {
			return
		}
		if id, _ := replyID(d.Data); slices.Contains(goods, id) {
			continue // a copy of a good reply
		}
		judgeRejection(s.t, "your server", m, d.Data)
	}
}

// judgeRejection accepts a FORMERR reply to the malformed message and
// fails the check on anything else. Only the header is read: a FORMERR
// may copy the question it could not read, malformed as it was. who is
// the program: "your server".
func judgeRejection(t *grader.T, who string, m malformedMsg, raw []byte) {
	if len(raw) >= 12 && raw[3]&0x0f == rcodeFormErr {
		t.Logf("%s answered %s with FORMERR, as it may", who, m.what)
		return
	}
	actual := fmt.Sprintf("%d bytes that are not a DNS message: %s", len(raw), grader.Quote(raw))
	var msg dnsmessage.Message
	if msg.Unpack(raw) == nil {
		actual = fmt.Sprintf("a reply with RCODE %s:\n%s", rcodeName(fullRCode(&msg)), indent(present(&msg, len(raw)), "    "))
	} else if len(raw) >= 12 {
		actual = fmt.Sprintf("%d bytes with RCODE %s in the header (a FORMERR has 1 in the low 4 bits of byte 3): %s",
			len(raw), rcodeName(int(raw[3]&0x0f)), grader.Quote(raw))
	}
	t.Fail(grader.Failure{
		Message: fmt.Sprintf("%s answered %s as if it were a query it could read; the message was %s",
			who, m.what, grader.Quote(m.msg)),
		Expected: "a reply with RCODE 1 (FORMERR), or no reply at all",
		Actual:   actual,
	})
}

// failNoGoodReply ends the check when the good query sent after a
// malformed message got no reply.
func (s *server) failNoGoodReply(m malformedMsg, good query, after string, err error) {
	if errors.Is(err, grader.ErrRoleExited) {
		s.t.Fail(grader.Failure{
			Message: fmt.Sprintf("after the grader sent %s, %s", m.what, s.role.Process().Describe()),
			Err:     grader.ErrRoleExited,
		})
	}
	s.t.Fail(grader.Failure{
		Message: fmt.Sprintf("your server did not answer a good query, %s, %s (%s): one bad message must not stop the server",
			good, after, grader.Quote(m.msg)),
		Expected: fmt.Sprintf("the reply to %s within %s", good, grader.ReplyTimeout),
		Actual:   "no reply: is the server stuck on the malformed message, or did it stop reading?",
		Err:      err,
	})
}

// header is a query's 12-byte header: id, RD=1, and the four counts.
func header(id uint16, qd, an, ns, ar uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = append(b, 0x01, 0x00) // QR=0, OPCODE 0, RD=1
	for _, n := range []uint16{qd, an, ns, ar} {
		b = binary.BigEndian.AppendUint16(b, n)
	}
	return b
}

// wireName is a name in wire form, labels as given, ending in the root.
func wireName(labels ...string) []byte {
	var b []byte
	for _, l := range labels {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// zoneLabels are the labels of the zone's name, for names built by hand.
var zoneLabels = strings.Split(strings.TrimSuffix(origin, "."), ".")

// typeClass is QTYPE t and QCLASS IN.
func typeClass(t dnsmessage.Type) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, uint16(t)), uint16(dnsmessage.ClassINET))
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func shortHeaders(id uint16) []malformedMsg {
	h := header(id, 1, 0, 0, 0)
	return []malformedMsg{
		{"an empty datagram", []byte{}},
		{"a 5-byte datagram (a header is 12 bytes)", h[:5]},
		{"an 11-byte datagram (a header is 12 bytes)", h[:11]},
	}
}

func longLabels(id uint16) []malformedMsg {
	q := func(first []byte) []byte {
		return cat(header(id, 1, 0, 0, 0), first, wireName(zoneLabels...), typeClass(dnsmessage.TypeA))
	}
	// Read as lengths, 0x40 and 0xbf would make names in the zone: a
	// server that does so answers them.
	return []malformedMsg{
		{"a question whose first label has the length byte 0x40 (64: over 63, and its top bits 01 are reserved)",
			q(append([]byte{0x40}, strings.Repeat("a", 64)...))},
		{"a question whose first label has the length byte 0xbf (its top bits 10 are reserved)",
			q(append([]byte{0xbf}, strings.Repeat("b", 0xbf)...))},
	}
}

func longNames(id uint16) []malformedMsg {
	l63, l50 := strings.Repeat("x", 63), strings.Repeat("y", 50)
	// 3*64 + 51 + the zone's 13 bytes: 256, one over the limit.
	just := wireName(append([]string{l63, l63, l63, l50}, zoneLabels...)...)
	far := wireName(append([]string{l63, l63, l63, l63, l63}, zoneLabels...)...)
	q := func(n []byte) []byte { return cat(header(id, 1, 0, 0, 0), n, typeClass(dnsmessage.TypeA)) }
	return []malformedMsg{
		{fmt.Sprintf("a question whose name is %d bytes long (at most 255)", len(just)), q(just)},
		{fmt.Sprintf("a question whose name is %d bytes long (at most 255)", len(far)), q(far)},
	}
}

func pointerLoops(id uint16) []malformedMsg {
	h := header(id, 1, 0, 0, 0)
	return []malformedMsg{
		// The name at offset 12 is a pointer to offset 12.
		{"a question whose name is a pointer to itself (c0 0c at offset 12)",
			cat(h, []byte{0xc0, 0x0c}, typeClass(dnsmessage.TypeA))},
		// Offset 12 points to 14, and the bytes at 14 (read as the
		// QTYPE) point back to 12.
		{"a question whose name is a pointer to offset 14, where a pointer back to offset 12 stands",
			cat(h, []byte{0xc0, 0x0e, 0xc0, 0x0c, 0x00, 0x01})},
		// "www" and then a pointer to the "www": www.www.www... The
		// pointer points before itself, but not before the name it
		// ends.
		{"a question whose name is the label www and then a pointer back to that label (c0 0c), a name without end",
			cat(h, []byte{3, 'w', 'w', 'w', 0xc0, 0x0c}, typeClass(dnsmessage.TypeA))},
	}
}

func pointersOutOfRange(id uint16) []malformedMsg {
	h := header(id, 1, 0, 0, 0)
	return []malformedMsg{
		{"a question whose name is a pointer to offset 16383 in an 18-byte message",
			cat(h, []byte{0xff, 0xff}, typeClass(dnsmessage.TypeA))},
		{"a question whose name is a pointer to offset 18, just past the end of the 18-byte message",
			cat(h, []byte{0xc0, 18}, typeClass(dnsmessage.TypeA))},
		{"a message that ends in the first byte of a pointer (c0, and no second byte)",
			cat(h, []byte{4, 'm', 'a', 'i', 'l', 0xc0})},
	}
}

func truncatedQuestions(id uint16) []malformedMsg {
	// The name is mail's, not the good query's www, so that a reply
	// that reads the name tells which message it answers.
	full := cat(header(id, 1, 0, 0, 0), wireName(append([]string{"mail"}, zoneLabels...)...), typeClass(dnsmessage.TypeA))
	end := len(full) - 4 // where the name ends
	return []malformedMsg{
		{"a question that ends inside its name (the label mail cut after \"ma\")", full[:12+3]},
		{"a question that ends after its name, with no QTYPE and QCLASS", full[:end]},
		{"a question that ends inside its QTYPE (1 of 2 bytes)", full[:end+1]},
		{"a question that ends inside its QCLASS (1 of 2 bytes)", full[:end+3]},
	}
}

func truncatedRecords(id uint16) []malformedMsg {
	q := cat(wireName(append([]string{"mail"}, zoneLabels...)...), typeClass(dnsmessage.TypeA))
	withAR := cat(header(id, 1, 0, 0, 1), q)
	// An OPT record: the root, TYPE 41, CLASS 1232, TTL 0, RDLENGTH.
	opt := []byte{0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0}
	return []malformedMsg{
		{"a query with ARCOUNT 1 and no record after the question", withAR},
		{"a query whose additional record (an OPT) ends inside its CLASS", cat(withAR, opt[:4])},
		{"a query whose OPT record has RDLENGTH 8 and 4 bytes of RDATA",
			cat(withAR, opt, []byte{0x00, 0x08, 0x00, 0x0a, 0x00, 0x08})},
	}
}
