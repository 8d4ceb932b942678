package smtptest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/sockstat"
	"github.com/socklab/socklab/harness/trace"
)

// testTimeout bounds every wait of a test, so that a bug fails the test
// instead of hanging it. No test waits for it to pass: they wait for
// events.
const testTimeout = 10 * time.Second

// greeting is the default greeting, as sent.
const greeting = "220 mx.socklab.test ESMTP socklab\r\n"

// start starts a server with cfg and a transcript of its own, closed
// when the test ends.
func start(t *testing.T, cfg Config) (*Server, *trace.Transcript) {
	t.Helper()
	tr := trace.New()
	cfg.Transcript = tr
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, tr
}

// script is a Handler that answers the verbs in it as it says, and the
// others as Default does.
func script(answers map[string]Response) Handler {
	return func(s *Session, c Command) Response {
		if r, ok := answers[c.Verb]; ok {
			return r
		}
		return Default(s, c)
	}
}

// A client is the raw-socket client of the tests: it writes what it is
// told and reads replies line by line, reading no further than the
// server has sent.
type client struct {
	t  *testing.T
	c  *net.TCPConn
	br *bufio.Reader
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s.Addr())))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(s)); err != nil {
		c.t.Fatalf("client write: %v", err)
	}
}

// line reads one line, with its line end.
func (c *client) line() string {
	c.t.Helper()
	l, err := c.br.ReadString('\n')
	if err != nil {
		c.t.Fatalf("client read: %v (got %q)", err, l)
	}
	return l
}

// reply reads one whole reply: lines up to one whose code is not
// followed by "-" (RFC 5321 §4.2.1).
func (c *client) reply() string {
	c.t.Helper()
	var b strings.Builder
	for {
		l := c.line()
		b.WriteString(l)
		if len(l) < 4 || l[3] != '-' {
			return b.String()
		}
	}
}

// expectEOF fails unless the next read is EOF, with nothing before it.
func (c *client) expectEOF() {
	c.t.Helper()
	if rest, err := io.ReadAll(c.br); len(rest) > 0 || err != nil {
		c.t.Fatalf("read %q, %v; want EOF at once", rest, err)
	}
}

// landed waits until everything the client wrote has reached the
// server's socket (the client's socket has nothing unacknowledged), so
// that a test that then lets Blocked say true knows that the server
// will see the bytes.
func (c *client) landed() {
	c.t.Helper()
	local := netip.MustParseAddrPort(c.c.LocalAddr().String())
	remote := netip.MustParseAddrPort(c.c.RemoteAddr().String())
	deadline := time.Now().Add(testTimeout)
	for {
		sk, err := sockstat.LookupTCP(local, remote)
		if err != nil {
			c.t.Fatalf("the client's socket: %v", err)
		}
		if sk.SendQ == 0 && sk.State != sockstat.FinWait1 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the client's socket still has %d bytes unacknowledged, state %v", sk.SendQ, sk.State)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// A gate is a Config.Blocked that says the client is blocked only once
// the test opens it: the test writes what it means to write, then opens
// the gate, so that the server cannot send a held reply before.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

func (g *gate) blocked() bool {
	select {
	case <-g.ch:
		return true
	default:
		return false
	}
}

// always is a Config.Blocked for a client that is always waiting.
func always() bool { return true }

// waitIdle waits until the server has seen every session closed.
func waitIdle(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// only returns the server's one session.
func only(t *testing.T, s *Server) *Session {
	t.Helper()
	ss := s.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d sessions, want 1", len(ss))
	}
	return ss[0]
}

// verbs renders commands for comparison: "EHLO client.test 250", with
// flags after: "MAIL FROM:<a> 0 early".
func verbs(cs []Command) []string {
	var out []string
	for _, c := range cs {
		s := strings.TrimSpace(c.Verb+" "+c.Arg) + fmt.Sprintf(" %d", c.Reply.Code)
		for _, f := range []struct {
			on   bool
			name string
		}{{c.BareLF, "bareLF"}, {c.Early, "early"}, {c.AfterClose, "afterClose"}} {
			if f.on {
				s += " " + f.name
			}
		}
		out = append(out, s)
	}
	return out
}

// same fails the test with both values unless got equals want.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	if g, ok := any(got).([]string); ok {
		w := any(want).([]string)
		t.Errorf("%s:\n got:\n\t%s\nwant:\n\t%s", what, strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
		return
	}
	t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
}

// notes returns the texts of the transcript's notes.
func notes(tr *trace.Transcript) []string {
	var out []string
	for _, e := range tr.Events() {
		if e.Kind == trace.Note {
			out = append(out, e.Text)
		}
	}
	return out
}

// hasNote fails unless some note of tr contains want.
func hasNote(t *testing.T, tr *trace.Transcript, want string) {
	t.Helper()
	for _, n := range notes(tr) {
		if strings.Contains(n, want) {
			return
		}
	}
	t.Errorf("no note contains %q; the notes:\n%s", want, strings.Join(notes(tr), "\n"))
}

// serverGoroutines lists the stacks of goroutines running the server's
// code.
func serverGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "smtptest.(*Server)") || strings.Contains(g, "smtptest.(*Session)") {
			out = append(out, g)
		}
	}
	return out
}

// noGoroutines fails unless the server's goroutines are all gone.
func noGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for g := serverGoroutines(); len(g) > 0; g = serverGoroutines() {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(g, "\n\n"))
		}
		runtime.Gosched() // Close waited for them; they are returning
	}
}

// gone waits until the server's socket of ss is gone, after an RST.
func gone(t *testing.T, ss *Session) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		_, err := sockstat.LookupTCP(ss.Local, ss.Remote)
		if errors.Is(err, sockstat.ErrNotFound) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's socket is still there after an RST: %v", err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}
