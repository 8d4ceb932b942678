package dns

import (
	"fmt"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/zone"
)

// The compression check: a name, or the end of one, that a reply has
// already written is written again as a two-byte pointer (RFC 1035
// §4.1.4). RFC 1035 lets a sender choose; the handout does not.

var compressionChecks = []*grader.Check{
	{
		ID: "dns/compression/used", Name: "Repeated names are written as pointers", Points: 2,
		Requirement: `"Every name in a reply that repeats the end of a name before it is written as a pointer (RFC 1035 §4.1.4)." (handout §2) "In this scheme, an entire domain name or a list of labels at the end of a domain name is replaced with a pointer to a prior occurance of the same name." (RFC 1035 §4.1.4) Owner names and the names in NS, CNAME, MX and SOA data are compressed (RFC 3597 §4).`,
		Handout:     secMessage,
		Run:         compressionUsed,
	},
}

// compressionUsed asks for www's addresses (the owner names repeat the
// question's name) and for the apex's MX records (the exchangers' names,
// and the owners of the additional records, end in the zone's name). Each
// reply must be no larger than the same message with every repeated name
// compressed: the reply as dnsmessage reads it, packed again by
// dnsmessage, which compresses exactly the names RFC 3597 §4 allows and
// points each at its longest earlier match.
func compressionUsed(t *grader.T) {
	s := startServer(t, "udp")
	// Without EDNS: no OPT record to pack again, and the replies fit in
	// 512 bytes, compressed or not.
	for _, qt := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeMX} {
		rel := "www"
		if qt == dnsmessage.TypeMX {
			rel = "@"
		}
		r := s.ask(newQuery(t, rel, qt))
		if len(r.msg.Answers) == 0 {
			r.fail(t, "has no answer, so there are no repeated names to judge compression by",
				fmt.Sprintf("the %s records of %s", typeName(qt), name(rel)), "an empty answer section")
		}
		expectCompressed(t, r)
	}
}

// expectCompressed fails unless r is at most as large as its own content
// packed with compression.
func expectCompressed(t *grader.T, r *reply) {
	m := r.msg
	// Message.Pack compresses as a Builder with EnableCompression does.
	packed, err := m.Pack()
	if err != nil {
		r.fail(t, fmt.Sprintf("cannot be written again as a DNS message: %v", err), "a reply that follows RFC 1035 §4.1", "")
	}
	if len(r.raw) <= len(packed) {
		t.Logf("your reply to %s is %d bytes; with every repeated name compressed it is %d bytes", r.q, len(r.raw), len(packed))
		return
	}
	actual := fmt.Sprintf("%d bytes", len(r.raw))
	if where := uncompressed(r.raw); where != "" {
		actual += "; for instance, " + where
	}
	r.fail(t, fmt.Sprintf("is %d bytes; with each repeated name written as a pointer it would be %d bytes", len(r.raw), len(packed)),
		fmt.Sprintf("at most %d bytes: each name, or end of a name, that the reply already holds written as a 2-byte pointer to it (handout §2)", len(packed)),
		actual)
}

// uncompressed finds the first name in msg that spells out labels a
// pointer could stand for, and says where it is; "" if it finds none (or
// cannot walk the message). It walks the question, and in every record
// the owner name and the names in NS, CNAME, SOA and MX data.
func uncompressed(msg []byte) string {
	w := nameWalker{msg: msg, seen: map[string]int{}}
	if len(msg) < 12 {
		return ""
	}
	off := 12
	count := func(i int) int { return int(msg[4+2*i])<<8 | int(msg[5+2*i]) }
	for range count(0) {
		if off = w.name(off); off < 0 || off+4 > len(msg) {
			return w.found
		}
		off += 4
	}
	for range count(1) + count(2) + count(3) {
		if off = w.name(off); off < 0 || off+10 > len(msg) {
			return w.found
		}
		typ := zone.Type(int(msg[off])<<8 | int(msg[off+1]))
		rdlen := int(msg[off+8])<<8 | int(msg[off+9])
		rdata := off + 10
		switch typ {
		case zone.TypeNS, zone.TypeCNAME:
			w.name(rdata)
		case zone.TypeSOA:
			if next := w.name(rdata); next > 0 {
				w.name(next)
			}
		case zone.TypeMX:
			w.name(rdata + 2)
		}
		off = rdata + rdlen
	}
	return w.found
}

// A nameWalker reads the names of a message in order, remembering where
// each name and each end of a name was first written out.
type nameWalker struct {
	msg   []byte
	seen  map[string]int // a name (lowercase) -> the offset of its first copy
	found string         // the first name that repeats one seen, as a sentence
}

// name reads the name at off and returns the offset after it, or -1.
func (w *nameWalker) name(off int) int {
	var labels []string
	var at []int // offset of each label written out here
	end := -1
	for pos, hops := off, 0; ; {
		if pos >= len(w.msg) || hops > 20 {
			return -1
		}
		c := int(w.msg[pos])
		switch {
		case c == 0:
			if end < 0 {
				end = pos + 1
			}
		case c&0xc0 == 0xc0:
			if pos+1 >= len(w.msg) {
				return -1
			}
			if end < 0 {
				end = pos + 2
			}
			pos = (c&0x3f)<<8 | int(w.msg[pos+1])
			hops++
			continue
		case c&0xc0 != 0 || pos+1+c > len(w.msg):
			return -1
		default:
			if end < 0 {
				at = append(at, pos)
			}
			labels = append(labels, zone.Canonical(string(w.msg[pos+1:pos+1+c])))
			pos += 1 + c
			continue
		}
		break
	}
	// Each label written out here starts an end of the name that a
	// pointer could have replaced, if it was written before.
	for i, pos := range at {
		suffix := strings.Join(labels[i:], ".") + "."
		if first, ok := w.seen[suffix]; ok && w.found == "" {
			w.found = fmt.Sprintf("at byte %d the name %s spells out %q (%d bytes), which is already at byte %d: a 2-byte pointer to byte %d would do",
				off, strings.Join(labels, ".")+".", suffix, end-pos, first, first)
		}
		if _, ok := w.seen[suffix]; !ok {
			w.seen[suffix] = pos
		}
	}
	return end
}
