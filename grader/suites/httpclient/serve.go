package httpclient

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The grader's server side: responses built byte for byte, and handlers
// that pick one by request-target.

// routes answers each request by its request-target, and a target it
// does not know with a 404 whose body names it.
func routes(rs map[string]origin.Response) origin.Handler {
	return func(r *origin.Request) origin.Response {
		if resp, ok := rs[r.Target]; ok {
			return resp
		}
		return origin.Response{Raw: page(404, "Not Found", fmt.Appendf(nil, "the grader's server has nothing at %s\n", r.Target))}
	}
}

// sequence answers the requests in the order they come with rs, one
// each, and any beyond with the last. It counts the requests it answers,
// not the server's numbers, which requests that came after a close (and
// got no answer) use up too.
func sequence(rs ...origin.Response) origin.Handler {
	var mu sync.Mutex
	n := 0
	return func(*origin.Request) origin.Response {
		mu.Lock()
		defer mu.Unlock()
		n++
		return rs[min(n, len(rs))-1]
	}
}

// page is a response of status with body and its Content-Length, and the
// fields given (name, value pairs) after those.
func page(status int, reason string, body []byte, fields ...string) []byte {
	head := []string{"Content-Type", "text/plain", "Content-Length", strconv.Itoa(len(body))}
	return origin.Build(status, reason, body, append(head, fields...)...)
}

// ok is a 200 response with body and its Content-Length.
func ok(body []byte, fields ...string) []byte { return page(200, "OK", body, fields...) }

// textBytes are what bodies are made of: readable in a diff.
const textBytes = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_'()"

// text is n bytes of text from the check's random stream, starting with
// label and ending in a newline, so that every body is its own.
func text(t *grader.T, label string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = textBytes[t.Rand().IntN(len(textBytes))]
	}
	copy(b, label)
	b[n-1] = '\n'
	return b
}

// token is n letters and digits from the check's random stream: a cookie
// value, which may hold no space, comma, semicolon or quote (RFC 6265
// §4.1.1).
func token(t *grader.T, n int) string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[t.Rand().IntN(len(alnum))]
	}
	return string(b)
}

// binary is n random bytes, every value from 0 to 255 among them. They
// come from a ChaCha8 stream keyed from the check's random stream: the
// same for one seed, and megabytes of them in a millisecond.
func binary(t *grader.T, n int) []byte {
	var key [32]byte
	for i := range key {
		key[i] = byte(t.Rand().Uint32())
	}
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}
