// Client is the reference solution of the http-client assignment
// (handouts/http-client.md): an HTTP/1.1 client over a raw TCP socket, a
// small curl(1). It writes its requests and reads the responses itself,
// with no HTTP library: the message format of RFC 9112, the semantics of
// RFC 9110, and what the textbook builds on them (Kurose & Ross §2.2):
// persistent connections, conditional GET, cookies.
//
// Usage:
//
//	client [-o FILE] [-I] [-L] [-H 'Name: value']... [-cache DIR] [-cookies FILE] URL...
//
// The flags, which come before the URLs:
//
//	-o FILE         write the bodies to FILE (created or truncated) instead of stdout
//	-I              send HEAD, and write each response's header section instead of its body
//	-L              follow redirects: 301, 302, 303, 307, 308, at most 10 per URL
//	-H 'Name: v'    add this field to every request (repeatable, sent in order)
//	-cache DIR      keep bodies that have a Last-Modified in DIR, and ask again with If-Modified-Since
//	-cookies FILE   keep cookies in FILE from one run to the next
//
// A URL is http://HOST[:PORT][/PATH][?QUERY]. The client fetches the URLs
// one after another and writes their bodies to stdout, nothing else; on
// stderr, the status line of each response, and error messages, which
// begin with "client: ". The exit status is 0 if every URL got a final
// response with a status below 400; 3 if every URL got one, but some
// status was 400 or more; 1 after a network or protocol error (the client
// stops there); and 2 for a bad command line, when nothing is sent.
//
// The parts, one file each:
//
//	main.go      the command line, the output, the exit status
//	fetch.go     one URL: the request, the response, redirects, where a body goes
//	url.go       what a URL must be; the address, the Host field, the request-target
//	request.go   the bytes of a request, and the -H fields
//	response.go  reading a response: the status line and the header fields
//	body.go      how long the body is (RFC 9112 §6.3), and reading it
//	chunked.go   the chunked transfer coding (RFC 9112 §7.1)
//	conn.go      persistent connections, one per host and port, retried once
//	redirect.go  where a redirect goes (RFC 9110 §15.4, RFC 3986 §5.2)
//	cache.go     the conditional-GET cache (RFC 9110 §13.1.3)
//	cookies.go   the cookie jar (RFC 6265)
//
// Choices where the RFCs and the handout leave room:
//
//   - The request has Host, User-Agent: socklab-client and
//     Accept-Encoding: identity, then Cookie and If-Modified-Since when
//     there are, then the -H fields. No Connection field: HTTP/1.1
//     connections persist without one, and the client closes its own
//     when it is done. A -H field with the name of one of the client's
//     own replaces it (a -H Host replaces Host, in its place).
//   - A -H that is not "Name: value" with a token for a name, or that has
//     a CR, LF or NUL in it, is a bad command line; so is a URL with a
//     user name (user@host). -h prints the usage line, and exits 2 as
//     for any bad command line. A query's bytes that cannot be in a
//     request-target (space, controls, non-ASCII) are sent
//     percent-encoded.
//   - Responses: a bare LF ends a line as CRLF does, a bare CR is an
//     error; an obs-fold line is joined to the field before it; a status
//     line may end after the code. A line may be 64 KiB, a header section
//     1 MiB. 101 Switching Protocols is an error: the client asks for no
//     upgrade.
//   - Transfer-Encoding whose last coding is not chunked: the body ends
//     with the close, and is written as it came. Transfer-Encoding with a
//     Content-Length, or in an HTTP/1.0 response: chunked wins, and the
//     connection is closed after. An HTTP/1.0 response keeps the
//     connection only with Connection: keep-alive.
//   - Connections are kept per host and port, including while other
//     servers are being asked. Bytes that arrive after a response, before
//     the next request, close the connection. A reused connection that
//     fails before the first byte of the response, by a close, a reset or
//     a broken pipe, gets the request again once; a silence of 30 s (the
//     limit on every connect, read and write) does not.
//   - stderr has the status line of every response but the interim 1xx,
//     including the redirect that was one too many. A redirect to a URL
//     the client cannot fetch (https, say) is an error, exit status 1; a
//     3xx without a Location is a final response.
//   - The cache keeps only the 200 responses to GET with a non-empty
//     Last-Modified; -I neither uses nor fills it. A response of another
//     status leaves the entry as it is; a body cut short does too.
//   - Cookies are kept per lowercase host. A Set-Cookie whose name or
//     value has a control character (a TAB, say) in it is ignored. FILE is
//     written at the end of every run that got past the command line,
//     after an error too, readable by its owner only.
//   - -o FILE is created before the first request, even if that fails.
//     A file or directory of -o, -cache or -cookies that cannot be opened
//     is an error of exit status 1, before anything is sent.
package main

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"log"
	"net/url"
	"os"
)

