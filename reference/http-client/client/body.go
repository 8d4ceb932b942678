package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// How long is the body (RFC 9112 §6.3), and whether the connection can
// carry another request after it (RFC 9112 §9.3). Nothing on the wire
// marks the end of a body but what the response says of it; a client
// that reads one byte too many or too few reads the next response on the
// connection wrong.

// frame decides r.framing, r.length and r.keepAlive, for a response to a
// request of method. The rules of RFC 9112 §6.3, in their order:
//
//  1. A response to HEAD, and every 1xx, 204 and 304 response, ends at the
//     empty line, whatever its fields say. (The Content-Length of a
//     response to HEAD is that of the body a GET would get.)
//  2. Transfer-Encoding with chunked as its last coding: chunked. With
//     another last coding: the body ends with the connection.
//  3. Content-Length: that many bytes. Several values are allowed if they
//     are all the same (RFC 9110 §8.6); anything else is an error.
//  4. Neither: the body ends when the server closes the connection.
func (r *response) frame(method string) error {
	r.keepAlive = r.persistent()
	_, hasTE := r.get("Transfer-Encoding")
	_, hasLength := r.get("Content-Length")
	switch {
	case method == "HEAD" || r.status < 200 || r.status == 204 || r.status == 304:
		r.framing = noBody
	case hasTE:
		codings := r.list("Transfer-Encoding")
		if n := len(codings); n > 0 && strings.EqualFold(codings[n-1], "chunked") {
			r.framing = chunked
		} else {
			r.framing = byClose
		}
		// With a Content-Length too, the two say different things
		// about the same bytes: Transfer-Encoding wins, and the
		// connection is not used again, since another reader might
		// have believed the Content-Length (RFC 9112 §6.3 rule 3).
		// Transfer-Encoding in an HTTP/1.0 response cannot be trusted
		// either (RFC 9112 §6.1).
		if hasLength || r.version == "HTTP/1.0" {
			r.keepAlive = false
		}
	case hasLength:
		n, err := contentLength(r.list("Content-Length"))
		if err != nil {
			return &protocolError{err.Error(), "Content-Length: " + strings.Join(r.values("Content-Length"), ", ")}
		}
		r.framing, r.length = byLength, n
	default:
		r.framing = byClose
	}
	if r.framing == byClose {
		r.keepAlive = false // the close is the end of the body: nothing can follow
	}
	return nil
}

// persistent says whether the server keeps the connection open after r
// (RFC 9112 §9.3): an HTTP/1.1 server does, unless it says
// "Connection: close"; an HTTP/1.0 server does only if it says
// "Connection: keep-alive".
func (r *response) persistent() bool {
	switch {
	case r.hasToken("Connection", "close"):
		return false
	case r.version == "HTTP/1.0":
		return r.hasToken("Connection", "keep-alive")
	}
	return true
}

// contentLength reads the elements of the Content-Length fields: decimal
// digits, all the same number.
func contentLength(elems []string) (int64, error) {
	if len(elems) == 0 {
		return 0, fmt.Errorf("an empty Content-Length")
	}
	var n int64
	for i, e := range elems {
		// ParseInt alone would take "+5" and "-1".
		m, err := strconv.ParseInt(e, 10, 64)
		if !isDigits(e) || err != nil {
			return 0, fmt.Errorf("a Content-Length that is not a number of bytes")
		}
		if i > 0 && m != n {
			return 0, fmt.Errorf("Content-Length values that differ")
		}
		n = m
	}
	return n, nil
}

// readBody copies the body of r from br to w, as it comes, however long
// it is: a body is never held whole in memory. It returns an error that
// wraps io.ErrUnexpectedEOF if the connection closed before the body's
// end. What was copied before an error stays copied.
func readBody(br *bufio.Reader, r *response, w io.Writer) error {
	switch r.framing {
	case byLength:
		n, err := io.Copy(w, io.LimitReader(br, r.length))
		if err == nil && n < r.length {
			err = io.ErrUnexpectedEOF // LimitReader ends at EOF, quietly
		}
		if err == io.ErrUnexpectedEOF {
			return fmt.Errorf("connection closed after %d of the %d bytes of the body: %w", n, r.length, err)
		}
		if err != nil {
			return fmt.Errorf("body, after %d of %d bytes: %w", n, r.length, err)
		}
	case chunked:
		if _, err := io.Copy(w, newChunkedReader(br)); err != nil {
			return err
		}
	case byClose:
		// Here, and only here, EOF is the end of the body, and io.Copy
		// returns nil at EOF. A reset is not a close: an error.
		if _, err := io.Copy(w, br); err != nil {
			return fmt.Errorf("body: %w", err)
		}
	}
	return nil
}

// writeHead writes the header section of r, for -I: the status line and
// the field lines as they came, each with CRLF, even those that came
// with a bare LF, and the empty line.
func writeHead(w io.Writer, r *response) error {
	var b strings.Builder
	for _, line := range r.lines {
		b.WriteString(line + "\r\n")
	}
	b.WriteString("\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}
