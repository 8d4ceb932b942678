package netem

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
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

// An Event is one line of a proxy's log: a datagram and its fate, or a TCP
// segment as it was written to its destination.
type Event struct {
	// At is when the packet reached the proxy: for UDP on Linux, the
	// kernel's receive timestamp, which is when the sender sent it (on
	// loopback, sendto hands the datagram straight to the receiving
	// socket), however late the proxy got round to reading it.
	At   time.Time
	Dir  Direction
	Conn int    // UDP: client number; TCP: connection number (both from 1, in order of arrival)
	N    uint64 // packet (UDP) or segment (TCP) number in its direction, from 1; 0 for FIN and RST
	Size int
	Fate Fate // UDP only
	From netip.AddrPort
	To   netip.AddrPort
	Data []byte // a copy of the packet as received, before corruption
	Note string // "segment 3 of \"HELLO\\n\"", "FIN", "dropped at close", ...

	// For UDP, when the proxy wrote the packet's first copy to its
	// destination: just before the write (it cannot have arrived earlier)
	// and just after (it had arrived by then). Zero if it never was, and
	// Delivered is zero too while the write is under way. Events carries
	// them as they become known.
	Released, Delivered time.Time
}

// String renders an event for a transcript:
// "up #3 127.0.0.1:5000 -> 127.0.0.1:6000 5 bytes: dropped (loss p=0.30)".
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d %s -> %s %d bytes", e.Dir, e.N, e.From, e.To, e.Size)
	// TCP events have a note and no fate; UDP events have a fate, and a
	// note when the proxy closed on them.
	if e.Note == "" || e.Fate.Drop {
		b.WriteString(": " + e.Fate.String())
		// A hold counts packets, so its release point is known now; say
		// it, or the log never shows when the packet went out.
		if !e.Fate.Drop && e.Fate.Hold > 0 {
			fmt.Fprintf(&b, ", sent after %s #%d", e.Dir, e.N+uint64(e.Fate.Hold))
		}
	}
	if e.Note != "" {
		b.WriteString(": " + e.Note)
	}
	return b.String()
}

// unmap turns ::ffff:127.0.0.1 into 127.0.0.1, as a person would write it.
func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// An eventLog keeps a proxy's events and passes each one to OnEvent.
type eventLog struct {
	mu      sync.Mutex
	events  []Event
	onEvent func(Event)

	// bounded: the log keeps maxLogData bytes of payload in all, then
	// each event's first floodData bytes (Size stays whole), and at most
	// maxLogEvents events; the proxy passes every packet on regardless.
	// A UDP proxy's log is bounded, so that a program flooding it costs
	// the grader little; a TCP proxy's is not: its events are the stream.
	bounded bool
	kept    int
}

// The UDP log's bounds: far above what any check's correct traffic takes
// (udp-echo's pings, dns's queries), far below what a flood would.
const (
	maxLogData   = 4 << 20
	maxLogEvents = 50000
	floodData    = 64
)

// record logs ev and returns its index, or -1 when a bounded log is full.
// The callback runs outside the lock, so that it may call Events.
func (l *eventLog) record(ev Event) int {
	l.mu.Lock()
	i := len(l.events)
	if l.bounded {
		if i >= maxLogEvents {
			l.mu.Unlock()
			return -1
		}
		if l.kept >= maxLogData && len(ev.Data) > floodData {
			ev.Data = ev.Data[:floodData:floodData]
		}
		l.kept += len(ev.Data)
	}
	l.events = append(l.events, ev)
	l.mu.Unlock()
	if l.onEvent != nil {
		l.onEvent(ev)
	}
	return i
}

// released notes that the event's packet is about to be written out, the
// first time. It is logged before the write, so that whoever sees the
// packet arrive also finds it in the log.
func (l *eventLog) released(i int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i >= 0 && i < len(l.events) && l.events[i].Released.IsZero() {
		l.events[i].Released = at
	}
}

// delivered notes that the first write of the event's packet returned.
func (l *eventLog) delivered(i int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i >= 0 && i < len(l.events) && l.events[i].Delivered.IsZero() {
		l.events[i].Delivered = at
	}
}

func (l *eventLog) snapshot() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
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
