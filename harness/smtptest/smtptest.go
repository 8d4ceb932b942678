// Package smtptest is a scripted SMTP server (RFC 5321) for grading SMTP
// clients (handouts/smtp-client.md). It is shaped like net/http/httptest:
// build a Config with a Handler, NewServer, point the client under test at
// Addr, read what arrived (Sessions), Close.
//
// Every command line a client sends is logged as it came, byte for byte
// (Session.Commands, Session.Raw), and so is every message's data, as it
// crossed the wire and as a server delivers it (Session.Messages). A
// Handler answers each command; Default answers as a correct server does,
// and a check's Handler calls it for the commands it does not script. A
// Response says not only which Reply to send but how: cut into paced
// segments, one line at a time, late, held back until the client waits
// for it, or followed by a close. The server keeps the state of RFC 5321
// §4.1.4 (greeting, transaction, recipients, data) from the codes it
// actually answered, so that a check which rejects one recipient sees
// the transaction go on without it.
//
// # Did the client wait for the reply?
//
// An SMTP client must read a whole reply, every line of a multi-line one,
// before it sends the next command (unless the server offers PIPELINING,
// which this one does not unless a check says so). A client that does
// not may still work against a fast server, on a lucky run. Response.Hold
// and Response.LinePaced make the difference show on every run: the
// server sends nothing more until the client is blocked waiting
// (Config.Blocked) with nothing unsent, so a command that arrives before
// the reply is whole must have been sent without waiting for it, and is
// marked Early. Early is exact only where Hold or LinePaced were used:
// commands that a client pipelines behind an ordinary reply are queued
// and answered in order, with Early false, since then the server cannot
// tell whether the client read the reply first.
//
// Nothing here uses net/smtp or net/textproto: the grader's server shares
// no code with the clients it judges.
package smtptest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socklab/socklab/harness/listener"
	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// Errors returned by this package. Test with errors.Is: they are wrapped
// with details.
var (
	// ErrConfig means NewServer was given a Config it cannot serve: a
	// negative Slice, or a Greeting that is not a valid Response.
	ErrConfig = errors.New("smtptest: bad config")
	// ErrClosed is returned by WaitSessions once the server is closed and
	// the sessions it waits for can no longer arrive.
	ErrClosed = errors.New("smtptest: server closed")
	// ErrResponse is reported by Server.Err when a Handler returned a
	// Response the server cannot send (a negative Slice or Delay, a reply
	// code outside 100–999): a mistake in the check.
	ErrResponse = errors.New("smtptest: bad response")
	// ErrHandler is reported by Server.Err when a Handler panicked.
	ErrHandler = errors.New("smtptest: handler panicked")
	// ErrHandlerBlocked is returned by Close when some Handler did not
	// return within closeWait of it; its goroutine is left running.
	ErrHandlerBlocked = errors.New("smtptest: handler did not return")
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

// DefaultHostname is the server's name when Config.Hostname is empty.
const DefaultHostname = "mx.socklab.test"

// Config configures a server. The zero Config is a correct SMTP server
// with no extensions.
type Config struct {
	// Handler answers each command; nil means Default.
	Handler Handler
	// Greeting opens every session. A zero Reply (with no Raw, and not a
	// Hangup) is 220 "<Hostname> ESMTP socklab"; the other fields apply
	// as they do to any Response, so Response{Hold: true} holds the
	// default greeting.
	Greeting Response
	// Hostname is what the greeting and the first line of an EHLO reply
	// say; default DefaultHostname.
	Hostname string
	// Extensions are the lines of an EHLO reply after the first, as
	// Default sends them: "8BITMIME", "SIZE 10240000". Default none.
	Extensions []string
	// Slice is the Slice of every Response that has none; default 0, one
	// write per reply. 1 sends every byte as its own paced segment.
	Slice int
	// Blocked reports whether the client under test is blocked waiting,
	// none of its threads running (the grader reads it from /proc). Hold
	// and LinePaced wait for it. It is called from every session's
	// goroutine, about once a millisecond while a reply is held, so it
	// must be safe for concurrent use and quick. nil: Hold waits only
	// until the client has read what was sent.
	Blocked func() bool
	// Transcript, if not nil, gets a Recv event for every command line
	// (Text "command EHLO", "command QUIT, ended with a bare LF") and
	// every 4 KiB chunk of a message's data ("message data"), a Send
	// event for every segment of a reply ("greeting", "reply to EHLO,
	// segment 2 of 5"), and a Note when a session opens or closes, a
	// reply is held or never sent, or the client did not wait for one.
	// From and To are "your client" and "grader's server", Src and Dst
	// their addresses.
	Transcript *trace.Transcript
	// OnProgress, if not nil, is called whenever bytes move in either
	// direction: a grader uses it to tell a slow client from a stuck one.
	// It must not block.
	OnProgress func()
}

// A Server is a running SMTP server. Its methods are safe for concurrent
// use.
type Server struct {
	cfg      Config // defaults filled in
	handler  Handler
	greeting Response
	tr       *trace.Transcript
	ln       *listener.Listener
	addr     netip.AddrPort
	ctx      context.Context // done at Close: ends holds, delays and paced writes
	cancel   context.CancelFunc

	wg        sync.WaitGroup // the accept loop and each session's goroutine
	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex // guards the fields below and every Session's log
	closing  bool       // Close was called: accept nothing more
	closed   bool       // Close has returned: the log is final
	sessions []*Session
	errs     []error
	changed  chan struct{} // closed and replaced whenever sessions change

	started time.Time
	active  atomic.Int64 // when bytes last moved, in nanoseconds since started
}

// NewServer listens on 127.0.0.1:0, a free port on loopback, and serves
// every connection it accepts as a Session, in goroutines of its own,
// until Close.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Slice < 0 {
		return nil, fmt.Errorf("%w: Slice %d", ErrConfig, cfg.Slice)
	}
	if cfg.Hostname == "" {
		cfg.Hostname = DefaultHostname
	}
	greeting := cfg.Greeting
	if greeting.Reply.Code == 0 && greeting.Raw == nil && !greeting.Hangup {
		greeting.Reply = R(220, cfg.Hostname+" ESMTP socklab")
	}
	if err := greeting.check(); err != nil {
		return nil, fmt.Errorf("%w: Greeting: %w", ErrConfig, err)
	}
	handler := cfg.Handler
	if handler == nil {
		handler = Default
	}
	ln, err := listener.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:      cfg,
		handler:  handler,
		greeting: greeting,
		tr:       cfg.Transcript,
		ln:       ln,
		addr:     ln.Addr(),
		ctx:      ctx,
		cancel:   cancel,
		changed:  make(chan struct{}),
		started:  time.Now(),
	}
	s.wg.Go(func() { s.ln.Serve(s.ctx, s.track) })
	return s, nil
}

