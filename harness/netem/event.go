package netem

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// An Event is one line of a proxy's log: a datagram and its fate, or a TCP
// segment as it was written to its destination.
type Event struct {
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
}

// String renders an event for a transcript:
// "up #3 127.0.0.1:5000 -> 127.0.0.1:6000 5 bytes: dropped (loss p=0.30)".
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d %s -> %s %d bytes", e.Dir, e.N, e.From, e.To, e.Size)
	if e.Note == "" || e.Fate.Drop {
		b.WriteString(": " + e.Fate.String())
	}
	if e.Note != "" {
		b.WriteString(": " + e.Note)
	}
	return b.String()
}

// An eventLog keeps a proxy's events and passes each one to OnEvent.
type eventLog struct {
	mu      sync.Mutex
	events  []Event
	onEvent func(Event)
}

// record logs ev. The callback runs outside the lock, so that it may call
// Events.
func (l *eventLog) record(ev Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
	if l.onEvent != nil {
		l.onEvent(ev)
	}
}

func (l *eventLog) snapshot() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}
