package dnstest

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

// The test world: the root, two TLDs, an authoritative zone with every
// case of the lookup, a glueless delegation (smith.edu, served from a
// host in com), a lame one (lame.edu points at a server that does not
// serve it), and a CNAME into another zone (away.umass.edu).
var testZones = []string{`
$ORIGIN .
$TTL 518400
@                   IN SOA a.root-servers.net. nstld.verisign-grs.com. ( 1 1800 900 604800 86400 )
                    IN NS  a.root-servers.net.
                    IN NS  b.root-servers.net.
edu.         172800 IN NS  a.edu-servers.net.
com.         172800 IN NS  a.gtld-servers.net.
a.root-servers.net. IN A   127.0.99.1
b.root-servers.net. IN A   127.0.99.2
a.edu-servers.net.  172800 IN A 127.0.99.3
a.gtld-servers.net. 172800 IN A 127.0.99.4
`, `
$ORIGIN edu.
$TTL 172800
@         IN SOA a.edu-servers.net. hostmaster.edu. ( 1 1800 900 604800 86400 )
          IN NS  a.edu-servers.net.
umass     IN NS  dns.umass
dns.umass IN A   127.0.99.10
smith     IN NS  ns.hosting.com.
lame      IN NS  dns.umass
`, `
$ORIGIN umass.edu.
$TTL 3600
@       IN SOA dns hostmaster ( 2024 7200 3600 1209600 300 )
        IN NS  dns
        IN MX  10 mail
dns     IN A   127.0.99.10
mail    IN A   128.119.8.148
gaia.cs 600 IN A 128.119.245.12
www     IN CNAME web
web     IN CNAME gaia.cs
away    IN CNAME www.smith.edu.
loop1   IN CNAME loop2
loop2   IN CNAME loop1
big     IN TXT "A reply over UDP holds at most 512 bytes, unless the query offers more with EDNS."
        IN TXT "When the records do not fit, the server sends what fits with the TC bit set, and the client asks again."
        IN TXT "Over TCP each message follows its length in two bytes, and a reply may be as long as 65535 bytes."
        IN TXT "This record set is long on purpose: five strings of about a hundred bytes make more than 512."
        IN TXT "dig +noedns big.umass.edu TXT shows the retry: Truncated, retrying in TCP mode."
`, `
$ORIGIN com.
$TTL 172800
@          IN SOA a.gtld-servers.net. nstld.verisign-grs.com. ( 1 1800 900 604800 86400 )
           IN NS  a.gtld-servers.net.
hosting    IN NS  ns.hosting
ns.hosting IN A   127.0.99.20
`, `
$ORIGIN hosting.com.
$TTL 3600
@  IN SOA ns hostmaster ( 1 7200 3600 1209600 300 )
   IN NS  ns
ns IN A   127.0.99.20
`, `
$ORIGIN smith.edu.
$TTL 3600
@   60 IN SOA ns.hosting.com. hostmaster ( 1 7200 3600 1209600 600 )
       IN NS  ns.hosting.com.
www    IN A   131.229.72.13
`}

func parseZones(t testing.TB, texts ...string) []*zone.Zone {
	t.Helper()
	var zs []*zone.Zone
	for i, text := range texts {
		z, err := zone.ParseString(text, fmt.Sprintf("zone%d", i))
		if err != nil {
			t.Fatal(err)
		}
		zs = append(zs, z)
	}
	return zs
}

// startWorld starts the test world on a free port and closes it when the
// test ends.
func startWorld(t *testing.T, cfg Config) *World {
	t.Helper()
	if cfg.Zones == nil {
		cfg.Zones = parseZones(t, testZones...)
	}
	w, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// A client is the test's resolver: one UDP socket.
type client struct {
	t *testing.T
	c *net.UDPConn
}

func newClient(t *testing.T) *client {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t, c}
}

func (c *client) addr() netip.AddrPort { return c.c.LocalAddr().(*net.UDPAddr).AddrPort() }

