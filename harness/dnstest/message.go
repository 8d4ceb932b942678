package dnstest

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// EDNS and truncation limits (RFC 6891 §6.2.3 and §6.2.5, RFC 1035 §4.2.1).
const (
	minUDP    = 512  // what a UDP reply may hold without EDNS
	ednsUDP   = 1232 // the payload size the servers offer and accept at most (DNS flag day 2020)
	maxTCP    = 65535
	rcodeBADV = dnsmessage.RCode(16) // BADVERS, an extended RCODE
)

// A request is a query as parsed: what its reply needs from it.
type request struct {
	header   dnsmessage.Header
	question dnsmessage.Question
	edns     bool
	size     int   // the OPT's UDP payload size
	version  uint8 // the OPT's EDNS version
}

// parseQuery parses a query. It fails for anything a server should not
// answer at all: a message shorter than a header, a response (QR=1:
// answering one would let two servers bounce a message between them),
// other than one question, a question whose name does not read back to
// the same bytes (it is echoed byte for byte), and damaged records after
// it. The servers send no reply, not even FORMERR, to such a message: a
// resolver under test never sends one on purpose, and the log says
// "unparseable".
func parseQuery(raw []byte) (*request, error) {
	var p dnsmessage.Parser
	h, err := p.Start(raw)
	if err != nil {
		return nil, err
	}
	if h.Response {
		return nil, errors.New("QR=1: a response, not a query")
	}
	qs, err := p.AllQuestions()
	if err != nil {
		return nil, err
	}
	if len(qs) != 1 {
		return nil, fmt.Errorf("%d questions, want 1", len(qs))
	}
	req := &request{header: h, question: qs[0]}
	echo := dnsmessage.NewBuilder(nil, dnsmessage.Header{})
	echo.StartQuestions()
	echo.Question(qs[0])
	if b, err := echo.Finish(); err != nil || !bytes.HasPrefix(raw[12:], b[12:]) {
		return nil, errors.New("the question's name is compressed or does not read back to its bytes")
	}
	if err := p.SkipAllAnswers(); err != nil {
		return nil, err
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return nil, err
	}
	for {
		rh, err := p.AdditionalHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return req, nil
		}
		if err != nil {
			return nil, err
		}
		if rh.Type != dnsmessage.TypeOPT {
			if err := p.SkipAdditional(); err != nil {
				return nil, err
			}
			continue
		}
		if req.edns {
			return nil, errors.New("two OPT records (RFC 6891 §6.1.1: it MUST be the only one)")
		}
		if _, err := p.OPTResource(); err != nil {
			return nil, err
		}
		req.edns, req.size, req.version = true, int(rh.Class), uint8(rh.TTL>>16)
	}
}

// udpLimit is the size a UDP reply to req may have: 512 bytes, or with
// EDNS the size the query offers, at least 512 and at most what the
// servers offer.
func (req *request) udpLimit() int {
	if !req.edns {
		return minUDP
	}
	return min(max(req.size, minUDP), ednsUDP)
}

