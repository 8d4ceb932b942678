package dnstest

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/dns/dnsmessage"
)

// dialTCP connects to the server of host over TCP.
func dialTCP(t *testing.T, w *World, host string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTCP("tcp4", nil, net.TCPAddrFromAddrPort(at(w, host)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second)) // against a hang, not to synchronize
	return c
}

func framed(raw []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(raw))), raw...)
}

func readTCP(t *testing.T, c *net.TCPConn) dnsmessage.Message {
	t.Helper()
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHeaderCases covers the replies that do not come from the zones:
// another class, another opcode, EDNS and its version.
func TestHeaderCases(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	tests := []struct {
		name string
		edit func(m *dnsmessage.Message)
		want []string
	}{
		{"class CH", func(m *dnsmessage.Message) { m.Questions[0].Class = dnsmessage.ClassCHAOS }, []string{"REFUSED AA=0 TC=0"}},
		{"opcode STATUS", func(m *dnsmessage.Message) { m.Header.OpCode = 2 }, []string{"NOTIMP AA=0 TC=0"}},
		{"EDNS", func(m *dnsmessage.Message) { addOPT(m, 4096, 0) }, []string{
			"NOERROR AA=1 TC=0", "answer: 600 gaia.cs.umass.edu. A 128.119.245.12", "additional: OPT 1232"}},
		{"EDNS version 1", func(m *dnsmessage.Message) { addOPT(m, 1232, 1) }, []string{
			"NOERROR AA=0 TC=0", "additional: OPT 1232"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var m dnsmessage.Message
			if err := m.Unpack(query(7, "gaia.cs.umass.edu.", dnsmessage.TypeA, false)); err != nil {
				t.Fatal(err)
			}
			tt.edit(&m)
			raw, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			c.send(at(w, "dns.umass.edu."), raw)
			got, _ := c.recv()
			if diff := cmp.Diff(tt.want, render(got)); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if tt.name == "EDNS version 1" {
				if rc := got.Additionals[0].Header.ExtendedRCode(got.Header.RCode); rc != rcodeBADV {
					t.Errorf("extended RCODE %d, want BADVERS (16)", rc)
				}
			}
		})
	}
}

func addOPT(m *dnsmessage.Message, size int, version uint8) {
	var h dnsmessage.ResourceHeader
	h.SetEDNS0(size, dnsmessage.RCodeSuccess, false)
	h.TTL |= uint32(version) << 16
	m.Additionals = append(m.Additionals, dnsmessage.Resource{Header: h, Body: &dnsmessage.OPTResource{}})
}

// TestTruncation: a reply over 512 bytes is truncated over UDP, fits with
// EDNS, and comes in full over TCP.
func TestTruncation(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	c.send(at(w, "dns.umass.edu."), query(1, "big.umass.edu.", dnsmessage.TypeTXT, false))
	m, _ := c.recv()
	if diff := cmp.Diff([]string{"NOERROR AA=1 TC=1"}, render(m)); diff != "" {
		t.Errorf("UDP reply (-want +got):\n%s", diff)
	}
	if len(m.Questions) != 1 || m.Questions[0].Name.String() != "big.umass.edu." {
		t.Errorf("truncated reply's question %v, want it echoed", m.Questions)
	}
	c.send(at(w, "dns.umass.edu."), query(2, "big.umass.edu.", dnsmessage.TypeTXT, true))
	if m, _ := c.recv(); m.Header.Truncated || len(m.Answers) != 5 {
		t.Errorf("UDP reply with EDNS: TC=%v and %d answers, want TC=0 and 5", m.Header.Truncated, len(m.Answers))
	}
	tc := dialTCP(t, w, "dns.umass.edu.")
	if _, err := tc.Write(framed(query(3, "big.umass.edu.", dnsmessage.TypeTXT, false))); err != nil {
		t.Fatal(err)
	}
	if m := readTCP(t, tc); m.Header.Truncated || len(m.Answers) != 5 {
		t.Errorf("TCP reply: TC=%v and %d answers, want TC=0 and 5", m.Header.Truncated, len(m.Answers))
	}
	if qs := w.Queries(); len(qs) != 3 || qs[0].Fate != "truncated" || qs[2].Fate != "answered" || !qs[2].TCP {
		t.Errorf("log:\n%s\nwant truncated, answered, answered over TCP", logText(qs))
	}
}

// TestTCP: several queries on one connection, in one write and one byte at
// a time, each answered.
func TestTCP(t *testing.T) {
	w := startWorld(t, Config{})
	c := dialTCP(t, w, "a.root-servers.net.")
	var both []byte
	both = append(both, framed(query(1, "gaia.cs.umass.edu.", dnsmessage.TypeA, false))...)
	both = append(both, framed(query(2, "www.hosting.com.", dnsmessage.TypeA, true))...)
	if _, err := c.Write(both); err != nil {
		t.Fatal(err)
	}
	ids := map[uint16]bool{}
	for range 2 {
		ids[readTCP(t, c).Header.ID] = true
	}
	for _, b := range framed(query(3, "nope.", dnsmessage.TypeA, false)) {
		if _, err := c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	m := readTCP(t, c)
	ids[m.Header.ID] = true
	if !ids[1] || !ids[2] || !ids[3] || m.Header.RCode != dnsmessage.RCodeNameError {
		t.Errorf("replies with IDs %v, last %v: want 1, 2 and 3, the last NXDOMAIN", ids, render(m))
	}
}

// TestMalformed: garbage, a short message, a response and a message of two
// questions get no reply and are logged unparseable; the server goes on.
func TestMalformed(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	response := query(9, "gaia.cs.umass.edu.", dnsmessage.TypeA, false)
	response[2] |= 0x80
	twoQ := dnsmessage.Message{Questions: []dnsmessage.Question{
		{Name: dnsmessage.MustNewName("a."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET},
		{Name: dnsmessage.MustNewName("b."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
	two, _ := twoQ.Pack()
	bad := [][]byte{[]byte("hello, world"), {0x12}, response, two, {}}
	for _, b := range bad {
		c.send(at(w, "dns.umass.edu."), b)
	}
	if m := c.ask(w, "dns.umass.edu.", "gaia.cs.umass.edu.", dnsmessage.TypeA); m.Header.ID != 4711 || len(m.Answers) != 1 {
		t.Fatalf("after the malformed messages, reply %v: want the answer to id 4711", render(m))
	}
	qs := w.Queries()
	if len(qs) != len(bad)+1 {
		t.Fatalf("log:\n%s\nwant %d entries", logText(qs), len(bad)+1)
	}
	for i, q := range qs[:len(bad)] {
		if q.Fate != "unparseable" || q.Try != 0 || q.N != i+1 {
			t.Errorf("entry %d: %s; want #%d unparseable, try 0", i, q, i+1)
		}
	}
	if q := qs[len(bad)]; q.Fate != "answered" || q.Try != 1 {
		t.Errorf("last entry %s, want answered, try 1", q)
	}
	if s := qs[0].String(); !strings.Contains(s, "12 bytes that are not a DNS query → unparseable") {
		t.Errorf("String() = %q", s)
	}
}

func logText(qs []Query) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q.String() + "\n")
	}
	return b.String()
}
