package trace

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		total int
		max   int
		want  string
	}{
		{"empty", nil, 0, 40, `""`},
		{"text", []byte("hello\r\n"), 7, 40, `"hello\r\n"`},
		{"utf-8 in text shown as escapes", []byte("héllo world"), 12, 40, `"h\xc3\xa9llo world"`},
		{"mostly binary as hex", []byte{0xc3, 0, 0, 1}, 4, 40, `hex c300 0001`},
		{"cut at max (the quote mark counts)", []byte("abcdefghij"), 10, 6, `"abcde"… (5 of 10 bytes shown)`},
		{"kept head of a longer payload", []byte("abc"), 9000, 40, `"abc"… (3 of 9000 bytes shown)`},
		{"binary as hex", []byte{0, 1, 2, 0xff}, 4, 40, `hex 0001 02ff`},
		{"binary cut", []byte{0, 1, 2, 3, 4, 5, 6, 7}, 8, 12, `hex 0001 02… (3 of 8 bytes shown)`},
		{"binary head of a longer payload", []byte{0, 1}, 100, 40, `hex 0001 … (2 of 100 bytes shown)`},
		{"nothing kept", nil, 12, 40, `(12 bytes, none kept)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := QuoteOf(tt.in, tt.total, tt.max); got != tt.want {
				t.Errorf("QuoteOf(%q, %d, %d) = %s, want %s", tt.in, tt.total, tt.max, got, tt.want)
			}
		})
	}
}

func TestTranscriptKeepsHeadOfData(t *testing.T) {
	tr := New()
	big := []byte(strings.Repeat("x", 3*maxData))
	tr.Add(Event{Kind: Send, Proto: "udp", From: "grader", To: "your server", Data: big})
	e := tr.Events()[0]
	if e.Size != len(big) || len(e.Data) != maxData {
		t.Fatalf("Size %d, kept %d; want %d and %d", e.Size, len(e.Data), len(big), maxData)
	}
	if s := e.String(); !strings.Contains(s, "12288 B") || !strings.Contains(s, "of 12288 bytes shown") {
		t.Errorf("String() = %s", s)
	}
	big[0] = 'y'
	if tr.Events()[0].Data[0] != 'x' {
		t.Error("the transcript shares the caller's buffer")
	}
}

func TestExcerpt(t *testing.T) {
	tr := New()
	for i := range 30 {
		tr.Notef("event %d", i)
	}
	out := Excerpt(tr.Events(), 3, 2)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.Contains(lines[3], "25 events left out") ||
		!strings.HasSuffix(lines[0], "event 0") || !strings.HasSuffix(lines[5], "event 29") {
		t.Errorf("Excerpt:\n%s", out)
	}
	if got := Excerpt(tr.Events()[:4], 3, 2); strings.Count(got, "\n") != 4 {
		t.Errorf("a short transcript is shown whole:\n%s", got)
	}
}

func TestBoundedEvents(t *testing.T) {
	tr := New()
	for range maxEvents + 10 {
		tr.Add(Event{Kind: Recv, Data: []byte("x")})
	}
	if len(tr.Events()) != maxEvents || tr.Len() != maxEvents+10 {
		t.Errorf("kept %d, counted %d", len(tr.Events()), tr.Len())
	}
}

// Past maxKept bytes of payload, a transcript keeps each event's size and
// first floodData bytes: a flood costs little per datagram.
func TestTranscriptPayloadBudget(t *testing.T) {
	tr := New()
	big := []byte(strings.Repeat("y", maxData))
	n := maxKept/maxData + 10
	for range n {
		tr.Add(Event{Kind: Recv, Proto: "udp", Data: big})
	}
	events := tr.Events()
	kept := 0
	for i, e := range events {
		kept += len(e.Data)
		if e.Size != maxData {
			t.Fatalf("event %d: Size %d, want %d", i, e.Size, maxData)
		}
	}
	if last := events[len(events)-1]; len(last.Data) != floodData {
		t.Errorf("the last event kept %d bytes, want %d", len(last.Data), floodData)
	}
	if want := maxKept + 10*floodData; kept != want {
		t.Errorf("kept %d bytes in all, want %d", kept, want)
	}
}
