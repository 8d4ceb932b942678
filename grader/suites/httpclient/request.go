package httpclient

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The checks of §2 on the request: its line, its Host, its line endings,
// the -H fields. Each runs the client on one URL at a time, and the
// server closes the connection after its response, so that these checks
// judge the request alone, however the client reads responses.

var requestChecks = []*grader.Check{
	{
		ID: "http-client/request/line", Name: "The request line is the method, the path and query, and HTTP/1.1", Points: 2,
		Requirement: `"The request line is GET (or HEAD, with -I), a space, the path and query of the URL, a space, and HTTP/1.1." (handout §2; RFC 9112 §3, §3.2.1: origin-form)`,
		Handout:     secMessages,
		Run:         requestLine,
	},
	{
		ID: "http-client/request/host", Name: "The request has one Host field with the port", Points: 2,
		Requirement: `"Every request has exactly one Host field: the URL's host, followed by :PORT when the port is not 80." (handout §2; RFC 9110 §7.2; RFC 9112 §3.2: a client sends Host in every HTTP/1.1 request)`,
		Handout:     secMessages,
		Run:         requestHost,
	},
	{
		ID: "http-client/request/crlf", Name: "Every line of the request ends in CR LF", Points: 1,
		Requirement: `"Every line of the request ends with CR LF, and an empty line ends the header section." (handout §2; RFC 9112 §2.1)`,
		Handout:     secMessages,
		Run:         requestCRLF,
	},
	{
		ID: "http-client/request/headers", Name: "Fields given with -H are sent", Points: 1,
		Requirement: `"Each -H field is sent in every request, as given." (handout §2)`,
		Handout:     secMessages,
		Run:         requestHeaders,
	},
}

// oneShot starts a server that answers every request with body and
// closes the connection, and runs the client once on the URL with path.
func oneShot(t *grader.T, path string, args ...string) (*origin.Server, run) {
	body := text(t, "the body of the grader's page\n", 60)
	srv := startOrigin(t, func(*origin.Request) origin.Response {
		return origin.Response{Raw: ok(body, "Connection", "close"), Close: true}
	})
	r := runClient(t, srv, append(args, srv.URL(path))...)
	return srv, r
}

// firstRequest is the first request the server got, or the check fails.
func firstRequest(t *grader.T, srv *origin.Server, r run) *origin.Request {
	rs := srv.Requests()
	if len(rs) == 0 {
		t.Fatalf("your client sent no request to the grader's server (bin/client %s)%s", strings.Join(r.args, " "), stderrTail(r))
	}
	return rs[0]
}

// requestLineOf is the first line of a raw request, without its line end.
func requestLineOf(raw []byte) []byte {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

func requestLine(t *grader.T) {
	for _, c := range []struct{ path, want string }{
		{"/index.html?lang=en", "GET /index.html?lang=en HTTP/1.1"},
		{"", "GET / HTTP/1.1"},
	} {
		srv, r := oneShot(t, c.path)
		req := firstRequest(t, srv, r)
		got := requestLineOf(req.Raw)
		if string(got) != c.want {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client's request line for %s is wrong", srv.URL(c.path)),
				Expected: grader.Quote([]byte(c.want)),
				Actual:   grader.Quote(got) + "\n  the whole request: " + grader.Quote(req.Raw),
			})
		}
	}
}

func requestHost(t *grader.T) {
	srv, r := oneShot(t, "/where")
	req := firstRequest(t, srv, r)
	want := srv.HostPort()
	hosts := req.Values("Host")
	if len(hosts) != 1 || hosts[0] != want {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client's request for %s has %d Host field(s): %q", srv.URL("/where"), len(hosts), hosts),
			Expected: fmt.Sprintf("one field Host: %s (the port, since it is not 80)", want),
			Actual:   "the whole request: " + grader.Quote(req.Raw),
		})
	}
}

func requestCRLF(t *grader.T) {
	srv, r := oneShot(t, "/lines")
	req := firstRequest(t, srv, r)
	if req.BareLF || !bytes.HasSuffix(req.Raw, []byte("\r\n\r\n")) {
		t.Fail(grader.Failure{
			Message:  "some line of your client's request ends in a bare LF, not CR LF",
			Expected: `every line ending in "\r\n", the header section ending in "\r\n\r\n"`,
			Actual:   grader.Quote(req.Raw),
		})
	}
}

func requestHeaders(t *grader.T) {
	word := token(t, 12)
	fields := []origin.Field{{Name: "X-Socklab-Check", Value: "seed " + word}, {Name: "X-Course", Value: "networking, chapter 2"}}
	var args []string
	for _, f := range fields {
		args = append(args, "-H", f.Name+": "+f.Value)
	}
	srv, r := oneShot(t, "/fields", args...)
	req := firstRequest(t, srv, r)
	for _, f := range fields {
		if got := req.Values(f.Name); len(got) != 1 || got[0] != f.Value {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client was given -H '%s: %s', and its request has %d such field(s): %q", f.Name, f.Value, len(got), got),
				Expected: fmt.Sprintf("one field %s: %s", f.Name, f.Value),
				Actual:   "the whole request: " + grader.Quote(req.Raw),
			})
		}
	}
}
