package message

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes. Parse must not panic or hang.
// When it accepts the bytes, Pack must write the message back, and Parse
// must read the same message from what Pack wrote: the same up to the case
// of names, since Pack compresses names without regard to case, and the
// reader sees the spelling of the first occurrence. The first question is
// never compressed, so its name comes back byte for byte. Packing the
// second message gives the same bytes as packing the first.
func FuzzParse(f *testing.F) {
	for _, p := range []string{digQuery, authReply, nxReply} {
		f.Add(packet(p))
	}
	for _, m := range []*Message{bigAnswer(true), referral()} {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(packet(header(1, 1, 0, 0) + wwwQ + "01 'b c021 0001 0001 00000000 0000")) // a pointer loop
	f.Fuzz(func(t *testing.T, b []byte) {
		m1, err := Parse(b)
		if err != nil {
			return
		}
		w1, err := m1.Pack()
		if errors.Is(err, ErrTooLong) {
			return // Pack compresses less than the input did; it happens near 64 KiB
		}
		if err != nil {
			t.Fatalf("Pack of a parsed message: %v\n%s", err, m1)
		}
		m2, err := Parse(w1)
		if err != nil {
			t.Fatalf("Parse of a packed message: %v\n%x", err, w1)
		}
		if len(m1.Questions) > 0 && m2.Questions[0].Name != m1.Questions[0].Name {
			t.Fatalf("first question %q came back as %q", m1.Questions[0].Name, m2.Questions[0].Name)
		}
		w2, err := m2.Pack()
		if err != nil || !bytes.Equal(w1, w2) {
			t.Fatalf("packing again: %v\n got %x\nwant %x", err, w2, w1)
		}
		foldNames(m1)
		foldNames(m2)
		if !reflect.DeepEqual(m1, m2) {
			t.Fatalf("round trip:\n got %s\nwant %s", m2, m1)
		}
	})
}

// referral is a referral with glue, in the manner of the reference server.
func referral() *Message {
	return &Message{
		Header:    Header{ID: 3, QR: true},
		Questions: []Question{{"www.Sub.example.com.", TypeA, ClassIN}},
		Authority: []Record{
			{"sub.example.com.", TypeNS, ClassIN, 3600, &NS{"ns.sub.example.com."}},
			{"sub.example.com.", TypeNS, ClassIN, 3600, &NS{"ns.example.net."}},
		},
		Additional: []Record{
			{"ns.sub.example.com.", TypeA, ClassIN, 3600, &A{netip.MustParseAddr("192.0.2.53")}},
			{"ns.sub.example.com.", TypeAAAA, ClassIN, 3600, &AAAA{netip.MustParseAddr("2001:db8::53")}},
			EDNS{UDPSize: 1232}.Record(),
		},
	}
}

// foldNames lowercases the ASCII letters of every name in m, those in the
// data of records included.
func foldNames(m *Message) {
	fold := func(s *string) {
		*s = strings.Map(func(r rune) rune { return rune(lower(byte(r))) }, *s)
	}
	for i := range m.Questions {
		fold(&m.Questions[i].Name)
	}
	for _, section := range [][]Record{m.Answers, m.Authority, m.Additional} {
		for i := range section {
			fold(&section[i].Name)
			switch d := section[i].Data.(type) {
			case *NS:
				fold(&d.Host)
			case *CNAME:
				fold(&d.Target)
			case *MX:
				fold(&d.Host)
			case *SOA:
				fold(&d.MName)
				fold(&d.RName)
			}
		}
	}
}