// respond is the server's query handler: the reply to req, scripted by b,
// as a message and as bytes, and the fate it gives the query. It touches
// no socket (FuzzServe calls it). An error means the reply does not pack:
// a record of b.Extra is not a record.
func (s *Server) respond(req *request, tcp bool, b *Behavior) (*dnsmessage.Message, []byte, string, error) {
	q := req.question
	m := &dnsmessage.Message{
		Header: dnsmessage.Header{ID: req.header.ID, Response: true, OpCode: req.header.OpCode,
			RecursionDesired: req.header.RecursionDesired},
		Questions: []dnsmessage.Question{q},
	}
	fate := "answered"
	switch {
	case req.header.OpCode != 0:
		m.Header.RCode = dnsmessage.RCodeNotImplemented
	case req.edns && req.version != 0:
		m.Header.RCode = rcodeBADV // RFC 6891 §6.1.3
	case q.Class != dnsmessage.ClassINET:
		m.Header.RCode = dnsmessage.RCodeRefused
	default:
		if z := s.zoneFor(q.Name.String()); z != nil {
			z.lookup(q.Name.String(), q.Type, m)
		} else {
			m.Header.RCode = dnsmessage.RCodeRefused // not ours: lame
		}
	}
	if b.Rcode != dnsmessage.RCodeSuccess {
		m.Header.Authoritative = false
		m.Header.RCode = b.Rcode
		m.Answers, m.Authorities, m.Additionals = nil, nil, nil
		fate = "rcode " + rcodeName(b.Rcode)
	}
	m.Additionals = append(m.Additionals, b.Extra...)
	// The header holds the low 4 bits of the RCODE, the OPT the rest.
	rcode := m.Header.RCode
	m.Header.RCode &= 0xF
	if req.edns {
		var h dnsmessage.ResourceHeader
		h.SetEDNS0(ednsUDP, rcode, false)
		m.Additionals = append(m.Additionals, dnsmessage.Resource{Header: h, Body: &dnsmessage.OPTResource{}})
	}
	if b.Truncate && !tcp {
		truncate(m)
		fate = "truncated"
	}
	out, err := m.Pack()
	if err != nil {
		return nil, nil, "", fmt.Errorf("dnstest: the reply does not pack: %w", err)
	}
	limit := maxTCP
	if !tcp {
		limit = req.udpLimit()
	}
	if len(out) > limit {
		truncate(m)
		fate = "truncated"
		if out, err = m.Pack(); err != nil {
			return nil, nil, "", fmt.Errorf("dnstest: the truncated reply does not pack: %w", err)
		}
	}
	return m, out, fate, nil
}

// truncate leaves of m the header, with TC=1, the question and the OPT:
// what the servers send when the reply does not fit (RFC 2181 §9 lets a
// server send less; a resolver must ask again over TCP anyway).
func truncate(m *dnsmessage.Message) {
	m.Header.Truncated = true
	m.Answers, m.Authorities = nil, nil
	var opt []dnsmessage.Resource
	for _, r := range m.Additionals {
		if r.Header.Type == dnsmessage.TypeOPT {
			opt = append(opt, r)
		}
	}
	m.Additionals = opt
}

// questionText is a question as the transcript shows it:
// "gaia.cs.umass.edu. A, id 4711, RD=0".
func (req *request) questionText() string {
	q := req.question
	s := q.Name.String() + " "
	if q.Class != dnsmessage.ClassINET {
		s += className(q.Class) + " "
	}
	s += typeName(q.Type) + ", id " + strconv.Itoa(int(req.header.ID)) + ", RD=" + bit(req.header.RecursionDesired)
	if req.header.OpCode != 0 {
		s += ", opcode " + strconv.Itoa(int(req.header.OpCode))
	}
	if req.edns {
		s += ", EDNS"
	}
	return s
}

