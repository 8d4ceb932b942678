package origin

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Requests as real clients send them, captured: seeds of the fuzz test
// too.
const (
	curlRequest = "GET /index.html?lang=en&x=%20y HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
	goRequest   = "GET /a/b HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n\r\n"
	postRequest = "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2"
	bareLF      = "GET / HTTP/1.1\nHost: example.com\nConnection: close\n\n"
)

func TestReadRequest(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want Request
	}{
		{"curl", curlRequest, Request{Method: "GET", Target: "/index.html?lang=en&x=%20y", Proto: "HTTP/1.1",
			Header: []Field{{"Host", "127.0.0.1:8080"}, {"User-Agent", "curl/8.5.0"}, {"Accept", "*/*"}}}},
		{"Go's net/http", goRequest, Request{Method: "GET", Target: "/a/b", Proto: "HTTP/1.1",
			Header: []Field{{"Host", "example.com"}, {"User-Agent", "Go-http-client/1.1"}, {"Accept-Encoding", "gzip"}}}},
		{"a body by Content-Length", postRequest, Request{Method: "POST", Target: "/form", Proto: "HTTP/1.1",
			Header: []Field{{"Host", "example.com"}, {"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "7"}},
			Body:   []byte("a=1&b=2")}},
		{"bare LF", bareLF, Request{Method: "GET", Target: "/", Proto: "HTTP/1.1", BareLF: true,
			Header: []Field{{"Host", "example.com"}, {"Connection", "close"}}}},
		{"one bare LF among CR LFs", "GET / HTTP/1.1\r\nHost: h\n\r\n", Request{Method: "GET", Target: "/", Proto: "HTTP/1.1", BareLF: true,
			Header: []Field{{"Host", "h"}}}},
		{"case and order kept, values trimmed", "HEAD /x HTTP/1.0\r\nhOST:h  \r\nX-B:\t two  words \r\nx-a: 1\r\nX-B: again\r\n\r\n",
			Request{Method: "HEAD", Target: "/x", Proto: "HTTP/1.0",
				Header: []Field{{"hOST", "h"}, {"X-B", "two  words"}, {"x-a", "1"}, {"X-B", "again"}}}},
		{"empty lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", Request{Method: "GET", Target: "/", Proto: "HTTP/1.1"}},
		{"absolute-form target", "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
			Request{Method: "GET", Target: "http://example.com/", Proto: "HTTP/1.1", Header: []Field{{"Host", "example.com"}}}},
		{"an empty value", "GET / HTTP/1.1\r\nX-Empty:\r\n\r\n", Request{Method: "GET", Target: "/", Proto: "HTTP/1.1",
			Header: []Field{{"X-Empty", ""}}}},
		{"Content-Length: 0", "PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", Request{Method: "PUT", Target: "/", Proto: "HTTP/1.1",
			Header: []Field{{"Content-Length", "0"}}, Body: []byte{}}},
		{"repeated equal Content-Lengths", "PUT / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nhi",
			Request{Method: "PUT", Target: "/", Proto: "HTTP/1.1", Header: []Field{{"Content-Length", "2"}, {"content-length", "2"}}, Body: []byte("hi")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readRequest(bufio.NewReader(strings.NewReader(tt.in + "GET /next HTTP/1.1\r\n\r\n")))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = []byte(tt.in)
			if diff := cmp.Diff(&tt.want, got, cmpopts.IgnoreFields(Request{}, "At"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("readRequest (-want +got):\n%s", diff)
			}
			if got.At.IsZero() {
				t.Error("At is zero")
			}
		})
	}
}

func TestReadRequestMalformed(t *testing.T) {
	for _, tt := range []struct {
		name, in, why string
	}{
		{"no version", "GET /\r\n\r\n", "separated by single spaces"},
		{"two spaces", "GET  / HTTP/1.1\r\n\r\n", "separated by single spaces"},
		{"a space in the target", "GET /a b HTTP/1.1\r\n\r\n", "separated by single spaces"},
		{"lower case version", "GET / http/1.1\r\n\r\n", "version"},
		{"HTTP/2 spelled long", "GET / HTTP/1.10\r\n\r\n", "version"},
		{"not a method", "G(T / HTTP/1.1\r\n\r\n", "method is not a token"},
		{"a control character in the target", "GET /\x01 HTTP/1.1\r\n\r\n", "control character"},
		{"a bare CR", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "control character in the value"},
		{"no colon", "GET / HTTP/1.1\r\nHost example.com\r\n\r\n", "no colon"},
		{"space before the colon", "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n", "no space is allowed before the colon"},
		{"obsolete line folding", "GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\r\n", "obsolete line folding"},
		{"an empty field name", "GET / HTTP/1.1\r\n: x\r\n\r\n", "not a token"},
		{"Content-Lengths disagree", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "disagree"},
		{"Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", "not a number"},
		{"Content-Length signed", "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", "not a number"},
		{"Content-Length too large", "POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n", "limit"},
		{"Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding"},
		{"binary", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", "request line"},
		{"too large", "GET / HTTP/1.1\r\nX-Big: " + strings.Repeat("a", maxHead) + "\r\n\r\n", "64 KiB"},
		{"endless line", strings.Repeat("a", maxHead+10), "64 KiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readRequest(bufio.NewReader(strings.NewReader(tt.in)))
			if err != nil {
				t.Fatalf("error %v, want a request with Error set", err)
			}
			if got.Method != "" || got.Target != "" || got.Header != nil {
				t.Errorf("malformed request parsed: %+v", got)
			}
			if !strings.Contains(got.Error, tt.why) {
				t.Errorf("Error = %q, want it to say %q", got.Error, tt.why)
			}
			if !strings.HasPrefix(tt.in, string(got.Raw)) || len(got.Raw) == 0 {
				t.Errorf("Raw = %q, not a beginning of what was sent", got.Raw)
			}
		})
	}
}

func TestReadRequestIncomplete(t *testing.T) {
	for _, in := range []string{
		"GET / HTTP/1.1\r\nHost: h\r\n", // no empty line
		"GET / HT",
		"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", // a short body
	} {
		got, err := readRequest(bufio.NewReader(strings.NewReader(in)))
		if err == nil || got == nil {
			t.Fatalf("%q: got %+v, %v; want a request and the read error", in, got, err)
		}
		if got.Method != "" || string(got.Raw) != in || !strings.Contains(got.Error, "incomplete request") {
			t.Errorf("%q: got Method %q, Raw %q, Error %q", in, got.Method, got.Raw, got.Error)
		}
	}
	// Nothing at all is no request: the client closed an idle connection.
	if got, err := readRequest(bufio.NewReader(strings.NewReader(""))); got != nil || err != io.EOF {
		t.Errorf("empty input: got %+v, %v; want nil, EOF", got, err)
	}
}

func TestReadRequestPipelined(t *testing.T) {
	br := bufio.NewReader(strings.NewReader(postRequest + curlRequest + bareLF))
	var targets []string
	for {
		r, err := readRequest(br)
		if err == io.EOF {
			break
		}
		if err != nil || r.Method == "" {
			t.Fatalf("got %+v, %v", r, err)
		}
		targets = append(targets, r.Target)
	}
	if want := []string{"/form", "/index.html?lang=en&x=%20y", "/"}; !cmp.Equal(targets, want) {
		t.Errorf("targets %q, want %q", targets, want)
	}
}

func TestGetValues(t *testing.T) {
	r := &Request{Header: []Field{{"Host", "a"}, {"x-tag", "1"}, {"X-Tag", "2"}, {"X-TAG", ""}}}
	for _, tt := range []struct {
		name   string
		get    string
		ok     bool
		values []string
	}{
		{"host", "a", true, []string{"a"}},
		{"X-Tag", "1", true, []string{"1", "2", ""}},
		{"Accept", "", false, nil},
	} {
		if v, ok := r.Get(tt.name); v != tt.get || ok != tt.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.name, v, ok, tt.get, tt.ok)
		}
		if vs := r.Values(tt.name); !cmp.Equal(vs, tt.values) {
			t.Errorf("Values(%q) = %q, want %q", tt.name, vs, tt.values)
		}
	}
}
