package netem

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// A SegmentWriter sends one direction of a TCP connection, one segment per
// WriteSegment. WriteSegment and CloseWrite are called from one goroutine;
// Reset may also be called from another one, to abort a blocked
// WriteSegment, and more than once.
type SegmentWriter interface {
	// WriteSegment sends p as one segment. It does not keep p.
	WriteSegment(p []byte) error
	// CloseWrite sends FIN: the peer reads EOF, and may still send.
	CloseWrite() error
	// Reset sends RST: SetLinger(0) and Close. The peer's next read or write
	// fails with ECONNRESET.
	Reset() error
}

// A Toxic alters one direction of a TCP connection by wrapping the writer
// that sends it. Wrap is called once per connection and direction; r is the
// toxic's own stream for that connection (see ToxicRand), which the wrapper
// may keep and draw from in order. The wrapper writes synchronously: when
// its WriteSegment returns, what it passed on has been written. Its Reset
// must cut short any wait of its own and pass the Reset on.
type Toxic interface {
	Wrap(next SegmentWriter, r *rand.Rand) SegmentWriter
	// String returns the toxic in ParseToxics syntax: "slice=1".
	String() string
}

// Interface guards.
var (
	_ Toxic = (*Slicer)(nil)
	_ Toxic = (*Latency)(nil)
	_ Toxic = (*Reset)(nil)
	_ Toxic = (*HalfClose)(nil)
	_ Toxic = (*Limit)(nil)
)

// Chain stacks toxics on base: data written to the result goes through
// toxics[0] first and reaches base last. r gives toxic i its stream; nil
// means ToxicRand(0, "", Up, 0, toxics).
//
// Chain is how the grader damages its own connection without a proxy, e.g.
// to write "hel" and "lo\n" as two segments that a student's server must
// join:
//
//	w := netem.Chain(netem.NewSegmentWriter(conn, netem.WriterOptions{Paced: true}), nil)
//	w.WriteSegment([]byte("hel"))
//	w.WriteSegment([]byte("lo\n"))
func Chain(base SegmentWriter, r func(i int) *rand.Rand, toxics ...Toxic) SegmentWriter {
	if r == nil {
		r = ToxicRand(0, "", Up, 0, toxics)
	}
	w := base
	for i := len(toxics) - 1; i >= 0; i-- {
		w = toxics[i].Wrap(w, r(i))
	}
	return w
}

// ToxicRand returns the streams of a toxic chain on connection conn (from 1)
// of a check: toxic i draws from Rand(seed, key, dir, "<kind>/<k>", conn),
// so (seed, key, direction, connection) determines every segment size.
func ToxicRand(seed uint64, key string, dir Direction, conn uint64, toxics []Toxic) func(i int) *rand.Rand {
	names := streamNames(toxics)
	return func(i int) *rand.Rand { return Rand(seed, key, dir, names[i], conn) }
}

// Slicer cuts the byte stream into segments of Min..Max bytes. Slicer{1, 1}
// sends one byte per segment, which finds every server that assumes one
// recv returns one line.
//
// The sizes are drawn in order from the stream and laid over the byte
// stream, not over each chunk: where the source's writes end only adds cuts.
// So the same bytes are cut at the same offsets on every run, however the
// kernel happened to group them into reads.
type Slicer struct {
	Min int // smallest segment in bytes; 0 means 1
	Max int // largest segment in bytes; less than Min means Min
}

func (s Slicer) Wrap(next SegmentWriter, r *rand.Rand) SegmentWriter {
	lo := max(s.Min, 1)
	return &slicer{SegmentWriter: next, lo: lo, hi: max(s.Max, lo), r: r}
}

func (s Slicer) String() string {
	lo := max(s.Min, 1)
	if hi := max(s.Max, lo); hi != lo {
		return "slice=" + strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
	}
	return "slice=" + strconv.Itoa(lo)
}

type slicer struct {
	SegmentWriter // next; CloseWrite and Reset pass through
	lo, hi        int
	r             *rand.Rand
	left          int // bytes still due in the current segment
}

func (s *slicer) WriteSegment(p []byte) error {
	for len(p) > 0 {
		if s.left == 0 {
			s.left = s.lo + s.r.IntN(s.hi-s.lo+1)
		}
		k := min(s.left, len(p))
		if err := s.SegmentWriter.WriteSegment(p[:k]); err != nil {
			return err
		}
		s.left -= k
		p = p[k:]
	}
	return nil
}