// replyText sums a reply up on one line, its parts separated by "; ":
//
//	reply: referral to edu. (a.edu-servers.net.); additional: a.edu-servers.net. A 127.0.99.3, AA=0
//	reply: www.umass.edu. CNAME gaia.cs.umass.edu.; gaia.cs.umass.edu. A 128.119.245.12, AA=1
//	reply: NXDOMAIN, SOA umass.edu. TTL 300, AA=1
func replyText(m *dnsmessage.Message) string {
	var parts []string
	rcode := m.Header.RCode
	var extra []string
	for _, r := range m.Additionals {
		if r.Header.Type == dnsmessage.TypeOPT {
			rcode = r.Header.ExtendedRCode(m.Header.RCode)
			continue
		}
		extra = append(extra, rrText(r))
	}
	for _, r := range m.Answers {
		parts = append(parts, rrText(r))
	}
	var ns []string
	var soa *dnsmessage.Resource
	for i, r := range m.Authorities {
		switch r.Header.Type {
		case dnsmessage.TypeNS:
			ns = append(ns, r.Body.(*dnsmessage.NSResource).NS.String())
		case dnsmessage.TypeSOA:
			soa = &m.Authorities[i]
		}
	}
	switch {
	case m.Header.Truncated:
		parts = append(parts, "truncated (TC=1)")
	case rcode != dnsmessage.RCodeSuccess && rcode != dnsmessage.RCodeNameError:
		parts = append(parts, rcodeName(rcode))
	case soa != nil:
		neg := "NODATA"
		if rcode == dnsmessage.RCodeNameError {
			neg = "NXDOMAIN"
		}
		parts = append(parts, fmt.Sprintf("%s, SOA %s TTL %d", neg, soa.Header.Name, soa.Header.TTL))
	case rcode == dnsmessage.RCodeNameError:
		parts = append(parts, "NXDOMAIN")
	case len(ns) > 0: // NS records in authority are a referral's, after a CNAME too
		parts = append(parts, fmt.Sprintf("referral to %s (%s)", m.Authorities[0].Header.Name, strings.Join(ns, ", ")))
	case len(m.Answers) == 0:
		parts = append(parts, "no records")
	}
	if len(extra) > 3 {
		extra = append(extra[:3], fmt.Sprintf("… (%d more)", len(extra)-3))
	}
	if len(extra) > 0 {
		parts = append(parts, "additional: "+strings.Join(extra, ", "))
	}
	return "reply: " + strings.Join(parts, "; ") + ", AA=" + bit(m.Header.Authoritative)
}

// rrText renders a record without its TTL and class, the way the
// transcript's lines have room for: "gaia.cs.umass.edu. A 128.119.245.12".
func rrText(r dnsmessage.Resource) string {
	s := r.Header.Name.String() + " " + typeName(r.Header.Type) + " "
	switch b := r.Body.(type) {
	case *dnsmessage.AResource:
		return s + netip.AddrFrom4(b.A).String()
	case *dnsmessage.AAAAResource:
		return s + netip.AddrFrom16(b.AAAA).String()
	case *dnsmessage.NSResource:
		return s + b.NS.String()
	case *dnsmessage.CNAMEResource:
		return s + b.CNAME.String()
	case *dnsmessage.MXResource:
		return s + strconv.Itoa(int(b.Pref)) + " " + b.MX.String()
	case *dnsmessage.TXTResource:
		q := make([]string, len(b.TXT))
		for i, t := range b.TXT {
			q[i] = strconv.Quote(t)
		}
		return s + strings.Join(q, " ")
	case *dnsmessage.SOAResource:
		return s + fmt.Sprintf("%s %s %d %d %d %d %d", b.NS, b.MBox, b.Serial, b.Refresh, b.Retry, b.Expire, b.MinTTL)
	}
	return strings.TrimSuffix(s, " ")
}

// typeName is a type's mnemonic, "A", "AAAA", or RFC 3597's "TYPE65280".
func typeName(t dnsmessage.Type) string {
	if t == dnsmessage.TypeALL {
		return "ANY"
	}
	if s := t.String(); strings.HasPrefix(s, "Type") {
		return s[len("Type"):]
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// className is a class's mnemonic, "IN", "CH", or "CLASS7".
func className(c dnsmessage.Class) string {
	switch c {
	case dnsmessage.ClassINET:
		return "IN"
	case dnsmessage.ClassCSNET:
		return "CS"
	case dnsmessage.ClassCHAOS:
		return "CH"
	case dnsmessage.ClassHESIOD:
		return "HS"
	case dnsmessage.ClassANY:
		return "ANY"
	}
	return "CLASS" + strconv.Itoa(int(c))
}

// rcodeName is an RCODE's mnemonic as RFC 6895 §2.3 lists it.
func rcodeName(rc dnsmessage.RCode) string {
	names := map[dnsmessage.RCode]string{
		0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
		5: "REFUSED", rcodeBADV: "BADVERS",
	}
	if s, ok := names[rc]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(int(rc))
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
