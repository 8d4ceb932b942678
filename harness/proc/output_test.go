package proc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naiveCapture keeps everything and cuts at the end: what capture must
// amount to.
func naiveCapture(all []byte, headMax, tailMax int) Output {
	o := Output{Total: int64(len(all))}
	o.Head = all[:min(headMax, len(all))]
	rest := all[len(o.Head):]
	o.Tail = rest[max(0, len(rest)-tailMax):]
	return o
}

// normal makes nil and empty slices compare equal.
func normal(o Output) Output {
	if len(o.Head) == 0 {
		o.Head = nil
	}
	if len(o.Tail) == 0 {
		o.Tail = nil
	}
	return o
}

func TestCaptureWrites(t *testing.T) {
	const head, tail = 10, 5
	tests := []struct {
		name   string
		writes []int // sizes; the bytes are pattern's
	}{
		{"nothing", nil},
		{"empty write", []int{0}},
		{"within head", []int{3, 4}},
		{"exactly head", []int{10}},
		{"head and one", []int{11}},
		{"head then empty", []int{10, 0}},
		{"into tail", []int{12}},
		{"exactly head and tail", []int{15}},
		{"one past both", []int{16}},
		{"across both in one", []int{40}},
		{"tail exactly once", []int{10, 5}},
		{"tail exactly twice", []int{10, 5, 5}},
		{"tail in ones", []int{10, 1, 1, 1, 1, 1, 1, 1}},
		{"ring wraps mid-write", []int{10, 3, 4, 4}},
		{"big after ring", []int{10, 3, 4, 9}},
		{"tail-sized after ring", []int{10, 3, 5}},
		{"one short of tail after ring", []int{10, 3, 4, 4}},
		{"straddle head, small", []int{9, 3}},
		{"straddle head, big", []int{9, 30}},
		{"many small", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 0
			for _, n := range tt.writes {
				total += n
			}
			all := pattern(total)
			c := newCapture(head, tail)
			off := 0
			for _, n := range tt.writes {
				if k, err := c.Write(all[off : off+n]); k != n || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
				}
				off += n
			}
			if diff := cmp.Diff(normal(naiveCapture(all, head, tail)), normal(c.output())); diff != "" {
				t.Errorf("capture (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCaptureRandom writes random amounts, sizes chosen round the head
// and tail boundaries, and compares with naiveCapture after every write.
func TestCaptureRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		headMax, tailMax := r.IntN(40), r.IntN(40)
		c := newCapture(headMax, tailMax)
		var all []byte
		for w := 0; w < 20; w++ {
			var n int
			switch r.IntN(4) {
			case 0:
				n = r.IntN(3) // tiny and empty writes
			case 1:
				n = max(0, tailMax+r.IntN(3)-1) // about a tail
			case 2:
				n = max(0, headMax-len(all)+r.IntN(3)-1) // up to the head's end
			default:
				n = r.IntN(2 * (headMax + tailMax + 1))
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('a' + r.IntN(26))
			}
			c.Write(b)
			all = append(all, b...)
			want, got := naiveCapture(all, headMax, tailMax), c.output()
			if bytes.Equal(want.Head, got.Head) && bytes.Equal(want.Tail, got.Tail) && want.Total == got.Total {
				continue
			}
			if diff := cmp.Diff(normal(want), normal(got)); diff != "" {
				t.Fatalf("round %d (head %d, tail %d), after write %d of %d bytes (-want +got):\n%s",
					round, headMax, tailMax, w, n, diff)
			}
		}
	}
}

// TestCaptureHeadStaysSmall: the head never holds more than headMax, even
// as append would grow it.
func TestCaptureHeadStaysSmall(t *testing.T) {
	c := newCapture(1000, 10)
	for i := 0; i < 300; i++ {
		c.Write(make([]byte, 7))
	}
	if cap(c.head) > 1024 || cap(c.tail) > 16 {
		t.Errorf("head cap %d, tail cap %d; want about 1000 and 10", cap(c.head), cap(c.tail))
	}
}

func TestOutputBytes(t *testing.T) {
	tests := []struct {
		name string
		o    Output
		want string
	}{
		{"empty", Output{}, ""},
		{"complete", Output{Head: []byte("abc"), Tail: []byte("de"), Total: 5}, "abcde"},
		{"cut", Output{Head: []byte("abc"), Tail: []byte("xyz"), Total: 3 + 3 + 2048},
			"abc\n[… 2 KiB not kept …]\nxyz"},
		{"cut megabytes", Output{Head: []byte("a"), Tail: []byte("z"), Total: 2 + 5<<20},
			"a\n[… 5 MiB not kept …]\nz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.o.Bytes()); got != tt.want {
				t.Errorf("Bytes() = %q, want %q", got, tt.want)
			}
			if got := tt.o.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLastLines(t *testing.T) {
	long := strings.Repeat("é", 1500) // 3000 bytes, two to a character
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"empty", "", 3, ""},
		{"one line", "hello\n", 1, "hello"},
		{"no final newline", "a\nb\nc", 2, "b\nc"},
		{"trailing newlines", "a\nb\nc\n\n\n", 2, "b\nc"},
		{"fewer than asked", "a\nb\n", 5, "a\nb"},
		{"exactly", "a\nb\nc\n", 3, "a\nb\nc"},
		{"leading newline", "\nabc", 1, "abc"},
		{"blank line kept", "a\n\nb\n", 2, "\nb"},
		{"windows endings", "a\r\nb\r\nc\r\n", 2, "b\nc"},
		{"zero", "a\nb\n", 0, ""},
		{"long line cut on a character", "x\n" + long + "\n", 1, strings.Repeat("é", 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Output{Head: []byte(tt.in), Total: int64(len(tt.in))}
			if got := o.LastLines(tt.n); got != tt.want {
				t.Errorf("LastLines(%d) of %q = %q, want %q", tt.n, tt.in, got, tt.want)
			}
		})
	}
}

// TestOutputHeadAndTail runs a program that prints 10 MB with a 4 KiB head.
func TestOutputHeadAndTail(t *testing.T) {
	t.Parallel()
	const n = 10_000_000
	spec := helper("print", fmt.Sprint(n))
	spec.Output = 4096
	p := start(t, spec)
	if e := waitExit(t, p); !e.Success() {
		t.Fatalf("the helper %s; stderr:\n%s", e, p.Stderr())
	}
	o := p.Output()
	want := pattern(n)
	if o.Total != n {
		t.Errorf("Total = %d, want %d", o.Total, n)
	}
	if got, want := o.Cut(), int64(n-4096-tailSize); got != want {
		t.Errorf("Cut() = %d, want %d", got, want)
	}
	if o.Complete() {
		t.Error("Complete() = true")
	}
	if !bytes.Equal(o.Head, want[:4096]) {
		t.Errorf("Head is not the first 4096 bytes printed; it ends %q", o.Head[max(0, len(o.Head)-30):])
	}
	if !bytes.Equal(o.Tail, want[n-tailSize:]) {
		t.Errorf("Tail is not the last %d bytes printed; it starts %q", tailSize, o.Tail[:min(30, len(o.Tail))])
	}
	b := o.Bytes()
	if marker := "\n[… 9 MiB not kept …]\n"; !bytes.Contains(b, []byte(marker)) {
		t.Errorf("Bytes() has no %q", marker)
	}
	if !bytes.HasSuffix(b, want[n-100:]) {
		t.Errorf("Bytes() does not end with the last bytes printed")
	}
	lines := strings.Split(string(want), "\n")
	if got, want := o.LastLines(2), strings.Join(lines[len(lines)-2:], "\n"); got != want {
		t.Errorf("LastLines(2) = %q, want %q", got, want)
	}
}

// TestOutputFlood: a program that prints 100 MB streams it through the
// grader, which keeps only the head and the tail. Not parallel: it
// measures the test process's allocations.
func TestOutputFlood(t *testing.T) {
	const n = 100 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := start(t, helper("flood", fmt.Sprint(n)))
	if e := waitExit(t, p); !e.Success() {
		t.Fatalf("the helper %s; stderr:\n%s", e, p.Stderr())
	}
	o := p.Output()
	runtime.ReadMemStats(&after)
	if o.Total != n+4 {
		t.Errorf("Total = %d, want %d", o.Total, n+4)
	}
	if !bytes.HasSuffix(o.Tail, []byte("xxxxend\n")) || len(o.Head) != DefaultLimits.Output || len(o.Tail) != tailSize {
		t.Errorf("head %d bytes, tail %d bytes ending %q; want %d, %d, ending \"end\\n\"",
			len(o.Head), len(o.Tail), o.Tail[max(0, len(o.Tail)-8):], DefaultLimits.Output, tailSize)
	}
	// Head, tail, the copies Output made, pipe buffers: a few MiB, not 100.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("the grader allocated %d MiB while the program printed 100 MiB", grew>>20)
	}
}
