package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// stubQuery is a stub's query: ID id, RD=1, one question of class IN.
func stubQuery(id uint16, name string, t message.Type) *message.Message {
	return &message.Message{
		Header:    message.Header{ID: id, RD: true},
		Questions: []message.Question{{Name: name, Type: t, Class: message.ClassIN}},
	}
}

// testResolver is a resolver with no root servers, whose cache holds a
// few names of example.org, learnt 10 s before the test's clock.
func testResolver(t *testing.T) *resolver {
	r := newResolver(nil, 53)
	collectLog(t, r)
	c, clk := newTestCache()
	r.cache = c
	var big []string
	for range 5 {
		big = append(big, strings.Repeat("x", 200))
	}
	c.put([]message.Record{
		withTTL(rrA("www.example.org.", "192.0.2.1"), 300),
		withTTL(rrCNAME("alias.example.org.", "www.example.org."), 600),
		{Name: "big.example.org.", Type: message.TypeTXT, Class: message.ClassIN, TTL: 300, Data: &message.TXT{Strings: big}},
	}, rankAnswer)
	c.putNegative("nosuch.example.org.", nxdomainType, rrSOA("example.org.", 3600, 300))
	c.putNegative("www.example.org.", message.TypeMX, rrSOA("example.org.", 3600, 300))
	clk.advance(10 * time.Second)
	return r
}

// "A stub's query that the resolver cannot read gets FORMERR or no reply,
// and the resolver goes on answering." And the RCODEs of the queries it
// will not resolve.
func TestRespondErrors(t *testing.T) {
	r := testResolver(t)
	www := pack(t, stubQuery(0xabcd, "www.example.org.", message.TypeA))
	header := func(flags1 byte, qd, ar byte) []byte {
		return []byte{0xab, 0xcd, flags1, 0, 0, qd, 0, 0, 0, 0, 0, ar}
	}
	opcode2 := stubQuery(0xabcd, "www.example.org.", message.TypeA)
	opcode2.Opcode = message.OpcodeStatus
	chaos := stubQuery(0xabcd, "version.bind.", message.TypeTXT)
	chaos.Questions[0].Class = message.ClassCH
	badvers := stubQuery(0xabcd, "www.example.org.", message.TypeA)
	badvers.Additional = []message.Record{message.EDNS{UDPSize: 1232, Version: 1}.Record()}

	tests := []struct {
		name      string
		in        []byte
		reply     bool
		rcode     int // the full RCODE, EDNS's bits included
		questions int
	}{
		{"shorter than a header", []byte{0xab, 0xcd, 0x01}, false, 0, 0},
		{"a response", append(header(0x81, 1, 0), www[12:]...), false, 0, 0},
		{"a response that does not parse", header(0x80, 1, 0), false, 0, 0},
		{"no question", header(0x01, 0, 0), true, message.RCodeFormErr, 0},
		{"two questions", append(append(header(0x01, 2, 0), www[12:]...), www[12:]...), true, message.RCodeFormErr, 0},
		{"a question cut short", append(header(0x01, 1, 0), 3, 'w', 'w'), true, message.RCodeFormErr, 0},
		{"a pointer loop", append(header(0x01, 1, 0), 0xc0, 12, 0, 1, 0, 1), true, message.RCodeFormErr, 0},
		{"a label of 64", append(append(header(0x01, 1, 0), 64), bytes.Repeat([]byte("a"), 64)...), true, message.RCodeFormErr, 0},
		{"a record cut short after the question", append(append(header(0x01, 1, 1), www[12:]...), 0, 0, 41), true, message.RCodeFormErr, 1},
		{"OPCODE 2", pack(t, opcode2), true, message.RCodeNotImp, 1},
		{"class CH", pack(t, chaos), true, message.RCodeRefused, 1},
		{"QTYPE ANY", pack(t, stubQuery(0xabcd, "www.example.org.", message.TypeANY)), true, message.RCodeNotImp, 1},
		{"EDNS version 1", pack(t, badvers), true, message.RCodeBadVers, 1},
		{"not cached, and no root servers to ask", pack(t, stubQuery(0xabcd, "www.example.com.", message.TypeA)), true, message.RCodeServFail, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := r.respond(tt.in, true)
			if !tt.reply {
				if b != nil {
					t.Fatalf("reply % x, want none", b)
				}
				return
			}
			m, err := message.Parse(b)
			if err != nil {
				t.Fatalf("reply % x: %v", b, err)
			}
			rcode := int(m.RCode)
			if e, _ := m.EDNS(); e != nil {
				rcode |= int(e.ExtRCode) << 4
			}
			if m.ID != 0xabcd || !m.QR || !m.RA || !m.RD || m.AA || rcode != tt.rcode || len(m.Questions) != tt.questions {
				t.Errorf("reply:\n%s\nwant ID 0xabcd, qr rd ra, RCODE %s, %d questions", m, rcodeName(tt.rcode), tt.questions)
			}
		})
	}
}

