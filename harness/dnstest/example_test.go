package dnstest_test

import (
	"fmt"
	"log"
	"net"
	"net/netip"
	"time"

	"github.com/socklab/socklab/harness/dnstest"
	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

// A world of two zones, the root and example.com, each with one server,
// asked the way a resolver starts: the root, which refers it to
// example.com's server, which answers.
func Example() {
	var zones []*zone.Zone
	for _, text := range []string{`
$ORIGIN .
$TTL 86400
@                   IN SOA a.root-servers.net. admin.example.com. ( 1 1800 900 604800 3600 )
                    IN NS  a.root-servers.net.
a.root-servers.net. IN A   127.0.98.1
example.com.        IN NS  ns1.example.com.
ns1.example.com.    IN A   127.0.98.2
`, `
$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1 admin ( 1 7200 3600 1209600 300 )
    IN NS  ns1
ns1 IN A   127.0.98.2
www 300 IN A 192.0.2.10
`} {
		z, err := zone.ParseString(text, "example.zone")
		if err != nil {
			log.Fatal(err)
		}
		zones = append(zones, z)
	}
	w, err := dnstest.Start(dnstest.Config{Zones: zones}) // port 0: any free one
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()

	ask := func(server string) *dnsmessage.Message {
		q := dnsmessage.Message{Header: dnsmessage.Header{ID: 4711}, Questions: []dnsmessage.Question{
			{Name: dnsmessage.MustNewName("www.example.com."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
		b, _ := q.Pack()
		c, err := net.Dial("udp", netip.AddrPortFrom(w.Server(server).Addr(), uint16(w.Port())).String())
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(b)
		buf := make([]byte, 1232)
		n, err := c.Read(buf)
		if err != nil {
			log.Fatal(err)
		}
		var m dnsmessage.Message
		if err := m.Unpack(buf[:n]); err != nil {
			log.Fatal(err)
		}
		return &m
	}
	fmt.Println("root servers:", w.Roots())
	ref := ask("a.root-servers.net")
	fmt.Println("the root refers to", ref.Authorities[0].Body.(*dnsmessage.NSResource).NS, "AA:", ref.Header.Authoritative)
	ans := ask("ns1.example.com")
	a := ans.Answers[0]
	fmt.Println(a.Header.Name, a.Header.TTL, a.Body.(*dnsmessage.AResource).A, "AA:", ans.Header.Authoritative)
	for _, q := range w.Queries() {
		fmt.Println(q.N, q.Server.Names()[0], q.Name, q.Fate)
	}
	// Output:
	// root servers: [127.0.98.1]
	// the root refers to ns1.example.com. AA: false
	// www.example.com. 300 [192 0 2 10] AA: true
	// 1 a.root-servers.net. www.example.com. answered
	// 2 ns1.example.com. www.example.com. answered
}
