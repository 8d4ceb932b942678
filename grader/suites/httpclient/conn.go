package httpclient

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The checks of §4, persistent connections: counted at the server.

const (
	ruleReuse     = `"URLs on the same host and port are fetched over one connection, one request after another, each sent once the response before it has been read whole."`
	ruleReconnect = `"After a response with Connection: close, or one whose body ended with the close, the client opens a new connection for the next URL."`
	ruleRetry     = `"If a connection the client reuses closes before any byte of the response arrives, the client sends the request again, once, on a new connection."`
)

var connChecks = []*grader.Check{
	{
		ID: "http-client/conn/reuse", Name: "Three URLs on one host go over one connection", Points: 2,
		Requirement: ruleReuse + ` (handout §4; RFC 9112 §9.3: HTTP/1.1 connections are persistent unless said otherwise)`,
		Handout:     secConns,
		Run:         connReuse,
	},
	{
		ID: "http-client/conn/close", Name: "After Connection: close, the next request goes on a new connection", Points: 2,
		Requirement: ruleReconnect + ` (handout §4; RFC 9112 §9.6: a client that receives the close option sends no more requests on that connection): the grader's server keeps that connection open, to see.`,
		Handout:     secConns,
		Run:         connClose,
	},
	{
		ID: "http-client/conn/server-closed", Name: "A connection the server closed while idle is replaced", Points: 1,
		Requirement: ruleRetry + ` (handout §4; RFC 9112 §9.3.1)`,
		Handout:     secConns,
		Run:         connServerClosed,
	},
}

// threePages are the bodies of /one, /two and /three.
func threePages(t *grader.T) [3][]byte {
	return [3][]byte{
		text(t, "the first of three pages\n", 400),
		text(t, "the second of three pages\n", 500),
		text(t, "the third of three pages\n", 600),
	}
}

// fetchThree runs the client on /one, /two and /three, the responses
// those that respond gives for each page's number and body, and expects
// the bodies in order.
func fetchThree(t *grader.T, respond func(i int, body []byte) origin.Response) *origin.Server {
	bodies := threePages(t)
	rs := map[string]origin.Response{}
	for i, p := range []string{"/one", "/two", "/three"} {
		rs[p] = respond(i, bodies[i])
	}
	srv := startOrigin(t, routes(rs))
	r := runClient(t, srv, srv.URL("/one"), srv.URL("/two"), srv.URL("/three"))
	expectOutput(t, r, "", append(append(append([]byte(nil), bodies[0]...), bodies[1]...), bodies[2]...))
	expectExit(t, r, 0, "the three responses were complete, status 200")
	return srv
}

// connLog says which requests came on which connection, for a message.
func connLog(srv *origin.Server) string {
	var b strings.Builder
	for _, c := range srv.Conns() {
		var targets []string
		for _, r := range c.Requests() {
			targets = append(targets, r.Method+" "+r.Target)
		}
		fmt.Fprintf(&b, "\n    connection %d from port %d: %s", c.N, c.Remote.Port(), strings.Join(targets, ", "))
	}
	return b.String()
}

func connReuse(t *grader.T) {
	srv := fetchThree(t, func(_ int, body []byte) origin.Response { return keptOpen(ok(body)) })
	if n := len(srv.Conns()); n != 1 {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client opened %d connections for three URLs on one host, whose server kept the connection open", n),
			Expected: "one connection, carrying the three requests one after another",
			Actual:   "the connections the grader's server accepted:" + connLog(srv),
		})
	}
}

func connClose(t *grader.T) {
	srv := fetchThree(t, func(i int, body []byte) origin.Response {
		if i == 0 {
			// Connection: close, and the connection kept open all the
			// same, so that a request sent on it shows.
			return keptOpen(ok(body, "Connection", "close"))
		}
		return keptOpen(ok(body))
	})
	if conns := srv.Conns(); len(conns) > 0 && len(conns[0].Requests()) > 1 {
		t.Fail(grader.Failure{
			Message:  "your client sent another request on the connection whose response said Connection: close",
			Expected: "the request for /two on a new connection",
			Actual:   "the connections the grader's server accepted:" + connLog(srv),
		})
	}
}

func connServerClosed(t *grader.T) {
	// The first response is complete and says nothing of closing; then
	// the server closes the connection, as one whose idle timeout has
	// run out does. The client learns it when it sends the next request.
	fetchThree(t, func(i int, body []byte) origin.Response {
		return origin.Response{Raw: ok(body), Close: i == 0}
	})
}
