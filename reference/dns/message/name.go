package message

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Limits on names (RFC 1035 §2.3.4, §4.1.4).
const (
	maxLabelLen = 63     // a label's length byte has 6 bits for the length
	maxNameLen  = 255    // bytes of a whole name on the wire, the final 0 included
	maxPointers = 128    // pointers one name may follow: more is an attack
	maxPointTo  = 0x3FFF // a pointer has 14 bits for the offset
	headerLen   = 12
)

// A name on the wire is a sequence of labels, each a length byte and that
// many bytes, ended by a zero length byte (the root's empty label):
//
//	3 w w w 7 e x a m p l e 3 c o m 0      www.example.com.
//
// The top two bits of a length byte say what it is (RFC 1035 §4.1.4):
//
//	00  a label of 0 to 63 bytes
//	11  a pointer: with the next byte, a 14-bit offset from the start of the
//	    message where the rest of the name is written
//	01, 10  reserved (RFC 6891 §5 retired the one use of 01)
//
// Pointers let a message say each name ending once. In a reply to
// www.example.com, the answer's owner is just "C0 0C": the name at offset
// 12, where the question's name starts.

// readName reads the name that starts at off in msg, following pointers.
// It returns the name in presentation form and the offset just after the
// name as written at off: after the final 0, or after the first pointer.
//
// Hostile input cannot make it loop or read outside msg. RFC 1035 §4.1.4
// says a pointer refers to a *prior* occurrence of a name, so each pointer
// must point strictly before the start of the run of labels that holds it
// (not only before the pointer itself: "3 a b c C0 xx", pointing back to the
// 3, would pass that weaker test and loop forever). Every jump then goes
// further back than the one before, which ends. The names a compressor
// writes always pass: an earlier name, and every name it points to in
// turn, start before the current one. Pointers into the header are
// rejected too, since the header holds no names.
func readName(msg []byte, off int) (string, int, error) {
	var (
		name     []byte // presentation form, label after label
		wireLen  = 1    // the name's uncompressed length: the final 0 so far
		next     = -1   // where the caller goes on, once known
		start    = off  // start of the current run of labels
		pointers = 0
	)
	for pos := off; ; {
		if pos >= len(msg) {
			return "", 0, ErrShort
		}
		c := int(msg[pos])
		switch c & 0xC0 {
		case 0x00: // a label of c bytes, or the end when c is 0
			if c == 0 {
				if next < 0 {
					next = pos + 1
				}
				if len(name) == 0 {
					return ".", next, nil
				}
				return string(name), next, nil
			}
			if pos+1+c > len(msg) {
				return "", 0, ErrShort
			}
			wireLen += 1 + c
			if wireLen > maxNameLen {
				return "", 0, ErrNameLen
			}
			name = appendLabel(name, msg[pos+1:pos+1+c])
			pos += 1 + c
		case 0xC0: // a pointer
			if pos+2 > len(msg) {
				return "", 0, ErrShort
			}
			target := int(binary.BigEndian.Uint16(msg[pos:]) & maxPointTo)
			pointers++
			if target < headerLen || target >= start || pointers > maxPointers {
				return "", 0, ErrPointer
			}
			if next < 0 {
				next = pos + 2
			}
			pos, start = target, target
		default: // 0x40 and 0x80
			return "", 0, ErrLabelType
		}
	}
}

// appendLabel appends a label in presentation form and the "." that ends
// it. The escapes are those of package zone's names, so that one wire
// name has one spelling.
func appendLabel(name, label []byte) []byte {
	for _, c := range label {
		switch {
		case strings.IndexByte(`.\"();@$`, c) >= 0:
			name = append(name, '\\', c)
		case c <= ' ' || c > '~': // space, control bytes, non-ASCII
			name = fmt.Appendf(name, "\\%03d", c)
		default:
			name = append(name, c)
		}
	}
	return append(name, '.')
}

