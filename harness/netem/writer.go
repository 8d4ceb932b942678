package netem

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// WriterOptions configure NewSegmentWriter.
type WriterOptions struct {
	// Paced makes WriteSegment return only once the peer APPLICATION has
	// read the segment: the peer socket's receive queue is empty. Two paced
	// segments can then never be merged into one recv by the peer, however
	// slowly it reads, so a check that sends "hel" and "lo\n" makes the
	// student's recv return "hel" on every run, not only on lucky ones.
	//
	// On Linux the peer socket is found in ProcNet (it must be on this host).
	// Elsewhere Paced is best effort: it waits a fixed 2ms after each segment,
	// which separates segments for a peer that is already waiting in recv but
	// guarantees nothing.
	Paced bool
	// ProcNet is the directory holding the tcp and tcp6 tables in which a
	// paced writer looks for the peer socket; default "/proc/net". Point it at
	// /proc/<pid>/net for a peer in another network namespace.
	ProcNet string
	// Context bounds every paced wait; default context.Background(). When it
	// is done, WriteSegment fails with an error wrapping ErrNotRead and the
	// context's error.
	Context context.Context
}

// Pacing waits poll the peer socket with a backoff between these bounds: the
// first polls catch a peer that is already waiting in recv, the cap keeps a
// slow peer from costing the grader much CPU.
const (
	pollFirst = 50 * time.Microsecond
	pollMax   = 5 * time.Millisecond
)

// NewSegmentWriter returns the writer at the bottom of every toxic chain: it
// turns off Nagle's algorithm, so that each WriteSegment leaves as its own
// TCP segment (segments larger than the MSS are still split by the kernel),
// and it paces the writes if asked to. All writes to c should go through it.
func NewSegmentWriter(c *net.TCPConn, opts WriterOptions) SegmentWriter {
	c.SetNoDelay(true)
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.ProcNet == "" {
		opts.ProcNet = "/proc/net"
	}
	w := &connWriter{c: c, opts: opts, done: make(chan struct{})}
	if opts.Paced {
		w.peer = newPeerSocket(c, opts.ProcNet)
	}
	return w
}

type connWriter struct {
	c    *net.TCPConn
	opts WriterOptions
	peer *peerSocket // nil unless paced
	done chan struct{}
	once sync.Once
}

func (w *connWriter) WriteSegment(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	select {
	case <-w.done:
		return ErrClosed
	default:
	}
	if _, err := w.c.Write(p); err != nil {
		return fmt.Errorf("netem: write: %w", err)
	}
	if w.peer == nil {
		return nil
	}
	return w.awaitRead(len(p))
}

func (w *connWriter) CloseWrite() error {
	if err := w.c.CloseWrite(); err != nil {
		return fmt.Errorf("netem: close write: %w", err)
	}
	return nil
}

func (w *connWriter) Reset() error {
	w.once.Do(func() { close(w.done) })
	w.c.SetLinger(0)
	w.c.Close()
	return nil
}

// awaitRead waits until the n bytes just written have reached the peer socket
// and the peer application has read them. "Reached" needs proof, or data
// still in flight through loopback would look read: either our socket has no
// unacknowledged bytes, or the peer's receive queue was seen holding all n
// bytes (it held nothing before: the previous segment was read). The second
// proof matters when the peer delays its ACKs, as Linux does in interactive
// mode for tens of milliseconds.
func (w *connWriter) awaitRead(n int) error {
	if !pacingExact {
		return w.sleep(2 * time.Millisecond)
	}
	seen := 0 // most bytes seen waiting in the peer's receive queue
	wait := pollFirst
	for {
		// Unacknowledged bytes first: once they are zero, every byte is in the
		// peer's queue or read, so a zero queue read after that means read.
		unacked, err := unackedBytes(w.c)
		if err != nil {
			return err
		}
		queued, err := w.peer.queued()
		if err != nil {
			return err
		}
		seen = max(seen, queued)
		arrived := unacked == 0 || seen >= n
		if arrived && queued == 0 {
			return nil
		}
		if err := w.sleep(wait); err != nil {
			unread := queued
			if !arrived {
				unread = max(queued, unacked)
			}
			return fmt.Errorf("%w: %d of %d bytes left unread: %w", ErrNotRead, unread, n, err)
		}
		wait = min(2*wait, pollMax)
	}
}

// sleep waits for d, or fails when the context is done or the writer reset.
func (w *connWriter) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-w.opts.Context.Done():
		return w.opts.Context.Err()
	case <-w.done:
		return ErrClosed
	}
}
