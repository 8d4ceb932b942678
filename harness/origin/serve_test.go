package origin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKeepAlive(t *testing.T) {
	s, tr := start(t, func(r *Request) Response { return Response{Raw: okResponse("page " + r.Target)} })
	c := dial(t, s)
	for _, path := range []string{"/one", "/two"} {
		c.send(get(s, path))
		want := string(okResponse("page " + path))
		if got := c.readN(len(want)); got != want {
			t.Fatalf("response %q, want %q", got, want)
		}
	}
	c.c.Close()
	waitIdle(t, s)
	conns := s.Conns()
	if len(conns) != 1 {
		t.Fatalf("%d connections, want 1", len(conns))
	}
	var got []string
	for _, r := range conns[0].Requests() {
		got = append(got, r.Target)
		if r.Conn != 1 || r.InConn != r.N {
			t.Errorf("request %d: Conn %d, InConn %d", r.N, r.Conn, r.InConn)
		}
	}
	if want := []string{"/one", "/two"}; !cmp.Equal(got, want) {
		t.Errorf("targets %q, want %q", got, want)
	}
	if by := conns[0].ClosedBy(); by != "client" {
		t.Errorf("ClosedBy() = %q, want client", by)
	}
	hasNote(t, tr, "connection 1: your client closed the connection")
}

// TestPipelining sends two requests at once. The handler of the first
// waits until the second has arrived: requests are read as they come,
// and still answered in order.
func TestPipelining(t *testing.T) {
	var s *Server
	s, _ = start(t, func(r *Request) Response {
		if r.Target == "/1" {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if err := s.WaitRequests(ctx, 2); err != nil {
				t.Errorf("the second request was not read while the first was being answered: %v", err)
			}
		}
		return Response{Raw: okResponse("page " + r.Target)}
	})
	c := dial(t, s)
	c.send(get(s, "/1") + get(s, "/2"))
	want := string(okResponse("page /1")) + string(okResponse("page /2"))
	if got := c.readN(len(want)); got != want {
		t.Errorf("responses %q, want %q", got, want)
	}
}

func TestCloseAfterResponse(t *testing.T) {
	raw := Build(200, "OK", []byte("until the close"), "Connection", "close")
	s, _ := start(t, answer(Response{Raw: raw, Close: true}))
	c := dial(t, s)
	c.send(get(s, "/"))
	got, err := c.readAll()
	if err != nil || got != string(raw) {
		t.Fatalf("read %q, %v; want %q, EOF", got, err, raw)
	}
	if by := s.Conns()[0].ClosedBy(); by != "server" {
		t.Errorf("ClosedBy() = %q, want server", by)
	}
}

func TestCloseAt(t *testing.T) {
	raw := okResponse("a body that will not arrive whole")
	s, tr := start(t, answer(Response{Raw: raw, CloseAt: 30}))
	c := dial(t, s)
	c.send(get(s, "/"))
	got, err := c.readAll()
	if err != nil || got != string(raw[:30]) {
		t.Fatalf("read %q, %v; want %q, EOF", got, err, raw[:30])
	}
	hasNote(t, tr, "closed the connection (FIN) after 30 of the ")
}

// TestReset: the client reads what came before the RST, every time, and
// then ECONNRESET.
func TestReset(t *testing.T) {
	raw := okResponse("cut short")
	for _, tt := range []struct {
		name string
		resp Response
		want string
	}{
		{"after the response", Response{Raw: raw, Reset: true}, string(raw)},
		{"close at", Response{Raw: raw, CloseAt: 9, Reset: true}, "HTTP/1.1 "},
		{"close at, sliced", Response{Raw: raw, CloseAt: 9, Slice: 4, Reset: true}, "HTTP/1.1 "},
		{"no reply", Response{Raw: raw, NoReply: true, Reset: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, tr := start(t, answer(tt.resp))
			c := dial(t, s)
			c.send(get(s, "/"))
			got, err := c.readAll()
			if got != tt.want || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("read %q, %v; want %q, ECONNRESET", got, err, tt.want)
			}
			waitIdle(t, s)
			hasNote(t, tr, "the grader's server reset the connection (RST)")
		})
	}
}

