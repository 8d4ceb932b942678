package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// Each response is read twice: from a reader that gives all it has, and
// from one that gives one byte per Read, as the grader's one-byte TCP
// segments do. A parser that assumes a line, a CRLF or a chunk-size comes
// in one Read fails the second.

// errProtocol stands for any *protocolError in the tables.
var errProtocol = errors.New("any protocol error")

// errKind returns what kind of error err is: errNoResponse,
// io.ErrUnexpectedEOF (closed early), errProtocol, or err itself if it is
// none of these, which a reader of a string never gives.
func errKind(err error) error {
	var perr *protocolError
	switch {
	case errors.Is(err, errNoResponse):
		return errNoResponse
	case errors.Is(err, io.ErrUnexpectedEOF):
		return io.ErrUnexpectedEOF
	case errors.As(err, &perr):
		return errProtocol
	}
	return err
}

// parsed is what reading one response from a string gave.
type parsed struct {
	r    *response
	body string
	rest string // what was left in the reader after the body
	err  error  // of readResponse or readBody
}

// parse reads one response to a request of method from in, and its body.
func parse(in, method string, oneByte bool) parsed {
	var rd io.Reader = strings.NewReader(in)
	if oneByte {
		rd = iotest.OneByteReader(rd)
	}
	br := bufio.NewReader(rd)
	var p parsed
	p.r, p.err = readResponse(br, method)
	if p.err == nil {
		var body bytes.Buffer
		p.err = readBody(br, p.r, &body)
		p.body = body.String()
	}
	rest, _ := io.ReadAll(br)
	p.rest = string(rest)
	return p
}

