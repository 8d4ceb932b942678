package dns

import (
	"fmt"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The EDNS checks: a query with an OPT pseudo-record gets one back, a
// reply as large as the client says it can take, and BADVERS for an EDNS
// version the server does not speak (RFC 6891).

var ednsChecks = []*grader.Check{
	{
		ID: "dns/edns/opt", Name: "A query with an OPT record gets one OPT record back", Points: 2,
		Requirement: `"If an OPT record is present in a received request, compliant responders MUST include an OPT record in their respective responses." "When an OPT RR is included within any DNS message, it MUST be the only OPT RR in that message." (RFC 6891 §6.1.1) Its NAME "MUST be 0 (root domain)" (RFC 6891 §6.1.2), and "Full conformance with this specification is indicated by version '0'." (RFC 6891 §6.1.3)`,
		Handout:     secTransport,
		Run:         ednsOPT,
	},
	{
		ID: "dns/edns/payload", Name: "A UDP reply may be as large as the query's OPT allows", Points: 2,
		Requirement: `"The reply may then be as large as the client's size, with 512 as the least (smaller sizes count as 512), and at least 1232: do not truncate a reply of 1232 bytes or less for a client that offered 1232." (handout §5) "The requestor's UDP payload size (encoded in the RR CLASS field) is the number of octets of the largest UDP payload that can be reassembled and delivered in the requestor's network stack." "Values lower than 512 MUST be treated as equal to 512." (RFC 6891 §6.2.3)`,
		Handout:     secTransport,
		Run:         ednsPayload,
	},
	{
		ID: "dns/edns/badvers", Name: "An EDNS version other than 0 gets BADVERS", Points: 1,
		Requirement: `"If a responder does not implement the VERSION level of the request, then it MUST respond with RCODE=BADVERS." (RFC 6891 §6.1.3) BADVERS is 16, an extended RCODE: "EXTENDED-RCODE: Forms the upper 8 bits of extended 12-bit RCODE (together with the 4 bits defined in [RFC1035])." (RFC 6891 §6.1.3) So the reply's OPT has 1 in its EXTENDED-RCODE byte, and the header's RCODE is 0 (handout §5).`,
		Handout:     secTransport,
		Run:         ednsBadVers,
	},
}

func ednsOPT(t *grader.T) {
	s := startServer(t, "udp")
	p := probes[0]
	k := learn(s, p)
	q := p.query(t, map[uint16]bool{}).withEDNS(1232)
	r := s.ask(q)
	expectOPT(t, r)
	k.expect(t, p, r)
}

// expectOPT checks that r has exactly one OPT record, in its additional
// section, owned by the root, of EDNS version 0, and returns it.
func expectOPT(t *grader.T, r *reply) dnsmessage.Resource {
	var opts []string
	var opt dnsmessage.Resource
	for _, sec := range []struct {
		name section
		rs   []dnsmessage.Resource
	}{{answer, r.msg.Answers}, {authority, r.msg.Authorities}, {additional, r.msg.Additionals}} {
		for _, x := range sec.rs {
			if x.Header.Type == dnsmessage.TypeOPT {
				opts = append(opts, fmt.Sprintf("an OPT record in the %s section", sec.name))
				if sec.name == additional {
					opt = x
				}
			}
		}
	}
	switch {
	case len(opts) == 0:
		r.fail(t, "has no OPT record, though the query has one", "one OPT record (TYPE 41) in the ADDITIONAL section", "none")
	case len(opts) > 1:
		r.fail(t, fmt.Sprintf("has %d OPT records", len(opts)), "exactly one OPT record, in the ADDITIONAL section", strings.Join(opts, ", "))
	case opt.Header.Type != dnsmessage.TypeOPT:
		r.fail(t, "has its OPT record in the wrong section", "the OPT record in the ADDITIONAL section", opts[0])
	}
	if n := opt.Header.Name.String(); n != "." {
		r.fail(t, "has an OPT record whose owner is not the root", `the root name, a single zero byte (".")`, n)
	}
	if v := opt.Header.TTL >> 16 & 0xff; v != 0 {
		r.fail(t, fmt.Sprintf("has an OPT record of EDNS version %d", v), "version 0, the version the server implements",
			fmt.Sprintf("version %d (the second byte of the OPT record's TTL field)", v))
	}
	return opt
}

// ednsPayload asks for answers of several sizes with several UDP sizes in
// the OPT record.
func ednsPayload(t *grader.T) {
	s := startServer(t, "udp")
	k := learn(s, probes[0])
	taken := map[uint16]bool{}
	big := probe{"big", zone.TypeTXT}

	// About 900 bytes: fits in 1232, so it must come whole.
	q := big.query(t, taken).withEDNS(1232)
	r := expectWhole(t, s, q, 1232, "the 1232 bytes the query offers")
	r.expectRCode(t, rcodeNoError)
	expectRRset(t, r, s.zone.records("big", zone.TypeTXT))

	// About 2500 bytes: does not fit in 1232, and must not exceed it.
	q = probe{"huge", zone.TypeTXT}.query(t, taken).withEDNS(1232)
	s.udp.Send(q.pack())
	expectTruncated(t, q, s.udp.Recv(), 1232, "a query that offers 1232 bytes")

	// A size under 512 counts as 512: big does not fit in 512...
	q = big.query(t, taken).withEDNS(100)
	s.udp.Send(q.pack())
	expectTruncated(t, q, s.udp.Recv(), 512, "a query that offers 100 bytes (a size under 512 counts as 512, RFC 6891 §6.2.3)")

	// ... and www's addresses, about 90 bytes, fit in 512 though not in 64.
	q = probes[0].query(t, taken).withEDNS(64)
	r = expectWhole(t, s, q, 512, "512 bytes, as the query offers 64 and a size under 512 counts as 512 (RFC 6891 §6.2.3)")
	k.expect(t, probes[0], r)
}

// expectWhole asks q over UDP and expects a reply that is not truncated,
// in at most limit bytes; room says where the limit comes from. The
// caller judges the answer.
func expectWhole(t *grader.T, s *server, q query, limit int, room string) *reply {
	s.udp.Send(q.pack())
	raw := s.udp.Recv()
	if len(raw) > limit {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your reply to %s over UDP is %d bytes, more than %s", q, len(raw), room),
			Expected: fmt.Sprintf("at most %d bytes", limit),
			Actual:   fmt.Sprintf("%d bytes", len(raw)),
		})
	}
	r := parseReply(t, q.String(), raw)
	if r.msg.Header.Truncated {
		r.fail(t, "is truncated (TC=1), though the whole answer fits in "+room,
			"TC=0 and the whole answer", fmt.Sprintf("TC=1, %d bytes, %d answer records", len(raw), len(r.msg.Answers)))
	}
	return r
}

func ednsBadVers(t *grader.T) {
	s := startServer(t, "udp")
	q := probes[0].query(t, map[uint16]bool{}).withEDNS(1232)
	q.Version = 1
	r := s.ask(q)
	if findOPT(&r.msg) == nil {
		r.fail(t, "has no OPT record: BADVERS (16) does not fit in the header's 4-bit RCODE, so it needs the OPT record's EXTENDED-RCODE byte",
			"RCODE 0 in the header and 1 in the OPT record's EXTENDED-RCODE byte: BADVERS",
			fmt.Sprintf("no OPT record, RCODE %s in the header", rcodeName(int(r.msg.Header.RCode))))
	}
	if got := fullRCode(&r.msg); got != rcodeBadVers {
		opt := findOPT(&r.msg)
		r.fail(t, fmt.Sprintf("has the extended RCODE %s, not BADVERS", rcodeName(got)),
			"BADVERS (16): RCODE 0 in the header, and 1 in the OPT record's EXTENDED-RCODE byte (the first byte of its TTL field)",
			fmt.Sprintf("RCODE %d in the header, and %d in the OPT record's EXTENDED-RCODE byte", r.msg.Header.RCode&0xf, opt.Header.TTL>>24))
	}
	expectOPT(t, r)
}
