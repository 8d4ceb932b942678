// Package message reads and writes DNS messages: the wire format of
// RFC 1035 §4.1, with name compression (§4.1.4) and the EDNS(0) OPT
// pseudo-record (RFC 6891).
//
// Every DNS message, query or response, over UDP or TCP, has the same
// shape (RFC 1035 §4.1):
//
//	+------------+
//	| Header     |  12 bytes: ID, flags, and how many entries each section has
//	+------------+
//	| Question   |  what is asked: a name, a type, a class
//	+------------+
//	| Answer     |  records that answer the question
//	+------------+
//	| Authority  |  records that point toward an authority (NS, or the SOA)
//	+------------+
//	| Additional |  records that may help, such as the addresses of name servers
//	+------------+
//
// Parse turns bytes into a Message and Pack turns a Message into bytes.
// Parse reads bytes from anyone on the network, so it is strict: every
// length is checked against the data, and anything malformed is an error,
// never a panic or an endless loop.
//
// Names are strings in presentation form, always absolute: "www.example.com."
// and "." for the root. A label on the wire may hold any byte, so bytes
// that would change the meaning of the text are escaped: "\." for a dot
// inside a label, "\\", the zone-file specials "\"", "\(", "\)", "\;",
// "\@", "\$", and \DDD (three decimal digits) for a space and for any byte
// outside printable ASCII (RFC 1035 §5.1, RFC 4343 §2.1). This is the form
// that package github.com/socklab/socklab/harness/zone writes too, so names
// from a zone file and names from the wire compare as strings. A name read
// from the wire and written back gives the same bytes.
package message

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors. Parse and Pack wrap them, so test with errors.Is.
var (
	// ErrShort: the message ends inside its header, a name, a question or
	// a record, or it has fewer entries than its header counts.
	ErrShort = errors.New("message: too short")
	// ErrTrailing: there are bytes after the last entry the header counts.
	ErrTrailing = errors.New("message: bytes after the last record")
	// ErrLabelType: a label's length byte starts with the bits 01 or 10,
	// which RFC 1035 §4.1.4 reserves. A label longer than 63 bytes would
	// need such a length byte, so this is also "label too long".
	ErrLabelType = errors.New("message: reserved label type (a label longer than 63 bytes?)")
	// ErrPointer: a compression pointer that does not point back to an
	// earlier name (RFC 1035 §4.1.4: "a prior occurrence"), or a name
	// that follows too many pointers.
	ErrPointer = errors.New("message: compression pointer does not point back to an earlier name")
	// ErrNameLen: a name longer than 255 bytes in wire form
	// (RFC 1035 §2.3.4).
	ErrNameLen = errors.New("message: name longer than 255 bytes")
	// ErrLabelLen: a label longer than 63 bytes (RFC 1035 §2.3.4).
	ErrLabelLen = errors.New("message: label longer than 63 bytes")
	// ErrName: a name in presentation form that cannot be written: not
	// absolute, an empty label ("a..b."), or a bad escape.
	ErrName = errors.New("message: bad name")
	// ErrRDataLen: a record's RDLENGTH does not match what its type holds,
	// such as an A record whose data is not 4 bytes.
	ErrRDataLen = errors.New("message: record data length does not match its type")
	// ErrRData: record data that cannot be written: a Data whose Go type
	// does not match the record's Type, an A record without an IPv4
	// address, a TXT string over 255 bytes.
	ErrRData = errors.New("message: bad record data")
	// ErrField: a header field out of range, such as a 5-bit Opcode.
	ErrField = errors.New("message: header field out of range")
	// ErrTooLong: more than 65,535 bytes, or more than 65,535 entries in
	// a section; neither fits the format (RFC 1035 §4.1.1, §4.2.2).
	ErrTooLong = errors.New("message: too long")
	// ErrLimit: PackLimit cannot fit even the header and question.
	ErrLimit = errors.New("message: header and question alone exceed the limit")
	// ErrOPT: more than one OPT record, or one outside the additional
	// section, or not owned by the root (RFC 6891 §6.1.1).
	ErrOPT = errors.New("message: misplaced or repeated OPT record")
)

// A ParseError says where Parse found a mistake. Err is one of the
// sentinel errors above.
type ParseError struct {
	Section string // "header", "question", "answer", "authority", "additional", or "" after them
	Index   int    // the entry in the section, from 1; 0 for the header and after the sections
	Offset  int    // where the entry starts in the message
	Err     error
}

func (e *ParseError) Error() string {
	if e.Index == 0 {
		return fmt.Sprintf("%v (at byte %d)", e.Err, e.Offset)
	}
	return fmt.Sprintf("%v (%s %d, at byte %d)", e.Err, e.Section, e.Index, e.Offset)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Type is a record type, or a query type such as ANY (RFC 1035 §3.2.2,
// §3.2.3).
type Type uint16

// The types this package knows, and the query types a server must
// recognize.
const (
	TypeA     Type = 1
	TypeNS    Type = 2
	TypeCNAME Type = 5
	TypeSOA   Type = 6
	TypeMX    Type = 15
	TypeTXT   Type = 16
	TypeAAAA  Type = 28  // RFC 3596
	TypeOPT   Type = 41  // RFC 6891
	TypeIXFR  Type = 251 // RFC 1995
	TypeAXFR  Type = 252 // RFC 5936
	TypeANY   Type = 255 // "*": every type (RFC 1035 §3.2.3, RFC 8482)
)

var typeNames = map[Type]string{
	TypeA: "A", TypeNS: "NS", TypeCNAME: "CNAME", TypeSOA: "SOA",
	TypeMX: "MX", TypeTXT: "TXT", TypeAAAA: "AAAA", TypeOPT: "OPT",
	TypeIXFR: "IXFR", TypeAXFR: "AXFR", TypeANY: "ANY",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t)) // RFC 3597 §5
}