func TestNoReply(t *testing.T) {
	s, tr := start(t, answer(Response{Raw: okResponse("never sent"), NoReply: true}))
	c := dial(t, s)
	c.send(get(s, "/"))
	c.expectEOF()
	c.c.Close() // the server reads on after its FIN until the client closes too
	waitIdle(t, s)
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests logged, want 1", n)
	}
	hasNote(t, tr, "closed the connection (FIN) without answering request 1")
}

func TestDelay(t *testing.T) {
	const delay = 50 * time.Millisecond
	raw := okResponse("late")
	s, _ := start(t, answer(Response{Raw: raw, Delay: delay}))
	c := dial(t, s)
	begin := time.Now()
	c.send(get(s, "/"))
	if got := c.readN(len(raw)); got != string(raw) {
		t.Fatalf("read %q", got)
	}
	if took := time.Since(begin); took < delay {
		t.Errorf("the response came after %v, before its Delay of %v", took, delay)
	}
}

// TestSliceOne: with pacing, every read of the client returns one byte,
// however large its buffer.
func TestSliceOne(t *testing.T) {
	raw := okResponse("one byte at a time")
	s, tr := start(t, answer(Response{Raw: raw, Slice: 1}))
	c := dial(t, s)
	c.send(get(s, "/"))
	reads, err := c.reads(len(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != len(raw) {
		t.Errorf("%d reads for %d bytes, want one byte each: %q", len(reads), len(raw), reads)
	}
	if strings.Join(reads, "") != string(raw) {
		t.Errorf("read %q, want %q", strings.Join(reads, ""), raw)
	}
	sends := 0
	for _, e := range tr.Events() {
		if e.Text == "segment 1 of "+strconv.Itoa(len(raw)) {
			sends++
		}
	}
	if sends != 1 {
		t.Errorf("the transcript does not say \"segment 1 of %d\" once", len(raw))
	}
}

func TestSplit(t *testing.T) {
	raw := Build(200, "OK", []byte("abc"), "Content-Length", "3")
	cuts := []int{1, 16, 17, len(raw) - 1}
	s, _ := start(t, answer(Response{Raw: raw, Split: cuts}))
	c := dial(t, s)
	c.send(get(s, "/"))
	reads, err := c.reads(len(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"H", "TTP/1.1 200 OK\r", "\n", string(raw[17 : len(raw)-1]), "c"}
	if diff := cmp.Diff(want, reads); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
}

// TestAfterClose: the server closes with FIN and goes on reading, so a
// request the client sends after it is logged, not answered, and costs
// the response nothing.
func TestAfterClose(t *testing.T) {
	raw := okResponse("the last one")
	s, tr := start(t, answer(Response{Raw: raw, Close: true}))
	c := dial(t, s)
	c.send(get(s, "/first"))
	if got, err := c.readAll(); got != string(raw) || err != nil {
		t.Fatalf("read %q, %v", got, err)
	}
	c.send(get(s, "/second"))
	waitRequests(t, s, 2)
	c.c.Close()
	waitIdle(t, s)
	rs := s.Requests()
	if rs[0].AfterClose || !rs[1].AfterClose || rs[1].Target != "/second" {
		t.Errorf("AfterClose of the two requests: %v, %v (second: %q)", rs[0].AfterClose, rs[1].AfterClose, rs[1].Target)
	}
	found := false
	for _, e := range tr.Events() {
		found = found || strings.Contains(e.Text, "request GET /second HTTP/1.1, after the grader's server closed the connection: not answered")
	}
	if !found {
		t.Error("the transcript does not say that /second came after the close")
	}
}

// TestPipelinedBehindClose: a request read while the one before it is
// answered with Close is noted as not answered.
func TestPipelinedBehindClose(t *testing.T) {
	var s *Server
	s, tr := start(t, func(r *Request) Response {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		s.WaitRequests(ctx, 2)
		return Response{Raw: okResponse("only " + r.Target), Close: true}
	})
	c := dial(t, s)
	c.send(get(s, "/1") + get(s, "/2"))
	if got, err := c.readAll(); got != string(okResponse("only /1")) || err != nil {
		t.Fatalf("read %q, %v", got, err)
	}
	c.c.Close()
	waitIdle(t, s)
	hasNote(t, tr, "connection 1: request 2 (GET /2) is not answered")
}
