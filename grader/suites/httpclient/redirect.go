package httpclient

import (
	"fmt"
	"slices"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The checks of §5, redirects, judged by the request-targets the server
// received, in order.

const (
	ruleFollow   = `"With -L the client follows 301, 302, 303, 307 and 308 responses to their Location, and writes only the last response's body."`
	ruleRelative = `"The Location is resolved against the URL that was asked for, as a URI reference (RFC 3986 §5.2): /x, x, ../x and ?q are all relative."`
	ruleCap      = `"The client follows at most 10 redirects for one URL; the 11th is an error (§8)."`
)

var redirectChecks = []*grader.Check{
	{
		ID: "http-client/redirect/chain", Name: "A chain of 301, 302 and 307 redirects is followed to its end", Points: 2,
		Requirement: ruleFollow + ` (handout §5; RFC 9110 §15.4)`,
		Handout:     secRedirect,
		Run:         redirectChain,
	},
	{
		ID: "http-client/redirect/relative", Name: "Relative Locations are resolved against the request's URL", Points: 1,
		Requirement: ruleRelative + ` (handout §5; RFC 9110 §10.2.2: Location is a URI reference, relative to the target URI; RFC 3986 §5.2)`,
		Handout:     secRedirect,
		Run:         redirectRelative,
	},
	{
		ID: "http-client/redirect/loop", Name: "A redirect loop ends after at most 10 redirects, as an error", Points: 2,
		Requirement: ruleCap + ` (handout §5; RFC 9110 §15.4: a client should detect and stop cyclical redirections)`,
		Handout:     secRedirect,
		Run:         redirectLoop,
	},
	{
		ID: "http-client/redirect/not-followed", Name: "Without -L a redirect is the response", Points: 1,
		Requirement: `"Without -L a 3xx is a response like any other: its body is written, and it counts as a success." (handout §5)`,
		Handout:     secRedirect,
		Run:         redirectNotFollowed,
	},
}

// moved is a redirect to location, with a short body, as servers send.
func moved(status int, reason, location string) origin.Response {
	return keptOpen(page(status, reason, []byte("moved to "+location+"\n"), "Location", location))
}

// expectTargets fails unless the server received requests for want, in
// order.
func expectTargets(t *grader.T, srv *origin.Server, want []string, why string) {
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Target)
	}
	if !slices.Equal(got, want) {
		t.Fail(grader.Failure{
			Message:  "your client's requests were not for the targets expected: " + why,
			Expected: strings.Join(want, ", "),
			Actual:   strings.Join(got, ", "),
		})
	}
}

func redirectChain(t *grader.T) {
	body := text(t, "the end of the chain: /a, /b, /c, /d\n", 300)
	var srv *origin.Server
	srv = startOrigin(t, func(r *origin.Request) origin.Response {
		switch r.Target {
		case "/a":
			return moved(301, "Moved Permanently", srv.URL("/b")) // absolute
		case "/b":
			return moved(302, "Found", "/c") // absolute path
		case "/c":
			return moved(307, "Temporary Redirect", "/d")
		case "/d":
			return keptOpen(ok(body))
		}
		return keptOpen(page(404, "Not Found", []byte("no such page\n")))
	})
	r := runClient(t, srv, "-L", srv.URL("/a"))
	expectTargets(t, srv, []string{"/a", "/b", "/c", "/d"}, "/a is 301 to "+srv.URL("/b")+", /b is 302 to /c, /c is 307 to /d")
	expectOutput(t, r, "", body)
	expectExit(t, r, 0, "the last response was 200")
}

func redirectRelative(t *grader.T) {
	body := text(t, "three relative redirects later\n", 200)
	srv := startOrigin(t, routes(map[string]origin.Response{
		"/dir/page":           moved(302, "Found", "../other/x?y=1"),
		"/other/x?y=1":        moved(302, "Found", "next"),
		"/other/next":         moved(303, "See Other", "?q=2"),
		"/other/next?q=2":     keptOpen(ok(body)),
		"/dir/../other/x?y=1": keptOpen(page(404, "Not Found", []byte("dot segments are removed (RFC 3986 §5.2.4)\n"))),
	}))
	r := runClient(t, srv, "-L", srv.URL("/dir/page"))
	expectTargets(t, srv, []string{"/dir/page", "/other/x?y=1", "/other/next", "/other/next?q=2"},
		`Location "../other/x?y=1" from /dir/page, "next" from /other/x?y=1, "?q=2" from /other/next`)
	expectOutput(t, r, "", body)
	expectExit(t, r, 0, "the last response was 200")
}

func redirectLoop(t *grader.T) {
	srv := startOrigin(t, func(*origin.Request) origin.Response { return moved(302, "Found", "/loop") })
	r := runClient(t, srv, "-L", srv.URL("/loop"))
	expectExit(t, r, 1, "more than 10 redirects for one URL are an error")
	if n := len(srv.Requests()); n > 11 {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client followed a redirect loop for %d requests", n),
			Expected: "at most 11 requests: the URL and 10 redirects",
			Actual:   fmt.Sprintf("%d requests for /loop", n),
		})
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Fail(grader.Failure{Message: "your client gave up on the redirect loop without a word on stderr",
			Expected: "a message on stderr, such as \"client: too many redirects\"", Actual: "nothing on stderr"})
	}
}

func redirectNotFollowed(t *grader.T) {
	srv := startOrigin(t, sequence(moved(302, "Found", "/new")))
	r := runClient(t, srv, srv.URL("/old"))
	expectTargets(t, srv, []string{"/old"}, "without -L, a 302 is not followed")
	expectOutput(t, r, "", []byte("moved to /new\n"))
	expectExit(t, r, 0, "a 3xx without -L is a success")
}