// Addr returns the address the server listens on, "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.addr.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return int(s.addr.Port()) }

// Sessions returns every session accepted so far, in order of arrival.
func (s *Server) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sessions)
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

// Idle is how long ago bytes last moved in any session, or, before any
// did, since NewServer.
func (s *Server) Idle() time.Duration {
	return time.Since(s.started) - time.Duration(s.active.Load())
}

// progress notes that bytes moved.
func (s *Server) progress() {
	s.active.Store(int64(time.Since(s.started)))
	if s.cfg.OnProgress != nil {
		s.cfg.OnProgress()
	}
}

// WaitSessions waits until n sessions have been accepted in all, or ctx
// is done (its error), or the server is closed with fewer (ErrClosed).
func (s *Server) WaitSessions(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, closed, changed := len(s.sessions), s.closed, s.changed
		s.mu.Unlock()
		switch {
		case got >= n:
			return nil
		case closed:
			return fmt.Errorf("%w: %d of %d sessions arrived", ErrClosed, got, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// WaitIdle waits until every session accepted so far is Done: closed by
// both sides, its goroutine returned; or until ctx is done, with its
// error. A check calls it once the client has exited, to know that the
// log is complete. A session the server closed (Response.Close) is done
// once the client has closed its side too, which the kernel does for a
// client that exited.
//
// A connection still waiting in the listen queue counts too: one that a
// client opened, wrote to and closed in a hurry may not have been
// accepted yet when the client exited. WaitIdle first sends a connection
// of its own through the queue (see [listener.Listener.Flush]), then
// waits.
func (s *Server) WaitIdle(ctx context.Context) error {
	if err := s.ln.Flush(ctx); err != nil {
		return err
	}
	waited := 0
	for {
		sessions := s.Sessions()
		if len(sessions) == waited {
			return nil
		}
		for _, ss := range sessions[waited:] {
			select {
			case <-ss.done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		waited = len(sessions)
	}
}

// Close stops the server: it closes the listener and every session, ends
// holds, delays and paced writes, and waits for the server's goroutines
// to return, but for a Handler still running: that one it waits for at
// most closeWait (2 s), and then returns ErrHandlerBlocked naming its
// command, leaving its goroutine behind. Close may be called more than
// once; later calls return what the first did.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		sessions := slices.Clone(s.sessions)
		s.mu.Unlock()
		for _, ss := range sessions {
			ss.abort() // before cancel, which ends sessions without a word
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
			for _, ss := range sessions {
				if c := ss.inHandler(); c != "" {
					stuck = append(stuck, fmt.Sprintf("session %d (%s)", ss.N, c))
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

// track logs a new session and starts its goroutine; false means the
// server is closing and the caller must close the connection itself.
func (s *Server) track(tc *net.TCPConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	ss := &Session{
		N:         len(s.sessions) + 1,
		Remote:    unmap(tc.RemoteAddr().(*net.TCPAddr).AddrPort()),
		Local:     unmap(tc.LocalAddr().(*net.TCPAddr).AddrPort()),
		srv:       s,
		c:         tc,
		plain:     netem.NewSegmentWriter(tc, netem.WriterOptions{Context: s.ctx}),
		paced:     netem.NewSegmentWriter(tc, netem.WriterOptions{Paced: true, Context: s.ctx}),
		done:      make(chan struct{}),
		answering: true,
	}
	ss.br = bufio.NewReader(recorder{tc, ss})
	s.sessions = append(s.sessions, ss)
	s.changedLocked()
	ss.notef("accepted from port %d", ss.Remote.Port())
	s.wg.Go(ss.serve)
	return true
}

// A recorder reads from a session's connection, and logs each byte that
// comes (Session.Raw) as progress.
type recorder struct {
	r  io.Reader
	ss *Session
}

func (r recorder) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.ss.received(b[:n])
	}
	return n, err
}
