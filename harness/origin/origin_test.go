package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/trace"
)

func TestStartNeedsAHandler(t *testing.T) {
	if _, err := Start(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("Start without a Handler: %v, want ErrConfig", err)
	}
	if _, err := Start(Config{Handler: answer(Response{}), Addr: "127.0.0.1:-1"}); err == nil {
		t.Error("Start on port -1 did not fail")
	}
}

func TestAddresses(t *testing.T) {
	s, _ := start(t, answer(Response{}))
	hp := fmt.Sprintf("127.0.0.1:%d", s.Addr().Port())
	if s.Addr().Port() == 0 || s.HostPort() != hp {
		t.Errorf("Addr() = %v, HostPort() = %q", s.Addr(), s.HostPort())
	}
	if got, want := s.URL("/a?b"), "http://"+hp+"/a?b"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
}

// TestTranscript is one exchange as a student reads it.
func TestTranscript(t *testing.T) {
	raw := okResponse("hi")
	s, tr := start(t, answer(Response{Raw: raw, Split: []int{5}, Close: true}))
	c := dial(t, s)
	req := get(s, "/a?b=1")
	c.send(req)
	if got, err := c.readAll(); got != string(raw) || err != nil {
		t.Fatalf("read %q, %v", got, err)
	}
	c.c.Close()
	waitIdle(t, s)
	client := c.c.LocalAddr().String()
	port := s.Conns()[0].Remote.Port()
	var got []string
	for _, e := range tr.Events() {
		switch e.Kind {
		case trace.Note:
			got = append(got, "note "+e.Text)
		default:
			if e.Proto != "tcp" {
				t.Errorf("event %v: Proto %q", e, e.Proto)
			}
			got = append(got, fmt.Sprintf("%s %s→%s %s→%s %q %s", e.Kind, e.From, e.To, e.Src, e.Dst, e.Data, e.Text))
		}
	}
	hp := s.HostPort()
	want := []string{
		fmt.Sprintf("note connection 1: accepted from port %d", port),
		fmt.Sprintf("recv your client→grader's server %s→%s %q request GET /a?b=1 HTTP/1.1", client, hp, req),
		fmt.Sprintf("send grader's server→your client %s→%s %q segment 1 of 2", hp, client, raw[:5]),
		fmt.Sprintf("send grader's server→your client %s→%s %q segment 2 of 2", hp, client, raw[5:]),
		"note connection 1: the grader's server closed the connection (FIN) after its response to request 1",
		"note connection 1: your client closed the connection",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

func TestWaitRequests(t *testing.T) {
	s, _ := start(t, answer(Response{Raw: okResponse("x")}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.WaitRequests(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitRequests with a done context: %v", err)
	}
	for i := range 3 {
		c := dial(t, s) // one request per connection
		c.send(get(s, fmt.Sprintf("/%d", i)))
	}
	waitRequests(t, s, 3)
	if err := s.WaitRequests(context.Background(), 0); err != nil {
		t.Errorf("WaitRequests(0): %v", err)
	}
	s.Close()
	if err := s.WaitRequests(context.Background(), 4); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitRequests after Close: %v, want ErrClosed", err)
	}
	if err := s.WaitRequests(context.Background(), 3); err != nil {
		t.Errorf("WaitRequests(3) after Close, with 3 arrived: %v", err)
	}
}

// TestWaitIdleSeesQueuedConnections: connections a client opened and
// closed in a hurry are counted, also those still in the listen queue
// when WaitIdle is called.
func TestWaitIdleSeesQueuedConnections(t *testing.T) {
	const n = 20
	s, _ := start(t, answer(Response{Raw: okResponse("x")}))
	for i := range n {
		c := dial(t, s)
		c.send(get(s, fmt.Sprintf("/%d", i)))
		c.c.Close()
	}
	waitIdle(t, s)
	if got := len(s.Conns()); got != n {
		t.Errorf("%d connections after WaitIdle, want %d", got, n)
	}
	for _, c := range s.Conns() {
		if c.ClosedBy() == "" {
			t.Errorf("connection %d is still open after WaitIdle", c.N)
		}
	}
	if got := len(s.Requests()); got != n {
		t.Errorf("%d requests after WaitIdle, want %d", got, n)
	}
}

func TestWaitIdleWaitsForOpenConnections(t *testing.T) {
	s, _ := start(t, answer(Response{Raw: okResponse("x")}))
	c := dial(t, s)
	c.send(get(s, "/"))
	c.readN(len(okResponse("x")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.WaitIdle(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitIdle with a connection open: %v, want its context's error", err)
	}
}

func TestCloseTwice(t *testing.T) {
	s, tr := start(t, answer(Response{Raw: okResponse("x")}))
	c := dial(t, s)
	c.send(get(s, "/"))
	c.readN(len(okResponse("x")))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	c.expectEOF() // the idle connection, closed by Close
	if by := s.Conns()[0].ClosedBy(); by != "server" {
		t.Errorf("ClosedBy() = %q, want server", by)
	}
	hasNote(t, tr, "connection 1: the grader's server closed the connection: the check is over")
	waitIdle(t, s)
}

// TestCloseLeavesABlockedHandler: Close gives up on a handler that does
// not return, and says so.
func TestCloseLeavesABlockedHandler(t *testing.T) {
	defer func(d time.Duration) { closeWait = d }(closeWait)
	closeWait = 50 * time.Millisecond
	running, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s, _ := start(t, func(*Request) Response {
		close(running)
		<-release
		return Response{Raw: okResponse("too late")}
	})
	c := dial(t, s)
	c.send(get(s, "/stuck"))
	<-running
	err := s.Close()
	if !errors.Is(err, ErrHandlerBlocked) || !strings.Contains(err.Error(), "request 1 (GET /stuck)") {
		t.Errorf("Close: %v, want ErrHandlerBlocked naming request 1", err)
	}
	c.expectEOF()
}

func TestMalformedRequests(t *testing.T) {
	for _, tt := range []struct {
		name, send, why string
		halfClose       bool
	}{
		{"garbage", "HELLO THERE\r\n\r\n", "request line", false},
		{"TLS", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", "incomplete request", true},
		{"too large", "GET / HTTP/1.1\r\nX: " + strings.Repeat("x", 70<<10), "64 KiB", false},
		{"incomplete", "GET / HTTP/1.1\r\nHost: x\r\n", "incomplete request: 25 bytes, and then your client closed the connection", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var called atomic.Bool
			s, tr := start(t, func(*Request) Response { called.Store(true); return Response{Raw: okResponse("x")} })
			c := dial(t, s)
			c.send(tt.send)
			if tt.halfClose {
				c.c.CloseWrite()
			}
			c.expectEOF()
			c.c.Close()
			waitIdle(t, s)
			rs := s.Requests()
			if len(rs) != 1 || rs[0].Method != "" || !strings.Contains(rs[0].Error, tt.why) {
				t.Fatalf("requests %+v, want one with Method \"\" and an Error that says %q", rs, tt.why)
			}
			if !strings.HasPrefix(tt.send, string(rs[0].Raw)) || len(rs[0].Raw) == 0 {
				t.Errorf("Raw %q is not what was sent", rs[0].Raw)
			}
			if called.Load() {
				t.Error("the handler was called for a malformed request")
			}
			if !tt.halfClose {
				hasNote(t, tr, "connection 1: the grader's server closed the connection (FIN) because request 1 could not be read")
			}
		})
	}
}

func TestCheckMistakes(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    Handler
		want error
	}{
		{"a panic", func(*Request) Response { panic("oops") }, ErrHandler},
		{"a bad Split", answer(Response{Raw: okResponse("x"), Split: []int{5, 3}}), ErrResponse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, tr := start(t, tt.h)
			c := dial(t, s)
			c.send(get(s, "/"))
			c.expectEOF()
			if err := s.Err(); !errors.Is(err, tt.want) {
				t.Errorf("Err() = %v, want %v", err, tt.want)
			}
			hasNote(t, tr, "(FIN) because the check's")
		})
	}
}

// TestClientGoneMidResponse: a client that leaves before reading a paced
// response costs the server a note, not a panic or a hang.
func TestClientGoneMidResponse(t *testing.T) {
	s, tr := start(t, answer(Response{Raw: okResponse(strings.Repeat("x", 100)), Slice: 1}))
	c := dial(t, s)
	c.send(get(s, "/"))
	c.readN(1)
	c.c.Close()
	waitIdle(t, s)
	hasNote(t, tr, "connection 1: sending the response to request 1 failed at segment")
	if by := s.Conns()[0].ClosedBy(); by != "client" {
		t.Errorf("ClosedBy() = %q, want client", by)
	}
}

// TestNetHTTPClient checks the server with an independent client: Go's
// own, which keeps the connection alive and decodes a chunked body with
// its trailers.
func TestNetHTTPClient(t *testing.T) {
	body := "a body in chunks of 7 bytes, sizes in upper case\n"
	chunked := append(Build(200, "OK", nil, "Transfer-Encoding", "chunked", "Trailer", "X-Sum"),
		Chunked([]byte(body), ChunkOptions{Sizes: []int{7}, Upper: true, Ext: ";a=b", Trailers: []Field{{"X-Sum", "f00d"}}})...)
	s, _ := start(t, func(r *Request) Response {
		if r.Target == "/chunked" {
			return Response{Raw: chunked, Slice: 5}
		}
		return Response{Raw: okResponse("plain")}
	})
	tp := &http.Transport{}
	defer tp.CloseIdleConnections()
	hc := &http.Client{Transport: tp, Timeout: testTimeout}
	for _, tt := range []struct{ path, body, trailer string }{
		{"/plain", "plain", ""},
		{"/chunked", body, "f00d"},
	} {
		resp, err := hc.Get(s.URL(tt.path))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != tt.body || resp.Trailer.Get("X-Sum") != tt.trailer {
			t.Errorf("%s: body %q, %v, trailer %q", tt.path, b, err, resp.Trailer.Get("X-Sum"))
		}
	}
	tp.CloseIdleConnections()
	waitIdle(t, s)
	if n := len(s.Conns()); n != 1 {
		t.Errorf("net/http used %d connections, want 1", n)
	}
	r := s.Requests()[0]
	if host, _ := r.Get("host"); host != s.HostPort() || r.Proto != "HTTP/1.1" || r.BareLF {
		t.Errorf("net/http's request parsed as Host %q, Proto %q, BareLF %v:\n%s", host, r.Proto, r.BareLF, r.Raw)
	}
}

// TestCloseUnblocks: Close ends every wait of the server's own, a write
// that the client does not read, a Delay, a paced write, a close that
// waits for the client, at once; none of them is a handler to wait for.
func TestCloseUnblocks(t *testing.T) {
	big := okResponse(strings.Repeat("x", 32<<20))
	for _, tt := range []struct {
		name string
		resp Response
	}{
		{"a write the client does not read", Response{Raw: big}},
		{"a delay", Response{Raw: okResponse("x"), Delay: time.Hour}},
		{"a paced write", Response{Raw: big, Slice: 1 << 20}},
		{"the wait for the client's close", Response{Raw: okResponse("x"), Close: true}},
		{"an idle connection", Response{Raw: okResponse("x")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			answered := make(chan struct{})
			s, _ := start(t, func(*Request) Response { close(answered); return tt.resp })
			c := dial(t, s)
			c.send(get(s, "/"))
			<-answered
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			waitIdle(t, s)
		})
	}
}

// TestProgress: bytes moving either way are progress, each paced segment
// of a response among them, and Idle counts from the last.
func TestProgress(t *testing.T) {
	var n atomic.Int64
	s, err := Start(Config{
		Handler:    func(*Request) Response { return Response{Raw: []byte("HTTP/1.1 204 No Content\r\n\r\n"), Slice: 5} },
		OnProgress: func() { n.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.HostPort())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 204 No Content\r\n\r\n"
	got := make([]byte, len(want))
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound, not a wait
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v", got, err)
	}
	// Once the connection is done, every note of progress is in: the
	// request (one read at least) and 6 segments of 5 bytes or less.
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n.Load() < 7 {
		t.Errorf("OnProgress was called %d times; want at least 7", n.Load())
	}
	if idle := s.Idle(); idle > time.Since(s.started) {
		t.Errorf("Idle() = %v, more than the server's whole life", idle)
	}
}