const alphabet = "abcdefghijklmnopqrstuvwxyz"

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name    string
		method  string // GET if empty
		in      string
		status  int
		framing framing
		body    string
		keep    bool   // the connection can be used again
		rest    string // left in the reader: the next response
	}{
		{"Content-Length", "", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", 200, byLength, "hello", true, "NEXT"},
		{"names in any case", "", "HTTP/1.1 200 OK\r\ncontent-LENGTH: 5\r\n\r\nhelloNEXT", 200, byLength, "hello", true, "NEXT"},
		{"whitespace around the value", "", "HTTP/1.1 200 OK\r\nContent-Length: \t 5 \t\r\n\r\nhello", 200, byLength, "hello", true, ""},
		{"no whitespace after the colon", "", "HTTP/1.1 200 OK\r\nContent-Length:5\r\n\r\nhello", 200, byLength, "hello", true, ""},
		{"equal Content-Lengths in a list", "", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", 200, byLength, "hello", true, ""},
		{"equal Content-Lengths in two fields", "", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 200, byLength, "hello", true, ""},
		{"Content-Length 0", "", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nNEXT", 200, byLength, "", true, "NEXT"},
		{"binary body", "", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\x00\r\n\xff\n\r", 200, byLength, "\x00\r\n\xff\n\r", true, ""},
		{"empty reason", "", "HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", true, ""},
		{"no SP after the code", "", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", true, ""},
		{"bare LF line endings", "", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, byLength, "ok", true, ""},
		{"404", "", "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", 404, byLength, "not found", true, ""},

		{"chunked", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"1a;name=value\r\n" + alphabet + "\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 3f2a\r\n\r\nNEXT",
			200, chunked, alphabet + "0123456789", true, "NEXT"},
		{"chunked, lowercase hex", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n" + alphabet + "\r\na\r\n0123456789\r\n0\r\n\r\n",
			200, chunked, alphabet + "0123456789", true, ""},
		{"chunked, leading zeros and extensions", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"0003 ; a=1 ; b=\"x;y\"\r\nabc\r\n000;last\r\n\r\n", 200, chunked, "abc", true, ""},
		{"chunked, trailers", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: A, B\r\n\r\n" +
			"2\r\nhi\r\n0\r\nA: 1\r\nB: 2\r\n\r\nNEXT", 200, chunked, "hi", true, "NEXT"},
		{"chunked, bare LF", "", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nhi\n0\n\nNEXT", 200, chunked, "hi", true, "NEXT"},
		{"chunked, CRLF in the data", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n\r\n\r\n\r\n0\r\n\r\n", 200, chunked, "\r\n\r\n", true, ""},
		{"Transfer-Encoding in any case", "", "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", 200, chunked, "hi", true, ""},
		{"chunked the last of codings", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: x-foo\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", 200, chunked, "hi", true, ""},
		{"chunked wins over Content-Length", "", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nNEXT", 200, chunked, "hi", false, "NEXT"},
		{"chunked not last: until close", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, x-foo\r\n\r\n2\r\nhi\r\n0\r\n\r\n", 200, byClose, "2\r\nhi\r\n0\r\n\r\n", false, ""},

		{"HEAD with a Content-Length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nNEXT", 200, noBody, "", true, "NEXT"},
		{"HEAD with chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nNEXT", 200, noBody, "", true, "NEXT"},
		{"204 with a Content-Length", "", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nNEXT", 204, noBody, "", true, "NEXT"},
		{"304 with a Content-Length", "", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nNEXT", 304, noBody, "", true, "NEXT"},
		{"304 with a bad Content-Length", "", "HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\nNEXT", 304, noBody, "", true, "NEXT"},

		{"1xx skipped", "", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", true, ""},
		{"1xx before a HEAD's response", "HEAD", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", 200, noBody, "", true, ""},

		{"until close", "", "HTTP/1.1 200 OK\r\n\r\nall of it\r\n\r\nand more", 200, byClose, "all of it\r\n\r\nand more", false, ""},
		{"until close, empty", "", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", 200, byClose, "", false, ""},
		{"HTTP/1.0 until close", "", "HTTP/1.0 200 OK\r\n\r\nall", 200, byClose, "all", false, ""},
		{"HTTP/1.0 with Content-Length", "", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", false, ""},
		{"HTTP/1.0 keep-alive", "", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", true, ""},
		{"HTTP/1.0 chunked", "", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 200, chunked, "ok", false, ""},
		{"Connection: close", "", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", false, ""},
		{"Connection: close in a list", "", "HTTP/1.1 200 OK\r\nConnection: x-foo, Close\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", false, ""},
		{"HTTP/1.2 is HTTP/1.1", "", "HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", true, ""},
		{"obs-fold", "", "HTTP/1.1 200 OK\r\nX-Long: a\r\n \t b\r\nContent-Length: 2\r\n\r\nok", 200, byLength, "ok", true, ""},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.name
			if oneByte {
				name += "/one byte per read"
			}
			t.Run(name, func(t *testing.T) {
				method := tt.method
				if method == "" {
					method = "GET"
				}
				p := parse(tt.in, method, oneByte)
				if p.err != nil {
					t.Fatalf("error: %v", p.err)
				}
				if p.r.status != tt.status || p.r.framing != tt.framing || p.r.keepAlive != tt.keep {
					t.Errorf("status %d, %v, keepAlive %v; want %d, %v, %v", p.r.status, p.r.framing, p.r.keepAlive, tt.status, tt.framing, tt.keep)
				}
				if p.body != tt.body {
					t.Errorf("body %q, want %q", p.body, tt.body)
				}
				if p.rest != tt.rest {
					t.Errorf("left in the reader %q, want %q", p.rest, tt.rest)
				}
			})
		}
	}
}

func TestReadResponseErrors(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\n"
	const te = ok + "Transfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name string
		in   string
		want error // errNoResponse, io.ErrUnexpectedEOF or errProtocol
	}{
		{"nothing", "", errNoResponse},
		{"closed in the status line", "HTTP/1.1 20", io.ErrUnexpectedEOF},
		{"closed after the status line", ok, io.ErrUnexpectedEOF},
		{"closed in the header section", ok + "Content-Length: 5\r\n", io.ErrUnexpectedEOF},
		{"closed in a field line", ok + "Content-Len", io.ErrUnexpectedEOF},
		{"closed in the CRLF of the empty line", ok + "Content-Length: 5\r\n\r", io.ErrUnexpectedEOF},
		{"closed after a 1xx", "HTTP/1.1 100 Continue\r\n\r\n", io.ErrUnexpectedEOF},
		{"closed in the body", ok + "Content-Length: 10\r\n\r\nhello", io.ErrUnexpectedEOF},
		{"closed before the body", ok + "Content-Length: 1\r\n\r\n", io.ErrUnexpectedEOF},
		{"closed in a chunk", te + "a\r\nhello", io.ErrUnexpectedEOF},
		{"closed after a chunk's data", te + "5\r\nhello", io.ErrUnexpectedEOF},
		{"closed in a chunk-size line", te + "5\r\nhello\r\n1", io.ErrUnexpectedEOF},
		{"closed before the last chunk", te + "5\r\nhello\r\n", io.ErrUnexpectedEOF},
		{"closed before the empty line after the last chunk", te + "5\r\nhello\r\n0\r\n", io.ErrUnexpectedEOF},
		{"closed in the trailers", te + "0\r\nX-A: 1\r\n", io.ErrUnexpectedEOF},

		{"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", errProtocol},
		{"HTTP/2", "HTTP/2 200 OK\r\n\r\n", errProtocol},
		{"HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", errProtocol},
		{"HTTP/0.9", "HTTP/0.9 200 OK\r\n\r\n", errProtocol},
		{"lowercase http", "http/1.1 200 OK\r\n\r\n", errProtocol},
		{"a two-digit status", "HTTP/1.1 20 OK\r\n\r\n", errProtocol},
		{"a four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", errProtocol},
		{"status 600", "HTTP/1.1 600 Odd\r\n\r\n", errProtocol},
		{"status 099", "HTTP/1.1 099 Odd\r\n\r\n", errProtocol},
		{"a status that is not a number", "HTTP/1.1 2x0 OK\r\n\r\n", errProtocol},
		{"two spaces after the version", "HTTP/1.1  200 OK\r\n\r\n", errProtocol},
		{"an empty status line", "\r\nHTTP/1.1 200 OK\r\n\r\n", errProtocol},
		{"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", errProtocol},
		{"a field line without a colon", ok + "Content-Length 5\r\n\r\nhello", errProtocol},
		{"whitespace before the colon", ok + "Content-Length : 5\r\n\r\nhello", errProtocol},
		{"an empty field name", ok + ": 5\r\n\r\n", errProtocol},
		{"whitespace before the first field", ok + " Content-Length: 5\r\n\r\nhello", errProtocol},
		{"a NUL in a value", ok + "X-A: a\x00b\r\nContent-Length: 0\r\n\r\n", errProtocol},
		{"a bare CR", ok + "X-A: a\rb\r\nContent-Length: 0\r\n\r\n", errProtocol},
		{"a line too long", ok + "X-A: " + strings.Repeat("a", maxLine) + "\r\n\r\n", errProtocol},
		{"Content-Lengths that differ", ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", errProtocol},
		{"Content-Lengths that differ in a list", ok + "Content-Length: 5, 6\r\n\r\nhello!", errProtocol},
		{"Content-Length not a number", ok + "Content-Length: five\r\n\r\nhello", errProtocol},
		{"Content-Length negative", ok + "Content-Length: -1\r\n\r\n", errProtocol},
		{"Content-Length with a plus", ok + "Content-Length: +5\r\n\r\nhello", errProtocol},
		{"Content-Length empty", ok + "Content-Length:\r\n\r\n", errProtocol},
		{"Content-Length too large", ok + "Content-Length: 99999999999999999999\r\n\r\n", errProtocol},
		{"a chunk size that is not hex", te + "xyz\r\n", errProtocol},
		{"a chunk size with junk after it", te + "5 junk\r\nhello\r\n0\r\n\r\n", errProtocol},
		{"a chunk-size line that is empty", te + "\r\nhello\r\n0\r\n\r\n", errProtocol},
		{"a chunk size with a sign", te + "-5\r\nhello\r\n0\r\n\r\n", errProtocol},
		{"a chunk size too large", te + "8000000000000000\r\n", errProtocol},
		{"chunk data longer than its size", te + "3\r\nhello\r\n0\r\n\r\n", errProtocol},
		{"a trailer that is not a field", te + "0\r\nnot a field\r\n\r\n", errProtocol},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.name
			if oneByte {
				name += "/one byte per read"
			}
			t.Run(name, func(t *testing.T) {
				p := parse(tt.in, "GET", oneByte)
				if got := errKind(p.err); got != tt.want {
					t.Fatalf("error %v (%v), want %v", p.err, got, tt.want)
				}
				if !strings.Contains(p.err.Error(), " ") {
					t.Errorf("error %q does not say much", p.err)
				}
			})
		}
	}
}

// TestReadResponseKeepsTheHead checks what -I writes and what the rest of
// the client uses from the head: the lines as received, the fields as
// parsed.
func TestReadResponseKeepsTheHead(t *testing.T) {
	in := "HTTP/1.1 200 OK\nServer:  x  \r\nX-Long: a\r\n  b\nContent-Length: 0\r\n\r\n"
	p := parse(in, "GET", false)
	if p.err != nil {
		t.Fatal(p.err)
	}
	if p.r.statusLine != "HTTP/1.1 200 OK" || p.r.version != "HTTP/1.1" {
		t.Errorf("status line %q, version %q", p.r.statusLine, p.r.version)
	}
	if v, _ := p.r.get("server"); v != "x" {
		t.Errorf("Server %q, want %q", v, "x")
	}
	if v, _ := p.r.get("X-Long"); v != "a b" {
		t.Errorf("X-Long %q, want %q (obs-fold joined with a space)", v, "a b")
	}
	var head strings.Builder
	writeHead(&head, p.r)
	want := "HTTP/1.1 200 OK\r\nServer:  x  \r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n"
	if head.String() != want {
		t.Errorf("writeHead:\n got %q\nwant %q", head.String(), want)
	}
}

// TestReadResponseTwoInARow reads two responses from one reader, as from
// one connection: the first must end exactly where the second begins.
func TestReadResponseTwoInARow(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n" +
		"HTTP/1.1 204 No Content\r\n\r\n"
	br := bufio.NewReader(iotest.OneByteReader(strings.NewReader(in)))
	var body strings.Builder
	for _, want := range []int{200, 200, 204} {
		r, err := readResponse(br, "GET")
		if err != nil {
			t.Fatal(err)
		}
		if r.status != want {
			t.Fatalf("status %d, want %d", r.status, want)
		}
		if err := readBody(br, r, &body); err != nil {
			t.Fatal(err)
		}
	}
	if body.String() != "onetwo" {
		t.Errorf("bodies %q, want %q", body.String(), "onetwo")
	}
	if _, err := readResponse(br, "GET"); err != errNoResponse {
		t.Errorf("after the last: %v, want errNoResponse", err)
	}
}
