package proc

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Output is what a program printed on one stream: all of it when it was
// short, otherwise its head and its tail and how much was cut between them.
type Output struct {
	Head  []byte // the first bytes printed, up to Limits.Output
	Tail  []byte // the last bytes after Head, up to 64 KiB
	Total int64  // bytes printed in all
}

// Cut is how many bytes were not kept.
func (o Output) Cut() int64 { return o.Total - int64(len(o.Head)+len(o.Tail)) }

// Complete says whether nothing was cut.
func (o Output) Complete() bool { return o.Cut() == 0 }

// Bytes is the output, with a marker where bytes were cut.
func (o Output) Bytes() []byte {
	if o.Complete() {
		return append(o.Head[:len(o.Head):len(o.Head)], o.Tail...)
	}
	var b bytes.Buffer
	b.Write(o.Head)
	fmt.Fprintf(&b, "\n[… %s not kept …]\n", bytesString(o.Cut()))
	b.Write(o.Tail)
	return b.Bytes()
}

func (o Output) String() string { return string(o.Bytes()) }

// LastLines is the last n lines of the output, at most 2000 bytes of them.
// Windows line endings count as line ends; a cut mark counts as a line.
func (o Output) LastLines(n int) string {
	b := bytes.TrimRight(o.Bytes(), "\r\n")
	start := len(b)
	for ; n > 0 && start > 0; n-- {
		start = bytes.LastIndexByte(b[:start], '\n') + 1 // 0 when there is none
		if n > 1 && start > 0 {
			start-- // on to the line before
		}
	}
	const max = 2000
	if len(b)-start > max {
		start = len(b) - max
		for start < len(b) && !utf8.RuneStart(b[start]) {
			start++ // not in the middle of a character
		}
	}
	return strings.ReplaceAll(string(b[start:]), "\r\n", "\n")
}

// capture keeps the first headMax bytes written to it and the last tailMax,
// counting the rest. A program that prints 100 MB costs the grader a few
// hundred kilobytes.
type capture struct {
	mu      sync.Mutex
	head    []byte
	headMax int
	tail    []byte // a ring of tailMax bytes once the head is full
	tailMax int
	next    int // where the ring writes next
	total   int64
}

func newCapture(headMax, tailMax int) *capture {
	return &capture{headMax: headMax, tailMax: tailMax}
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	c.total += int64(n)
	if room := c.headMax - len(c.head); room > 0 {
		k := min(room, len(p))
		if len(c.head)+k > cap(c.head) {
			// Grow by doubling, but never past headMax: append would.
			grown := make([]byte, len(c.head), min(c.headMax, max(2*cap(c.head), len(c.head)+k)))
			copy(grown, c.head)
			c.head = grown
		}
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) > 0 && c.tail == nil {
		c.tail = make([]byte, 0, c.tailMax)
	}
	if len(p) >= c.tailMax {
		c.tail = append(c.tail[:0], p[len(p)-c.tailMax:]...)
		c.next = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(c.tail) < c.tailMax {
			k := min(c.tailMax-len(c.tail), len(p))
			c.tail = append(c.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(c.tail[c.next:], p)
		c.next = (c.next + k) % c.tailMax
		p = p[k:]
	}
	return n, nil
}

func (c *capture) output() Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := Output{Head: append([]byte(nil), c.head...), Total: c.total}
	if len(c.tail) > 0 {
		o.Tail = append(append([]byte(nil), c.tail[c.next:]...), c.tail[:c.next]...)
	}
	return o
}