// splitName splits an absolute name in presentation form into its labels,
// escapes decoded. The root "." has no labels.
func splitName(name string) ([]string, error) {
	if name == "." {
		return nil, nil
	}
	var (
		labels  []string
		label   []byte
		wireLen = 1
	)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '.':
			if len(label) == 0 {
				return nil, fmt.Errorf("%w: empty label in %q", ErrName, name)
			}
			wireLen += 1 + len(label)
			if wireLen > maxNameLen {
				return nil, fmt.Errorf("%w: %.40q...", ErrNameLen, name)
			}
			labels = append(labels, string(label))
			label = label[:0]
			continue
		case '\\':
			var err error
			if c, i, err = unescape(name, i); err != nil {
				return nil, err
			}
		}
		if len(label) == maxLabelLen {
			return nil, fmt.Errorf("%w: in %q", ErrLabelLen, name)
		}
		label = append(label, c)
	}
	if len(label) > 0 || len(labels) == 0 {
		return nil, fmt.Errorf("%w: %q is not absolute (it must end in \".\")", ErrName, name)
	}
	return labels, nil
}

// unescape decodes the escape that starts with the '\' at name[i]: \DDD
// is the byte with decimal value DDD, and \X is X itself (RFC 1035 §5.1).
// It returns the byte and the index of the escape's last character.
func unescape(name string, i int) (byte, int, error) {
	isDigit := func(j int) bool { return j < len(name) && '0' <= name[j] && name[j] <= '9' }
	switch {
	case i+1 >= len(name):
		return 0, 0, fmt.Errorf("%w: %q ends in a lone \"\\\"", ErrName, name)
	case !isDigit(i + 1):
		return name[i+1], i + 1, nil
	case !isDigit(i+2) || !isDigit(i+3):
		return 0, 0, fmt.Errorf("%w: \\DDD needs three digits in %q", ErrName, name)
	}
	v := int(name[i+1]-'0')*100 + int(name[i+2]-'0')*10 + int(name[i+3]-'0')
	if v > 255 {
		return 0, 0, fmt.Errorf("%w: \\%s is over 255 in %q", ErrName, name[i+1:i+4], name)
	}
	return byte(v), i + 3, nil
}

// A compressor remembers where the names of a message being packed start,
// so that a later name can point to an earlier copy of its ending instead
// of repeating it (RFC 1035 §4.1.4).
//
// Endings match without regard to case: "WWW.Example.com." may point into
// "www.example.com.", because they are the same name (RFC 4343 §3). The
// reader then sees the spelling of the first occurrence. That is what an
// asker wants: the owner of an answer points to the question, so the asker
// reads the name in its own spelling. The question itself is the first
// name of the message and is always written out in full, byte for byte.
type compressor struct {
	offsets map[string]int // lowercased wire form of an ending → where it is
}

// appendName appends name in wire form to msg, which must hold the message
// from its first byte. With c, an ending already in the message is written
// as a pointer, and the endings written out are remembered; with a nil c,
// the name is written out in full.
func appendName(msg []byte, name string, c *compressor) ([]byte, error) {
	labels, err := splitName(name)
	if err != nil {
		return nil, err
	}
	// key is the lowercased wire form of the whole name, so that the
	// ending that starts at label i is key[starts[i]:].
	var key []byte
	starts := make([]int, len(labels))
	for i, l := range labels {
		starts[i] = len(key)
		key = append(key, byte(len(l)))
		for j := 0; j < len(l); j++ {
			key = append(key, lower(l[j]))
		}
	}
	for i, l := range labels {
		if c != nil {
			ending := string(key[starts[i]:])
			if off, ok := c.offsets[ending]; ok {
				return binary.BigEndian.AppendUint16(msg, 0xC000|uint16(off)), nil
			}
			if len(msg) <= maxPointTo { // a pointer cannot reach further
				c.offsets[ending] = len(msg)
			}
		}
		msg = append(msg, byte(len(l)))
		msg = append(msg, l...)
	}
	return append(msg, 0), nil
}

// lower folds an ASCII capital letter to lowercase and leaves every other
// byte alone (RFC 4343 §3). Not strings.ToLower: it folds non-ASCII
// letters too, and turns bytes that are not UTF-8 into U+FFFD, which would
// make different names look alike.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
