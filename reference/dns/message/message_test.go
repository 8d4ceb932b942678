package message

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// packet turns a readable dump into bytes. Tokens are hex ("0c", "0001"),
// or a quote and ASCII text ("'www"); "#" starts a comment.
func packet(dump string) []byte {
	var b []byte
	for line := range strings.Lines(dump) {
		line, _, _ = strings.Cut(line, "#")
		for _, tok := range strings.Fields(line) {
			if text, ok := strings.CutPrefix(tok, "'"); ok {
				b = append(b, text...)
				continue
			}
			h, err := hex.DecodeString(tok)
			if err != nil {
				panic("bad token " + tok)
			}
			b = append(b, h...)
		}
	}
	return b
}

// digQuery is what "dig www.example.com" (BIND 9.18) sends: RD and AD set,
// and an OPT record offering 1232 bytes, with a client cookie option.
const digQuery = `
1c2b 0120 0001 0000 0000 0001      # ID, flags: RD, AD; QD=1, AR=1
03 'www 07 'example 03 'com 00     # www.example.com.
0001 0001                          # type A, class IN
00 0029 04d0 00000000 000c         # OPT: root, type 41, size 1232, TTL 0, 12 bytes of options
000a 0008 9a4f1f410a6c512e         # COOKIE (option 10), 8 bytes
`

// authReply is an authoritative answer to digQuery.
const authReply = `
1c2b 8500 0001 0001 0000 0001      # flags: QR, AA, RD; QD=1, AN=1, AR=1
03 'www 07 'example 03 'com 00 0001 0001
c00c 0001 0001 00000e10 0004 c000020a   # www.example.com. (at 12) 3600 IN A 192.0.2.10
00 0029 04d0 00000000 0000         # OPT: size 1232, no options
`

// nxReply is a negative answer: the SOA in the authority section, its
// owner and the names in its data compressed.
const nxReply = `
0007 8503 0001 0000 0001 0000      # flags: QR, AA, RD, RCODE 3 (NXDOMAIN); QD=1, NS=1
04 'nope 07 'example 03 'com 00 0001 0001
c011 0006 0001 0000012c 0027       # example.com. (at 17) 300 IN SOA, 39 bytes
03 'ns1 c011                       # ns1.example.com.
0a 'hostmaster c011                # hostmaster.example.com.
78c40465 00001c20 00000e10 00127500 0000012c   # serial, refresh, retry, expire, minimum
`

