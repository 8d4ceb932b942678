// Package origin runs a scriptable HTTP/1.1 origin server on loopback,
// for grading HTTP clients (handouts/http-client.md). It is shaped like
// net/http/httptest: Start it with a Handler, point the client under test
// at its URL, read what arrived, Close.
//
// Unlike httptest it writes raw bytes. A Handler returns a Response whose
// Raw is sent exactly as written, well-formed or not, and whose fields
// say where Raw is cut into TCP segments, how long to wait, and how the
// connection ends (FIN, RST, in the middle of the response, or never):
// the point is to test clients against exact, sometimes malformed,
// sometimes sliced responses. Segments are written through
// netem.NewSegmentWriter; when a response is cut, each segment is paced
// (written only once the client has read the one before), so a client's
// recv returns exactly one segment on every run, not only on lucky ones.
//
// Requests are read with the syntax of RFC 9112 (§2 messages, §3 request
// line, §5 field lines, §6.3 body length) and logged whole, in order,
// with every byte as it came (Server.Requests, Conn.Requests), persistent
// connections and pipelined requests included: a connection's requests
// are read as they arrive and answered one after another, in order. A
// request the server cannot read is logged too, with what arrived, and
// ends its connection unanswered. The Transcript, if any, gets the same
// as a student reads it: every request, every segment sent, and a note
// whenever a connection opens or closes.
//
// Nothing here uses net/http: the grader's server shares no code with the
// clients it judges, nor with the library a student might have reached
// for.
package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socklab/socklab/harness/listener"
	"github.com/socklab/socklab/harness/trace"
)

// Errors returned by this package. Test with errors.Is: they are wrapped
// with details.
var (
	// ErrConfig means Start was given a Config it cannot serve: no
	// Handler.
	ErrConfig = errors.New("origin: bad config")
	// ErrClosed is returned by WaitRequests once the server is closed and
	// the requests it waits for can no longer arrive.
	ErrClosed = errors.New("origin: server closed")
	// ErrResponse is reported by Server.Err when a Handler returned a
	// Response the server cannot send (Split offsets that do not
	// increase, a negative Slice): a mistake in the check.
	ErrResponse = errors.New("origin: bad response")
	// ErrHandler is reported by Server.Err when a Handler panicked.
	ErrHandler = errors.New("origin: handler panicked")
	// ErrHandlerBlocked is returned by Close when some Handler did not
	// return within closeWait of it; its goroutine is left running.
	ErrHandlerBlocked = errors.New("origin: handler did not return")
)

// closeWait is how long Close waits for handlers that are still running:
// long enough for one that selects on its check's context, short enough
// that one blocked for good does not hang the grader.
var closeWait = 2 * time.Second

// Who the transcript says is talking.
const (
	clientName = "your client"
	serverName = "grader's server"
)

// Config configures a server.
type Config struct {
	// Handler answers each request; required.
	Handler Handler
	// Transcript, if not nil, gets an event for every request received
	// (Kind Recv, Proto "tcp", Data the request's bytes, Text "request GET
	// /a HTTP/1.1"), every segment of a response sent (Send, Text "segment
	// 2 of 5" when there are several), and a Note when a connection is
	// accepted or closed, by whom and how, and when a request goes
	// unanswered. From and To are "your client" and "grader's server",
	// Src and Dst their addresses.
	Transcript *trace.Transcript
	// Addr is the address to listen on; default "127.0.0.1:0", a free
	// port on loopback. Paced responses need the client on this host.
	Addr string
	// OnProgress, if not nil, is called whenever bytes move: some of a
	// request arrived, or a segment of a response went out (a paced one,
	// once the client has read it). A grader uses it to tell a slow
	// client on a busy machine from a stuck one. It must not block.
	OnProgress func()
}

// A Server is a running origin server. Its methods are safe for
// concurrent use.
type Server struct {
	handler Handler
	tr      *trace.Transcript
	ln      *listener.Listener
	addr    netip.AddrPort
	ctx     context.Context // done at Close: ends delays and paced waits
	cancel  context.CancelFunc

	wg        sync.WaitGroup // the accept loop, and each connection's two goroutines
	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	closing  bool // Close was called: accept nothing more
	closed   bool // Close has returned: the log is final
	conns    []*Conn
	requests []*Request
	errs     []error
	changed  chan struct{} // closed and replaced whenever the log changes

	onProgress func()
	started    time.Time
	active     atomic.Int64 // when bytes last moved, in nanoseconds since started
}

