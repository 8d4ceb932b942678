package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// What a URL must be for the client to fetch it, and the three things the
// client takes from it: the address to connect to, the Host field, and the
// request-target. Package net/url does the parsing (RFC 3986); what it
// accepts is then checked against what the handout allows:
// http://HOST[:PORT][/PATH][?QUERY].

// Why a URL cannot be fetched.
var (
	errNotHTTP  = errors.New("not an http:// URL")
	errHTTPS    = errors.New("https is not supported, only http")
	errNoHost   = errors.New("no host")
	errUserinfo = errors.New("a user name in the URL is not supported")
	errBadPort  = errors.New("the port is not in 1..65535")
)

// parseURL parses s, a URL of the command line, and checks it.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err // its message quotes s
	}
	if err := checkURL(u); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	return u, nil
}

// checkURL says whether the client can fetch u: a URL of the command line,
// or where a redirect points.
func checkURL(u *url.URL) error {
	switch {
	case u.Scheme == "https": // net/url lowercases the scheme: HTTPS is https too
		return errHTTPS
	case u.Scheme != "http":
		return errNotHTTP
	case u.Opaque != "" || u.Hostname() == "":
		return errNoHost // "http:x", "http:///x", "http://:80/"
	case u.User != nil:
		// RFC 9110 §4.2.4: a sender must not generate the userinfo
		// part of an http URI; the handout's form has none.
		return errUserinfo
	}
	if p := u.Port(); p != "" {
		// net/url lets through any run of digits; "" is port 80,
		// RFC 3986 §3.2.3 allows an empty port.
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errBadPort
		}
	}
	return nil
}

// port returns u's port as a number: 80, the default of the http scheme
// (RFC 9110 §4.2.1), when the URL gives none. checkURL has checked it.
func port(u *url.URL) int {
	n, err := strconv.Atoi(u.Port())
	if err != nil {
		return 80
	}
	return n
}

// address returns the "host:port" to connect to for u. It also names the
// connection, to be reused for the next URL with the same address: the
// host is lowercased, since names are the same in any case (RFC 3986
// §3.2.2), and the port is the number, so http://Example.com/ and
// http://example.com:80/ share one.
func address(u *url.URL) string {
	return net.JoinHostPort(strings.ToLower(u.Hostname()), strconv.Itoa(port(u)))
}

// hostField returns the value of the Host field of a request for u: the
// host as the URL spells it, and ":PORT" unless the port is 80 (RFC 9110
// §7.2). An IPv6 address keeps its brackets: [::1]:8080.
func hostField(u *url.URL) string {
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := port(u); p != 80 {
		host += ":" + strconv.Itoa(p)
	}
	return host
}

// requestTarget returns the request-target of a request for u: its path
// and query, the origin-form of RFC 9112 §3.2.1, "/" when the path is
// empty. Never the whole URL (that is the absolute-form, for proxies), and
// never the fragment, which is for the client alone (RFC 9110 §4.2.5).
func requestTarget(u *url.URL) string {
	// EscapedPath gives the path as the URL spelled it when that is a
	// valid spelling, and percent-encodes what must be otherwise.
	target := u.EscapedPath()
	if target == "" {
		target = "/"
	}
	// The query, by contrast, is kept by net/url as it was written,
	// even with a space or a byte above 0x7F in it. Those cannot go on
	// the request line: a space would end the request-target there.
	if u.ForceQuery || u.RawQuery != "" {
		target += "?" + escapeQuery(u.RawQuery)
	}
	return target
}

// escapeQuery percent-encodes the bytes of q that a URI cannot hold as
// they are (RFC 3986 §2.1): SP, controls, and all bytes above 0x7E.
// Everything else is left alone, %-escapes included, so that a query the
// user wrote correctly reaches the server byte for byte.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cookieHost returns the host that u's cookies belong to: the host
// without the port (RFC 6265 §1: "cookies for a given host are shared
// across all the ports on that host"), lowercased, as in address.
func cookieHost(u *url.URL) string {
	return strings.ToLower(u.Hostname())
}
