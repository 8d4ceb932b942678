// Resolver is the starter code for part 2 of the dns assignment: a
// caching, iterative resolver (the textbook's "local DNS server"). Read
// handouts/dns.md, part 2 (§7 to §12), first.
//
// Usage:
//
//	resolver -port P -root IP[,IP...] -upstream-port Q
//
// The flags:
//
//	-port P           the UDP port to serve stubs on, on every local address
//	-root IP[,IP...]  the root servers' addresses: the root hints
//	-upstream-port Q  the port every name server listens on (53 on the Internet)
//
// As given, the resolver parses its flags, binds its UDP port and reads
// stub queries, but answers none of them. Your job is the rest: for each
// stub query, ask the name servers, from the root down, with queries of
// your own; keep what they say in a cache; and answer the stub. Your
// message code from part 1 (or a message library, if your course allows
// it) writes and reads the messages; the resolving is yours.
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

	port := flag.Int("port", 0, "UDP `port` to serve stubs on (required)")
	root := flag.String("root", "", "the root servers' addresses, as `IP[,IP...]` (required)")
	upstream := flag.Int("upstream-port", 53, "the `port` name servers listen on")
	flag.Parse()
	var roots []netip.Addr
	for _, s := range strings.Split(*root, ",") {
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
			roots = append(roots, a)
		}
	}
	if *port < 1 || *port > 65535 || *upstream < 1 || *upstream > 65535 || len(roots) == 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "resolver: need -port P, -root IP[,IP...] and -upstream-port Q, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: *port})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("serving stubs on UDP port %d; root servers %v, port %d", *port, roots, *upstream)

	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			log.Fatal(err)
		}
		query := buf[:n]

		// TODO(handout §11 "When servers fail"): handle each stub query
		// on its own goroutine, so that a slow one delays no other; a
		// message you cannot read gets FORMERR or no reply.

		// TODO(handout §9 "Caching"): answer from the cache if you can.

		// TODO(handout §8 "Iterated queries"): otherwise ask the root
		// servers, with RD=0, and follow their referrals down to the
		// name's zone; follow CNAMEs; resolve name servers that come
		// without glue.

		// TODO(handout §10 "Trust"): a new random ID and port for each
		// query; accept only the reply to it; believe only what is in
		// the zone the server was asked about.

		// TODO(handout §8): reply to from with the stub's ID, RA=1, the
		// question copied, and the answer (or NXDOMAIN, NODATA, SERVFAIL).
		log.Printf("got a %d-byte stub query from %v; not answered yet", len(query), from)
	}
}
