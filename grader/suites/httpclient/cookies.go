package httpclient

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The checks of §7, cookies: within one run, and across runs through the
// -cookies file.

const (
	ruleCookie = `"Each Set-Cookie NAME=VALUE is kept for the host of the URL, and every later request to that host carries one Cookie field with all of its cookies, NAME=VALUE pairs joined by a semicolon and a space, in the order they were first set."`
	ruleDelete = `"A Set-Cookie with Max-Age=0 deletes the cookie of that name."`
	ruleJar    = `"The cookies are read from FILE when the client starts, if it exists, and written back when it ends, one per line: HOST, a tab, NAME, a tab, VALUE."`
)

var cookieChecks = []*grader.Check{
	{
		ID: "http-client/cookie/same-run", Name: "Cookies set by a response go back with the next request", Points: 2,
		Requirement: ruleCookie + ` (handout §7; RFC 6265 §5.4)`,
		Handout:     secCookies,
		Run:         cookieSameRun,
	},
	{
		ID: "http-client/cookie/jar-file", Name: "Cookies survive in the -cookies file, and Max-Age=0 deletes one", Points: 2,
		Requirement: ruleJar + ` ` + ruleDelete + ` (handout §7; RFC 6265 §5.3)`,
		Handout:     secCookies,
		Run:         cookieJarFile,
	},
}

// cookieServer answers each request with a page, and with the Set-Cookie
// fields sets gives for its target.
func cookieServer(t *grader.T, sets map[string][]string) *origin.Server {
	return startOrigin(t, func(r *origin.Request) origin.Response {
		var fields []string
		for _, c := range sets[r.Target] {
			fields = append(fields, "Set-Cookie", c)
		}
		return keptOpen(ok([]byte("page "+r.Target+"\n"), fields...))
	})
}

// expectCookie fails unless request n (from 1) carried exactly the Cookie
// field want ("" for none).
func expectCookie(t *grader.T, srv *origin.Server, n int, want, why string) {
	reqs := srv.Requests()
	if len(reqs) < n {
		t.Fatalf("your client sent %d requests; the check needs request %d", len(reqs), n)
	}
	got := reqs[n-1].Values("Cookie")
	switch {
	case want == "" && len(got) > 0:
		t.Fail(grader.Failure{Message: fmt.Sprintf("request %d (%s) carried a Cookie field, %s", n, reqs[n-1].Target, why),
			Expected: "no Cookie field", Actual: strings.Join(got, " / ")})
	case want != "" && (len(got) != 1 || got[0] != want):
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("request %d (%s) did not carry the cookies it should: %s", n, reqs[n-1].Target, why),
			Expected: "Cookie: " + want,
			Actual:   fmt.Sprintf("%d Cookie field(s) %q; the whole request: %s", len(got), got, grader.Quote(reqs[n-1].Raw)),
		})
	}
}

func cookieSameRun(t *grader.T) {
	session := token(t, 16)
	srv := cookieServer(t, map[string][]string{
		"/login": {"session=" + session + "; Path=/; HttpOnly", "theme=dark"},
		"/prefs": {"theme=light; Max-Age=3600"},
	})
	jar := inDir(t, "cookies.txt")
	r := runClient(t, srv, "-cookies", jar, srv.URL("/login"), srv.URL("/account"), srv.URL("/prefs"), srv.URL("/home"))
	expectExit(t, r, 0, "four responses, each 200")
	expectCookie(t, srv, 1, "", "although nothing had set any")
	expectCookie(t, srv, 2, "session="+session+"; theme=dark", "/login set session and theme")
	expectCookie(t, srv, 4, "session="+session+"; theme=light", "/prefs set theme again, which replaces the old value in its place")
}

func cookieJarFile(t *grader.T) {
	session := token(t, 16)
	srv := cookieServer(t, map[string][]string{
		"/login":  {"session=" + session + "; Path=/", "tracker=x1"},
		"/forget": {"tracker=; Max-Age=0"},
	})
	jar := inDir(t, "cookies.txt")
	runClient(t, srv, "-cookies", jar, srv.URL("/login"))
	r := runClient(t, srv, "-cookies", jar, srv.URL("/account"), srv.URL("/forget"))
	expectExit(t, r, 0, "two responses, each 200")
	expectCookie(t, srv, 2, "session="+session+"; tracker=x1", "an earlier run of your client got them, and kept them in the -cookies file")
	r = runClient(t, srv, "-cookies", jar, srv.URL("/account"))
	expectExit(t, r, 0, "a response 200")
	expectCookie(t, srv, 4, "session="+session, "tracker was deleted with Max-Age=0 by the run before")
}
