// Server is the starter code for the dns assignment: an authoritative name
// server for one zone. Read handouts/dns.md first.
//
// Usage:
//
//	server -port P -zone FILE
//
// The flags:
//
//	-port P      the port to serve on, UDP and TCP, on every local address
//	-zone FILE   the zone file to serve (handout §4)
//
// As given, the server loads the zone with the zone-file parser the kit
// gives you (github.com/socklab/socklab/harness/zone), binds its UDP port
// and reads queries, but answers none of them. Your job is the rest: read
// each query, look its name up in the zone, and send back a reply, all in
// the message format of RFC 1035 §4.1, which you write yourself.
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

	port := flag.Int("port", 0, "`port` to serve on, UDP and TCP (required)")
	zoneFile := flag.String("zone", "", "zone `file` to serve (required)")
	flag.Parse()
	if *port < 1 || *port > 65535 || *zoneFile == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "server: need -port P with P in 1..65535 and -zone FILE, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}

	z, err := zone.ParseFile(*zoneFile)
	if err != nil {
		log.Fatal(err) // the error names the file, line and column
	}
	// Each record has a Name, a TTL, a Type() and typed Data (*zone.A,
	// *zone.MX, ...); z.Lookup(name, type) finds records. Printing them
	// all (log.Print(z)) shows what the parser read.
	log.Printf("loaded zone %s: %d records", z.Origin, len(z.Records))

	conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: *port})
	if err != nil {
		log.Fatal(err)
	}
	// TODO(handout §5 "UDP, TCP and EDNS"): serve TCP on the same port
	// too, each message behind a two-byte length.

	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			log.Fatal(err)
		}
		query := buf[:n]

		// TODO(handout §2 "The message format"): parse the header and the
		// question. A message you cannot read gets FORMERR or no reply,
		// and the server goes on.

		// TODO(handout §3 "How the server answers"): find the answer in
		// z: records, CNAMEs, referrals, NXDOMAIN and NODATA.

		// TODO(handout §2 and §5): build the reply, with name
		// compression, no bigger than the client can take, and send it
		// to from.
		log.Printf("got a %d-byte query from %v; not answered yet", len(query), from)
	}
}