// The exit statuses.
const (
	exitOK        = 0 // every URL got a final response, with a status below 400
	exitError     = 1 // a network or protocol error: the client stopped there
	exitUsage     = 2 // a bad command line: nothing was sent
	exitHTTPError = 3 // every URL got a final response, some with a status of 400 or more
)

const usage = "usage: client [-o FILE] [-I] [-L] [-H 'Name: value']... [-cache DIR] [-cookies FILE] URL..."

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the client with the command-line arguments args: it writes to
// stdout and stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	logger := log.New(stderr, "client: ", 0)
	opts, err := parseArgs(args)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) { // -h and -help: just the usage
			logger.Print(err)
		}
		logger.Print(usage)
		return exitUsage
	}

	c := &client{headOnly: opts.headOnly, follow: opts.follow, extra: opts.extra, stderr: stderr, conns: newPool()}
	if opts.cacheDir != "" {
		if c.cache, err = openCache(opts.cacheDir); err != nil {
			logger.Print(err)
			return exitError
		}
	}
	if opts.cookieFile != "" {
		if c.jar, err = loadJar(opts.cookieFile); err != nil {
			logger.Print(err)
			return exitError
		}
	}
	var file *os.File
	if opts.outFile != "" {
		if file, err = os.Create(opts.outFile); err != nil {
			logger.Print(err)
			return exitError
		}
		stdout = file
	}
	// Small writes are gathered into large ones; the buffer is flushed
	// at the end, whatever happened before.
	out := bufio.NewWriterSize(stdout, 64<<10)
	c.out = out

	status := fetchAll(c, opts.urls, logger)

	c.conns.closeAll()
	if c.jar != nil {
		if err := c.jar.save(opts.cookieFile); err != nil {
			logger.Print(err)
			status = exitError
		}
	}
	if err := out.Flush(); err != nil {
		logger.Print(err)
		status = exitError
	}
	if file != nil {
		if err := file.Close(); err != nil {
			logger.Print(err)
			status = exitError
		}
	}
	return status
}

// options is the command line, read.
type options struct {
	outFile    string  // -o, or "" for stdout
	headOnly   bool    // -I
	follow     bool    // -L
	extra      []field // -H, in order
	cacheDir   string  // -cache, or ""
	cookieFile string  // -cookies, or ""
	urls       []*url.URL
}

// parseArgs reads the command line. Its error is a usage error.
func parseArgs(args []string) (*options, error) {
	var opts options
	flags := flag.NewFlagSet("client", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // its messages do not begin "client: "; run's do
	flags.StringVar(&opts.outFile, "o", "", "write the bodies to `FILE`")
	flags.BoolVar(&opts.headOnly, "I", false, "send HEAD, write the header sections")
	flags.BoolVar(&opts.follow, "L", false, "follow redirects")
	flags.Var((*fieldsFlag)(&opts.extra), "H", "add the field `'Name: value'` to every request")
	flags.StringVar(&opts.cacheDir, "cache", "", "keep a conditional-GET cache in `DIR`")
	flags.StringVar(&opts.cookieFile, "cookies", "", "keep the cookies in `FILE`")
	// Parse stops at the first argument that is not a flag: the URLs
	// come after the flags.
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	if flags.NArg() == 0 {
		return nil, errors.New("no URL")
	}
	// Every URL is checked before the first is fetched: a bad command
	// line sends nothing.
	for _, s := range flags.Args() {
		u, err := parseURL(s)
		if err != nil {
			return nil, err
		}
		opts.urls = append(opts.urls, u)
	}
	return &opts, nil
}

// fetchAll fetches the URLs in turn, and returns the exit status. It
// stops at the first error.
func fetchAll(c *client, urls []*url.URL, logger *log.Logger) int {
	status := exitOK
	for _, u := range urls {
		code, err := c.fetch(u)
		if err != nil {
			logger.Printf("%s: %v", u, err)
			return exitError
		}
		if code >= 400 {
			status = exitHTTPError
		}
	}
	return status
}
