// Client is the starter code for the http-client assignment: an HTTP/1.1
// client over a raw TCP socket. Read handouts/http-client.md first.
//
// Usage:
//
//	client [-o FILE] [-I] [-L] [-H 'Name: value']... [-cache DIR] [-cookies FILE] URL...
//
// As given, the client parses its flags and its URLs, and connects to the
// first URL's server, but sends no request and reads no response. Your
// job is the rest, with the socket and your own code: no HTTP library
// (net/http and its friends); net/url for the URLs is fine.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"strings"
)

// headerFlags collects the -H flags, which may be given several times.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	log.SetFlags(0)
	log.SetPrefix("client: ")

	var headers headerFlags
	out := flag.String("o", "", "write the bodies to `FILE` instead of stdout")
	head := flag.Bool("I", false, "send HEAD, and write the header sections")
	follow := flag.Bool("L", false, "follow redirects")
	flag.Var(&headers, "H", "add the header field `'Name: value'` to every request (repeatable)")
	cacheDir := flag.String("cache", "", "keep a cache for conditional GET in `DIR`")
	cookieFile := flag.String("cookies", "", "keep cookies in `FILE`")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "client: need at least one URL")
		flag.Usage()
		os.Exit(2)
	}
	var urls []*url.URL
	for _, s := range flag.Args() {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			fmt.Fprintf(os.Stderr, "client: %q is not an http:// URL\n", s)
			os.Exit(2)
		}
		urls = append(urls, u)
	}
	_, _, _, _, _ = out, head, follow, cacheDir, cookieFile // TODO: use them (handout §1)

	// The first URL's server. u.Port() is "" when the URL gives none:
	// then it is 80.
	u := urls[0]
	port := u.Port()
	if port == "" {
		port = "80"
	}
	conn, err := net.Dial("tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		log.Print(err)
		os.Exit(1)
	}
	defer conn.Close()

	// TODO(handout §2 "Messages"): send the request line and the header
	// fields (Host!), each line ending in CR LF, and the empty line.

	// TODO(handout §3 "How long is the body"): read the status line and
	// the header fields, then the body, however long the response says
	// it is; write the body to stdout (or -o FILE).

	// TODO(handout §4 "Persistent connections"): the next URL on the
	// same host goes over the same connection.

	// TODO(handout §5, §6, §7): redirects, the cache, cookies.

	// TODO(handout §8 "Errors and exit status"): the status line on
	// stderr; exit 0, 3 or 1.
	log.Printf("connected to %s; sending nothing yet", conn.RemoteAddr())
}
