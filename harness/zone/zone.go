// Package zone reads DNS zone files: the master-file format of RFC 1035
// §5, in the subset a course needs.
//
// A zone file lists the resource records of one zone, one per entry:
//
//	$ORIGIN example.com.
//	$TTL 3600
//	@       IN SOA ns1 admin ( 2024010101 7200 3600 1209600 300 )
//	        IN NS  ns1
//	ns1     IN A   192.0.2.1
//	www 300 IN A   192.0.2.10      ; a comment
//
// Supported: the $ORIGIN and $TTL directives; "@" for the origin; names
// relative to the origin or absolute (ending in "."); a blank owner, which
// repeats the previous one; the TTL and the class in either order, or left
// out; parentheses that continue an entry over several lines; comments
// from ";" to the end of the line; quoted strings with \" \\ and \DDD
// escapes; the class IN; and the types A, AAAA, NS, CNAME, MX, TXT and SOA.
// Anything else ($INCLUDE, other classes and types) is an error that names
// the file, line and column, as are records outside the zone and a CNAME
// that shares its name with other data (RFC 1034 §3.6.2).
//
// Names keep the case they were written in; compare them with Equal or
// Canonical (RFC 4343: DNS names are case-insensitive).
package zone

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Type is a record type, numbered as on the wire (RFC 1035 §3.2.2).
type Type uint16

// The record types a zone file may hold.
const (
	TypeA     Type = 1
	TypeNS    Type = 2
	TypeCNAME Type = 5
	TypeSOA   Type = 6
	TypeMX    Type = 15
	TypeTXT   Type = 16
	TypeAAAA  Type = 28
)

var typeNames = map[Type]string{
	TypeA: "A", TypeNS: "NS", TypeCNAME: "CNAME", TypeSOA: "SOA",
	TypeMX: "MX", TypeTXT: "TXT", TypeAAAA: "AAAA",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t)) // RFC 3597 §5
}

// ClassIN is the Internet class, the only one a zone file may use here.
const ClassIN = 1

// A Record is one resource record. Name is absolute ("www.example.com.").
type Record struct {
	Name string
	TTL  uint32 // seconds
	Data Data   // *A, *AAAA, *NS, *CNAME, *MX, *TXT or *SOA
}

// Type is the record's type, from its data.
func (r Record) Type() Type { return r.Data.Type() }

// String renders the record as a zone-file line, with absolute names:
// "www.example.com. 300 IN A 192.0.2.10".
func (r Record) String() string {
	return fmt.Sprintf("%s %d IN %s %s", r.Name, r.TTL, r.Type(), r.Data)
}

// Data is a record's type-specific part (RDATA).
type Data interface {
	Type() Type
	String() string // as in a zone file
}

// A is an IPv4 address (RFC 1035 §3.4.1).
type A struct{ Addr netip.Addr }

// AAAA is an IPv6 address (RFC 3596 §2.2).
type AAAA struct{ Addr netip.Addr }

// NS names an authoritative name server for the owner (RFC 1035 §3.3.11).
type NS struct{ Host string }

// CNAME says the owner is an alias of Target (RFC 1035 §3.3.1).
type CNAME struct{ Target string }

// MX names a mail exchanger; lower Preference is preferred (RFC 1035 §3.3.9).
type MX struct {
	Preference uint16
	Host       string
}

// TXT holds one or more character-strings of up to 255 bytes each
// (RFC 1035 §3.3.14).
type TXT struct{ Strings []string }

// SOA marks the start of a zone of authority (RFC 1035 §3.3.13). Minimum is
// also how long a resolver may cache a negative answer (RFC 2308 §4).
type SOA struct {
	MName   string // the primary name server
	RName   string // the administrator's mailbox, "admin.example.com." for admin@example.com
	Serial  uint32
	Refresh uint32
	Retry   uint32
	Expire  uint32
	Minimum uint32
}

func (*A) Type() Type     { return TypeA }
func (*AAAA) Type() Type  { return TypeAAAA }
func (*NS) Type() Type    { return TypeNS }
func (*CNAME) Type() Type { return TypeCNAME }
func (*MX) Type() Type    { return TypeMX }
func (*TXT) Type() Type   { return TypeTXT }
func (*SOA) Type() Type   { return TypeSOA }

func (d *A) String() string     { return d.Addr.String() }
func (d *AAAA) String() string  { return d.Addr.String() }
func (d *NS) String() string    { return d.Host }
func (d *CNAME) String() string { return d.Target }
func (d *MX) String() string    { return fmt.Sprintf("%d %s", d.Preference, d.Host) }

func (d *TXT) String() string {
	q := make([]string, len(d.Strings))
	for i, s := range d.Strings {
		q[i] = quote(s)
	}
	return strings.Join(q, " ")
}

func (d *SOA) String() string {
	return fmt.Sprintf("%s %s %d %d %d %d %d", d.MName, d.RName, d.Serial, d.Refresh, d.Retry, d.Expire, d.Minimum)
}

// quote writes s as a zone-file character-string: in double quotes, with
// '"' and '\' escaped and bytes outside printable ASCII as \DDD.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// A Zone is the parsed content of one zone file.
type Zone struct {
	Origin  string   // the zone's apex, the owner of its SOA: "example.com."
	Records []Record // in the order of the file
}

// SOA returns the zone's SOA record.
func (z *Zone) SOA() Record {
	for _, r := range z.Records {
		if r.Type() == TypeSOA {
			return r
		}
	}
	panic("zone: a parsed zone always has an SOA record")
}

// Lookup returns the records with the given name and type, in file order.
// Names compare without regard to case.
func (z *Zone) Lookup(name string, t Type) []Record {
	var out []Record
	for _, r := range z.Records {
		if r.Type() == t && Equal(r.Name, name) {
			out = append(out, r)
		}
	}
	return out
}

// Canonical returns name in lowercase ASCII, the form in which names
// compare (RFC 4343 §3: only A-Z and a-z are folded).
func Canonical(name string) string {
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Equal reports whether two names are the same DNS name.
func Equal(a, b string) bool { return Canonical(a) == Canonical(b) }

// InZone reports whether name is origin or below it.
func InZone(name, origin string) bool {
	n, o := Canonical(name), Canonical(origin)
	return n == o || o == "." || strings.HasSuffix(n, "."+o)
}

// String renders the zone as a zone file that Parse reads back to the
// same records: an $ORIGIN line, then one line per record, names absolute.
func (z *Zone) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n", z.Origin)
	for _, r := range z.Records {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}