// Class is a record class (RFC 1035 §3.2.4). In an OPT record the class
// field holds a UDP payload size instead (RFC 6891 §6.1.2).
type Class uint16

// Classes.
const (
	ClassIN  Class = 1   // the Internet
	ClassCH  Class = 3   // Chaos
	ClassANY Class = 255 // "*", in questions only
)

func (c Class) String() string {
	switch c {
	case ClassIN:
		return "IN"
	case ClassCH:
		return "CH"
	case ClassANY:
		return "ANY"
	}
	return "CLASS" + strconv.Itoa(int(c)) // RFC 3597 §5
}

// Opcodes (RFC 1035 §4.1.1). Only the standard query concerns us.
const (
	OpcodeQuery  = 0
	OpcodeStatus = 2
	OpcodeNotify = 4 // RFC 1996
	OpcodeUpdate = 5 // RFC 2136
)

// Response codes (RFC 1035 §4.1.1). The header has room for 4 bits;
// EDNS adds 8 more bits in the OPT record (RFC 6891 §6.1.3), which is
// where RCodeBadVers lives.
const (
	RCodeSuccess  = 0 // NOERROR
	RCodeFormErr  = 1 // the server could not read the query
	RCodeServFail = 2
	RCodeNXDomain = 3  // the name does not exist
	RCodeNotImp   = 4  // the server does not do this kind of query
	RCodeRefused  = 5  // the server will not answer, by policy
	RCodeBadVers  = 16 // EDNS version not supported (RFC 6891 §9)
)

// Header is the fixed start of every message (RFC 1035 §4.1.1):
//
//	  0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
//	+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//	|                      ID                       |
//	+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//	|QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
//	+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//	|        QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT     |  four 16-bit counts
//	+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//
// The counts are not fields here: Parse reads that many entries into the
// sections, and Pack counts the entries of the sections.
type Header struct {
	ID     uint16 // chosen by the asker, copied into the response
	QR     bool   // false in a query, true in a response
	Opcode uint8  // 4 bits: the kind of query, OpcodeQuery for a lookup
	AA     bool   // authoritative answer: the server owns the zone
	TC     bool   // truncated: the message did not fit, ask over TCP
	RD     bool   // recursion desired, copied into the response
	RA     bool   // recursion available
	Z      uint8  // 3 bits, kept as received (DNSSEC uses two as AD and CD, RFC 4035 §3.2)
	RCode  uint8  // 4 bits: RCodeSuccess, RCodeNXDomain, ...
}

// Question is an entry of the question section (RFC 1035 §4.1.2).
type Question struct {
	Name  string
	Type  Type
	Class Class
}

// Record is a resource record, the entry of the other three sections
// (RFC 1035 §4.1.3). Data's Go type must match Type: *A for TypeA, and so
// on, and *Unknown for a type this package does not know.
type Record struct {
	Name  string
	Type  Type
	Class Class
	TTL   uint32 // seconds it may be cached
	Data  RData
}

// String renders the record as dig does: "www.example.com. 300 IN A 192.0.2.1".
func (r Record) String() string {
	return fmt.Sprintf("%s\t%d\t%s\t%s\t%v", r.Name, r.TTL, r.Class, r.Type, r.Data)
}

// Message is a whole DNS message.
type Message struct {
	Header
	Questions  []Question
	Answers    []Record
	Authority  []Record
	Additional []Record
}

// String renders the message over several lines, in the manner of dig.
func (m *Message) String() string {
	var b strings.Builder
	h := m.Header
	fmt.Fprintf(&b, ";; id %d, opcode %d, rcode %d, flags:", h.ID, h.Opcode, h.RCode)
	for _, f := range []struct {
		on   bool
		name string
	}{{h.QR, "qr"}, {h.AA, "aa"}, {h.TC, "tc"}, {h.RD, "rd"}, {h.RA, "ra"}} {
		if f.on {
			b.WriteString(" " + f.name)
		}
	}
	b.WriteString("\n;; QUESTION\n")
	for _, q := range m.Questions {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", q.Name, q.Class, q.Type)
	}
	for _, s := range []struct {
		name    string
		records []Record
	}{{"ANSWER", m.Answers}, {"AUTHORITY", m.Authority}, {"ADDITIONAL", m.Additional}} {
		if len(s.records) == 0 {
			continue
		}
		fmt.Fprintf(&b, ";; %s\n", s.name)
		for _, r := range s.records {
			b.WriteString(r.String() + "\n")
		}
	}
	return b.String()
}