func TestParseCaptured(t *testing.T) {
	www := Question{Name: "www.example.com.", Type: TypeA, Class: ClassIN}
	tests := []struct {
		name string
		in   string
		want *Message
	}{
		{"dig query with EDNS", digQuery, &Message{
			Header:    Header{ID: 0x1c2b, RD: true, Z: 2},
			Questions: []Question{www},
			Additional: []Record{{Name: ".", Type: TypeOPT, Class: 1232, Data: &OPT{
				Options: packet("000a 0008 9a4f1f410a6c512e")}}},
		}},
		{"authoritative answer", authReply, &Message{
			Header:    Header{ID: 0x1c2b, QR: true, AA: true, RD: true},
			Questions: []Question{www},
			Answers: []Record{{Name: "www.example.com.", Type: TypeA, Class: ClassIN, TTL: 3600,
				Data: &A{netip.MustParseAddr("192.0.2.10")}}},
			Additional: []Record{{Name: ".", Type: TypeOPT, Class: 1232, Data: &OPT{}}},
		}},
		{"NXDOMAIN with SOA", nxReply, &Message{
			Header:    Header{ID: 7, QR: true, AA: true, RD: true, RCode: RCodeNXDomain},
			Questions: []Question{{Name: "nope.example.com.", Type: TypeA, Class: ClassIN}},
			Authority: []Record{{Name: "example.com.", Type: TypeSOA, Class: ClassIN, TTL: 300,
				Data: &SOA{"ns1.example.com.", "hostmaster.example.com.", 2026112101, 7200, 3600, 1209600, 300}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := packet(tt.in)
			got, err := Parse(in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse:\n got %s\nwant %s", got, tt.want)
			}
			// These packets compress as Pack does, so Pack gives them back.
			out, err := got.Pack()
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("Pack:\n got %x\nwant %x", out, in)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	addr := netip.MustParseAddr
	tests := []struct {
		name string
		m    *Message
	}{
		{"empty", &Message{}},
		{"all header bits", &Message{Header: Header{ID: 0xffff, QR: true, Opcode: 15, AA: true, TC: true, RD: true, RA: true, Z: 7, RCode: 15}}},
		{"referral with glue", &Message{
			Header:    Header{ID: 1, QR: true},
			Questions: []Question{{"www.sub.example.com.", TypeA, ClassIN}},
			Authority: []Record{
				{"sub.example.com.", TypeNS, ClassIN, 3600, &NS{"ns.sub.example.com."}},
				{"sub.example.com.", TypeNS, ClassIN, 3600, &NS{"ns.elsewhere.net."}},
			},
			Additional: []Record{
				{"ns.sub.example.com.", TypeA, ClassIN, 3600, &A{addr("192.0.2.53")}},
				{"ns.sub.example.com.", TypeAAAA, ClassIN, 3600, &AAAA{addr("2001:db8::53")}},
			},
		}},
		{"every type", &Message{
			Header:    Header{ID: 2, QR: true, AA: true},
			Questions: []Question{{"example.com.", TypeANY, ClassIN}},
			Answers: []Record{
				{"example.com.", TypeMX, ClassIN, 60, &MX{10, "mail.example.com."}},
				{"example.com.", TypeTXT, ClassIN, 60, &TXT{[]string{"v=spf1 -all", "", "quote\" and \x00"}}},
				{"example.com.", TypeSOA, ClassIN, 60, &SOA{"ns1.example.com.", "a\\.b.example.com.", 1, 2, 3, 4, 5}},
				{"alias.example.com.", TypeCNAME, ClassIN, 60, &CNAME{"example.com."}},
				{"example.com.", 99, ClassIN, 60, &Unknown{[]byte{1, 2, 3}}},
				{"example.com.", 250, 255, 0, &Unknown{}},
				{"v4mapped.example.com.", TypeAAAA, ClassIN, 60, &AAAA{addr("::ffff:192.0.2.1")}},
			},
			Additional: []Record{EDNS{UDPSize: 4096, ExtRCode: 1, Version: 0, DO: true, Options: []byte{0, 10, 0, 0}}.Record()},
		}},
		{"odd names", &Message{
			Questions: []Question{{".", TypeNS, ClassIN}, {"\\000\\255\\032\\.\\\\\\\"\\(\\)\\;\\@\\$.", TypeA, ClassCH}},
			Answers:   []Record{{".", TypeNS, ClassIN, 1, &NS{"a.root-servers.net."}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.m.Pack()
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(%x): %v", b, err)
			}
			if !reflect.DeepEqual(got, tt.m) {
				t.Errorf("round trip:\n got %s\nwant %s", got, tt.m)
			}
		})
	}
}

// header returns a header with ID 1 and the given counts.
func header(qd, an, ns, ar int) string {
	return hex.EncodeToString([]byte{0, 1, 0, 0, 0, byte(qd), 0, byte(an), 0, byte(ns), 0, byte(ar)}) + "\n"
}

const wwwQ = "03 'www 07 'example 03 'com 00 0001 0001\n" // at 12..32; "example" at 16

func TestParseMalformed(t *testing.T) {
	label63 := "3f " + strings.Repeat("61", 63) + " "
	// 130 pointers at 44, in the data of a record of type 99: the first
	// points to the question, each next one to the one before it.
	var chain strings.Builder
	target := 12
	for i := range 130 {
		fmt.Fprintf(&chain, "%04x ", 0xc000|target)
		target = 44 + 2*i
	}
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrShort},
		{"11-byte header", "0001 0000 0001 0000 0000 00", ErrShort},
		{"counts larger than the data", header(2, 0, 0, 0) + wwwQ, ErrShort},
		{"65535 answers", "0001 8000 0000 ffff 0000 0000", ErrShort},
		{"trailing bytes", header(1, 0, 0, 0) + wwwQ + "00", ErrTrailing},
		{"label type 01 (a label of 64)", header(1, 0, 0, 0) + "40 " + strings.Repeat("61", 64) + " 00 0001 0001", ErrLabelType},
		{"label type 10", header(1, 0, 0, 0) + "80 00 0001 0001", ErrLabelType},
		{"name of 256 bytes", header(1, 0, 0, 0) + label63 + label63 + label63 + "3e " + strings.Repeat("62", 62) + " 00 0001 0001", ErrNameLen},
		{"name of 256 bytes through a pointer", header(1, 1, 0, 0) + label63 + label63 + label63 + "00 0001 0001" +
			"3f " + strings.Repeat("62", 63) + " c00c 0001 0001 00000000 0000", ErrNameLen},
		{"name cut short", header(1, 0, 0, 0) + "03 'ww", ErrShort},
		{"name without its final 0", header(1, 0, 0, 0) + "03 'www", ErrShort},
		{"pointer cut short", header(1, 0, 0, 0) + "c0", ErrShort},
		{"pointer to itself", header(1, 0, 0, 0) + "c00c 0001 0001", ErrPointer},
		{"pointer forward", header(1, 0, 0, 0) + "c00e 0001 0001", ErrPointer},
		{"pointer past the end", header(1, 0, 0, 0) + "cfff 0001 0001", ErrPointer},
		{"pointer into the header", header(1, 0, 0, 0) + "c000 0001 0001", ErrPointer},
		// "01 'b c021" starts at 33 and points back to 33: before the
		// pointer itself (at 35), but a loop all the same.
		{"pointer loop behind the pointer", header(1, 1, 0, 0) + wwwQ + "01 'b c021 0001 0001 00000000 0000", ErrPointer},
		{"130 pointers", header(1, 2, 0, 0) + wwwQ +
			"00 0063 0001 00000000 0104 " + chain.String() + // 260 bytes of pointers, in type 99's data
			fmt.Sprintf("%04x", 0xc000|target) + " 0001 0001 00000000 0000", ErrPointer},
		{"question cut short", header(1, 0, 0, 0) + "03 'www 07 'example 03 'com 00 0001", ErrShort},
		{"record cut short", header(1, 1, 0, 0) + wwwQ + "c00c 0001 0001 0000", ErrShort},
		{"rdata cut short", header(1, 1, 0, 0) + wwwQ + "c00c 0001 0001 00000000 0004 c00002", ErrShort},
		{"A of 5 bytes", header(1, 1, 0, 0) + wwwQ + "c00c 0001 0001 00000000 0005 c00002 0a0b", ErrRDataLen},
		{"AAAA of 4 bytes", header(1, 1, 0, 0) + wwwQ + "c00c 001c 0001 00000000 0004 c000020a", ErrRDataLen},
		{"NS longer than its name", header(1, 1, 0, 0) + wwwQ + "c00c 0002 0001 00000000 0003 c010 00", ErrRDataLen},
		{"MX name past RDLENGTH", header(1, 1, 0, 0) + wwwQ + "c00c 000f 0001 00000000 0003 000a 01 'm 00", ErrRDataLen},
		{"MX without a name", header(1, 1, 0, 0) + wwwQ + "c00c 000f 0001 00000000 0002 000a", ErrRDataLen},
		{"SOA without its numbers", header(1, 1, 0, 0) + wwwQ + "c00c 0006 0001 00000000 0008 c010 c010 00000001", ErrRDataLen},
		{"TXT string past RDLENGTH", header(1, 1, 0, 0) + wwwQ + "c00c 0010 0001 00000000 0003 05 'abcd", ErrRDataLen},
		{"TXT without strings", header(1, 1, 0, 0) + wwwQ + "c00c 0010 0001 00000000 0000", ErrRDataLen},
		{"OPT option past RDLENGTH", header(1, 0, 0, 1) + wwwQ + "00 0029 0200 00000000 0005 000a 0008 00", ErrRDataLen},
		{"bad name inside NS", header(1, 1, 0, 0) + wwwQ + "c00c 0002 0001 00000000 0002 c0ff", ErrPointer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := packet(tt.in)
			m, err := Parse(in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%x) = %v, %v; want error %v", in, m, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "message: ") {
				t.Errorf("error %q does not start with \"message: \"", err)
			}
		})
	}
}