// Latency holds each segment for Delay, plus a jitter drawn per segment,
// before passing it on. It blocks its direction meanwhile, so order is
// preserved and segments queued behind a slow one wait for it too: a slow
// link, not a long pipe. Reset cuts the wait short.
type Latency struct {
	Delay  time.Duration // added before every segment; default 0
	Jitter time.Duration // uniform spread in [-Jitter, +Jitter]; default 0
}

func (l Latency) Wrap(next SegmentWriter, r *rand.Rand) SegmentWriter {
	return &latency{SegmentWriter: next, cfg: l, r: r, stop: make(chan struct{})}
}

func (l Latency) String() string { return "latency=" + Delay{l.Delay, l.Jitter}.spec() }

type latency struct {
	SegmentWriter
	cfg  Latency
	r    *rand.Rand
	stop chan struct{}
	once sync.Once
}

func (l *latency) WriteSegment(p []byte) error {
	d := l.cfg.Delay
	if l.cfg.Jitter > 0 {
		d += time.Duration((2*l.r.Float64()-1)*float64(l.cfg.Jitter/time.Microsecond)) * time.Microsecond
	}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-l.stop:
			t.Stop()
			return ErrClosed
		}
	}
	return l.SegmentWriter.WriteSegment(p)
}

func (l *latency) Reset() error {
	l.once.Do(func() { close(l.stop) })
	return l.SegmentWriter.Reset()
}

// Reset resets the connection once After bytes have passed: the bytes up to
// After are delivered, then RST. Later writes fail with ErrReset.
type Reset struct {
	After int64 // bytes delivered before the RST; default 0
}

func (t Reset) Wrap(next SegmentWriter, _ *rand.Rand) SegmentWriter {
	return &budget{SegmentWriter: next, left: t.After, then: ErrReset,
		end: func(w SegmentWriter) error { w.Reset(); return nil }}
}

func (t Reset) String() string { return "reset=" + strconv.FormatInt(t.After, 10) }

// HalfClose sends FIN once After bytes have passed and silently discards the
// rest of that direction, while the other direction keeps working: the peer
// reads EOF in the middle of what the source sent.
type HalfClose struct {
	After int64 // bytes delivered before the FIN; default 0
}

func (h HalfClose) Wrap(next SegmentWriter, _ *rand.Rand) SegmentWriter {
	return &budget{SegmentWriter: next, left: h.After, then: nil,
		end: func(w SegmentWriter) error { return w.CloseWrite() }}
}

func (h HalfClose) String() string { return "halfclose=" + strconv.FormatInt(h.After, 10) }

// Limit lets Bytes bytes through, then sends FIN and fails later writes with
// ErrLimit. A TCPProxy that sees ErrLimit closes the other direction too, so
// both peers read EOF; with Chain, the caller decides.
type Limit struct {
	Bytes int64 // bytes delivered in this direction; default 0
}

func (l Limit) Wrap(next SegmentWriter, _ *rand.Rand) SegmentWriter {
	return &budget{SegmentWriter: next, left: l.Bytes, then: ErrLimit,
		end: func(w SegmentWriter) error { return w.CloseWrite() }}
}

func (l Limit) String() string { return "limit=" + strconv.FormatInt(l.Bytes, 10) }

// budget is the writer of Reset, HalfClose and Limit: it passes the first
// left bytes of a direction, then ends the direction once, with end, and
// answers every later write with then (nil: the write is discarded).
type budget struct {
	SegmentWriter
	left  int64
	spent bool
	end   func(SegmentWriter) error
	then  error
}

func (b *budget) WriteSegment(p []byte) error {
	if b.spent {
		return b.then
	}
	if int64(len(p)) < b.left {
		b.left -= int64(len(p))
		return b.SegmentWriter.WriteSegment(p)
	}
	if err := writeHead(b.SegmentWriter, p, b.left); err != nil {
		return err
	}
	b.spent = true
	if err := b.end(b.SegmentWriter); err != nil {
		return err
	}
	return b.then
}

// CloseWrite passes the source's own FIN on, unless the budget already
// ended the direction.
func (b *budget) CloseWrite() error {
	if b.spent {
		return nil
	}
	b.spent = true
	return b.SegmentWriter.CloseWrite()
}

// writeHead writes the first n bytes of p, if any.
func writeHead(w SegmentWriter, p []byte, n int64) error {
	if n <= 0 {
		return nil
	}
	return w.WriteSegment(p[:n])
}
