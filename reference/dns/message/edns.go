package message

import "fmt"

// EDNS holds what an OPT pseudo-record says (RFC 6891 §6.1). EDNS(0) adds
// to DNS what its 12-byte header has no room for: larger UDP messages,
// more bits of RCODE, a version, more flags. Rather than change the
// header, it rides in the additional section as a record that describes
// the message, not a name, and it reuses the record's fields:
//
//	NAME    the root, "."
//	TYPE    OPT (41)
//	CLASS   the sender's UDP payload size: how big a reply it can receive
//	TTL     extended RCODE (8 bits), version (8), DO (1), Z (15)
//	RDATA   options: {code, length, data}...
type EDNS struct {
	UDPSize  uint16 // bytes; RFC 6891 §6.2.5 says to treat less than 512 as 512
	ExtRCode uint8  // the upper 8 bits of a 12-bit RCODE; the header has the lower 4
	Version  uint8  // 0 is the only version there is
	DO       bool   // DNSSEC OK (RFC 3225)
	Z        uint16 // the other 15 flag bits; zero when sent
	Options  []byte // as on the wire
}

// Record returns the OPT record that says e, to put in the additional
// section.
func (e EDNS) Record() Record {
	ttl := uint32(e.ExtRCode)<<24 | uint32(e.Version)<<16 | uint32(e.Z&0x7FFF)
	if e.DO {
		ttl |= 1 << 15
	}
	return Record{Name: ".", Type: TypeOPT, Class: Class(e.UDPSize), TTL: ttl, Data: &OPT{Options: e.Options}}
}

// EDNS returns what m's OPT record says, or nil when m has none.
//
// A message may have at most one OPT record, in its additional section,
// owned by the root; anything else is ErrOPT, and a server answers it with
// FORMERR (RFC 6891 §6.1.1).
func (m *Message) EDNS() (*EDNS, error) {
	for _, section := range [][]Record{m.Answers, m.Authority} {
		for _, r := range section {
			if r.Type == TypeOPT {
				return nil, fmt.Errorf("%w: outside the additional section", ErrOPT)
			}
		}
	}
	var e *EDNS
	for _, r := range m.Additional {
		if r.Type != TypeOPT {
			continue
		}
		if e != nil {
			return nil, fmt.Errorf("%w: more than one", ErrOPT)
		}
		if r.Name != "." {
			return nil, fmt.Errorf("%w: owned by %q, not the root", ErrOPT, r.Name)
		}
		e = &EDNS{
			UDPSize:  uint16(r.Class),
			ExtRCode: uint8(r.TTL >> 24),
			Version:  uint8(r.TTL >> 16),
			DO:       r.TTL&(1<<15) != 0,
			Z:        uint16(r.TTL & 0x7FFF),
		}
		if opt, ok := r.Data.(*OPT); ok {
			e.Options = opt.Options
		}
	}
	return e, nil
}
