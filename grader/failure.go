package grader

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/harness/trace"
)

// Sentinel errors, for checks that wait and for reports that classify.
var (
	// ErrTimeout: what the check waited for did not happen in time.
	ErrTimeout = errors.New("grader: timed out")
	// ErrRoleExited: a program of the submission exited while needed.
	ErrRoleExited = errors.New("grader: program exited")
	// ErrClosed: the submission's program closed the connection.
	ErrClosed = errors.New("grader: connection closed")
)

// Failure is why a check failed, told to a student: what the requirement
// expected, what the submission did instead, and their difference.
type Failure struct {
	Message  string // one sentence: "the reply to a 12-byte datagram is wrong"
	Expected string // rendered for reading, e.g. a quoted string
	Actual   string
	Diff     string // a go-cmp diff, "-expected +actual", when it helps
	Err      error  // a sentinel such as ErrTimeout, when one applies
}

func (f *Failure) String() string {
	var b strings.Builder
	b.WriteString(f.Message)
	if f.Expected != "" || f.Actual != "" {
		fmt.Fprintf(&b, "\n  expected: %s\n  actual:   %s", f.Expected, f.Actual)
	}
	if f.Diff != "" {
		fmt.Fprintf(&b, "\n  diff (-expected +actual):\n%s", indent(f.Diff, "    "))
	}
	return b.String()
}

// Quote renders bytes for a failure message: text quoted, binary in hex,
// long values cut with their length said.
func Quote(b []byte) string { return trace.Quote(b, 160) }

// diffBytes is a line diff when both sides are text, a byte diff otherwise.
func diffBytes(want, got []byte) string {
	if isText(want) && isText(got) {
		return cmp.Diff(strings.SplitAfter(string(want), "\n"), strings.SplitAfter(string(got), "\n"))
	}
	return "" // for binary, the window around the first difference says more
}

// isText says whether b is UTF-8 text without control characters other
// than line breaks and tabs, which a line diff shows well.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// window is the bytes of b around offset i, quoted, for showing where two
// long payloads part ways.
func window(b []byte, i int) string {
	const before, after = 24, 40
	lo, hi := max(0, i-before), min(len(b), i+after)
	s := trace.Quote(b[lo:hi], 200)
	if lo > 0 {
		s = "…" + s
	}
	if hi < len(b) {
		s += "…"
	}
	return fmt.Sprintf("bytes %d-%d: %s", lo, hi, s)
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// Excerpt is what a program printed, for a failure message: all of it when
// it is short, else its first head lines and its last tail lines with the
// number left out between; each line is cut at 200 characters. A program
// that prints megabytes gets a readable report, not a megabyte one.
func Excerpt(b []byte, head, tail int) string {
	const width = 200
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(b) == 0 {
		return ""
	}
	cut := func(ls []string) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			if len(l) > width {
				l = l[:width] + fmt.Sprintf("… (%d characters)", len(l))
			}
			out[i] = l
		}
		return out
	}
	if len(lines) <= head+tail {
		return strings.Join(cut(lines), "\n")
	}
	parts := cut(lines[:head])
	parts = append(parts, fmt.Sprintf("[… %d lines left out …]", len(lines)-head-tail))
	// The harness's own marker of output it did not keep stays in sight.
	for _, l := range lines[head : len(lines)-tail] {
		if strings.HasPrefix(l, "[… ") && strings.HasSuffix(l, " not kept …]") {
			parts = append(parts, l)
		}
	}
	parts = append(parts, cut(lines[len(lines)-tail:])...)
	return strings.Join(parts, "\n")
}

// size renders a byte count for people: "104 MiB", "512 KiB", "93 bytes".
func size(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
