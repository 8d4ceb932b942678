package dns

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
)

// A query is what a check asks. Name is sent exactly as written, case
// and all.
type query struct {
	ID     uint16
	Name   string
	Type   dnsmessage.Type
	RD     bool
	Opcode dnsmessage.OpCode

	EDNS    bool   // add an OPT record (RFC 6891)
	Payload uint16 // its UDP payload size
	Version uint8  // its EDNS version
}

// newQuery is a query for rel (relative to the zone, or absolute) with a
// random ID and RD=1, as a stub resolver sends it.
func newQuery(t *grader.T, rel string, typ dnsmessage.Type) query {
	return query{ID: uint16(t.Rand().Uint32()), Name: name(rel), Type: typ, RD: true}
}

// withEDNS is q with an OPT record advertising payload bytes.
func (q query) withEDNS(payload uint16) query {
	q.EDNS, q.Payload = true, payload
	return q
}

func (q query) String() string {
	s := fmt.Sprintf("%s %s", q.Name, typeName(q.Type))
	if q.EDNS {
		s += fmt.Sprintf(" (EDNS version %d, udp %d)", q.Version, q.Payload)
	}
	return s
}

// pack builds the query's wire form: a header, one question and, with
// EDNS, an OPT record in the additional section.
func (q query) pack() []byte {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), dnsmessage.Header{
		ID: q.ID, OpCode: q.Opcode, RecursionDesired: q.RD,
	})
	n, err := dnsmessage.NewName(q.Name)
	if err != nil {
		panic("dns: a check asks for a bad name: " + err.Error())
	}
	must(b.StartQuestions())
	must(b.Question(dnsmessage.Question{Name: n, Type: q.Type, Class: dnsmessage.ClassINET}))
	if q.EDNS {
		must(b.StartAdditionals())
		var h dnsmessage.ResourceHeader
		must(h.SetEDNS0(int(q.Payload), dnsmessage.RCodeSuccess, false))
		h.TTL |= uint32(q.Version) << 16 // RFC 6891 §6.1.3: VERSION is the TTL's second byte
		must(b.OPTResource(h, dnsmessage.OPTResource{}))
	}
	msg, err := b.Finish()
	must(err)
	return msg
}

func must(err error) {
	if err != nil {
		panic("dns: building a query: " + err.Error())
	}
}

// A reply is a server's answer to one query, parsed.
type reply struct {
	q   string // what it answers, for messages: "www.example.org. A"
	raw []byte
	msg dnsmessage.Message
	tcp bool
}

// parseReply parses raw as a DNS message, failing the check with the
// bytes when it is not one.
func parseReply(t *grader.T, q string, raw []byte) *reply {
	r := &reply{q: q, raw: raw}
	if err := r.msg.Unpack(raw); err != nil {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your reply to %s is not a DNS message that can be read: %v", q, err),
			Expected: "a message laid out as in RFC 1035 §4.1 (handout §2)",
			Actual:   fmt.Sprintf("%d bytes: %s", len(raw), grader.Quote(raw)),
		})
	}
	t.Logf("your reply to %s:\n%s", q, present(&r.msg, len(raw)))
	return r
}

// present renders a message the way dig prints one.
func present(m *dnsmessage.Message, size int) string {
	var b strings.Builder
	h := m.Header
	var flags []string
	for _, f := range []struct {
		on   bool
		name string
	}{{h.Response, "qr"}, {h.Authoritative, "aa"}, {h.Truncated, "tc"}, {h.RecursionDesired, "rd"}, {h.RecursionAvailable, "ra"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	fmt.Fprintf(&b, ";; id %d, opcode %s, status %s, flags: %s; %d bytes\n",
		h.ID, opcodeName(h.OpCode), rcodeName(fullRCode(m)), strings.Join(flags, " "), size)
	fmt.Fprintf(&b, ";; QUESTION (%d):\n", len(m.Questions))
	for _, q := range m.Questions {
		fmt.Fprintf(&b, "%s IN %s\n", q.Name, typeName(q.Type))
	}
	for _, s := range []struct {
		name string
		rs   []dnsmessage.Resource
	}{{"ANSWER", m.Answers}, {"AUTHORITY", m.Authorities}, {"ADDITIONAL", m.Additionals}} {
		fmt.Fprintf(&b, ";; %s (%d):\n", s.name, len(s.rs))
		for _, r := range s.rs {
			if r.Header.Type == dnsmessage.TypeOPT {
				fmt.Fprintf(&b, "; OPT: EDNS version %d, udp %d\n", r.Header.TTL>>16&0xff, r.Header.Class)
				continue
			}
			b.WriteString(rrFromWire(r).String() + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func opcodeName(o dnsmessage.OpCode) string {
	if n, ok := map[dnsmessage.OpCode]string{0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}[o]; ok {
		return n
	}
	return fmt.Sprintf("%d", o)
}

// RCODEs by name (RFC 1035 §4.1.1; BADVERS: RFC 6891 §9).
const (
	rcodeNoError  = 0
	rcodeFormErr  = 1
	rcodeServFail = 2
	rcodeNXDomain = 3
	rcodeNotImp   = 4
	rcodeRefused  = 5
	rcodeBadVers  = 16
)

func rcodeName(c int) string {
	names := map[int]string{0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 16: "BADVERS"}
	if n, ok := names[c]; ok {
		return n
	}
	return fmt.Sprintf("RCODE %d", c)
}

// fullRCode is the reply's RCODE with the 8 high bits an OPT record adds
// (RFC 6891 §6.1.3).
func fullRCode(m *dnsmessage.Message) int {
	code := int(m.Header.RCode) & 0xf
	if opt := findOPT(m); opt != nil {
		code |= int(opt.Header.TTL>>24) << 4
	}
	return code
}

// findOPT returns the reply's OPT record, or nil.
func findOPT(m *dnsmessage.Message) *dnsmessage.Resource {
	for i, r := range m.Additionals {
		if r.Header.Type == dnsmessage.TypeOPT {
			return &m.Additionals[i]
		}
	}
	return nil
}

// frame puts the two-byte length in front of a message for TCP (RFC 1035
// §4.2.2).
func frame(msg []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
}
