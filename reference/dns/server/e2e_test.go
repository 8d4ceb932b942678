package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/zone"
	"github.com/socklab/socklab/reference/dns/message"
)

// These tests speak to the server over real sockets on 127.0.0.1, with
// queries written out byte by byte.

// startServer serves the test zone, with two long TXT records added, on
// one UDP and TCP port of 127.0.0.1 until the test ends. It returns the
// address.
func startServer(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("testdata/example.org.zone")
	if err != nil {
		t.Fatal(err)
	}
	// big fits in 1232 bytes but not in 512; huge fits in neither.
	big := strings.Repeat(`"`+strings.Repeat("b", 200)+`" `, 3)
	huge := strings.Repeat(`"`+strings.Repeat("h", 250)+`" `, 6)
	z, err := zone.ParseString(string(src)+"big IN TXT "+big+"\nhuge IN TXT "+huge+"\n", "test.zone")
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthority(z)

	loopback := net.IPv4(127, 0, 0, 1)
	for tries := 0; ; tries++ {
		udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: loopback})
		if err != nil {
			t.Fatal(err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: loopback, Port: port})
		if err != nil {
			udp.Close() // the TCP port was taken: try another
			if tries < 10 {
				continue
			}
			t.Fatal(err)
		}
		go a.serveUDP(udp)
		go a.serveTCP(tcp)
		t.Cleanup(func() { udp.Close(); tcp.Close() })
		return udp.LocalAddr().String()
	}
}

// query writes a query: the header with ID id, RD set and the counts, then
// the question for name (labels as given, case kept), type qtype, class IN,
// then extra, the bytes of the additional section.
func query(id uint16, name string, qtype uint16, arcount uint16, extra ...byte) []byte {
	b := []byte{byte(id >> 8), byte(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, byte(arcount >> 8), byte(arcount)}
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0, byte(qtype>>8), byte(qtype), 0, 1)
	return append(b, extra...)
}

// questionEnd is where the question of a query from query ends.
func questionEnd(q []byte) int {
	i := 12
	for q[i] != 0 {
		i += 1 + int(q[i])
	}
	return i + 5 // the final 0, QTYPE, QCLASS
}

// ednsOPT is an OPT record offering size bytes, version 0.
func ednsOPT(size uint16) []byte {
	return []byte{0, 0, 41, byte(size >> 8), byte(size), 0, 0, 0, 0, 0, 0}
}

const deadline = 5 * time.Second

