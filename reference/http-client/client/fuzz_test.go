package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzReadResponse feeds readResponse and readBody arbitrary bytes. They
// must not panic or hang, and must either read a response or fail with a
// clear error: the connection closed early, or a protocolError. How the
// bytes are cut into Reads must not matter: read all at once or one byte
// at a time, the same bytes give the same response, the same body, the
// same bytes left over, or the same kind of error.
func FuzzReadResponse(f *testing.F) {
	seeds := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a;name=value\r\n" + alphabet + "\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 3f2a\r\n\r\n",
		"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nhi\n0\n\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nno!",
		"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\nContent-type: text/plain\r\n\r\nall until the close",
		"HTTP/1.1 301 Moved Permanently\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: 5\r\nLocation: http://127.0.0.1:8080/dir/\r\nConnection: keep-alive\r\n\r\nmoved",
		"HTTP/1.1 304 Not Modified\r\nLast-Modified: Tue, 01 Dec 2026 10:00:00 GMT\r\nContent-Length: 13\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 5, 5\r\n\r\nhello",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(seeds[0]), true) // a response to HEAD
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		whole := parse(string(in), method, false)
		if whole.err != nil {
			if kind := errKind(whole.err); kind != errNoResponse && kind != io.ErrUnexpectedEOF && kind != errProtocol {
				t.Fatalf("an error of no known kind: %v", whole.err)
			}
		} else {
			r := whole.r
			if r.status < 200 || r.status > 599 || strings.ContainsAny(r.statusLine, "\r\n") {
				t.Fatalf("status %d, status line %q", r.status, r.statusLine)
			}
			if r.framing == byLength && int64(len(whole.body)) != r.length {
				t.Fatalf("a body of %d bytes for a Content-Length of %d", len(whole.body), r.length)
			}
			if r.framing == noBody && whole.body != "" {
				t.Fatalf("a body %q for a response with none", whole.body)
			}
			var head bytes.Buffer
			writeHead(&head, r)
			if !bytes.HasPrefix(head.Bytes(), []byte(r.statusLine+"\r\n")) || !bytes.HasSuffix(head.Bytes(), []byte("\r\n\r\n")) {
				t.Fatalf("header section %q", head.Bytes())
			}
		}

		one := parse(string(in), method, true)
		if errKind(one.err) != errKind(whole.err) || one.body != whole.body || one.rest != whole.rest {
			t.Fatalf("one byte per Read gives another result:\nwhole: %v, body %q, rest %q\n  one: %v, body %q, rest %q",
				whole.err, whole.body, whole.rest, one.err, one.body, one.rest)
		}
	})
}
