package main

import (
	"errors"
	"fmt"
	"net/url"
)

// Redirects (RFC 9110 §15.4), followed with -L. A 3xx response with a
// Location field says that what was asked for is elsewhere; the client
// asks there, as a browser does.

// maxRedirects is how many redirects the client follows for one URL. RFC
// 9110 §15.4 only asks a client to "detect and intervene in cyclical
// redirections"; a limit does that, and 10 is the handout's.
const maxRedirects = 10

var errTooManyRedirects = fmt.Errorf("too many redirects (more than %d)", maxRedirects)

// redirectTarget returns the URL that r, the response to a request for u,
// redirects to, or nil if r is not a redirect: a 301, 302, 303, 307 or
// 308 with a Location. (300 Multiple Choices and 304 Not Modified are
// 3xx too, but not redirects to follow; 305 and 306 are obsolete.)
//
// The Location is a URI reference, resolved against u (RFC 9110 §10.2.2,
// RFC 3986 §5.2), as a relative link in a page is against the page's URL:
// "/x" keeps the scheme and host, "../x" and "x" the directory too, "?q"
// the path as well. url.ResolveReference follows the algorithm of RFC 3986
// §5.2.2, dot segments and all (§5.2.4).
func redirectTarget(u *url.URL, r *response) (*url.URL, error) {
	switch r.status {
	case 301, 302, 303, 307, 308:
	default:
		return nil, nil
	}
	loc, ok := r.get("Location")
	if !ok || loc == "" {
		return nil, nil // nowhere to go: a final response after all
	}
	ref, err := url.Parse(loc)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, &protocolError{fmt.Sprintf("a Location that is not a URI reference (%v)", err), "Location: " + loc}
	}
	next := u.ResolveReference(ref)
	if err := checkURL(next); err != nil {
		return nil, fmt.Errorf("cannot follow the redirect to %s: %w", next, err)
	}
	return next, nil
}

// redirectMethod returns the method of the request that follows a redirect
// of status, after a request of method. A 303 See Other says "GET this
// instead" (RFC 9110 §15.4.4), but HEAD stays HEAD: with -I the user wants
// no body. The others keep the method: 307 and 308 must (RFC 9110
// §15.4.8, §15.4.9); 301 and 302 may change a POST to GET, for historical
// reasons, but the client sends only GET and HEAD.
func redirectMethod(method string, status int) string {
	if status == 303 && method != "HEAD" {
		return "GET"
	}
	return method
}
