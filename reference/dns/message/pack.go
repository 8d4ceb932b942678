package message

import (
	"encoding/binary"
	"fmt"
)

// maxMessageLen is the most a message can be: over TCP its length is a
// 16-bit number (RFC 1035 §4.2.2); a UDP payload is smaller still.
const maxMessageLen = 65535

// Pack returns m in wire form. The header's four counts are the lengths of
// the sections. Names are compressed (RFC 1035 §4.1.4): an owner name, or
// a name inside NS, CNAME, MX or SOA data, whose ending is already in the
// message becomes a pointer to it. Data of other types is never
// compressed (RFC 3597 §4).
func (m *Message) Pack() ([]byte, error) {
	b, err := m.pack()
	if err != nil {
		return nil, err
	}
	if len(b) > maxMessageLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLong, len(b))
	}
	return b, nil
}

// PackLimit is Pack for a message that must fit in limit bytes: a UDP
// reply, which may be 512 bytes (RFC 1035 §4.2.1), or as many as the asker
// offers with EDNS (RFC 6891 §6.2.3).
//
// When the whole message does not fit, PackLimit truncates it in the
// simplest way that is always correct: it keeps the header and the
// question, sets TC, and leaves the answer, authority and additional
// sections empty, except for the OPT record, which the reply to an EDNS
// query must carry, truncated or not (RFC 6891 §7). TC tells the asker to
// ask again over TCP, where the whole reply fits (RFC 1035 §4.2.2,
// RFC 7766 §5).
//
// Why not keep the records that fit? RFC 2181 §9 allows it, but only whole
// RRsets, and only extra data may be dropped without setting TC, which
// means knowing which records are extra: the addresses of mail servers
// are, the glue of a referral is not (RFC 9471). A reply with nothing in it
// cannot be misread.
func (m *Message) PackLimit(limit int) ([]byte, error) {
	limit = min(limit, maxMessageLen)
	b, err := m.pack()
	if err != nil {
		return nil, err
	}
	if len(b) <= limit {
		return b, nil
	}
	t := &Message{Header: m.Header, Questions: m.Questions}
	t.TC = true
	for _, r := range m.Additional {
		if r.Type == TypeOPT {
			t.Additional = append(t.Additional, r)
		}
	}
	if b, err = t.pack(); err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrLimit, len(b), limit)
	}
	return b, nil
}

// pack writes the message, of any length.
func (m *Message) pack() ([]byte, error) {
	sections := [][]Record{m.Answers, m.Authority, m.Additional}
	counts := []int{len(m.Questions), len(m.Answers), len(m.Authority), len(m.Additional)}
	for _, n := range counts {
		if n > 0xFFFF {
			return nil, fmt.Errorf("%w: %d entries in a section", ErrTooLong, n)
		}
	}
	msg, err := appendHeader(make([]byte, 0, 512), m.Header, counts)
	if err != nil {
		return nil, err
	}
	c := &compressor{offsets: make(map[string]int)}
	for _, q := range m.Questions {
		if msg, err = appendName(msg, q.Name, c); err != nil {
			return nil, err
		}
		msg = binary.BigEndian.AppendUint16(msg, uint16(q.Type))
		msg = binary.BigEndian.AppendUint16(msg, uint16(q.Class))
	}
	for _, records := range sections {
		for _, r := range records {
			if msg, err = appendRecord(msg, r, c); err != nil {
				return nil, err
			}
		}
	}
	return msg, nil
}

// appendHeader appends the 12-byte header (see Header for the layout).
func appendHeader(msg []byte, h Header, counts []int) ([]byte, error) {
	if h.Opcode > 0xF || h.Z > 0x7 || h.RCode > 0xF {
		return nil, fmt.Errorf("%w: opcode %d, z %d, rcode %d", ErrField, h.Opcode, h.Z, h.RCode)
	}
	bit := func(on bool, n uint) uint16 {
		if on {
			return 1 << n
		}
		return 0
	}
	flags := bit(h.QR, 15) | uint16(h.Opcode)<<11 | bit(h.AA, 10) | bit(h.TC, 9) |
		bit(h.RD, 8) | bit(h.RA, 7) | uint16(h.Z)<<4 | uint16(h.RCode)
	msg = binary.BigEndian.AppendUint16(msg, h.ID)
	msg = binary.BigEndian.AppendUint16(msg, flags)
	for _, n := range counts {
		msg = binary.BigEndian.AppendUint16(msg, uint16(n))
	}
	return msg, nil
}

// appendRecord appends a resource record (RFC 1035 §4.1.3). RDLENGTH is
// known only once the data is written, with its names compressed, so two
// bytes are kept for it and filled in afterwards.
func appendRecord(msg []byte, r Record, c *compressor) ([]byte, error) {
	if r.Data == nil {
		return nil, fmt.Errorf("%w: %s %v record without data", ErrRData, r.Name, r.Type)
	}
	want, known := typeOf(r.Data)
	if (known && want != r.Type) || (!known && isKnown(r.Type)) {
		return nil, fmt.Errorf("%w: %s record with %T data", ErrRData, r.Type, r.Data)
	}
	msg, err := appendName(msg, r.Name, c)
	if err != nil {
		return nil, err
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(r.Type))
	msg = binary.BigEndian.AppendUint16(msg, uint16(r.Class))
	msg = binary.BigEndian.AppendUint32(msg, r.TTL)
	lenAt := len(msg)
	msg = append(msg, 0, 0) // RDLENGTH, for now
	if msg, err = r.Data.pack(msg, c); err != nil {
		return nil, err
	}
	n := len(msg) - lenAt - 2
	if n > 0xFFFF {
		return nil, fmt.Errorf("%w: %d bytes of record data", ErrTooLong, n)
	}
	binary.BigEndian.PutUint16(msg[lenAt:], uint16(n))
	return msg, nil
}

// isKnown reports whether Parse reads type t into its own Go type, so
// that *Unknown may not stand for it.
func isKnown(t Type) bool {
	switch t {
	case TypeA, TypeAAAA, TypeNS, TypeCNAME, TypeMX, TypeTXT, TypeSOA, TypeOPT:
		return true
	}
	return false
}
