// Server is the reference solution for the server half of the dns
// assignment (handouts/dns.md): an authoritative name server for one zone,
// over UDP and TCP.
//
// Usage:
//
//	server -port P -zone FILE
//
// The flags:
//
//	-port P      the port to serve on, UDP and TCP, on every local address (required)
//	-zone FILE   the zone file to serve (required)
//
// It prints one line on stderr when it is ready, "serving example.com. on
// port 5300 (udp, tcp)", and serves until it is killed. Bad flags: exit
// status 2. A zone file that does not load: the parser's message, which
// names the file, line and column, and exit status 1.
//
// The parts, one file each:
//
//	main.go       flags, zone and sockets
//	udp.go        the UDP loop
//	tcp.go        TCP connections and their 2-byte lengths
//	reply.go      from query bytes to reply bytes: the header, the RCODEs
//	edns.go       EDNS(0): the OPT record and UDP sizes
//	lookup.go     the lookup of RFC 1034 §4.3.2: answers, referrals, "no"
//	authority.go  the zone, arranged for lookups
//
// The wire format is package message (../message).
//
// Choices where the RFCs leave room:
//
//   - QTYPE ANY (255) is answered with every record of the name, as it
//     was originally meant (RFC 1035 §3.2.3). RFC 8482 allows a server to
//     answer with fewer; with one small zone there is no need.
//   - Zone transfers (AXFR, IXFR) get NOTIMP; a QCLASS other than IN gets
//     REFUSED.
//   - UDP replies: 512 bytes without EDNS; with EDNS, what the asker
//     offers, but at least 512 and at most 1232 (see edns.go).
//   - A UDP reply that does not fit is sent as its header, question and
//     OPT record, with TC=1 (see message.PackLimit); the asker retries
//     over TCP, where replies are never truncated.
//   - A query that cannot be parsed gets FORMERR with its ID, or nothing
//     when it is shorter than a header; over TCP the connection is then
//     closed. A message with QR=1, a response, is never answered.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/socklab/socklab/harness/zone"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("server: ")

	port := flag.Int("port", 0, "UDP and TCP `port` to serve on (required)")
	zoneFile := flag.String("zone", "", "zone `file` to serve (required)")
	flag.Parse()
	if *port < 1 || *port > 65535 || *zoneFile == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "server: need -port P with P in 1..65535, -zone FILE, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	z, err := zone.ParseFile(*zoneFile)
	if err != nil {
		log.Fatal(err) // "example.com.zone:12:9: ...": the student can fix it
	}
	a := newAuthority(z)

	udp, tcp, err := listen(*port)
	if err != nil {
		log.Fatal(err) // port in use, or not allowed: nothing we can fix
	}
	fmt.Fprintf(os.Stderr, "serving %s on port %d (udp, tcp)\n", z.Origin, *port)
	go a.serveUDP(udp)
	a.serveTCP(tcp)
}

// listen binds the UDP and TCP sockets of port on every local address.
// An address with no IP means "every address"; where the system allows it
// (Linux, macOS), one such socket takes IPv6 and IPv4 alike.
func listen(port int) (*net.UDPConn, net.Listener, error) {
	udp, err := net.ListenUDP("udp", &net.UDPAddr{Port: port})
	if err != nil {
		return nil, nil, err
	}
	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{Port: port})
	if err != nil {
		udp.Close()
		return nil, nil, err
	}
	return udp, tcp, nil
}
