package httpclient

import (
	"fmt"
	"sync"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The check of §6, conditional GET: three runs of the client with one
// -cache directory, as a user would run it on three days.

const (
	ruleStore = `"A 200 response with a Last-Modified field is kept in the cache DIR, its body and its Last-Modified value, for its URL; the next GET of that URL, in this run or a later one, carries If-Modified-Since with that value, byte for byte."`
	rule304   = `"A 304 answer to that GET writes the cached body, as if it had come in the response, and counts as a success."`
)

var cacheChecks = []*grader.Check{
	{
		ID: "http-client/cache/conditional-get", Name: "A cached page is asked for with If-Modified-Since, and served on 304", Points: 3,
		Requirement: ruleStore + ` ` + rule304 + ` (handout §6; RFC 9110 §13.1.3, §15.4.5)`,
		Handout:     secCache,
		Run:         cacheConditionalGet,
	},
}

func cacheConditionalGet(t *grader.T) {
	dir := inDir(t, "cache")
	old, updated := text(t, "the page as it was on the first of December\n", 500), text(t, "the page as it is now\n", 400)
	const lm1, lm2 = "Tue, 01 Dec 2026 10:00:00 GMT", "Thu, 03 Dec 2026 08:30:00 GMT"
	// The server's page changes between the second run and the third:
	// 200 the first time; 304 for If-Modified-Since: lm1; then, asked
	// again, a new 200 and 304 again for lm2.
	var mu sync.Mutex // the page, changed by the check between runs
	var current []byte
	lastModified := lm1
	srv := startOrigin(t, func(r *origin.Request) origin.Response {
		mu.Lock()
		defer mu.Unlock()
		if ims, ok := r.Get("If-Modified-Since"); ok && ims == lastModified {
			return keptOpen(origin.Build(304, "Not Modified", nil, "Last-Modified", lastModified))
		}
		return keptOpen(ok(current, "Last-Modified", lastModified))
	})
	url := srv.URL("/news.html")
	step := func(n int, want []byte, wantIMS string) {
		before := len(srv.Requests())
		r := runClient(t, srv, "-cache", dir, url)
		reqs := srv.Requests()[before:]
		if len(reqs) != 1 {
			t.Fatalf("run %d of your client sent %d requests for one URL", n, len(reqs))
		}
		ims, has := reqs[0].Get("If-Modified-Since")
		switch {
		case wantIMS == "" && has:
			t.Fail(grader.Failure{Message: fmt.Sprintf("run %d of your client, with an empty cache, sent If-Modified-Since", n),
				Expected: "no If-Modified-Since: nothing is cached yet", Actual: grader.Quote(reqs[0].Raw)})
		case wantIMS != "" && ims != wantIMS:
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("run %d of your client asked for %s, which it had cached, without the right If-Modified-Since", n, url),
				Expected: "If-Modified-Since: " + wantIMS + " (the Last-Modified of the cached copy, byte for byte)",
				Actual:   "the request: " + grader.Quote(reqs[0].Raw),
			})
		}
		expectOutput(t, r, "", want)
		expectExit(t, r, 0, "a 200, or a 304 answered from the cache, is a success")
	}
	mu.Lock()
	current = old
	mu.Unlock()
	step(1, old, "")  // 200, cached
	step(2, old, lm1) // 304: the cached body
	mu.Lock()
	current, lastModified = updated, lm2
	mu.Unlock()
	step(3, updated, lm1) // the page changed: 200 with the new one, cached
	step(4, updated, lm2) // 304: the new cached body
}
