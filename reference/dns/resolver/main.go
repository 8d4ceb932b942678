// Resolver is the reference solution for the resolver half of the dns
// assignment (handouts/dns.md, part 2): a caching, iterative resolver.
// Stub resolvers (dig, the C library of a host) send it a question with
// RD=1; it finds the answer itself, asking the root servers, then the
// servers they refer it to, down to the zone that has the answer, and it
// keeps what it learns until the TTLs run out (RFC 1034 §5.3.3, RFC 1035
// §7, RFC 2308, RFC 5452).
//
// Usage:
//
//	resolver -port P -root IP[,IP...] [-upstream-port Q]
//
// The flags:
//
//	-port P           the port to serve stubs on, UDP and TCP, on every local address (required)
//	-root IP,...      the IPv4 addresses of the root servers: the "root hints" (required)
//	-upstream-port Q  the port every name server listens on (53)
//
// It prints one line on stderr when it is ready, "resolver: serving on
// port 5353 (udp, tcp), root hints 127.0.0.2, upstream port 53", then one
// line per query it sends to a name server and what came of it, and one
// per stub's query. It serves until it is killed. Bad flags: exit status
// 2.
//
// The parts, one file each:
//
//	main.go      flags and sockets
//	serve.go     the UDP and TCP loops of the stub side
//	stub.go      from a stub's query to the reply: the header, FORMERR, EDNS
//	resolve.go   the algorithm of RFC 1034 §5.3.3: cache, ask, follow
//	servers.go   which servers to ask: the closest known zone, glue, glueless
//	exchange.go  one query to one server: random ID and port, matching, TCP
//	classify.go  what a reply means, and which of its records to believe
//	cache.go     RRsets and negative answers, until their TTLs run out
//
// The wire format is package message (../message).
//
// Choices where the RFCs leave room:
//
//   - A try waits 500 ms for a reply. A zone's servers are asked in a
//     random order, in up to 3 rounds; a server that fails (no reply,
//     SERVFAIL, REFUSED, FORMERR, NOTIMP, a lame referral) is skipped for
//     the next, and asked again in the next round. A stub's query has 4 s
//     in all; then it gets SERVFAIL.
//   - Queries to name servers have RD=0 and no EDNS: replies over 512
//     bytes come with TC=1 and are asked again over TCP, of the same
//     server.
//   - A record is believed only if its owner is in the zone the server was
//     asked about (see inBailiwick). Only the answer section of an answer,
//     the NS records and glue of a referral, and the SOA of a negative
//     answer are used; other records are dropped.
//   - The AA bit of a server's reply is not checked: a server asked as an
//     authority whose reply reads as an answer is taken at its word.
//   - Cached data has two ranks (see rank): an answer replaces whatever is
//     cached; referral data (NS records, glue) replaces only its own kind.
//     Referral data only finds servers, it never answers a stub.
//   - A reply that is NXDOMAIN but has a CNAME for the name asked is read
//     as the CNAME, and the target is asked for again (RFC 6604 §3).
//   - A negative answer without an SOA record is not cached (RFC 2308 §5).
//   - A glueless server name inside the zone it serves is skipped: its
//     address could only come from that zone. Nested lookups of servers'
//     addresses go 4 deep at most; a resolution follows 16 referrals per
//     name and 8 CNAMEs at most.
//   - Stubs' queries of type ANY, AXFR or IXFR get NOTIMP; of a class
//     other than IN, REFUSED. RD=0 queries are resolved like RD=1 ones.
//   - The cache has no size limit: expired entries are dropped when they
//     are next looked up. A public resolver would bound it.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("resolver: ")

	port := flag.Int("port", 0, "UDP and TCP `port` to serve stubs on (required)")
	root := flag.String("root", "", "comma-separated IPv4 `addresses` of the root servers (required)")
	upstream := flag.Int("upstream-port", 53, "the `port` every name server listens on")
	flag.Parse()
	roots, err := parseRoots(*root)
	switch {
	case *port < 1 || *port > 65535 || *upstream < 1 || *upstream > 65535 || flag.NArg() > 0:
		err = fmt.Errorf("need -port P and -upstream-port Q in 1..65535, and no other arguments")
	case *root == "":
		err = fmt.Errorf("need -root IP[,IP...]")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "resolver: %v\n", err)
		flag.Usage()
		os.Exit(2)
	}

	r := newResolver(roots, uint16(*upstream))
	r.logf = log.Printf
	udp, tcp, err := listen(*port)
	if err != nil {
		log.Fatal(err) // port in use, or not allowed: nothing we can fix
	}
	hints := make([]string, len(roots))
	for i, a := range roots {
		hints[i] = a.String()
	}
	log.Printf("serving on port %d (udp, tcp), root hints %s, upstream port %d",
		*port, strings.Join(hints, ", "), *upstream)
	go r.serveUDP(udp)
	r.serveTCP(tcp)
}

// parseRoots reads the -root flag: IPv4 addresses, separated by commas.
func parseRoots(s string) ([]netip.Addr, error) {
	if s == "" {
		return nil, nil
	}
	var roots []netip.Addr
	for _, f := range strings.Split(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(f))
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("-root: %q is not an IPv4 address", f)
		}
		roots = append(roots, a)
	}
	return roots, nil
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
