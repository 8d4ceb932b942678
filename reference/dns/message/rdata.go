package message

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// RData is the type-specific part of a record, its RDATA (RFC 1035 §3.3).
// It is one of *A, *AAAA, *NS, *CNAME, *MX, *TXT, *SOA, *OPT, or *Unknown
// for any other type.
type RData interface {
	String() string // as in a zone file, or as dig shows it
	// pack appends the data in wire form to msg, which holds the message
	// from its first byte; names may be compressed with c.
	pack(msg []byte, c *compressor) ([]byte, error)
}

// A is an IPv4 address (RFC 1035 §3.4.1).
type A struct{ Addr netip.Addr }

// AAAA is an IPv6 address (RFC 3596 §2.2).
type AAAA struct{ Addr netip.Addr }

// NS names an authoritative name server for the owner (RFC 1035 §3.3.11).
type NS struct{ Host string }

// CNAME says that the owner is an alias and Target the canonical name
// (RFC 1035 §3.3.1).
type CNAME struct{ Target string }

// MX names a mail exchanger; a lower Preference is tried first
// (RFC 1035 §3.3.9).
type MX struct {
	Preference uint16
	Host       string
}

// TXT holds one or more character-strings of at most 255 bytes each
// (RFC 1035 §3.3.14).
type TXT struct{ Strings []string }

// SOA marks the start of a zone of authority (RFC 1035 §3.3.13).
type SOA struct {
	MName   string // the primary name server
	RName   string // the administrator's mailbox: "admin.example.com." for admin@example.com
	Serial  uint32
	Refresh uint32
	Retry   uint32
	Expire  uint32
	Minimum uint32 // also the TTL of negative answers (RFC 2308 §4)
}

// OPT is the data of the EDNS pseudo-record: a list of options, each a
// 2-byte code, a 2-byte length and that many bytes (RFC 6891 §6.1.2).
// They are kept as they are on the wire; none is nil. See EDNS for the
// record's other fields.
type OPT struct{ Options []byte }

// Unknown is the data of any other type, as it is on the wire (no data is
// nil). Such data
// is never compressed (RFC 3597 §4), so the bytes mean the same wherever
// they are written.
//
// Only NS, CNAME, SOA and MX have their names compressed here. RFC 1035's
// other types that may hold compressed names, PTR among them, are read as
// Unknown too; a pointer inside them is kept as two bytes, and would point
// elsewhere once the record is written into another message.
type Unknown struct{ Bytes []byte }

// Interface guards: each type is an RData.
var (
	_ RData = (*A)(nil)
	_ RData = (*AAAA)(nil)
	_ RData = (*NS)(nil)
	_ RData = (*CNAME)(nil)
	_ RData = (*MX)(nil)
	_ RData = (*TXT)(nil)
	_ RData = (*SOA)(nil)
	_ RData = (*OPT)(nil)
	_ RData = (*Unknown)(nil)
)

func (d *A) String() string     { return d.Addr.String() }
func (d *AAAA) String() string  { return d.Addr.String() }
func (d *NS) String() string    { return d.Host }
func (d *CNAME) String() string { return d.Target }
func (d *MX) String() string    { return fmt.Sprintf("%d %s", d.Preference, d.Host) }

func (d *SOA) String() string {
	return fmt.Sprintf("%s %s %d %d %d %d %d", d.MName, d.RName, d.Serial, d.Refresh, d.Retry, d.Expire, d.Minimum)
}

// String writes the strings quoted, with '"' and '\' escaped and bytes
// outside printable ASCII as \DDD.
func (d *TXT) String() string {
	q := make([]string, len(d.Strings))
	for i, s := range d.Strings {
		var b []byte
		for _, c := range []byte(s) {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < ' ' || c > '~':
				b = fmt.Appendf(b, "\\%03d", c)
			default:
				b = append(b, c)
			}
		}
		q[i] = `"` + string(b) + `"`
	}
	return strings.Join(q, " ")
}

func (d *OPT) String() string { return "options " + hex.EncodeToString(d.Options) }

// String uses the generic form of RFC 3597 §5: \# length hex.
func (d *Unknown) String() string {
	return fmt.Sprintf(`\# %d %s`, len(d.Bytes), hex.EncodeToString(d.Bytes))
}

// typeOf is the record type that goes with a kind of data, and false for
// *Unknown, which goes with any type but these.
func typeOf(d RData) (Type, bool) {
	switch d.(type) {
	case *A:
		return TypeA, true
	case *AAAA:
		return TypeAAAA, true
	case *NS:
		return TypeNS, true
	case *CNAME:
		return TypeCNAME, true
	case *MX:
		return TypeMX, true
	case *TXT:
		return TypeTXT, true
	case *SOA:
		return TypeSOA, true
	case *OPT:
		return TypeOPT, true
	}
	return 0, false
}