// Start listens on cfg.Addr and serves in goroutines of its own until
// Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Handler == nil {
		return nil, fmt.Errorf("%w: no Handler", ErrConfig)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	ln, err := listener.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("origin: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		handler: cfg.Handler,
		tr:      cfg.Transcript,
		ln:      ln,
		addr:    ln.Addr(),
		ctx:     ctx,
		cancel:  cancel,
		changed: make(chan struct{}),

		onProgress: cfg.OnProgress,
		started:    time.Now(),
	}
	s.wg.Go(func() { s.ln.Serve(s.ctx, s.track) })
	return s, nil
}

// Idle is how long ago bytes last moved on any connection, or, before
// any did, since Start.
func (s *Server) Idle() time.Duration {
	return time.Since(s.started) - time.Duration(s.active.Load())
}

// progress notes that bytes moved.
func (s *Server) progress() {
	s.active.Store(int64(time.Since(s.started)))
	if s.onProgress != nil {
		s.onProgress()
	}
}

// A progressReader reads from a connection and notes each byte that
// comes.
type progressReader struct {
	r io.Reader
	s *Server
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.s.progress()
	}
	return n, err
}

// Addr returns the address the server listens on.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// HostPort returns the address as a URL's authority has it:
// "127.0.0.1:PORT", which is also what a client's Host field should say.
func (s *Server) HostPort() string { return s.addr.String() }

// URL returns "http://127.0.0.1:PORT" followed by path, which should be
// "" or start with "/".
func (s *Server) URL(path string) string { return "http://" + s.HostPort() + path }

// Conns returns every connection accepted so far, in order.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.conns)
}

// Requests returns every request received so far, in order of arrival,
// across connections, the unparseable ones among them (Method "").
func (s *Server) Requests() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Err returns the check's own mistakes that the server met, joined: a
// Handler that panicked (ErrHandler), a Response it could not send
// (ErrResponse). nil if none. A check that finds one should end as the
// grader's error, not the student's failure.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// WaitRequests waits until n requests have arrived in all, or ctx is done
// (its error), or the server is closed with fewer (ErrClosed).
func (s *Server) WaitRequests(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, closed, changed := len(s.requests), s.closed, s.changed
		s.mu.Unlock()
		switch {
		case got >= n:
			return nil
		case closed:
			return fmt.Errorf("%w: %d of %d requests arrived", ErrClosed, got, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// WaitIdle waits until every connection the server accepted is closed, by
// either side, and its handler done; or until ctx is done, with its
// error. A check calls it once the client has exited, to know that the
// log is complete. A connection the server closed with FIN counts as
// closed once the client has closed its side too (see Response.Close),
// which the kernel does for a client that exited; while the client runs,
// it may keep the connection half open, and WaitIdle waits.
//
// A connection that the client opened is counted even if the server had
// not accepted it yet when WaitIdle was called: one that the client
// opened, wrote to and closed in a hurry may still wait in the listen
// queue after the client exited. WaitIdle first connects to the server
// itself and waits until the accept loop reaches that connection, which
// comes after all those queued before it (see
// [listener.Listener.Flush]).
func (s *Server) WaitIdle(ctx context.Context) error {
	if err := s.ln.Flush(ctx); err != nil {
		return err
	}
	waited := 0
	for {
		conns := s.Conns()
		if len(conns) == waited {
			return nil
		}
		for _, c := range conns[waited:] {
			select {
			case <-c.done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		waited = len(conns)
	}
}

// Close stops the server: it closes the listener and every connection,
// ends delays and paced writes, and waits for the server's goroutines to
// return, but for a handler still running: that one it waits for at most
// closeWait (2 s), and then returns ErrHandlerBlocked naming its request,
// leaving its goroutine behind; when the handler returns at last, its
// response goes nowhere. Close may be called more than once; later calls
// return what the first did.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		conns := slices.Clone(s.conns)
		s.mu.Unlock()
		for _, c := range conns {
			c.abort() // before cancel, which ends connections without a word
		}
		s.cancel()
		s.ln.Close()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		t := time.NewTimer(closeWait)
		select {
		case <-done:
			t.Stop()
		case <-t.C:
			var stuck []string
			for _, c := range conns {
				if r := c.inHandler(); r != nil {
					stuck = append(stuck, fmt.Sprintf("request %d (%s %s)", r.N, r.Method, r.Target))
				}
			}
			s.closeErr = fmt.Errorf("%w within %v of Close: %s", ErrHandlerBlocked, closeWait, strings.Join(stuck, ", "))
			s.tr.Notef("the grader's handler for %s did not return: a bug in the check", strings.Join(stuck, ", "))
		}
		s.mu.Lock()
		s.closed = true
		s.changedLocked()
		s.mu.Unlock()
	})
	return s.closeErr
}

// changedLocked wakes every waiter; s.mu is held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// graderError records a mistake of the check's (see Err).
func (s *Server) graderError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
