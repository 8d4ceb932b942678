package origin

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParseRequest reads arbitrary bytes as requests, one after another
// as on a persistent connection, and checks that the parser never panics
// and keeps its promises: the requests' Raw bytes are the input, in
// order, without a byte lost or added; a parsed request holds only what
// the syntax allows; and written out again in canonical form it parses
// to the same request.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		curlRequest, goRequest, postRequest, bareLF,
		curlRequest + goRequest, // pipelined
		"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReader(bytes.NewReader(in))
		var read []byte
		for range 100 {
			r, err := readRequest(br)
			if r == nil {
				break
			}
			read = append(read, r.Raw...)
			if !bytes.HasPrefix(in, read) {
				t.Fatalf("the requests' Raw bytes %q are not the beginning of the input %q", read, in)
			}
			if r.Method == "" {
				if r.Error == "" || r.Target != "" || r.Header != nil || r.Body != nil {
					t.Fatalf("an unparsed request with Error %q and fields: %+v", r.Error, r)
				}
				break
			}
			if err != nil || r.Error != "" {
				t.Fatalf("a parsed request with error %v, Error %q", err, r.Error)
			}
			checkParsed(t, r)
			roundTrip(t, r)
		}
	})
}

// checkParsed checks that a parsed request holds what RFC 9112 allows.
func checkParsed(t *testing.T, r *Request) {
	t.Helper()
	if !isToken(r.Method) || !isVersion(r.Proto) || r.Target == "" || strings.ContainsAny(r.Target, " \t\r\n") {
		t.Fatalf("request line %q %q %q", r.Method, r.Target, r.Proto)
	}
	for _, f := range r.Header {
		if !isToken(f.Name) || strings.TrimLeft(f.Value, " \t") != f.Value || strings.TrimRight(f.Value, " \t") != f.Value ||
			strings.ContainsAny(f.Value, "\r\n\x00") {
			t.Fatalf("field %q: %q", f.Name, f.Value)
		}
	}
	if !bytes.HasSuffix(r.Raw, r.Body) || len(r.Raw) > maxHead+maxBody {
		t.Fatalf("Raw %q does not end with Body %q", r.Raw, r.Body)
	}
}

// roundTrip writes r in canonical form and reads it back.
func roundTrip(t *testing.T, r *Request) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(r.Method + " " + r.Target + " " + r.Proto + "\r\n")
	for _, f := range r.Header {
		b.WriteString(f.Name + ": " + f.Value + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(r.Body)
	canon := b.Bytes()
	again, err := readRequest(bufio.NewReader(bytes.NewReader(canon)))
	if err != nil || again.Method == "" {
		t.Fatalf("canonical form %q does not parse: %v %v", canon, err, again)
	}
	want := *r
	want.Raw, want.BareLF = canon, false
	if diff := cmp.Diff(&want, again, cmpopts.IgnoreFields(Request{}, "At"), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("round trip of %q (-want +got):\n%s", canon, diff)
	}
}
