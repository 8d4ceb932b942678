// Package httpclient grades the http-client assignment: an HTTP/1.1
// client over a raw TCP socket (Kurose & Ross, chapter 2, "The Web and
// HTTP"; RFC 9110, RFC 9112).
//
// The contract is handouts/http-client.md. Each check starts the grader's
// own origin server (harness/origin), whose every response is written by
// the check byte for byte (well-formed, cut into one-byte segments,
// closed in the middle, or wrong on purpose), runs the student's
// `bin/client` with the check's flags and URLs, and judges three things:
// the requests the server received, byte for byte; what the client wrote
// (stdout, the -o file, stderr's status lines); and its exit status.
package httpclient

import "github.com/socklab/socklab/grader"

// Suite is the http-client assignment.
var Suite = &grader.Suite{
	ID:      "http-client",
	Title:   "HTTP/1.1 client over a raw TCP socket",
	Roles:   []string{"client"},
	Handout: "handouts/http-client.md",
}

func init() {
	for _, group := range [][]*grader.Check{
		requestChecks, bodyChecks, connChecks, redirectChecks, cacheChecks, cookieChecks, statusChecks,
	} {
		Suite.Checks = append(Suite.Checks, group...)
	}
	grader.Register(Suite)
}

// Handout sections, as titled in handouts/http-client.md.
const (
	secStart    = "§1 Getting started"
	secMessages = "§2 Messages"
	secBody     = "§3 How long is the body"
	secConns    = "§4 Persistent connections"
	secRedirect = "§5 Redirects"
	secCache    = "§6 Conditional GET"
	secCookies  = "§7 Cookies"
	secErrors   = "§8 Errors and exit status"
)
