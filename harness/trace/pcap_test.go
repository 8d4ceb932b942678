package trace_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/trace"
)

// A packet is one record of a pcap file as readPcap parses it.
type packet struct {
	at         time.Duration
	src, dst   netip.AddrPort
	proto      string // "udp" or "tcp"
	flags      byte   // TCP
	seq, ack   uint32 // TCP
	window     uint16 // TCP
	options    []byte // TCP
	payload    []byte // what the record holds of the payload
	size       int    // the payload's length on the wire
	checksumOK bool   // the transport checksum, verified if the record holds all
}

// readPcap parses a pcap file as WritePcap writes it, checking the
// headers, the lengths and the IP checksums; a transport checksum it
// checks when the record holds the whole packet.
func readPcap(b []byte) ([]packet, error) {
	le := binary.LittleEndian
	if len(b) < 24 {
		return nil, fmt.Errorf("file header: %d bytes", len(b))
	}
	if m, v1, v2, lt := le.Uint32(b), le.Uint16(b[4:]), le.Uint16(b[6:]), le.Uint32(b[20:]); m != 0xa1b2c3d4 || v1 != 2 || v2 != 4 || lt != 101 {
		return nil, fmt.Errorf("file header: magic %#x, version %d.%d, link type %d", m, v1, v2, lt)
	}
	snaplen := int(le.Uint32(b[16:]))
	var pkts []packet
	for b = b[24:]; len(b) > 0; {
		n := len(pkts) + 1
		if len(b) < 16 {
			return nil, fmt.Errorf("packet %d: record header of %d bytes", n, len(b))
		}
		sec, usec, incl, orig := le.Uint32(b), le.Uint32(b[4:]), int(le.Uint32(b[8:])), int(le.Uint32(b[12:]))
		if usec >= 1e6 || incl > orig || incl > snaplen || len(b) < 16+incl {
			return nil, fmt.Errorf("packet %d: usec %d, incl_len %d, orig_len %d, snaplen %d, %d bytes left", n, usec, incl, orig, snaplen, len(b)-16)
		}
		p, err := parseIP(b[16:16+incl], orig)
		if err != nil {
			return nil, fmt.Errorf("packet %d: %v", n, err)
		}
		p.at = time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
		pkts = append(pkts, p)
		b = b[16+incl:]
	}
	return pkts, nil
}

// parseIP parses the captured head b of an IP packet of orig bytes.
func parseIP(b []byte, orig int) (packet, error) {
	var p packet
	be := binary.BigEndian
	var pseudo []byte
	var proto byte
	var hlen int
	switch {
	case len(b) >= 20 && b[0] == 0x45:
		hlen, proto = 20, b[9]
		if total := int(be.Uint16(b[2:])); total != orig {
			return p, fmt.Errorf("IPv4 total length %d, record says %d", total, orig)
		}
		if checksum(b[:20]) != 0xffff {
			return p, fmt.Errorf("bad IPv4 header checksum %#04x", be.Uint16(b[10:]))
		}
		src, _ := netip.AddrFromSlice(b[12:16])
		dst, _ := netip.AddrFromSlice(b[16:20])
		p.src, p.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		pseudo = append(pseudo, b[12:20]...)
	case len(b) >= 40 && b[0]>>4 == 6:
		hlen, proto = 40, b[6]
		if plen := int(be.Uint16(b[4:])); plen+40 != orig {
			return p, fmt.Errorf("IPv6 payload length %d, record says %d", plen, orig)
		}
		src, _ := netip.AddrFromSlice(b[8:24])
		dst, _ := netip.AddrFromSlice(b[24:40])
		p.src, p.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		pseudo = append(pseudo, b[8:40]...)
	default:
		return p, fmt.Errorf("not an IP header: % x", b[:min(len(b), 20)])
	}
	l4len := orig - hlen
	pseudo = append(pseudo, 0, proto, byte(l4len>>8), byte(l4len))
	seg := b[hlen:]
	switch proto {
	case 17:
		if len(seg) < 8 {
			return p, fmt.Errorf("UDP header of %d bytes", len(seg))
		}
		if ulen := int(be.Uint16(seg[4:])); ulen != l4len {
			return p, fmt.Errorf("UDP length %d, IP says %d", ulen, l4len)
		}
		if be.Uint16(seg[6:]) == 0 {
			return p, errors.New("UDP without a checksum")
		}
		p.proto, p.payload, p.size = "udp", seg[8:], l4len-8
	case 6:
		if len(seg) < 20 || int(seg[12]>>4)*4 < 20 || len(seg) < int(seg[12]>>4)*4 {
			return p, fmt.Errorf("TCP header cut: % x", seg)
		}
		off := int(seg[12]>>4) * 4
		p.proto, p.flags, p.window = "tcp", seg[13], be.Uint16(seg[14:])
		p.seq, p.ack = be.Uint32(seg[4:]), be.Uint32(seg[8:])
		p.options, p.payload, p.size = seg[20:off], seg[off:], l4len-off
	default:
		return p, fmt.Errorf("IP protocol %d", proto)
	}
	p.src = netip.AddrPortFrom(p.src.Addr(), be.Uint16(seg[0:]))
	p.dst = netip.AddrPortFrom(p.dst.Addr(), be.Uint16(seg[2:]))
	if len(b) == orig {
		p.checksumOK = checksum(append(pseudo, seg...)) == 0xffff
	}
	return p, nil
}

