package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// These tests run the client, flags, output and exit status, against a
// tiny HTTP server of sorts: a TCP server that answers each request with
// the next reply of its script, byte for byte, on whatever connection the
// request came. The grader tests the client far more thoroughly; these
// show that the parts fit together.

// A reply is what the server sends for one request.
type reply struct {
	data  string // the bytes of the response, or less, or more
	close bool   // close the connection after them
}

// A received request: which connection it came on, 1 for the first the
// server accepted, and its bytes up to and including the empty line.
type received struct {
	conn int
	text string
}

type testServer struct {
	ln      net.Listener
	replies []reply
	wg      sync.WaitGroup

	mu       sync.Mutex
	accepted []net.Conn
	requests []received
}

// newTestServer starts a server with the script replies on 127.0.0.1 and
// a free port. It stops when the test ends.
func newTestServer(t *testing.T, replies ...reply) *testServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln, replies: replies}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

// url returns the URL of path on the server.
func (s *testServer) url(path string) string {
	return "http://" + s.ln.Addr().String() + path
}

// received returns the requests so far.
func (s *testServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.requests...)
}

func (s *testServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.accepted {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *testServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.accepted = append(s.accepted, c)
		n := len(s.accepted)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.handle(c, n)
	}
}

// handle reads requests from c, the n-th connection, and answers them.
func (s *testServer) handle(c net.Conn, n int) {
	defer s.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		var req strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			req.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		s.mu.Lock()
		i := len(s.requests)
		s.requests = append(s.requests, received{n, req.String()})
		s.mu.Unlock()
		if i >= len(s.replies) {
			return // the script is over: close
		}
		c.Write([]byte(s.replies[i].data))
		if s.replies[i].close {
			return
		}
	}
}

// result is what a run of the client gave.
type result struct {
	status int
	stdout string
	stderr string
}

// runClient runs the client with args, in this process.
func runClient(args ...string) result {
	var stdout, stderr bytes.Buffer
	status := run(args, &stdout, &stderr)
	return result{status, stdout.String(), stderr.String()}
}

// check fails t unless the run exited with status and wrote stdout.
func (r result) check(t *testing.T, status int, stdout string) {
	t.Helper()
	if r.status != status {
		t.Errorf("exit status %d, want %d\nstderr:\n%s", r.status, status, r.stderr)
	}
	if r.stdout != stdout {
		t.Errorf("stdout:\n got %q\nwant %q", r.stdout, stdout)
	}
}

// checkConns fails t unless the requests came on the connections conns.
func checkConns(t *testing.T, s *testServer, conns ...int) {
	t.Helper()
	var got []int
	for _, r := range s.received() {
		got = append(got, r.conn)
	}
	if fmt.Sprint(got) != fmt.Sprint(conns) {
		t.Errorf("requests on connections %v, want %v", got, conns)
	}
}

// target returns the request-target of the i-th request.
func target(s *testServer, i int) string {
	return strings.Fields(s.received()[i].text)[1]
}

func ok(body string) reply {
	return reply{data: fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)}
}

