package main

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
)

// One URL of the command line: its request, its response, the redirects
// after it, and where each body goes.

// A client fetches URLs, with the options of the command line.
type client struct {
	headOnly bool    // -I: send HEAD, and write the header sections
	follow   bool    // -L: follow redirects
	extra    []field // -H, in order
	cache    *cache  // -cache, or nil
	jar      *jar    // -cookies, or nil

	out    io.Writer // the bodies, or the header sections: stdout or -o FILE
	stderr io.Writer // the status lines
	conns  *pool
}

// fetch fetches u, following redirects with -L, and returns the status of
// the final response, once its body has been written.
func (c *client) fetch(u *url.URL) (int, error) {
	method := "GET"
	if c.headOnly {
		method = "HEAD"
	}
	for redirects := 0; ; redirects++ {
		r, next, err := c.exchange(method, u, redirects)
		if err != nil {
			return 0, err
		}
		if next == nil {
			return r.status, nil
		}
		method, u = redirectMethod(method, r.status), next
	}
}

// exchange sends one request of method for u and reads its response,
// which is the redirects-th redirect for the URL of the command line. It
// returns the response, and where it redirects to if the client is to
// follow it.
func (c *client) exchange(method string, u *url.URL, redirects int) (*response, *url.URL, error) {
	var own []field
	if c.jar != nil {
		if v := c.jar.header(cookieHost(u)); v != "" {
			own = append(own, field{"Cookie", v})
		}
	}
	var cached *entry
	if c.cache != nil && method == "GET" {
		if cached = c.cache.lookup(u); cached != nil {
			own = append(own, field{"If-Modified-Since", cached.lastModified})
		}
	}
	req := newRequest(method, u, own, c.extra)

	conn, err := c.conns.send(address(u), req.bytes())
	if err != nil {
		return nil, nil, err
	}
	r, err := readResponse(conn.br, method)
	if err != nil {
		conn.close() // where the next response would begin is anyone's guess
		return nil, nil, err
	}
	fmt.Fprintln(c.stderr, r.statusLine)
	if c.jar != nil {
		// Every Set-Cookie field is one cookie; unlike other fields,
		// they cannot be joined with commas (RFC 6265 §3), since an
		// Expires date has a comma in it.
		for _, v := range r.values("Set-Cookie") {
			c.jar.setCookie(cookieHost(u), v)
		}
	}
	var next *url.URL
	if c.follow {
		next, err = redirectTarget(u, r)
		if err == nil && next != nil && redirects == maxRedirects {
			err = errTooManyRedirects
		}
		if err != nil {
			conn.close()
			return nil, nil, err
		}
	}
	if err := c.body(conn.br, r, u, method, cached, next != nil); err != nil {
		conn.close()
		return nil, nil, err
	}
	c.conns.release(conn, r.keepAlive)
	return r, next, nil
}

// body reads the body of r, the response to a request of method for u,
// and writes it where it belongs. cached is the cache's entry for u, if
// the request asked whether it is still good; redirect says whether the
// client follows r elsewhere.
func (c *client) body(br *bufio.Reader, r *response, u *url.URL, method string, cached *entry, redirect bool) error {
	switch {
	case redirect:
		// Only the last response's body is written. A redirect's is
		// read all the same, to get to the end of the response: the
		// next request may go on the same connection.
		return readBody(br, r, io.Discard)
	case c.headOnly:
		if err := writeHead(c.out, r); err != nil {
			return err
		}
		return readBody(br, r, io.Discard) // nothing to read: a response to HEAD
	case r.status == 304 && cached != nil:
		// 304 Not Modified: no body (frame saw to it), and the one
		// the cache has is still good.
		return c.cache.serve(cached, c.out)
	case r.status == 200 && method == "GET" && c.cache != nil:
		return c.store(br, r, u)
	}
	return readBody(br, r, c.out)
}

// store writes the body of r, a 200 response to a GET of u, and keeps it
// in the cache if r has a Last-Modified field. Without one, the cache has
// nothing to ask the server with, and drops what it had for u.
func (c *client) store(br *bufio.Reader, r *response, u *url.URL) error {
	lm, _ := r.get("Last-Modified")
	if lm == "" {
		if err := readBody(br, r, c.out); err != nil {
			return err
		}
		return c.cache.remove(u)
	}
	w, err := c.cache.create(u, lm)
	if err != nil {
		return err
	}
	if err := readBody(br, r, io.MultiWriter(c.out, w)); err != nil {
		w.abort()
		return err
	}
	return w.commit()
}
