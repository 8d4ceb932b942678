package message

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
)

// bigAnswer is a reply of 12 + 17 + 40*16 = 669 bytes, too big for 512.
func bigAnswer(edns bool) *Message {
	m := &Message{
		Header:    Header{ID: 9, QR: true, AA: true, RD: true},
		Questions: []Question{{"big.test.", TypeA, ClassIN}},
	}
	for i := range 40 {
		a := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		m.Answers = append(m.Answers, Record{"big.test.", TypeA, ClassIN, 60, &A{a}})
	}
	m.Authority = []Record{{"test.", TypeNS, ClassIN, 60, &NS{"ns.test."}}}
	m.Additional = []Record{{"ns.test.", TypeA, ClassIN, 60, &A{netip.MustParseAddr("192.0.2.53")}}}
	if edns {
		m.Additional = append(m.Additional, EDNS{UDPSize: 1232}.Record())
	}
	return m
}

func TestPackLimit(t *testing.T) {
	tests := []struct {
		name  string
		m     *Message
		limit int
		want  *Message // what the packed bytes parse to
	}{
		{"fits", bigAnswer(false), 1232, bigAnswer(false)},
		{"truncated", bigAnswer(false), 512, &Message{
			Header:    Header{ID: 9, QR: true, AA: true, TC: true, RD: true},
			Questions: bigAnswer(false).Questions,
		}},
		{"truncated keeps OPT", bigAnswer(true), 512, &Message{
			Header:     Header{ID: 9, QR: true, AA: true, TC: true, RD: true},
			Questions:  bigAnswer(false).Questions,
			Additional: []Record{{".", TypeOPT, 1232, 0, &OPT{}}},
		}},
		{"limit over 65535 is 65535", bigAnswer(true), 1 << 20, bigAnswer(true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.PackLimit(tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > tt.limit {
				t.Errorf("%d bytes, over the limit of %d", len(b), tt.limit)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestPackLimitTooSmall(t *testing.T) {
	_, err := bigAnswer(false).PackLimit(20)
	if !errors.Is(err, ErrLimit) {
		t.Errorf("PackLimit(20) error = %v, want ErrLimit", err)
	}
}

func TestEDNS(t *testing.T) {
	opt := func(name string, ttl uint32) Record {
		return Record{Name: name, Type: TypeOPT, Class: 4096, TTL: ttl, Data: &OPT{Options: []byte{0, 10, 0, 0}}}
	}
	a := Record{"a.", TypeA, ClassIN, 0, &A{netip.MustParseAddr("192.0.2.1")}}
	tests := []struct {
		name string
		m    *Message
		want *EDNS
		err  error
	}{
		{"none", &Message{Additional: []Record{a}}, nil, nil},
		{"all fields", &Message{Additional: []Record{a, opt(".", 0x01_02_8000|0x1234)}},
			&EDNS{UDPSize: 4096, ExtRCode: 1, Version: 2, DO: true, Z: 0x1234, Options: []byte{0, 10, 0, 0}}, nil},
		{"two", &Message{Additional: []Record{opt(".", 0), opt(".", 0)}}, nil, ErrOPT},
		{"in the answer", &Message{Answers: []Record{opt(".", 0)}}, nil, ErrOPT},
		{"in the authority", &Message{Authority: []Record{opt(".", 0)}}, nil, ErrOPT},
		{"not the root's", &Message{Additional: []Record{opt("a.", 0)}}, nil, ErrOPT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.EDNS()
			if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("EDNS() = %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
			if got == nil {
				return
			}
			// Record is the inverse of EDNS.
			back := &Message{Additional: []Record{got.Record()}}
			if again, _ := back.EDNS(); !reflect.DeepEqual(again, got) {
				t.Errorf("EDNS().Record() says %+v, want %+v", again, got)
			}
		})
	}
}

func TestEDNSRecordBits(t *testing.T) {
	r := EDNS{UDPSize: 1232, ExtRCode: RCodeBadVers >> 4, DO: true}.Record()
	if got := fmt.Sprintf("%s %d %d %08x", r.Name, r.Type, r.Class, r.TTL); got != ". 41 1232 01008000" {
		t.Errorf("BADVERS record: %s", got)
	}
}
