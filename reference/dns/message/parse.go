package message

import (
	"encoding/binary"
)

// Parse reads one DNS message: a whole UDP datagram, or the bytes that
// follow the 2-byte length of a message over TCP (RFC 1035 §4.2).
//
// Errors are *ParseError, which wraps one of the sentinel errors: test
// with errors.Is. When Parse fails, ParseHeader may still read the header,
// and a server can send back an error with the query's ID.
//
// The message keeps nothing of b: b may be reused for the next message.
func Parse(b []byte) (*Message, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, &ParseError{Section: "header", Err: err}
	}
	m := &Message{Header: h}
	p := parser{msg: b, off: headerLen}

	// The four counts follow the ID and flags. Entries are read one at a
	// time, so a count far larger than the data (65,535 questions in a
	// 20-byte message) ends at ErrShort, having allocated little.
	counts := [4]int{}
	for i := range counts {
		counts[i] = int(binary.BigEndian.Uint16(b[4+2*i:]))
	}
	for i := range counts[0] {
		q, err := p.question()
		if err != nil {
			return nil, p.errorAt("question", i, err)
		}
		m.Questions = append(m.Questions, q)
	}
	sections := []struct {
		name    string
		records *[]Record
	}{{"answer", &m.Answers}, {"authority", &m.Authority}, {"additional", &m.Additional}}
	for s, sec := range sections {
		for i := range counts[s+1] {
			r, err := p.record()
			if err != nil {
				return nil, p.errorAt(sec.name, i, err)
			}
			*sec.records = append(*sec.records, r)
		}
	}
	if p.off != len(b) {
		return nil, &ParseError{Offset: p.off, Err: ErrTrailing}
	}
	return m, nil
}

// ParseHeader reads the 12-byte header at the start of b, and nothing
// else. It fails only when b is shorter than that.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < headerLen {
		return Header{}, ErrShort
	}
	flags := binary.BigEndian.Uint16(b[2:])
	bit := func(n uint) bool { return flags&(1<<n) != 0 }
	return Header{
		ID:     binary.BigEndian.Uint16(b[0:]),
		QR:     bit(15),
		Opcode: uint8(flags>>11) & 0xF,
		AA:     bit(10),
		TC:     bit(9),
		RD:     bit(8),
		RA:     bit(7),
		Z:      uint8(flags>>4) & 0x7,
		RCode:  uint8(flags) & 0xF,
	}, nil
}

// A parser reads the entries of a message one after the other.
type parser struct {
	msg   []byte
	off   int // where the next entry starts
	start int // where the entry being read started, for errors
}

func (p *parser) errorAt(section string, i int, err error) error {
	return &ParseError{Section: section, Index: i + 1, Offset: p.start, Err: err}
}

// name reads a name and moves past it.
func (p *parser) name() (string, error) {
	name, next, err := readName(p.msg, p.off)
	if err != nil {
		return "", err
	}
	p.off = next
	return name, nil
}

// fixed returns the next n bytes and moves past them.
func (p *parser) fixed(n int) ([]byte, error) {
	if p.off+n > len(p.msg) {
		return nil, ErrShort
	}
	b := p.msg[p.off : p.off+n]
	p.off += n
	return b, nil
}

// question reads a question (RFC 1035 §4.1.2): QNAME, QTYPE, QCLASS.
func (p *parser) question() (Question, error) {
	p.start = p.off
	name, err := p.name()
	if err != nil {
		return Question{}, err
	}
	b, err := p.fixed(4)
	if err != nil {
		return Question{}, err
	}
	return Question{
		Name:  name,
		Type:  Type(binary.BigEndian.Uint16(b[0:])),
		Class: Class(binary.BigEndian.Uint16(b[2:])),
	}, nil
}

// record reads a resource record (RFC 1035 §4.1.3): NAME, TYPE, CLASS,
// TTL, RDLENGTH, and RDLENGTH bytes of RDATA.
func (p *parser) record() (Record, error) {
	p.start = p.off
	name, err := p.name()
	if err != nil {
		return Record{}, err
	}
	b, err := p.fixed(10)
	if err != nil {
		return Record{}, err
	}
	r := Record{
		Name:  name,
		Type:  Type(binary.BigEndian.Uint16(b[0:])),
		Class: Class(binary.BigEndian.Uint16(b[2:])),
		TTL:   binary.BigEndian.Uint32(b[4:]),
	}
	n := int(binary.BigEndian.Uint16(b[8:]))
	if p.off+n > len(p.msg) {
		return Record{}, ErrShort
	}
	if r.Data, err = parseRData(p.msg, p.off, p.off+n, r.Type); err != nil {
		return Record{}, err
	}
	p.off += n
	return r, nil
}
