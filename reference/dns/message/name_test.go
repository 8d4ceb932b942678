package message

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestNameEscapes(t *testing.T) {
	tests := []struct {
		name string
		wire string // as packet() reads it
		text string
	}{
		{"root", "00", "."},
		{"plain", "03 'www 07 'example 03 'com 00", "www.example.com."},
		{"case is kept", "03 'WwW 00", "WwW."},
		{"dot and backslash", "03 612e5c 00", `a\.\\.`},
		{"zone-file specials", "06 22283b4024 29 00", `\"\(\;\@\$\).`},
		{"space, control and non-ASCII", "04 20 00 7f ff 00", `\032\000\127\255.`},
		{"UTF-8 stays escaped bytes", "03 c3a9 65 00", `\195\169e.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// readName needs a message: put the name after a header.
			msg := append(make([]byte, headerLen), packet(tt.wire)...)
			got, next, err := readName(msg, headerLen)
			if err != nil || got != tt.text || next != len(msg) {
				t.Fatalf("readName = %q, %d, %v; want %q, %d", got, next, err, tt.text, len(msg))
			}
			back, err := appendName(nil, tt.text, nil)
			if err != nil || !bytes.Equal(back, packet(tt.wire)) {
				t.Errorf("appendName(%q) = %x, %v; want %x", tt.text, back, err, packet(tt.wire))
			}
		})
	}
}

func TestSplitName(t *testing.T) {
	l63, l61 := strings.Repeat("a", 63), strings.Repeat("b", 61)
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{in: ".", want: nil},
		{in: "a.b.", want: []string{"a", "b"}},
		{in: `\065\.b.`, want: []string{"A.b"}},
		{in: `a\\.`, want: []string{`a\`}},
		{in: l63 + "." + l63 + "." + l63 + "." + l61 + ".", want: []string{l63, l63, l63, l61}}, // 255 bytes
		{in: "", err: ErrName},
		{in: "a.b", err: ErrName},
		{in: `a\.`, err: ErrName}, // the final dot is escaped: relative
		{in: "a..b.", err: ErrName},
		{in: ".a.", err: ErrName},
		{in: `a\`, err: ErrName},
		{in: `a\25.`, err: ErrName},
		{in: `a\256.`, err: ErrName},
		{in: l63 + "a.", err: ErrLabelLen},
		{in: l63 + "." + l63 + "." + l63 + "." + l61 + "b.", err: ErrNameLen}, // 256 bytes
	}
	for _, tt := range tests {
		got, err := splitName(tt.in)
		if !errors.Is(err, tt.err) || (tt.err == nil && !slices.Equal(got, tt.want)) {
			t.Errorf("splitName(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestCompression(t *testing.T) {
	m := &Message{
		Header:    Header{ID: 7, QR: true},
		Questions: []Question{{"WwW.Example.com.", TypeMX, ClassIN}},
		Answers: []Record{
			{"www.example.com.", TypeMX, ClassIN, 60, &MX{10, "mail.EXAMPLE.com."}},
			{"www.example.com.", 99, ClassIN, 60, &Unknown{packet("04 'mail c010")}},
		},
	}
	want := packet(`
		0007 8000 0001 0002 0000 0000
		03 'WwW 07 'Example 03 'com 00 000f 0001    # the question, in full, as given
		c00c 000f 0001 0000003c 0009                 # owner: a pointer to the question
		000a 04 'mail c010                           # mail, then a pointer to Example.com.
		c00c 0063 0001 0000003c 0007                 # type 99's data is not compressed
		04 'mail c010
	`)
	got, err := m.Pack()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Pack = %x, %v\n          want %x", got, err, want)
	}
	// A reader sees the spelling of the first occurrence.
	back, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if n := back.Answers[0].Name; n != "WwW.Example.com." {
		t.Errorf("owner reads %q, want the question's spelling", n)
	}
	if n := back.Answers[0].Data.(*MX).Host; n != "mail.Example.com." {
		t.Errorf("MX host reads %q", n)
	}
}

// A pointer has 14 bits: a name that starts past 0x3FFF cannot be pointed
// to, and its next occurrence is written in full.
func TestCompressionFarNames(t *testing.T) {
	m := &Message{
		Answers: []Record{
			{"big.", 99, ClassIN, 0, &Unknown{make([]byte, 0x4000)}},
			{"far.away.", TypeNS, ClassIN, 0, &NS{"far.away."}},
		},
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	tail := packet("03 'far 04 'away 00")
	if n := bytes.Count(b, tail); n != 2 {
		t.Errorf("far.away. written in full %d times, want 2", n)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Answers[1].Data.(*NS).Host; got != "far.away." {
		t.Errorf("NS host reads %q", got)
	}
}

func TestPackErrors(t *testing.T) {
	q := []Question{{"example.com.", TypeA, ClassIN}}
	rec := func(name string, typ Type, d RData) *Message {
		return &Message{Answers: []Record{{Name: name, Type: typ, Class: ClassIN, Data: d}}}
	}
	tests := []struct {
		name string
		m    *Message
		want error
	}{
		{"relative name", &Message{Questions: []Question{{"example.com", TypeA, ClassIN}}}, ErrName},
		{"5-bit opcode", &Message{Header: Header{Opcode: 16}, Questions: q}, ErrField},
		{"4-bit Z", &Message{Header: Header{Z: 8}}, ErrField},
		{"5-bit RCODE", &Message{Header: Header{RCode: RCodeBadVers}}, ErrField},
		{"no data", rec("a.", TypeA, nil), ErrRData},
		{"type and data differ", rec("a.", TypeA, &AAAA{}), ErrRData},
		{"Unknown for a known type", rec("a.", TypeMX, &Unknown{}), ErrRData},
		{"A with IPv6", rec("a.", TypeA, &A{netip.MustParseAddr("2001:db8::1")}), ErrRData},
		{"A with no address", rec("a.", TypeA, &A{}), ErrRData},
		{"AAAA with IPv4", rec("a.", TypeAAAA, &AAAA{netip.MustParseAddr("192.0.2.1")}), ErrRData},
		{"TXT of 256", rec("a.", TypeTXT, &TXT{[]string{strings.Repeat("x", 256)}}), ErrRData},
		{"TXT of none", rec("a.", TypeTXT, &TXT{}), ErrRData},
		{"bad name in MX", rec("a.", TypeMX, &MX{1, "b"}), ErrName},
		{"bad name in SOA", rec("a.", TypeSOA, &SOA{MName: "b.", RName: "c..d."}), ErrName},
		{"RDATA over 65535", rec("a.", 99, &Unknown{make([]byte, 65536)}), ErrTooLong},
		{"message over 65535", &Message{Answers: []Record{
			{"a.", 99, ClassIN, 0, &Unknown{make([]byte, 40000)}},
			{"a.", 99, ClassIN, 0, &Unknown{make([]byte, 40000)}},
		}}, ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.Pack()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Pack = %x, %v; want error %v", b, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "message: ") {
				t.Errorf("error %q does not start with \"message: \"", err)
			}
		})
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := Parse(packet(header(1, 2, 0, 0) + wwwQ +
		"c00c 0001 0001 00000000 0004 c0000201" + // answer 1, at 33
		"c00c 0001 0001 00000000 0005 c000020101")) // answer 2, at 49
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	want := ParseError{Section: "answer", Index: 2, Offset: 49, Err: ErrRDataLen}
	if *pe != want {
		t.Errorf("got %+v, want %+v", *pe, want)
	}
	if s := err.Error(); s != "message: record data length does not match its type (answer 2, at byte 49)" {
		t.Errorf("Error() = %q", s)
	}
}

func TestParseErrorWhole(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want string
	}{
		{packet("0001 0000 0000"), "message: too short (at byte 0)"},
		{packet(header(1, 0, 0, 0) + wwwQ + "00"), "message: bytes after the last record (at byte 33)"},
	} {
		if _, err := Parse(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%x) error %v, want %q", tt.in, err, tt.want)
		}
	}
}