// exchangeUDP sends each message in turn from one socket and returns the
// first datagram that comes back.
func exchangeUDP(t *testing.T, addr string, msgs ...[]byte) []byte {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, m := range msgs {
		if _, err := conn.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	conn.SetReadDeadline(time.Now().Add(deadline))
	buf := make([]byte, 65535)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	return buf[:n]
}

func parse(t *testing.T, b []byte) *message.Message {
	t.Helper()
	m, err := message.Parse(b)
	if err != nil {
		t.Fatalf("reply %x: %v", b, err)
	}
	return m
}

func TestUDPAnswer(t *testing.T) {
	addr := startServer(t)
	q := query(0xbeef, "wWw.Example.ORG", 1, 0)
	reply := exchangeUDP(t, addr, q)

	// The header: ID, then QR=1, AA=1, RD=1; RCODE 0; 1 question, 2 answers.
	if want := []byte{0xbe, 0xef, 0x85, 0x00, 0, 1, 0, 2, 0, 0, 0, 0}; !bytes.Equal(reply[:12], want) {
		t.Errorf("header % x, want % x", reply[:12], want)
	}
	// The question comes back byte for byte, in the asker's case.
	if len(reply) < len(q) || !bytes.Equal(reply[12:len(q)], q[12:]) {
		t.Fatalf("question % x, want % x", reply[12:min(len(q), len(reply))], q[12:])
	}
	// The answer's owner is a pointer to the question's name.
	if len(reply) < len(q)+2 || reply[len(q)] != 0xc0 || reply[len(q)+1] != 12 {
		t.Errorf("first answer starts % x, want c0 0c", reply[len(q):])
	}
	m := parse(t, reply)
	if len(m.Answers) != 2 || m.Answers[0].Data.String() != "192.0.2.10" || m.Answers[1].Data.String() != "192.0.2.11" {
		t.Errorf("answers:\n%s", m)
	}
}

func TestUDPTruncation(t *testing.T) {
	addr := startServer(t)
	tests := []struct {
		name  string
		query []byte
		limit int
		tc    bool
		opt   bool
	}{
		{"fits in 512", query(1, "note.example.org", 16, 0), 512, false, false},
		{"over 512 without EDNS", query(2, "big.example.org", 16, 0), 512, true, false},
		{"EDNS offers 512", query(3, "big.example.org", 16, 1, ednsOPT(512)...), 512, true, true},
		{"EDNS offers 100, which counts as 512", query(4, "big.example.org", 16, 1, ednsOPT(100)...), 512, true, true},
		{"EDNS offers 1232", query(5, "big.example.org", 16, 1, ednsOPT(1232)...), 1232, false, true},
		{"over 1232, though EDNS offers 4096", query(6, "huge.example.org", 16, 1, ednsOPT(4096)...), 1232, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := exchangeUDP(t, addr, tt.query)
			if len(reply) > tt.limit {
				t.Errorf("%d bytes, over %d", len(reply), tt.limit)
			}
			m := parse(t, reply)
			if m.TC != tt.tc || (tt.tc && len(m.Answers) != 0) || (!tt.tc && len(m.Answers) == 0) {
				t.Errorf("TC=%v with %d answers, want TC=%v", m.TC, len(m.Answers), tt.tc)
			}
			if e, _ := m.EDNS(); (e != nil) != tt.opt {
				t.Errorf("OPT record: %v, want %v", e != nil, tt.opt)
			}
			if end := questionEnd(tt.query); !bytes.Equal(reply[12:end], tt.query[12:end]) {
				t.Errorf("question % x, want % x", reply[12:end], tt.query[12:end])
			}
		})
	}
}

