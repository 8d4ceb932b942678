package netem

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Direction is one way through a link.
type Direction int

const (
	// Up is client to server: from the side that sends first, through the
	// proxy, to the target.
	Up Direction = iota
	// Down is server to client: from the target back to the client.
	Down
)

func (d Direction) String() string {
	switch d {
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return "direction(" + strconv.Itoa(int(d)) + ")"
}

// A Packet is what an impairment may look at: never the payload, so that a
// decision cannot depend on what a student's program happened to send.
type Packet struct {
	Dir  Direction
	N    uint64 // 1-based, per direction: #3 is the third datagram that way
	Size int    // bytes of payload
}

// A Fate is what the link does with one packet. The zero Fate delivers it
// once, at once, intact. Impairments add to a Fate; they do not replace what
// earlier impairments decided.
type Fate struct {
	Drop   bool          // never delivered
	Copies int           // extra copies delivered besides the packet itself
	Hold   int           // delivered right after this many later packets of its direction
	Delay  time.Duration // delivered this long after it arrived (or was released)
	Flip   []int         // bit offsets to flip, from the most significant bit of byte 0
	Why    []string      // which impairment decided what, for the log: "loss p=0.30"
}

// String describes a fate for a transcript: "delivered", "dropped (loss
// p=0.30)", "duplicated x2, held for 1 (dup p=0.10; reorder p=0.20 gap=1)".
func (f Fate) String() string {
	var parts []string
	if f.Drop {
		parts = append(parts, "dropped")
	} else {
		if f.Copies > 0 {
			parts = append(parts, fmt.Sprintf("duplicated x%d", f.Copies+1))
		}
		if f.Hold > 0 {
			parts = append(parts, fmt.Sprintf("held for %d", f.Hold))
		}
		if f.Delay > 0 {
			parts = append(parts, "delayed "+f.Delay.String())
		}
		if len(f.Flip) > 0 {
			parts = append(parts, "corrupted "+bitList(f.Flip))
		}
	}
	if len(parts) == 0 {
		return "delivered"
	}
	s := strings.Join(parts, ", ")
	if len(f.Why) > 0 {
		s += " (" + strings.Join(f.Why, "; ") + ")"
	}
	return s
}

func bitList(bits []int) string {
	if len(bits) == 1 {
		return "bit " + strconv.Itoa(bits[0])
	}
	s := make([]string, len(bits))
	for i, b := range bits {
		s[i] = strconv.Itoa(b)
	}
	return "bits " + strings.Join(s, ", ")
}

// Corrupt returns a copy of data with the fate's bits flipped. Offsets past
// the end of data are ignored, so a Fate decided for a size still applies
// safely to a shorter buffer.
func (f Fate) Corrupt(data []byte) []byte {
	out := append([]byte(nil), data...)
	for _, bit := range f.Flip {
		if bit >= 0 && bit/8 < len(out) {
			out[bit/8] ^= 0x80 >> (bit % 8)
		}
	}
	return out
}

// formatP renders a probability with at least two decimals, as in
// "loss p=0.30", but without rounding away small ones ("p=0.005").
func formatP(p float64) string {
	s := strconv.FormatFloat(p, 'f', -1, 64)
	dot := strings.IndexByte(s, '.')
	switch {
	case dot < 0:
		return s + ".00"
	case len(s)-dot-1 < 2:
		return s + "0"
	}
	return s
}