func (c *client) send(to netip.AddrPort, raw []byte) {
	c.t.Helper()
	if _, err := c.c.WriteToUDPAddrPort(raw, to); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads the next datagram; the deadline only keeps a broken test
// from hanging.
func (c *client) recv() (dnsmessage.Message, netip.AddrPort) {
	c.t.Helper()
	buf := make([]byte, 65536)
	c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := c.c.ReadFromUDPAddrPort(buf)
	if err != nil {
		c.t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(buf[:n]); err != nil {
		c.t.Fatalf("reply from %s does not parse: %v", from, err)
	}
	return m, from
}

// ask sends a query to the server of host and returns its reply.
func (c *client) ask(w *World, host, name string, typ dnsmessage.Type) dnsmessage.Message {
	c.t.Helper()
	c.send(at(w, host), query(4711, name, typ, false))
	m, _ := c.recv()
	return m
}

// at is the address and port of the server of host.
func at(w *World, host string) netip.AddrPort {
	return netip.AddrPortFrom(w.Server(host).Addr(), uint16(w.Port()))
}

func query(id uint16, name string, typ dnsmessage.Type, edns bool) []byte {
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}},
	}
	if edns {
		var h dnsmessage.ResourceHeader
		h.SetEDNS0(1232, dnsmessage.RCodeSuccess, false)
		m.Additionals = []dnsmessage.Resource{{Header: h, Body: &dnsmessage.OPTResource{}}}
	}
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

// render lists a reply as lines to compare: the header, then each record
// with its section and TTL.
func render(m dnsmessage.Message) []string {
	out := []string{fmt.Sprintf("%s AA=%s TC=%s", rcodeName(m.Header.RCode), bit(m.Header.Authoritative), bit(m.Header.Truncated))}
	for _, sec := range []struct {
		name string
		rs   []dnsmessage.Resource
	}{{"answer", m.Answers}, {"authority", m.Authorities}, {"additional", m.Additionals}} {
		for _, r := range sec.rs {
			if r.Header.Type == dnsmessage.TypeOPT {
				out = append(out, fmt.Sprintf("%s: OPT %d", sec.name, r.Header.Class))
				continue
			}
			out = append(out, fmt.Sprintf("%s: %d %s", sec.name, r.Header.TTL, rrText(r)))
		}
	}
	return out
}

