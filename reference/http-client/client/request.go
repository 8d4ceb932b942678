package main

import (
	"errors"
	"net/url"
	"strings"
)

// The request (RFC 9112 §3): a request line, the header fields, an empty
// line, every line ending in CRLF. The client's requests have no body.

// userAgent names the client to the server (RFC 9110 §10.1.5).
const userAgent = "socklab-client"

// A field is one header field: a name and a value, with no whitespace
// around the value.
type field struct {
	name, value string
}

// A request is what the client sends: the method (GET or HEAD), the
// request-target, and the header fields in the order they are sent.
type request struct {
	method string
	target string
	fields []field
}

// newRequest returns the request of method for u. Its fields are, in this
// order: Host, which RFC 9110 §7.2 asks to come first; User-Agent;
// Accept-Encoding; own, the fields the caller adds (a Cookie, an
// If-Modified-Since); and extra, those of the -H flags.
//
// Accept-Encoding: identity asks for the body as it is, not compressed:
// the client writes bodies as they come and decodes nothing, and a request
// with no Accept-Encoding at all would let a server pick any coding (RFC
// 9110 §12.5.3).
//
// A -H field with the name of one of the client's own fields replaces it:
// the user asked for that value. A -H Host replaces the Host field in its
// place (the last such -H wins: Host is sent once, RFC 9112 §3.2).
func newRequest(method string, u *url.URL, own, extra []field) *request {
	fields := []field{
		{"Host", hostField(u)},
		{"User-Agent", userAgent},
		{"Accept-Encoding", "identity"},
	}
	fields = append(fields, own...)

	var added []field
	for _, f := range extra {
		if strings.EqualFold(f.name, "Host") {
			fields[0] = f
			continue
		}
		fields = without(fields, f.name)
		added = append(added, f)
	}
	return &request{method, requestTarget(u), append(fields, added...)}
}

// without returns fields without those named name.
func without(fields []field, name string) []field {
	var kept []field
	for _, f := range fields {
		if !strings.EqualFold(f.name, name) {
			kept = append(kept, f)
		}
	}
	return kept
}

// bytes returns the request as it goes on the wire. The whole request is
// one write, so it leaves in as few TCP segments as it can.
func (r *request) bytes() []byte {
	var b strings.Builder
	b.WriteString(r.method + " " + r.target + " HTTP/1.1\r\n")
	for _, f := range r.fields {
		b.WriteString(f.name + ": " + f.value + "\r\n")
	}
	b.WriteString("\r\n") // the empty line that ends the header section
	return []byte(b.String())
}

// Why a -H flag is not a field.
var (
	errNoColon   = errors.New(`not "Name: value"`)
	errFieldName = errors.New("the name is not a token (RFC 9110 §5.1)")
	errFieldCtl  = errors.New("the value has a CR, LF or NUL in it (RFC 9110 §5.5)")
)

// parseFieldFlag reads the argument of a -H flag, "Name: value". Its value
// may be empty. A CR or LF in it would end the field line early and start
// another (or end the header section): "header injection". Such a value
// is refused, not cleaned.
func parseFieldFlag(s string) (field, error) {
	name, value, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return field{}, errNoColon
	case !isToken(name):
		return field{}, errFieldName
	case strings.ContainsAny(value, "\r\n\x00"):
		return field{}, errFieldCtl
	}
	return field{name, trimOWS(value)}, nil
}

// A fieldsFlag is the repeatable -H flag: the fields, in order.
type fieldsFlag []field

func (f *fieldsFlag) String() string {
	var s []string
	for _, x := range *f {
		s = append(s, x.name+": "+x.value)
	}
	return strings.Join(s, ", ")
}

func (f *fieldsFlag) Set(s string) error {
	x, err := parseFieldFlag(s)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}