func TestUDPMalformed(t *testing.T) {
	addr := startServer(t)
	good := query(0x0001, "www.example.org", 1, 0)
	tests := []struct {
		name   string
		in     []byte
		wantID uint16 // the reply that comes first
		rcode  uint8
	}{
		// No reply to these: the reply to the good query after them comes first.
		{"shorter than a header", []byte{0xab, 0xcd, 0x01}, 1, message.RCodeSuccess},
		{"a response", append([]byte{0xab, 0xcd, 0x81, 0x00}, good[4:]...), 1, message.RCodeSuccess},
		{"a response that does not parse", []byte{0xab, 0xcd, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 1, message.RCodeSuccess},
		// FORMERR with the ID.
		{"question missing", []byte{0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0xabcd, message.RCodeFormErr},
		{"pointer loop", append([]byte{0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0xc0, 12, 0, 1, 0, 1), 0xabcd, message.RCodeFormErr},
		{"label of 64", append([]byte{0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 64), 0xabcd, message.RCodeFormErr},
		{"two questions", append(append([]byte{0xab, 0xcd, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 0}, good[12:]...), good[12:]...), 0xabcd, message.RCodeFormErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := exchangeUDP(t, addr, tt.in, good)
			h, err := message.ParseHeader(reply)
			if err != nil || h.ID != tt.wantID || h.RCode != tt.rcode || !h.QR {
				t.Errorf("first reply % x: %+v, %v; want ID %#x, RCODE %d", reply, h, err, tt.wantID, tt.rcode)
			}
		})
	}
}

// exchangeTCP writes out on a new connection to addr, then reads n
// replies, each after its 2-byte length.
func exchangeTCP(t *testing.T, addr string, n int, out ...[]byte) [][]byte {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(deadline))
	for _, b := range out {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	var replies [][]byte
	for range n {
		replies = append(replies, readTCP(t, conn))
	}
	return replies
}

func readTCP(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	var length [2]byte
	if _, err := io.ReadFull(conn, length[:]); err != nil {
		t.Fatalf("reading a length: %v", err)
	}
	b := make([]byte, binary.BigEndian.Uint16(length[:]))
	if _, err := io.ReadFull(conn, b); err != nil {
		t.Fatalf("reading a reply: %v", err)
	}
	return b
}

// framed puts the 2-byte length before a message.
func framed(m []byte) []byte {
	return append([]byte{byte(len(m) >> 8), byte(len(m))}, m...)
}

func TestTCP(t *testing.T) {
	addr := startServer(t)

	t.Run("no truncation", func(t *testing.T) {
		r := parse(t, exchangeTCP(t, addr, 1, framed(query(7, "huge.example.org", 16, 1, ednsOPT(512)...)))[0])
		if r.ID != 7 || r.TC || len(r.Answers) != 1 {
			t.Errorf("reply:\n%s", r)
		}
	})

	t.Run("one byte at a time", func(t *testing.T) {
		var out [][]byte
		for _, c := range framed(query(8, "www.example.org", 1, 0)) {
			out = append(out, []byte{c})
		}
		r := parse(t, exchangeTCP(t, addr, 1, out...)[0])
		if r.ID != 8 || len(r.Answers) != 2 {
			t.Errorf("reply:\n%s", r)
		}
	})

	t.Run("three queries in one write, answered in order", func(t *testing.T) {
		var out []byte
		for id := range uint16(3) {
			out = append(out, framed(query(100+id, "mail.example.org", 1, 0))...)
		}
		for i, b := range exchangeTCP(t, addr, 3, out) {
			if r := parse(t, b); r.ID != uint16(100+i) {
				t.Errorf("reply %d has ID %d", i, r.ID)
			}
		}
	})
}

// expectClosed reads from conn and wants the end of the stream.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(deadline))
	_, err := conn.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) {
		t.Errorf("the server did not close the connection: read gave %v", err)
	}
}

func TestTCPGarbage(t *testing.T) {
	addr := startServer(t)
	t.Run("length under 12", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte{0, 3, 1, 2, 3})
		expectClosed(t, conn)
	})
	t.Run("a message that does not parse", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(deadline))
		conn.Write(framed([]byte{0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0}))
		h, err := message.ParseHeader(readTCP(t, conn))
		if err != nil || h.ID != 0xabcd || h.RCode != message.RCodeFormErr {
			t.Errorf("reply %+v, %v; want FORMERR with ID 0xabcd", h, err)
		}
		expectClosed(t, conn)
	})
}

// A client that sends half a query and stops holds only its own
// connection: UDP and other TCP clients are answered meanwhile.
func TestSlowClientBlocksNobody(t *testing.T) {
	addr := startServer(t)
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	q := framed(query(1, "www.example.org", 1, 0))
	if _, err := slow.Write(q[:5]); err != nil {
		t.Fatal(err)
	}
	if r := parse(t, exchangeUDP(t, addr, query(2, "www.example.org", 1, 0))); r.ID != 2 {
		t.Errorf("UDP reply has ID %d", r.ID)
	}
	if r := parse(t, exchangeTCP(t, addr, 1, framed(query(3, "www.example.org", 1, 0)))[0]); r.ID != 3 {
		t.Errorf("TCP reply has ID %d", r.ID)
	}
	// The slow client finishes its query and gets its answer.
	slow.SetDeadline(time.Now().Add(deadline))
	slow.Write(q[5:])
	if r := parse(t, readTCP(t, slow)); r.ID != 1 {
		t.Errorf("slow client's reply has ID %d", r.ID)
	}
}