func TestAnswers(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	tests := []struct {
		name, server, qname string
		qtype               dnsmessage.Type
		want                []string
	}{
		{"root referral with glue", "a.root-servers.net", "gaia.cs.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=0 TC=0",
			"authority: 172800 edu. NS a.edu-servers.net.",
			"additional: 172800 a.edu-servers.net. A 127.0.99.3"}},
		{"TLD referral with glue", "a.edu-servers.net.", "gaia.cs.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=0 TC=0",
			"authority: 172800 umass.edu. NS dns.umass.edu.",
			"additional: 172800 dns.umass.edu. A 127.0.99.10"}},
		{"glueless referral", "a.edu-servers.net.", "www.smith.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=0 TC=0",
			"authority: 172800 smith.edu. NS ns.hosting.com."}},
		{"referral for the cut itself", "a.edu-servers.net.", "umass.edu.", dnsmessage.TypeNS, []string{
			"NOERROR AA=0 TC=0",
			"authority: 172800 umass.edu. NS dns.umass.edu.",
			"additional: 172800 dns.umass.edu. A 127.0.99.10"}},
		{"answer", "dns.umass.edu.", "gaia.cs.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=1 TC=0",
			"answer: 600 gaia.cs.umass.edu. A 128.119.245.12"}},
		{"CNAME chain in the zone", "dns.umass.edu.", "www.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 www.umass.edu. CNAME web.umass.edu.",
			"answer: 3600 web.umass.edu. CNAME gaia.cs.umass.edu.",
			"answer: 600 gaia.cs.umass.edu. A 128.119.245.12"}},
		{"CNAME into another zone", "dns.umass.edu.", "away.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 away.umass.edu. CNAME www.smith.edu."}},
		{"CNAME asked for", "dns.umass.edu.", "www.umass.edu.", dnsmessage.TypeCNAME, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 www.umass.edu. CNAME web.umass.edu."}},
		{"CNAME loop", "dns.umass.edu.", "loop1.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 loop1.umass.edu. CNAME loop2.umass.edu.",
			"answer: 3600 loop2.umass.edu. CNAME loop1.umass.edu."}},
		{"NXDOMAIN", "dns.umass.edu.", "nope.umass.edu.", dnsmessage.TypeA, []string{
			"NXDOMAIN AA=1 TC=0",
			"authority: 300 umass.edu. SOA dns.umass.edu. hostmaster.umass.edu. 2024 7200 3600 1209600 300"}},
		{"NODATA", "dns.umass.edu.", "gaia.cs.umass.edu.", dnsmessage.TypeAAAA, []string{
			"NOERROR AA=1 TC=0",
			"authority: 300 umass.edu. SOA dns.umass.edu. hostmaster.umass.edu. 2024 7200 3600 1209600 300"}},
		{"empty non-terminal", "dns.umass.edu.", "cs.umass.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=1 TC=0",
			"authority: 300 umass.edu. SOA dns.umass.edu. hostmaster.umass.edu. 2024 7200 3600 1209600 300"}},
		{"negative TTL from the SOA's own TTL", "ns.hosting.com", "www.smith.edu.", dnsmessage.TypeMX, []string{
			"NOERROR AA=1 TC=0",
			"authority: 60 smith.edu. SOA ns.hosting.com. hostmaster.smith.edu. 1 7200 3600 1209600 600"}},
		{"root NXDOMAIN", "b.root-servers.net.", "nope.", dnsmessage.TypeA, []string{
			"NXDOMAIN AA=1 TC=0",
			"authority: 86400 . SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400"}},
		{"MX with additional", "dns.umass.edu.", "umass.edu.", dnsmessage.TypeMX, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 umass.edu. MX 10 mail.umass.edu.",
			"additional: 3600 mail.umass.edu. A 128.119.8.148"}},
		{"apex NS with additional", "dns.umass.edu.", "umass.edu.", dnsmessage.TypeNS, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 umass.edu. NS dns.umass.edu.",
			"additional: 3600 dns.umass.edu. A 127.0.99.10"}},
		{"other zone on one server", "ns.hosting.com.", "www.smith.edu.", dnsmessage.TypeA, []string{
			"NOERROR AA=1 TC=0",
			"answer: 3600 www.smith.edu. A 131.229.72.13"}},
		{"lame delegation", "dns.umass.edu.", "www.lame.edu.", dnsmessage.TypeA, []string{"REFUSED AA=0 TC=0"}},
		{"zone not served", "dns.umass.edu.", "www.smith.edu.", dnsmessage.TypeA, []string{"REFUSED AA=0 TC=0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			m := c.ask(w, tt.server, tt.qname, tt.qtype)
			if diff := cmp.Diff(tt.want, render(m)); diff != "" {
				t.Errorf("%s %s to %s: reply (-want +got):\n%s", tt.qname, typeName(tt.qtype), tt.server, diff)
			}
			if m.Header.ID != 4711 || !m.Header.Response || m.Header.RecursionAvailable {
				t.Errorf("header %+v: want ID 4711, QR=1, RA=0", m.Header)
			}
		})
	}
}

// TestQuestionEchoed checks that the question comes back byte for byte,
// the case of a randomised ("0x20") name included, that the records at
// the name take its spelling, and that ID and RD are copied.
func TestQuestionEchoed(t *testing.T) {
	w := startWorld(t, Config{})
	c := newClient(t)
	raw := query(0xbeef, "GaIa.cS.UMass.eDU.", dnsmessage.TypeA, false)
	raw[2] |= 1 // RD
	c.send(at(w, "dns.umass.edu."), raw)
	m, from := c.recv()
	if from != at(w, "dns.umass.edu.") {
		t.Errorf("reply from %s, want the server's own address %s", from, at(w, "dns.umass.edu."))
	}
	out, _ := m.Pack()
	if string(out[12:len(raw)]) != string(raw[12:]) {
		t.Errorf("question %q, want %q echoed", out[12:len(raw)], raw[12:])
	}
	if m.Header.ID != 0xbeef || !m.Header.RecursionDesired {
		t.Errorf("header %+v: want ID 0xbeef, RD=1", m.Header)
	}
	if len(m.Answers) != 1 || m.Answers[0].Header.Name.String() != "GaIa.cS.UMass.eDU." {
		t.Errorf("answers %v: want one, owned by GaIa.cS.UMass.eDU.", m.Answers)
	}
}