// The replies to queries the cache can answer: "The reply to the stub has
// the stub's ID, QR=1, RA=1, RD copied from the query, and the question
// copied byte for byte." TTLs are what is left of them.
func TestRespondFromCache(t *testing.T) {
	r := testResolver(t)
	norecurse := stubQuery(2, "www.example.org.", message.TypeA)
	norecurse.RD = false
	edns := stubQuery(3, "big.example.org.", message.TypeTXT)
	edns.Additional = []message.Record{message.EDNS{UDPSize: 4096}.Record()}

	tests := []struct {
		name      string
		query     *message.Message
		overUDP   bool
		rcode     uint8
		tc        bool
		answers   string // name type TTL, one per line
		authority string
		opt       bool
	}{
		{"a CNAME and its target", stubQuery(1, "ALIAS.Example.org.", message.TypeA), true, message.RCodeSuccess, false,
			"alias.example.org. CNAME 590\nwww.example.org. A 290", "", false},
		{"RD=0", norecurse, true, message.RCodeSuccess, false, "www.example.org. A 290", "", false},
		{"the CNAME itself", stubQuery(4, "alias.example.org.", message.TypeCNAME), true, message.RCodeSuccess, false,
			"alias.example.org. CNAME 590", "", false},
		{"NXDOMAIN", stubQuery(5, "nosuch.example.org.", message.TypeAAAA), true, message.RCodeNXDomain, false,
			"", "example.org. SOA 290", false},
		{"NODATA at the end of a chain", stubQuery(6, "alias.example.org.", message.TypeMX), true, message.RCodeSuccess, false,
			"alias.example.org. CNAME 590", "example.org. SOA 290", false},
		{"NODATA", stubQuery(7, "www.example.org.", message.TypeMX), true, message.RCodeSuccess, false,
			"", "example.org. SOA 290", false},
		{"over 512 bytes: truncated", stubQuery(8, "big.example.org.", message.TypeTXT), true, message.RCodeSuccess, true, "", "", false},
		{"over 512 bytes, over TCP", stubQuery(9, "big.example.org.", message.TypeTXT), false, message.RCodeSuccess, false,
			"big.example.org. TXT 290", "", false},
		{"over 512 bytes, with EDNS", edns, true, message.RCodeSuccess, false, "big.example.org. TXT 290", "", true},
	}
	// Names are compared in lowercase: compressed, the reply's names
	// point into its question, and take the stub's spelling.
	summary := func(records []message.Record) string {
		var lines []string
		for _, r := range records {
			lines = append(lines, fmt.Sprintf("%s %v %d", canonical(r.Name), r.Type, r.TTL))
		}
		return strings.Join(lines, "\n")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := pack(t, tt.query)
			b := r.respond(in, tt.overUDP)
			m, err := message.Parse(b)
			if err != nil {
				t.Fatalf("reply % x: %v", b, err)
			}
			q := tt.query.Header
			want := message.Header{ID: q.ID, QR: true, RD: q.RD, RA: true, TC: tt.tc, RCode: tt.rcode}
			if m.Header != want {
				t.Errorf("header %+v\n  want %+v", m.Header, want)
			}
			// The question, byte for byte: the query's, from the end of
			// the header to the end of the question.
			end := len(pack(t, &message.Message{Questions: tt.query.Questions}))
			if len(b) < end || !bytes.Equal(b[12:end], in[12:end]) {
				t.Errorf("question % x, want % x", b[12:min(end, len(b))], in[12:end])
			}
			if got := summary(m.Answers); got != tt.answers {
				t.Errorf("answers:\n%s\nwant\n%s", got, tt.answers)
			}
			if got := summary(m.Authority); got != tt.authority {
				t.Errorf("authority:\n%s\nwant\n%s", got, tt.authority)
			}
			if e, _ := m.EDNS(); (e != nil) != tt.opt || (e != nil && e.UDPSize != ourUDPSize) {
				t.Errorf("OPT %+v, want one: %v", e, tt.opt)
			}
			if tt.overUDP && len(b) > udpLimit(tt.query) {
				t.Errorf("%d bytes over UDP, more than %d", len(b), udpLimit(tt.query))
			}
		})
	}
}

// Over TCP, queries sent at once, each after its length, are all
// answered, each reply after its length.
func TestServeTCP(t *testing.T) {
	r := testResolver(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go r.serveTCP(ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))

	var out []byte
	for id := range uint16(3) {
		q := pack(t, stubQuery(100+id, "www.example.org.", message.TypeA))
		out = append(binary.BigEndian.AppendUint16(out, uint16(len(q))), q...)
	}
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	ids := make(map[uint16]bool)
	for range 3 {
		var length [2]byte
		if _, err := io.ReadFull(conn, length[:]); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, binary.BigEndian.Uint16(length[:]))
		if _, err := io.ReadFull(conn, b); err != nil {
			t.Fatal(err)
		}
		m, err := message.Parse(b)
		if err != nil || len(m.Answers) != 1 {
			t.Fatalf("reply %v:\n%v", err, m)
		}
		ids[m.ID] = true
	}
	if len(ids) != 3 {
		t.Errorf("replies with IDs %v, want 100, 101, 102", ids)
	}
}