// parseRData reads the data of a record of type t from msg[off:end]. The
// names in it may point anywhere earlier in msg, but must end by end; and
// the fields must use up exactly end-off bytes.
func parseRData(msg []byte, off, end int, t Type) (RData, error) {
	r := rdataReader{msg: msg, pos: off, end: end}
	var d RData
	switch t {
	case TypeA:
		d = &A{netip.AddrFrom4([4]byte(r.bytes(4)))}
	case TypeAAAA:
		d = &AAAA{netip.AddrFrom16([16]byte(r.bytes(16)))}
	case TypeNS:
		d = &NS{r.name()}
	case TypeCNAME:
		d = &CNAME{r.name()}
	case TypeMX:
		d = &MX{r.uint16(), r.name()} // Go calls these left to right: wire order
	case TypeSOA:
		d = &SOA{r.name(), r.name(), r.uint32(), r.uint32(), r.uint32(), r.uint32(), r.uint32()}
	case TypeTXT:
		d = r.txt()
	case TypeOPT:
		d = r.opt()
	default:
		d = &Unknown{Bytes: append([]byte(nil), r.bytes(end-off)...)}
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.pos != end {
		return nil, ErrRDataLen
	}
	return d, nil
}

// An rdataReader reads the fields of one record's data in order. The
// first error sticks, and later reads return zero values, so that a type's
// fields can be read in one expression and checked once.
type rdataReader struct {
	msg      []byte
	pos, end int
	err      error
}

func (r *rdataReader) bytes(n int) []byte {
	if r.err != nil || r.pos+n > r.end {
		r.err = ErrRDataLen
		return make([]byte, n)
	}
	b := r.msg[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *rdataReader) uint16() uint16 { return binary.BigEndian.Uint16(r.bytes(2)) }
func (r *rdataReader) uint32() uint32 { return binary.BigEndian.Uint32(r.bytes(4)) }

func (r *rdataReader) name() string {
	if r.err != nil {
		return ""
	}
	name, next, err := readName(r.msg[:r.end], r.pos)
	switch {
	case errors.Is(err, ErrShort): // the name runs past RDLENGTH
		r.err = ErrRDataLen
	case err != nil:
		r.err = err
	}
	r.pos = next
	return name
}

// txt reads one or more character-strings, each a length byte and that
// many bytes, up to the end of the data.
func (r *rdataReader) txt() *TXT {
	d := &TXT{}
	for r.err == nil && r.pos < r.end {
		n := int(r.bytes(1)[0])
		d.Strings = append(d.Strings, string(r.bytes(n)))
	}
	if len(d.Strings) == 0 && r.err == nil {
		r.err = ErrRDataLen // RFC 1035 §3.3.14: "One or more"
	}
	return d
}

// opt checks that the options are whole {code, length, data} triples and
// keeps them as bytes.
func (r *rdataReader) opt() *OPT {
	start := r.pos
	for r.err == nil && r.pos < r.end {
		r.uint16()               // option code
		r.bytes(int(r.uint16())) // option length, and data
	}
	return &OPT{Options: append([]byte(nil), r.msg[start:r.pos]...)}
}

func (d *A) pack(msg []byte, _ *compressor) ([]byte, error) {
	if !d.Addr.Is4() {
		return nil, fmt.Errorf("%w: A record with address %v", ErrRData, d.Addr)
	}
	return append(msg, d.Addr.AsSlice()...), nil
}

func (d *AAAA) pack(msg []byte, _ *compressor) ([]byte, error) {
	if !d.Addr.Is6() {
		return nil, fmt.Errorf("%w: AAAA record with address %v", ErrRData, d.Addr)
	}
	a := d.Addr.As16()
	return append(msg, a[:]...), nil
}

func (d *NS) pack(msg []byte, c *compressor) ([]byte, error) {
	return appendName(msg, d.Host, c)
}

func (d *CNAME) pack(msg []byte, c *compressor) ([]byte, error) {
	return appendName(msg, d.Target, c)
}

func (d *MX) pack(msg []byte, c *compressor) ([]byte, error) {
	msg = binary.BigEndian.AppendUint16(msg, d.Preference)
	return appendName(msg, d.Host, c)
}

func (d *SOA) pack(msg []byte, c *compressor) ([]byte, error) {
	msg, err := appendName(msg, d.MName, c)
	if err != nil {
		return nil, err
	}
	if msg, err = appendName(msg, d.RName, c); err != nil {
		return nil, err
	}
	for _, v := range []uint32{d.Serial, d.Refresh, d.Retry, d.Expire, d.Minimum} {
		msg = binary.BigEndian.AppendUint32(msg, v)
	}
	return msg, nil
}

func (d *TXT) pack(msg []byte, _ *compressor) ([]byte, error) {
	if len(d.Strings) == 0 {
		return nil, fmt.Errorf("%w: TXT record without strings", ErrRData)
	}
	for _, s := range d.Strings {
		if len(s) > 255 {
			return nil, fmt.Errorf("%w: TXT string of %d bytes, over 255", ErrRData, len(s))
		}
		msg = append(msg, byte(len(s)))
		msg = append(msg, s...)
	}
	return msg, nil
}

func (d *OPT) pack(msg []byte, _ *compressor) ([]byte, error) {
	return append(msg, d.Options...), nil
}

func (d *Unknown) pack(msg []byte, _ *compressor) ([]byte, error) {
	return append(msg, d.Bytes...), nil
}
