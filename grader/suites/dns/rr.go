package dns

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/harness/zone"
)

// An rr is a resource record as the checks compare them and as a student
// reads them in a failure: in zone-file form, names in lowercase (names
// are case-insensitive, RFC 4343), "www.example.org. 300 IN A 198.51.100.7".
type rr struct {
	Name string
	TTL  uint32
	Type dnsmessage.Type
	Data string
}

func (r rr) String() string {
	return fmt.Sprintf("%s %d IN %s %s", r.Name, r.TTL, typeName(r.Type), r.Data)
}

// noTTL is the record without its TTL, for checks about data alone.
func (r rr) noTTL() string {
	return fmt.Sprintf("%s IN %s %s", r.Name, typeName(r.Type), r.Data)
}

func typeName(t dnsmessage.Type) string {
	return strings.TrimPrefix(t.String(), "Type")
}

// rrFromZone is a zone-file record as an rr.
func rrFromZone(r zone.Record) rr {
	data := r.Data.String()
	switch r.Type() {
	case zone.TypeNS, zone.TypeCNAME, zone.TypeMX, zone.TypeSOA:
		data = zone.Canonical(data) // names in the data; the numbers do not mind
	}
	return rr{Name: zone.Canonical(r.Name), TTL: r.TTL, Type: dnsmessage.Type(r.Type()), Data: data}
}

// rrFromWire is a record of a reply as an rr.
func rrFromWire(r dnsmessage.Resource) rr {
	out := rr{Name: lower(r.Header.Name), TTL: r.Header.TTL, Type: r.Header.Type}
	switch b := r.Body.(type) {
	case *dnsmessage.AResource:
		out.Data = netip.AddrFrom4(b.A).String()
	case *dnsmessage.AAAAResource:
		out.Data = netip.AddrFrom16(b.AAAA).String()
	case *dnsmessage.NSResource:
		out.Data = lower(b.NS)
	case *dnsmessage.CNAMEResource:
		out.Data = lower(b.CNAME)
	case *dnsmessage.MXResource:
		out.Data = fmt.Sprintf("%d %s", b.Pref, lower(b.MX))
	case *dnsmessage.TXTResource:
		out.Data = (&zone.TXT{Strings: b.TXT}).String()
	case *dnsmessage.SOAResource:
		out.Data = fmt.Sprintf("%s %s %d %d %d %d %d", lower(b.NS), lower(b.MBox), b.Serial, b.Refresh, b.Retry, b.Expire, b.MinTTL)
	case *dnsmessage.OPTResource:
		out.Data = fmt.Sprintf("; EDNS: udp %d, %d options", r.Header.Class, len(b.Options))
	case *dnsmessage.UnknownResource:
		out.Data = fmt.Sprintf("\\# %d %x", len(b.Data), b.Data)
	default:
		out.Data = fmt.Sprintf("%v", r.Body)
	}
	return out
}

// lower is a name from a reply in the form rrs use.
func lower(n dnsmessage.Name) string { return zone.Canonical(n.String()) }

// rrs turns a section of a reply into rrs, leaving out OPT pseudo-records
// (RFC 6891 §6.1.1: they carry no data of the zone).
func rrs(section []dnsmessage.Resource) []rr {
	var out []rr
	for _, r := range section {
		if r.Header.Type != dnsmessage.TypeOPT {
			out = append(out, rrFromWire(r))
		}
	}
	return out
}

// sorted returns the records as sorted strings, for comparing sets: the
// order of records in a section carries no meaning (RFC 2181 §5).
func sorted(rs []rr, withTTL bool) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		if withTTL {
			out[i] = r.String()
		} else {
			out[i] = r.noTTL()
		}
	}
	slices.Sort(out)
	return out
}