// checksum is the one's-complement sum of b (RFC 1071), written plainly
// and apart from the writer's: a header with its checksum in sums to
// 0xffff.
func checksum(b []byte) uint16 {
	var s uint64
	for i := 0; i < len(b); i += 2 {
		w := uint64(b[i]) << 8
		if i+1 < len(b) {
			w |= uint64(b[i+1])
		}
		s += w
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// summary renders packets one a line, as tcpdump -nn would, with TCP
// sequence numbers relative to each end's SYN.
func summary(pkts []packet) []string {
	isn := make(map[[2]netip.AddrPort]uint32)
	var lines []string
	for _, p := range pkts {
		if p.proto == "udp" {
			line := fmt.Sprintf("udp %s > %s len %d", p.src, p.dst, p.size)
			if len(p.payload) < p.size {
				line += fmt.Sprintf(" (%d captured)", len(p.payload))
			}
			lines = append(lines, line)
			continue
		}
		if p.flags&0x02 != 0 {
			isn[[2]netip.AddrPort{p.src, p.dst}] = p.seq
		}
		flags := ""
		for _, f := range []struct {
			bit  byte
			name string
		}{{0x02, "S"}, {0x01, "F"}, {0x08, "P"}, {0x10, "."}} {
			if p.flags&f.bit != 0 {
				flags += f.name
			}
		}
		line := fmt.Sprintf("tcp %s > %s [%s] seq %d ack %d len %d", p.src, p.dst, flags,
			p.seq-isn[[2]netip.AddrPort{p.src, p.dst}], p.ack-isn[[2]netip.AddrPort{p.dst, p.src}], p.size)
		if p.flags&0x10 == 0 {
			line = fmt.Sprintf("tcp %s > %s [%s] seq 0 len %d", p.src, p.dst, flags, p.size)
		}
		if len(p.payload) < p.size {
			line += fmt.Sprintf(" (%d captured)", len(p.payload))
		}
		lines = append(lines, line)
	}
	return lines
}

var (
	client  = netip.MustParseAddrPort("127.0.0.1:40001")
	mx      = netip.MustParseAddrPort("127.0.0.1:25")
	stub    = netip.MustParseAddrPort("127.0.0.1:40000")
	dnsSrv  = netip.MustParseAddrPort("127.0.0.1:53")
	stub6   = netip.MustParseAddrPort("[::1]:40002")
	dnsSrv6 = netip.MustParseAddrPort("[::1]:53")
)

func udp(at time.Duration, kind trace.Kind, src, dst netip.AddrPort, data []byte) trace.Event {
	return trace.Event{At: at, Kind: kind, Proto: "udp", Src: src, Dst: dst, Data: data}
}

func tcp(at time.Duration, kind trace.Kind, src, dst netip.AddrPort, data string) trace.Event {
	return trace.Event{At: at, Kind: kind, Proto: "tcp", Src: src, Dst: dst, Data: []byte(data)}
}

// dnsQuery and dnsReply are a query for example.com A and its answer.
var (
	dnsQuery = []byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" +
		"\x07example\x03com\x00\x00\x01\x00\x01")
	dnsReply = []byte("\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" +
		"\x07example\x03com\x00\x00\x01\x00\x01" +
		"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x5d\xb8\xd8\x22")
)

// smtpBody is a message longer than one segment can carry.
var smtpBody = func() string {
	var b strings.Builder
	b.WriteString("Subject: a long one\r\n\r\n")
	for i := 0; b.Len() < 70000; i++ {
		fmt.Fprintf(&b, "line %05d of a message longer than one TCP segment can carry\r\n", i)
	}
	return b.String() + ".\r\n"
}()

// conversation is a check's events: a DNS exchange over UDP, IPv4 and
// IPv6, and an SMTP session whose server (the grader's, on port 25)
// speaks first, with a message that takes two segments, among notes and
// events the writer skips.
func conversation() []trace.Event {
	ms := time.Millisecond
	return []trace.Event{
		{At: 0, Kind: trace.Note, Text: "the check starts"},
		udp(1*ms, trace.Recv, stub, dnsSrv, dnsQuery),
		udp(2*ms, trace.Send, dnsSrv, stub, dnsReply),
		udp(3*ms, trace.Recv, stub6, dnsSrv6, dnsQuery),
		udp(4*ms, trace.Send, dnsSrv6, stub6, dnsReply),
		tcp(10*ms, trace.Send, mx, client, "220 mx.example ESMTP\r\n"),
		tcp(11*ms, trace.Recv, client, mx, "EHLO me.example\r\n"),
		{At: 11 * ms, Kind: trace.Fate, Proto: "tcp", Src: client, Dst: mx, Data: []byte("EHLO"), Text: "up segment #1"},
		tcp(12*ms, trace.Send, mx, client, "250 mx.example\r\n"),
		tcp(13*ms, trace.Recv, client, mx, "MAIL FROM:<a@me.example>\r\n"),
		tcp(14*ms, trace.Send, mx, client, "250 OK\r\n"),
		tcp(15*ms, trace.Recv, client, mx, "RCPT TO:<b@mx.example>\r\n"),
		tcp(16*ms, trace.Send, mx, client, "250 OK\r\n"),
		tcp(17*ms, trace.Recv, client, mx, "DATA\r\n"),
		tcp(18*ms, trace.Send, mx, client, "354 go ahead\r\n"),
		tcp(19*ms, trace.Recv, client, mx, smtpBody),
		tcp(19*ms, trace.Recv, client, mx, ""),
		tcp(20*ms, trace.Send, mx, client, "250 OK queued\r\n"),
		tcp(21*ms, trace.Recv, client, mx, "QUIT\r\n"),
		tcp(22*ms, trace.Send, mx, client, "221 bye\r\n"),
		{At: 23 * ms, Kind: trace.Recv, Proto: "tcp", Data: []byte("no addresses")},
	}
}

func writePcap(t *testing.T, events []trace.Event) []packet {
	t.Helper()
	var buf bytes.Buffer
	if err := trace.WritePcap(&buf, events); err != nil {
		t.Fatal(err)
	}
	pkts, err := readPcap(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return pkts
}

func TestWritePcapConversation(t *testing.T) {
	events := conversation()
	pkts := writePcap(t, events)
	var udps, tcps []packet
	for i, p := range pkts {
		if !p.checksumOK {
			t.Errorf("packet %d: bad %s checksum", i+1, p.proto)
		}
		if p.proto == "udp" {
			udps = append(udps, p)
		} else {
			tcps = append(tcps, p)
		}
	}

	// The datagrams: the events' payloads and times.
	if len(udps) != 4 {
		t.Fatalf("%d datagrams, want 4", len(udps))
	}
	for i, p := range udps {
		e := events[1+i]
		if p.src != e.Src || p.dst != e.Dst || !bytes.Equal(p.payload, e.Data) || p.at != e.At {
			t.Errorf("datagram %d: %s > %s at %s, %q; want %s > %s at %s, %q",
				i+1, p.src, p.dst, p.at, p.payload, e.Src, e.Dst, e.At, e.Data)
		}
	}

	// The connection: opened by the client though the server speaks
	// first, each side's stream in order, the long write in two segments.
	streams := checkTCP(t, tcps)
	var wantUp, wantDown string
	for _, e := range events {
		if e.Kind == trace.Fate || e.Proto != "tcp" || !e.Src.IsValid() {
			continue
		}
		if e.Src == client {
			wantUp += string(e.Data)
		} else {
			wantDown += string(e.Data)
		}
	}
	if got := streams[client]; got != wantUp {
		t.Errorf("client's stream: %d bytes, want %d", len(got), len(wantUp))
	}
	if got := streams[mx]; got != wantDown {
		t.Errorf("server's stream %q, want %q", got, wantDown)
	}
	if tcps[0].src != client || tcps[0].flags != 0x02 {
		t.Errorf("first segment %s > %s flags %#x, want a SYN from %s", tcps[0].src, tcps[0].dst, tcps[0].flags, client)
	}
	var sizes []int
	for _, p := range tcps {
		if p.src == client && p.size > 1000 {
			sizes = append(sizes, p.size)
		}
	}
	if want := []int{65495, len(smtpBody) - 65495}; !slices.Equal(sizes, want) {
		t.Errorf("the message went in segments of %v bytes, want %v", sizes, want)
	}
	if n := len(tcps); n != 3+14+3 {
		t.Errorf("%d TCP segments, want 3 to open, 14 of data, 3 to close", n)
	}
}

// checkTCP checks the connections of pkts: a handshake first, sequence
// numbers that follow each side's payload, acknowledgements that follow
// the other's, PSH on the last segment of a write, no data after a FIN,
// each side's FIN acknowledged. It returns what each end sent.
func checkTCP(t *testing.T, pkts []packet) map[netip.AddrPort]string {
	t.Helper()
	next := make(map[netip.AddrPort]uint32)
	finned := make(map[netip.AddrPort]bool)
	streams := make(map[netip.AddrPort]string)
	for i, p := range pkts {
		name := fmt.Sprintf("segment %d (%s > %s flags %#x)", i+1, p.src, p.dst, p.flags)
		if p.window != 65535 {
			t.Errorf("%s: window %d, want 65535 (scaled by 2^14)", name, p.window)
		}
		switch syn, ack := p.flags&0x02 != 0, p.flags&0x10 != 0; {
		case syn && !ack:
			if _, ok := next[p.src]; ok {
				t.Errorf("%s: a second SYN", name)
			}
		case syn && ack:
			if want := next[p.dst]; p.ack != want {
				t.Errorf("%s: SYN-ACK acks %d, want %d", name, p.ack, want)
			}
		default:
			if want, ok := next[p.src]; !ok || p.seq != want {
				t.Errorf("%s: seq %d, want %d", name, p.seq, want)
			}
			if want, ok := next[p.dst]; !ack || !ok || p.ack != want {
				t.Errorf("%s: ack %d, want %d", name, p.ack, want)
			}
		}
		if p.flags&0x02 != 0 {
			if !bytes.Equal(p.options, []byte{2, 4, 0xff, 0xd7, 1, 3, 3, 14}) {
				t.Errorf("%s: options % x, want MSS 65495 and window scale 14", name, p.options)
			}
			next[p.src] = p.seq + 1
			continue
		}
		if finned[p.src] && p.size > 0 {
			t.Errorf("%s: data after the FIN", name)
		}
		if p.size > 0 && p.flags&0x08 == 0 && p.size != 65495 {
			t.Errorf("%s: the last segment of a write without PSH", name)
		}
		next[p.src] += uint32(p.size)
		streams[p.src] += string(p.payload)
		if p.flags&0x01 != 0 {
			finned[p.src] = true
			next[p.src]++
		}
	}
	for ap := range next {
		if !finned[ap] {
			t.Errorf("%s sent no FIN", ap)
		}
	}
	if last := pkts[len(pkts)-1]; last.flags != 0x10 || last.ack != next[last.dst] {
		t.Errorf("the last segment has flags %#x and acks %d, want an ACK of %d, the FIN", last.flags, last.ack, next[last.dst])
	}
	return streams
}

func TestWritePcapPackets(t *testing.T) {
	ms := time.Millisecond
	a := netip.MustParseAddrPort("127.0.0.1:41000")
	b := netip.MustParseAddrPort("127.0.0.1:42000")
	c := netip.MustParseAddrPort("127.0.0.1:43000")
	d := netip.MustParseAddrPort("127.0.0.1:44000")
	mapped := netip.MustParseAddrPort("[::ffff:127.0.0.1]:41000")
	long := func(n int) string { return strings.Repeat("x", n) }
	opened := func(cl, sv netip.AddrPort) []string {
		return []string{
			fmt.Sprintf("tcp %s > %s [S] seq 0 len 0", cl, sv),
			fmt.Sprintf("tcp %s > %s [S.] seq 0 ack 1 len 0", sv, cl),
			fmt.Sprintf("tcp %s > %s [.] seq 1 ack 1 len 0", cl, sv),
		}
	}
	closed := func(cl, sv netip.AddrPort, up, down int) []string {
		return []string{
			fmt.Sprintf("tcp %s > %s [F.] seq %d ack %d len 0", cl, sv, 1+up, 1+down),
			fmt.Sprintf("tcp %s > %s [F.] seq %d ack %d len 0", sv, cl, 1+down, 2+up),
			fmt.Sprintf("tcp %s > %s [.] seq %d ack %d len 0", cl, sv, 2+up, 2+down),
		}
	}
	tests := []struct {
		name   string
		events []trace.Event
		want   []string
	}{
		{"notes and fates are skipped", []trace.Event{
			{Kind: trace.Note, Text: "hello"},
			{Kind: trace.Fate, Proto: "udp", Src: a, Dst: b, Data: []byte("x"), Text: "up #1: dropped"},
		}, nil},
		{"no source: skipped", []trace.Event{udp(0, trace.Send, netip.AddrPort{}, b, []byte("x"))}, nil},
		{"no destination: skipped", []trace.Event{tcp(0, trace.Send, a, netip.AddrPort{}, "x")}, nil},
		{"port 0: skipped", []trace.Event{udp(0, trace.Send, netip.MustParseAddrPort("127.0.0.1:0"), b, []byte("x"))}, nil},
		{"IPv4 to IPv6: skipped", []trace.Event{udp(0, trace.Send, a, stub6, []byte("x"))}, nil},
		{"to itself: skipped", []trace.Event{tcp(0, trace.Send, a, a, "x")}, nil},
		{"another protocol: skipped", []trace.Event{{Kind: trace.Send, Proto: "sctp", Src: a, Dst: b, Data: []byte("x")}}, nil},
		{"TCP without payload: skipped, no handshake", []trace.Event{tcp(0, trace.Send, a, b, "")}, nil},
		{"UDP without payload", []trace.Event{udp(0, trace.Send, a, b, nil)},
			[]string{"udp 127.0.0.1:41000 > 127.0.0.1:42000 len 0"}},
		{"IPv4 mapped in IPv6 is IPv4", []trace.Event{udp(0, trace.Send, mapped, b, []byte("hi"))},
			[]string{"udp 127.0.0.1:41000 > 127.0.0.1:42000 len 2"}},
		{"UDP over IPv6", []trace.Event{udp(0, trace.Send, stub6, dnsSrv6, dnsQuery)},
			[]string{"udp [::1]:40002 > [::1]:53 len 29"}},
		{"UDP kept in part", []trace.Event{{Kind: trace.Recv, Proto: "udp", Src: a, Dst: b, Size: 9000, Data: []byte(long(4096))}},
			[]string{"udp 127.0.0.1:41000 > 127.0.0.1:42000 len 9000 (4096 captured)"}},
		{"UDP longer than an IPv4 packet: cut", []trace.Event{udp(0, trace.Send, a, b, []byte(long(70000)))},
			[]string{"udp 127.0.0.1:41000 > 127.0.0.1:42000 len 65507"}},
		{"TCP, one write: opened by the first to send", []trace.Event{tcp(0, trace.Send, b, a, "hello")},
			slices.Concat(opened(b, a), []string{"tcp 127.0.0.1:42000 > 127.0.0.1:41000 [P.] seq 1 ack 1 len 5"}, closed(b, a, 5, 0))},
		{"TCP over IPv6", []trace.Event{tcp(0, trace.Send, stub6, dnsSrv6, "\x00\x01x")},
			slices.Concat(opened(stub6, dnsSrv6), []string{"tcp [::1]:40002 > [::1]:53 [P.] seq 1 ack 1 len 3"}, closed(stub6, dnsSrv6, 3, 0))},
		{"TCP, a well-known port is the server's though it speaks first", []trace.Event{
			tcp(0, trace.Send, mx, client, "220 hi\r\n"),
			tcp(ms, trace.Recv, client, mx, "QUIT\r\n"),
		}, slices.Concat(opened(client, mx), []string{
			"tcp 127.0.0.1:25 > 127.0.0.1:40001 [P.] seq 1 ack 1 len 8",
			"tcp 127.0.0.1:40001 > 127.0.0.1:25 [P.] seq 1 ack 9 len 6",
		}, closed(client, mx, 6, 8))},
		{"TCP, an end of two connections is the server's", []trace.Event{
			tcp(0, trace.Send, c, a, "1"),
			tcp(ms, trace.Send, c, b, "2"),
		}, slices.Concat(
			opened(a, c), []string{"tcp 127.0.0.1:43000 > 127.0.0.1:41000 [P.] seq 1 ack 1 len 1"}, closed(a, c, 0, 1),
			opened(b, c), []string{"tcp 127.0.0.1:43000 > 127.0.0.1:42000 [P.] seq 1 ack 1 len 1"}, closed(b, c, 0, 1))},
		{"TCP, connections interleaved, each closed after its last event", []trace.Event{
			tcp(0, trace.Send, a, b, "ab"),
			tcp(ms, trace.Send, c, d, "cd"),
			tcp(2*ms, trace.Send, b, a, "ba"),
		}, slices.Concat(
			opened(a, b), []string{"tcp 127.0.0.1:41000 > 127.0.0.1:42000 [P.] seq 1 ack 1 len 2"},
			opened(c, d), []string{"tcp 127.0.0.1:43000 > 127.0.0.1:44000 [P.] seq 1 ack 1 len 2"}, closed(c, d, 2, 0),
			[]string{"tcp 127.0.0.1:42000 > 127.0.0.1:41000 [P.] seq 1 ack 3 len 2"}, closed(a, b, 2, 2))},
		{"TCP, a long write split, kept in part", []trace.Event{
			{Kind: trace.Send, Proto: "tcp", Src: a, Dst: b, Size: 140000, Data: []byte(long(4096))},
			tcp(ms, trace.Send, b, a, "ok"),
		}, slices.Concat(opened(a, b), []string{
			"tcp 127.0.0.1:41000 > 127.0.0.1:42000 [.] seq 1 ack 1 len 65495 (4096 captured)",
			"tcp 127.0.0.1:41000 > 127.0.0.1:42000 [.] seq 65496 ack 1 len 65495 (0 captured)",
			"tcp 127.0.0.1:41000 > 127.0.0.1:42000 [P.] seq 130991 ack 1 len 9010 (0 captured)",
			"tcp 127.0.0.1:42000 > 127.0.0.1:41000 [P.] seq 1 ack 140001 len 2",
		}, closed(a, b, 140000, 2))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkts := writePcap(t, tt.events)
			if got := summary(pkts); !slices.Equal(got, tt.want) {
				t.Errorf("packets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i, p := range pkts {
				if len(p.payload) == p.size && !p.checksumOK {
					t.Errorf("packet %d: bad %s checksum", i+1, p.proto)
				}
			}
		})
	}
}

func TestWritePcapTimes(t *testing.T) {
	at := 90*time.Second + 1234567*time.Nanosecond
	pkts := writePcap(t, []trace.Event{udp(at, trace.Send, stub, dnsSrv, dnsQuery), udp(-time.Second, trace.Send, stub, dnsSrv, dnsQuery)})
	if want := 90*time.Second + 1234*time.Microsecond; pkts[0].at != want {
		t.Errorf("an event at %s is a packet at %s, want %s", at, pkts[0].at, want)
	}
	if pkts[1].at != 0 {
		t.Errorf("an event before the start is a packet at %s, want 0", pkts[1].at)
	}
}

func TestTranscriptWritePcap(t *testing.T) {
	tr := trace.New()
	tr.Add(tcp(0, trace.Send, client, mx, "EHLO me\r\n"))
	tr.Add(tcp(0, trace.Send, client, mx, smtpBody)) // the transcript keeps 4096 bytes
	tr.Notef("a note")
	var buf bytes.Buffer
	if err := tr.WritePcap(&buf); err != nil {
		t.Fatal(err)
	}
	pkts, err := readPcap(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := summary(pkts)
	if len(got) != 3+3+3 || got[4] != "tcp 127.0.0.1:40001 > 127.0.0.1:25 [.] seq 10 ack 1 len 65495 (4096 captured)" {
		t.Errorf("packets:\n%s", strings.Join(got, "\n"))
	}
	if first := pkts[0].at; first > time.Second {
		t.Errorf("the first packet is at %s, want the transcript's clock", first)
	}

	buf.Reset()
	var nilTranscript *trace.Transcript
	if err := nilTranscript.WritePcap(&buf); err != nil || buf.Len() != 24 {
		t.Errorf("a nil transcript: %d bytes, %v; want only the file header", buf.Len(), err)
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWritePcapError(t *testing.T) {
	for _, n := range []int{0, 5000, 50000} {
		err := trace.WritePcap(&failingWriter{n: n}, conversation())
		if err == nil || !strings.HasPrefix(err.Error(), "trace: writing pcap: disk full") {
			t.Errorf("writing to a disk full after %d bytes: %v", n, err)
		}
	}
}

// pcapFile writes the conversation to a file for a tool to read.
func pcapFile(t *testing.T) (string, []packet) {
	var buf bytes.Buffer
	if err := trace.WritePcap(&buf, conversation()); err != nil {
		t.Fatal(err)
	}
	pkts, err := readPcap(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "check.pcap")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, pkts
}

func TestWritePcapTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed")
	}
	name, pkts := pcapFile(t)
	n := len(pkts)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("tcpdump", "-r", name, "-nn")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tcpdump -r -nn: %v\n%s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != n {
		t.Errorf("tcpdump printed %d lines for %d packets:\n%s", len(lines), n, stdout.Bytes())
	}
	for _, l := range lines {
		if strings.Contains(l, "truncated") || strings.Contains(l, "[|") || strings.Contains(l, "bad") || strings.Contains(l, "invalid") {
			t.Errorf("tcpdump: %s", l)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !strings.HasPrefix(l, "reading from file") {
			t.Errorf("tcpdump's stderr: %s", l)
		}
	}
}

func TestWritePcapTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	name, pkts := pcapFile(t)
	checksums := 0 // one for each UDP or TCP header, one for each IPv4 header
	for _, p := range pkts {
		checksums++
		if p.src.Addr().Is4() {
			checksums++
		}
	}
	tshark := func(args ...string) string {
		t.Helper()
		args = append([]string{"-n", "-r", name,
			"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"}, args...)
		out, err := exec.Command("tshark", args...).Output()
		if err != nil {
			t.Fatalf("tshark %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	detail := tshark("-V")
	if got := strings.Count(strings.ToLower(detail), "checksum status: good]"); got != checksums {
		t.Errorf("tshark -V finds %d good checksums, want %d", got, checksums)
	}
	for _, bad := range []string{"Bad", "bad", "Malformed", "Expert Info (Warning", "Expert Info (Error"} {
		if strings.Contains(detail, bad) {
			i := strings.Index(detail, bad)
			t.Errorf("tshark -V says %q: …%s…", bad, detail[max(0, i-200):min(len(detail), i+200)])
		}
	}
	follow := tshark("-q", "-z", "follow,tcp,ascii,0")
	for _, want := range []string{"220 mx.example ESMTP", "EHLO me.example", smtpBody[len(smtpBody)-80:], "221 bye"} {
		if !strings.Contains(follow, want) {
			t.Errorf("follow,tcp,ascii,0 lacks %q", want)
		}
	}
}

func ExampleWritePcap() {
	grader := netip.MustParseAddrPort("127.0.0.1:40000")
	server := netip.MustParseAddrPort("127.0.0.1:8080")
	events := []trace.Event{
		{At: 1 * time.Millisecond, Kind: trace.Send, Proto: "tcp", From: "grader", To: "your server",
			Src: grader, Dst: server, Data: []byte("GET / HTTP/1.0\r\n\r\n")},
		{At: 3 * time.Millisecond, Kind: trace.Recv, Proto: "tcp", From: "your server", To: "grader",
			Src: server, Dst: grader, Data: []byte("HTTP/1.0 204 No Content\r\n\r\n")},
		{At: 4 * time.Millisecond, Kind: trace.Note, Text: "the connection closed"},
	}
	f, err := os.CreateTemp("", "check-*.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	if err := trace.WritePcap(f, events); err != nil {
		fmt.Println(err)
		return
	}
	f.Close()
	// tcpdump -r check.pcap -nn -tt prints:
	//
	//	0.001000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [S], seq 1445730933, win 65535, options [mss 65495,nop,wscale 14], length 0
	//	0.001000 IP 127.0.0.1.8080 > 127.0.0.1.40000: Flags [S.], seq 1543943167, ack 1445730934, win 65535, options [mss 65495,nop,wscale 14], length 0
	//	0.001000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [.], ack 1, win 65535, length 0
	//	0.001000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [P.], seq 1:19, ack 1, win 65535, length 18: HTTP: GET / HTTP/1.0
	//	0.003000 IP 127.0.0.1.8080 > 127.0.0.1.40000: Flags [P.], seq 1:28, ack 19, win 65535, length 27: HTTP: HTTP/1.0 204 No Content
	//	0.003000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [F.], seq 19, ack 28, win 65535, length 0
	//	0.003000 IP 127.0.0.1.8080 > 127.0.0.1.40000: Flags [F.], seq 28, ack 20, win 65535, length 0
	//	0.003000 IP 127.0.0.1.40000 > 127.0.0.1.8080: Flags [.], ack 29, win 65535, length 0
	info, _ := os.Stat(f.Name())
	fmt.Println(info.Size(), "bytes")
	// Output: 533 bytes
}

// A server that speaks first, on a port that says nothing, is still the
// server when the events name it so: the client sends the SYN.
func TestWritePcapNamedServer(t *testing.T) {
	sv := netip.MustParseAddrPort("127.0.0.1:41000")
	cl := netip.MustParseAddrPort("127.0.0.1:52000")
	greet := tcp(0, trace.Send, sv, cl, "220 mx ESMTP\r\n")
	greet.From, greet.To = "grader's server", "your client"
	ehlo := tcp(time.Millisecond, trace.Recv, cl, sv, "EHLO x\r\n")
	ehlo.From, ehlo.To = "your client", "grader's server"
	pkts := writePcap(t, []trace.Event{greet, ehlo})
	if len(pkts) == 0 || pkts[0].flags&0x02 == 0 || pkts[0].src != cl {
		t.Fatalf("the first packet is not the client's SYN: %v", summary(pkts))
	}
}