func TestTwoResponsesOneConnection(t *testing.T) {
	s := newTestServer(t,
		reply{data: "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfirst\n"},
		reply{data: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7;x=y\r\nsecond\n\r\n0\r\nX-T: 1\r\n\r\n"},
	)
	r := runClient(s.url("/one"), s.url("/two?x=1"))
	r.check(t, exitOK, "first\nsecond\n")
	checkConns(t, s, 1, 1)
	if r.stderr != "HTTP/1.1 200 OK\nHTTP/1.1 200 OK\n" {
		t.Errorf("stderr %q, want the two status lines", r.stderr)
	}
	want := "GET /two?x=1 HTTP/1.1\r\nHost: " + s.ln.Addr().String() + "\r\nUser-Agent: socklab-client\r\nAccept-Encoding: identity\r\n" +
		"X-A: 1\r\n\r\n"
	runClient("-H", "X-A: 1", s.url("/two?x=1"))
	if got := s.received()[2].text; got != want {
		t.Errorf("request:\n got %q\nwant %q", got, want)
	}
}

func TestLargeBodies(t *testing.T) {
	body := make([]byte, 3<<20)
	for i := range body {
		body[i] = byte(i * 7 / 3)
	}
	var chunked strings.Builder
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 100000)
		fmt.Fprintf(&chunked, "%X\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	chunked.WriteString("0\r\n\r\n")
	s := newTestServer(t,
		ok(string(body)),
		reply{data: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String()},
		reply{data: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + string(body), close: true},
	)
	out := filepath.Join(t.TempDir(), "out")
	r := runClient("-o", out, s.url("/a"), s.url("/b"), s.url("/c"))
	r.check(t, exitOK, "")
	got, _ := os.ReadFile(out)
	if want := bytes.Repeat(body, 3); !bytes.Equal(got, want) {
		t.Errorf("-o file: %d bytes, want %d, or not the same", len(got), len(want))
	}
	checkConns(t, s, 1, 1, 1)
}

func TestReconnect(t *testing.T) {
	s := newTestServer(t,
		reply{data: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n1\n"}, // the server says it closes
		reply{data: "HTTP/1.1 200 OK\r\n\r\n2\n", close: true},                              // the body ends with the close
		reply{data: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n3\n", close: true},         // the server closes unannounced
		ok("4\n"),
		ok("5\n"),
	)
	r := runClient(s.url("/1"), s.url("/2"), s.url("/3"), s.url("/4"), s.url("/5"))
	r.check(t, exitOK, "1\n2\n3\n4\n5\n")
	// The fourth request went on the third connection first, found it
	// closed, and went again on the fourth. The server never read it on
	// the third.
	checkConns(t, s, 1, 2, 3, 4, 4)
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		replies []reply
		stdout  string // what was written before the error
		stderr  string // a part of it
	}{
		{"closed in the body", []reply{{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", true}}, "half", "after 4 of the 10 bytes"},
		{"closed in a chunk", []reply{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true}}, "hel", "in the middle of a chunk"},
		{"closed before the last chunk", []reply{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true}}, "hello", "before its last chunk"},
		{"closed in the header section", []reply{{"HTTP/1.1 200 OK\r\nContent-Le", true}}, "", "in the middle of the header section"},
		{"closed before a response", []reply{{"", true}}, "", "closed the connection before sending a response"},
		{"not HTTP/1.x", []reply{{"HTTP/2.0 200 OK\r\n\r\n", false}}, "", "HTTP/2.0 is not HTTP/1.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.replies...)
			r := runClient(s.url("/a"), s.url("/b"))
			r.check(t, exitError, tt.stdout)
			if !strings.Contains(r.stderr, tt.stderr) || !strings.HasPrefix(lastLine(r.stderr), "client: ") {
				t.Errorf("stderr %q, want a line client: ... %s", r.stderr, tt.stderr)
			}
			checkConns(t, s, 1) // no retry on a new connection, no second URL
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestNoServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	r := runClient("http://" + addr + "/")
	r.check(t, exitError, "")
	if !strings.HasPrefix(r.stderr, "client: ") || !strings.Contains(r.stderr, "refused") {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestExitStatus(t *testing.T) {
	s := newTestServer(t,
		reply{data: "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"},
		ok("fine"),
		reply{data: "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 5\r\n\r\nmoved"},
		reply{data: "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"},
	)
	runClient(s.url("/missing"), s.url("/fine")).check(t, exitHTTPError, "not foundfine")
	runClient(s.url("/moved")).check(t, exitOK, "moved") // without -L, a 3xx is a response like any other
	runClient(s.url("/oops")).check(t, exitHTTPError, "")
}

func TestUsage(t *testing.T) {
	s := newTestServer(t)
	good := s.url("/")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no URL", nil, "no URL"},
		{"no URL after the flags", []string{"-L", "-I"}, "no URL"},
		{"unknown flag", []string{"-x", good}, "flag provided but not defined: -x"},
		{"-h", []string{"-h", good}, "usage:"},
		{"-o without a file", []string{"-o"}, "flag needs an argument: -o"},
		{"https", []string{good, "https://example.com/"}, "https is not supported"},
		{"not a URL", []string{good, "example.com"}, "not an http:// URL"},
		{"a flag after the URLs", []string{good, "-L"}, `-L: not an http:// URL`},
		{"a -H without a colon", []string{"-H", "X-A", good}, `not "Name: value"`},
		{"a -H with a CRLF", []string{"-H", "X-A: 1\r\nX-B: 2", good}, "CR, LF or NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(tt.args...)
			r.check(t, exitUsage, "")
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr does not say %q:\n%s", tt.stderr, r.stderr)
			}
			for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
				if !strings.HasPrefix(line, "client: ") {
					t.Errorf("stderr line %q does not begin with client: ", line)
				}
			}
		})
	}
	checkConns(t, s) // nothing was sent
}

func TestHeadOnly(t *testing.T) {
	s := newTestServer(t,
		reply{data: "HTTP/1.1 200 OK\nServer:  odd  \r\nContent-Length: 1000\n\r\n"},
		reply{data: "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n"},
	)
	r := runClient("-I", s.url("/a"), s.url("/b"))
	r.check(t, exitHTTPError, "HTTP/1.1 200 OK\r\nServer:  odd  \r\nContent-Length: 1000\r\n\r\n"+
		"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n")
	checkConns(t, s, 1, 1)
	if got := s.received()[0].text; !strings.HasPrefix(got, "HEAD /a HTTP/1.1\r\n") {
		t.Errorf("request %q, want a HEAD", got)
	}
}

func TestRedirects(t *testing.T) {
	other := newTestServer(t, ok("there"))
	s := newTestServer(t,
		reply{data: "HTTP/1.1 301 Moved Permanently\r\nLocation: ../b/c?q=1\r\nContent-Length: 5\r\n\r\nmoved"},
		reply{data: "HTTP/1.1 303 See Other\r\nLocation: d\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsee\r\n0\r\n\r\n"},
		reply{data: "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + other.url("/x") + "\r\nContent-Length: 0\r\n\r\n"},
	)
	r := runClient("-L", s.url("/a/page"))
	r.check(t, exitOK, "there")
	if want := "HTTP/1.1 301 Moved Permanently\nHTTP/1.1 303 See Other\nHTTP/1.1 307 Temporary Redirect\nHTTP/1.1 200 OK\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	checkConns(t, s, 1, 1, 1)
	if target(s, 0) != "/a/page" || target(s, 1) != "/b/c?q=1" || target(s, 2) != "/b/d" || target(other, 0) != "/x" {
		t.Errorf("requests for %s, %s, %s, %s", target(s, 0), target(s, 1), target(s, 2), target(other, 0))
	}
}

func TestTooManyRedirects(t *testing.T) {
	loop := reply{data: "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n"}
	for _, n := range []int{10, 11} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var replies []reply
			for range n {
				replies = append(replies, loop)
			}
			s := newTestServer(t, append(replies, ok("at last"))...)
			r := runClient("-L", s.url("/"))
			if n == maxRedirects {
				r.check(t, exitOK, "at last")
				return
			}
			r.check(t, exitError, "")
			if !strings.Contains(r.stderr, "client: ") || !strings.Contains(r.stderr, "too many redirects") {
				t.Errorf("stderr %q", r.stderr)
			}
			if got := len(s.received()); got != n {
				t.Errorf("%d requests, want %d", got, n)
			}
		})
	}
}

func TestConditionalGET(t *testing.T) {
	const lm = "Tue, 01 Dec 2026 10:00:00 GMT"
	dir := filepath.Join(t.TempDir(), "cache")
	s := newTestServer(t,
		reply{data: "HTTP/1.1 200 OK\r\nLast-Modified: " + lm + "\r\nContent-Length: 13\r\n\r\nHello, world\n"},
		reply{data: "HTTP/1.1 304 Not Modified\r\nLast-Modified: " + lm + "\r\n\r\n"},
		reply{data: "HTTP/1.1 304 Not Modified\r\n\r\n"},
	)
	runClient("-cache", dir, s.url("/hello.txt")).check(t, exitOK, "Hello, world\n")
	// In the same run, and in the next: the cached body.
	runClient("-cache", dir, s.url("/hello.txt")).check(t, exitOK, "Hello, world\n")
	runClient("-cache", dir, s.url("/hello.txt")).check(t, exitOK, "Hello, world\n")
	for i, req := range s.received() {
		ims := strings.Contains(req.text, "\r\nIf-Modified-Since: "+lm+"\r\n")
		if ims != (i > 0) {
			t.Errorf("request %d:\n%s", i, req.text)
		}
	}
}

func TestCookies(t *testing.T) {
	jar := filepath.Join(t.TempDir(), "cookies.txt")
	s := newTestServer(t,
		reply{data: "HTTP/1.1 200 OK\r\nSet-Cookie: session=a1b2; Path=/; HttpOnly\r\nSet-Cookie: theme=dark\r\nContent-Length: 0\r\n\r\n"},
		reply{data: "HTTP/1.1 200 OK\r\nSet-Cookie: session=; Max-Age=0\r\nSet-Cookie: lang=fr\r\nContent-Length: 0\r\n\r\n"},
		ok(""),
	)
	host := strings.Split(s.ln.Addr().String(), ":")[0]
	runClient("-cookies", jar, s.url("/login"), s.url("/next")).check(t, exitOK, "")
	runClient("-cookies", jar, s.url("/again")).check(t, exitOK, "")
	var cookies []string
	for _, req := range s.received() {
		_, after, _ := strings.Cut(req.text, "\r\nCookie: ")
		v, _, _ := strings.Cut(after, "\r\n")
		cookies = append(cookies, v)
	}
	if want := []string{"", "session=a1b2; theme=dark", "theme=dark; lang=fr"}; fmt.Sprint(cookies) != fmt.Sprint(want) {
		t.Errorf("Cookie fields %q, want %q", cookies, want)
	}
	b, _ := os.ReadFile(jar)
	if want := host + "\ttheme\tdark\n" + host + "\tlang\tfr\n"; string(b) != want {
		t.Errorf("cookie file %q, want %q", b, want)
	}
}

// TestConnectionPerServer: the connection to a server waits, open, while
// another server is asked.
func TestConnectionPerServer(t *testing.T) {
	a := newTestServer(t, ok("a1"), ok("a2"))
	b := newTestServer(t, ok("b"))
	runClient(a.url("/"), b.url("/"), a.url("/")).check(t, exitOK, "a1ba2")
	checkConns(t, a, 1, 1)
	checkConns(t, b, 1)
}
