package origin

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/trace"
)

// testTimeout bounds every wait of a test, so that a bug fails the test
// instead of hanging it. No test waits for it to pass: they wait for
// events.
const testTimeout = 10 * time.Second

// start starts a server with h and a transcript of its own, closed when
// the test ends.
func start(t *testing.T, h Handler) (*Server, *trace.Transcript) {
	t.Helper()
	tr := trace.New()
	s, err := Start(Config{Handler: h, Transcript: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, tr
}

// answer is a handler that answers every request with resp.
func answer(resp Response) Handler { return func(*Request) Response { return resp } }

// okResponse is a 200 response with body and its Content-Length.
func okResponse(body string) []byte {
	return Build(200, "OK", []byte(body), "Content-Length", strconv.Itoa(len(body)))
}

// get is a request for path as a careful client writes it.
func get(s *Server, path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: " + s.HostPort() + "\r\n\r\n"
}

// A client is the raw-socket client of the tests: it writes what it is
// told and reports every read as it returned.
type client struct {
	t *testing.T
	c *net.TCPConn
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.c.Write([]byte(s)); err != nil {
		c.t.Fatalf("client write: %v", err)
	}
}

// readN reads exactly n bytes.
func (c *client) readN(n int) string {
	c.t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c.c, b); err != nil {
		c.t.Fatalf("client read %d bytes: %v (got %q)", n, err, b)
	}
	return string(b)
}

// reads reads with a large buffer until n bytes have come or a read
// fails, and returns what each read returned.
func (c *client) reads(n int) ([]string, error) {
	var out []string
	buf := make([]byte, 64<<10)
	for got := 0; got < n; {
		k, err := c.c.Read(buf)
		if k > 0 {
			out = append(out, string(buf[:k]))
			got += k
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// readAll reads until EOF or another error, which it returns (nil for EOF).
func (c *client) readAll() (string, error) {
	b, err := io.ReadAll(c.c)
	return string(b), err
}

// expectEOF fails unless the next read is EOF, with nothing before it.
func (c *client) expectEOF() {
	c.t.Helper()
	if rest, err := c.readAll(); rest != "" || err != nil {
		c.t.Fatalf("after the response: read %q, %v; want EOF at once", rest, err)
	}
}

// waitIdle waits until the server has seen every connection closed.
func waitIdle(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// waitRequests waits until n requests have arrived.
func waitRequests(t *testing.T, s *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.WaitRequests(ctx, n); err != nil {
		t.Fatalf("WaitRequests(%d): %v", n, err)
	}
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

// isEOF says whether err is the end of the stream.
func isEOF(err error) bool { return errors.Is(err, io.EOF) }
