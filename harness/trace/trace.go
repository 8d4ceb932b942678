// Package trace records what crossed the wire during one check: every
// datagram and TCP segment the grader sent or received, every fate the
// impairment layer decided, and notes from the check itself.
//
// A Transcript is what a student reads when a check fails ("this is what
// your server sent, this is what it should have sent"), so events carry the
// bytes themselves, not just their sizes, and are rendered for a human by
// Excerpt.
package trace

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Kind says what an event is.
type Kind int

const (
	Send Kind = iota // a peer sent bytes (a datagram, or a TCP write)
	Recv             // a peer received bytes
	Fate             // the impairment layer decided a packet's fate
	Note             // a remark from the check or the harness
)

func (k Kind) String() string {
	switch k {
	case Send:
		return "send"
	case Recv:
		return "recv"
	case Fate:
		return "fate"
	default:
		return "note"
	}
}

// maxData is how much of one event's payload a transcript keeps. A check may
// push megabytes through a connection; the student needs the first bytes.
const maxData = 4096

// maxEvents bounds a transcript, so a program that floods the grader costs
// memory once, not per datagram.
const maxEvents = 10000

// maxKept bounds the payload bytes a transcript keeps in all. Past it, an
// event keeps only its first floodData bytes: a check's 10,000th datagram
// of junk costs what its size and first bytes take, so that a flood in
// every check of a grading costs a few MiB each, not 40.
const (
	maxKept   = 1 << 20
	floodData = 64
)

// Event is one thing that happened on the wire.
type Event struct {
	At    time.Duration // since the transcript started
	Kind  Kind
	Proto string // "udp" or "tcp"; empty for notes
	From  string // who: "grader", "server", "client", "proxy"
	To    string
	Src   netip.AddrPort
	Dst   netip.AddrPort
	Size  int    // the payload's full size
	Data  []byte // the payload's first maxData bytes (floodData, past maxKept)
	Text  string // for Fate and Note: what happened
}

// Transcript is the ordered record of one check. It is safe for concurrent use.
type Transcript struct {
	mu      sync.Mutex
	start   time.Time
	events  []Event
	dropped int
	kept    int // payload bytes kept
}

// New starts a transcript whose clock starts now.
func New() *Transcript {
	return &Transcript{start: time.Now()}
}

// Add records e, stamping it with the time since the transcript started and
// keeping only the head of its payload.
func (t *Transcript) Add(e Event) {
	if t == nil {
		return
	}
	if e.Size == 0 {
		e.Size = len(e.Data)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e.At = time.Since(t.start)
	if len(t.events) >= maxEvents {
		t.dropped++
		return
	}
	limit := maxData
	if t.kept >= maxKept {
		limit = floodData
	}
	e.Data = append([]byte(nil), e.Data[:min(len(e.Data), limit)]...)
	t.kept += len(e.Data)
	t.events = append(t.events, e)
}

// Notef records a note.
func (t *Transcript) Notef(format string, args ...any) {
	t.Add(Event{Kind: Note, Text: fmt.Sprintf(format, args...)})
}

// Events returns a copy of the events so far.
func (t *Transcript) Events() []Event {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Event(nil), t.events...)
}

// Len is the number of events recorded, including those over the bound.
func (t *Transcript) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.events) + t.dropped
}

// Excerpt renders at most head events from the start and tail from the end,
// one line each, saying how many were left out between them.
func Excerpt(events []Event, head, tail int) string {
	var b strings.Builder
	if len(events) <= head+tail {
		for _, e := range events {
			b.WriteString(e.String())
			b.WriteByte('\n')
		}
		return b.String()
	}
	for _, e := range events[:head] {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "        … %d events left out …\n", len(events)-head-tail)
	for _, e := range events[len(events)-tail:] {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String renders one event on one line:
//
//	0.004s grader → your server  udp    16 B "hello, world 123"
//	0.005s proxy  down #3   dropped (script)
func (e Event) String() string {
	at := fmt.Sprintf("%7.3fs", e.At.Seconds())
	switch e.Kind {
	case Fate:
		return fmt.Sprintf("%s proxy  %s", at, e.Text)
	case Note:
		// A note of several lines (a DNS message as dig prints it) keeps
		// its lines under its first.
		head := fmt.Sprintf("%s note   ", at)
		return head + strings.ReplaceAll(e.Text, "\n", "\n"+strings.Repeat(" ", len(head)))
	}
	s := fmt.Sprintf("%s %s → %s  %s %5d B %s", at, e.From, e.To, e.Proto, e.Size, QuoteOf(e.Data, e.Size, 72))
	if e.Text != "" {
		s += "  (" + e.Text + ")"
	}
	return s
}
