package httpclient

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The checks of §8: the status line on stderr, the exit status, and the
// errors a client must not take for success.

const (
	ruleStatusLine = `"The client writes each final response's status line to stderr, as it came, without its CR LF."`
	ruleExit0      = `"0: every URL got a complete final response, each with a status code below 400."`
	ruleExit3      = `"3: every URL got a complete final response, and at least one had a status code of 400 or more; its body is written all the same."`
	ruleExit1      = `"1: a network or protocol error: the client could not connect, the connection closed or broke before the whole response came (inside the header section, a body or a chunk), a response could not be parsed, or a URL was redirected more than 10 times. The client stops there."`
)

var statusChecks = []*grader.Check{
	{
		ID: "http-client/status/line", Name: "The status line goes to stderr as it came", Points: 1,
		Requirement: ruleStatusLine + ` (handout §8) ` + ruleExit0,
		Handout:     secErrors,
		Run:         statusLine,
	},
	{
		ID: "http-client/status/errors", Name: "404 and 505 are written, and exit with status 3", Points: 2,
		Requirement: ruleExit3 + ` (handout §8; RFC 9110 §15.5.5, §15.6.6)`,
		Handout:     secErrors,
		Run:         statusErrors,
	},
	{
		ID: "http-client/errors/closed-mid-body", Name: "A body cut short by the server's close is an error", Points: 2,
		Requirement: ruleExit1 + ` (handout §8; RFC 9112 §8: an incomplete message)`,
		Handout:     secErrors,
		Run:         errorsClosedMidBody,
	},
	{
		ID: "http-client/errors/closed-mid-chunk", Name: "A chunked body cut short is an error", Points: 1,
		Requirement: ruleExit1 + ` (handout §8; RFC 9112 §8)`,
		Handout:     secErrors,
		Run:         errorsClosedMidChunk,
	},
	{
		ID: "http-client/errors/refused", Name: "A refused connection is an error, with a message", Points: 1,
		Requirement: ruleExit1 + ` (handout §8)`,
		Handout:     secErrors,
		Run:         errorsRefused,
	},
	{
		ID: "http-client/errors/malformed", Name: "A response that is not HTTP is an error, not a crash", Points: 1,
		Requirement: ruleExit1 + ` (handout §8; RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ])`,
		Handout:     secErrors,
		Run:         errorsMalformed,
	},
}

// expectStderrLine fails unless line is one of the lines the client
// wrote on stderr.
func expectStderrLine(t *grader.T, r run, line string) {
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.TrimSuffix(l, "\r") == line {
			return
		}
	}
	t.Fail(grader.Failure{
		Message:  "your client did not write the response's status line on stderr",
		Expected: "a line " + grader.Quote([]byte(line)),
		Actual:   "its stderr: " + grader.Quote([]byte(r.stderr)),
	})
}

func statusLine(t *grader.T) {
	body := text(t, "a page served with an unusual reason phrase\n", 100)
	srv := startOrigin(t, sequence(keptOpen(origin.Build(200, "Fine, Thanks", body, "Content-Length", fmt.Sprint(len(body))))))
	r := runClient(t, srv, srv.URL("/"))
	expectOutput(t, r, "", body)
	expectStderrLine(t, r, "HTTP/1.1 200 Fine, Thanks")
	expectExit(t, r, 0, "the response was complete, status 200")
}

func statusErrors(t *grader.T) {
	for _, c := range []struct {
		status int
		reason string
	}{{404, "Not Found"}, {505, "HTTP Version Not Supported"}} {
		body := text(t, fmt.Sprintf("the body of a %d response\n", c.status), 120)
		srv := startOrigin(t, sequence(keptOpen(page(c.status, c.reason, body))))
		r := runClient(t, srv, srv.URL("/missing"))
		expectOutput(t, r, "", body)
		expectStderrLine(t, r, fmt.Sprintf("HTTP/1.1 %d %s", c.status, c.reason))
		expectExit(t, r, 3, fmt.Sprintf("the response was complete, and its status %d is 400 or more", c.status))
	}
}

// expectError fails unless the client exited 1 with a message on stderr.
func expectError(t *grader.T, r run, why string) {
	expectExit(t, r, 1, why)
	if strings.TrimSpace(r.stderr) == "" {
		t.Fail(grader.Failure{Message: "your client exited with status 1 without a word on stderr",
			Expected: "a message on stderr saying what went wrong (" + why + ")", Actual: "nothing on stderr"})
	}
}

func errorsClosedMidBody(t *grader.T) {
	body := text(t, "a body of 10000 bytes, of which the server sends 4000\n", 10000)
	raw := ok(body)
	srv := startOrigin(t, sequence(origin.Response{Raw: raw, CloseAt: len(raw) - 6000}))
	r := runClient(t, srv, srv.URL("/file.txt"))
	expectError(t, r, "Content-Length said 10000 bytes, and the server closed the connection after 4000")
}

func errorsClosedMidChunk(t *grader.T) {
	body := text(t, "a chunked body whose second chunk is cut short\n", 3000)
	raw := chunked(body, origin.ChunkOptions{Sizes: []int{1000, 2000}})
	srv := startOrigin(t, sequence(origin.Response{Raw: raw, CloseAt: len(raw) - 1500}))
	r := runClient(t, srv, srv.URL("/stream"))
	expectError(t, r, "the server closed the connection in the middle of a chunk")
}

func errorsRefused(t *grader.T) {
	// A port reserved for this check, on which nothing listens.
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(t.Port()))
	r := runClient(t, nil, "http://"+addr.String()+"/")
	expectError(t, r, "nothing listens at "+addr.String()+": the connection is refused")
	if len(r.stdout) > 0 {
		t.Fail(grader.Failure{Message: "your client wrote on stdout, although no server answered",
			Expected: "nothing on stdout", Actual: grader.Quote(r.stdout)})
	}
}

func errorsMalformed(t *grader.T) {
	for _, bad := range []string{
		"HTTP/1.1 2OO OK\r\nContent-Length: 3\r\n\r\nabc",
		"hello, this is not HTTP\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\nhello, world",
	} {
		srv := startOrigin(t, sequence(origin.Response{Raw: []byte(bad), Close: true}))
		r := runClient(t, srv, srv.URL("/"))
		expectError(t, r, "the response was "+grader.Quote([]byte(bad))+", which cannot be parsed")
	}
}
