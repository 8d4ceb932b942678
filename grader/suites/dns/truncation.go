package dns

import (
	"fmt"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The truncation checks: a reply too large for a UDP datagram is cut and
// marked TC=1, and the client asks again over TCP, where nothing is cut
// (RFC 1035 §4.2.1; RFC 2181 §9).

var truncationChecks = []*grader.Check{
	{
		ID: "dns/truncation/tc", Name: "A UDP reply over 512 bytes is cut to fit, with TC=1", Points: 2,
		Requirement: `"Messages carried by UDP are restricted to 512 bytes (not counting the IP or UDP headers). Longer messages are truncated and the TC bit is set in the header." (RFC 1035 §4.2.1) "The TC bit should be set in responses only when an RRSet is required as a part of the response, but could not be included in its entirety." (RFC 2181 §9) "When the reply does not fit, send what fits (at least the header and the question) with TC=1" (handout §5).`,
		Handout:     secTransport,
		Run:         truncationTC,
	},
	{
		ID: "dns/truncation/tcp-retry", Name: "Over TCP the same query gets the whole answer", Points: 2,
		Requirement: `"When a DNS client receives a reply with TC set, it should ignore that response, and query again, using a mechanism, such as a TCP connection, that will permit larger replies." (RFC 2181 §9) "No truncation: a reply over TCP is complete." (handout §5)`,
		Handout:     secTransport,
		Run:         truncationTCPRetry,
	},
}

// truncationTC asks for big's TXT records, about 900 bytes of answer,
// over UDP without EDNS.
func truncationTC(t *grader.T) {
	s := startServer(t, "udp")
	q := newQuery(t, "big", dnsmessage.TypeTXT)
	s.udp.Send(q.pack())
	expectTruncated(t, q, s.udp.Recv(), 512, "a query without EDNS")
}

func truncationTCPRetry(t *grader.T) {
	s := startServer(t, "udp+tcp")
	q := newQuery(t, "big", dnsmessage.TypeTXT)
	r := s.askTCP(q)
	r.expectRCode(t, rcodeNoError)
	if r.msg.Header.Truncated {
		r.fail(t, "has TC=1: over TCP nothing is cut", "TC=0 and both TXT records of big", fmt.Sprintf("TC=1, %d bytes", len(r.raw)))
	}
	expectRRset(t, r, s.zone.records("big", zone.TypeTXT))
}

// expectTruncated judges a UDP reply to q whose whole answer does not fit
// in limit bytes: it must fit, have TC=1, and still be a message the
// client can match to its query, with the query's question. why
// says where the limit comes from: "a query without EDNS".
func expectTruncated(t *grader.T, q query, raw []byte, limit int, why string) *reply {
	if len(raw) > limit {
		tc := len(raw) >= 3 && raw[2]&0x02 != 0
		t.Fail(grader.Failure{
			Message: fmt.Sprintf("your reply to %s over UDP is %d bytes, more than the %d bytes allowed for %s: the answer does not fit, so the reply must be cut and have TC=1",
				q, len(raw), limit, why),
			Expected: fmt.Sprintf("at most %d bytes, with TC=1", limit),
			Actual:   fmt.Sprintf("%d bytes, with TC=%d", len(raw), bit(tc)),
		})
	}
	var m dnsmessage.Message
	if err := m.Unpack(raw); err != nil {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your truncated reply to %s cannot be read: %v; cut the reply between whole records, and make the counts in the header say how many records are left", q, err),
			Expected: "a whole DNS message: the header and the question at least, and each count in the header equal to the number of records that follow (RFC 1035 §4.1.1)",
			Actual:   fmt.Sprintf("%d bytes: %s", len(raw), grader.Quote(raw)),
		})
	}
	r := parseReply(t, q.String(), raw)
	if !r.msg.Header.Truncated {
		r.fail(t, fmt.Sprintf("has TC=0, but the whole answer does not fit in the %d bytes allowed for %s", limit, why),
			"TC=1", fmt.Sprintf("TC=0, %d bytes", len(raw)))
	}
	// The ID is dns/header/id's to judge: one mistake, one check.
	if !askedFor(raw, q) {
		r.fail(t, "does not repeat the question: a truncated reply keeps at least the header and the question (handout §5)",
			fmt.Sprintf("one question, %s IN %s", q.Name, typeName(q.Type)), fmt.Sprintf("%d question(s)", len(r.msg.Questions)))
	}
	return r
}
