package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Reading a response (RFC 9112 §4–§6): the status line, the header
// fields, and the body, whose end the rules of §6.3 find. Nothing here
// knows of sockets: the functions read a *bufio.Reader and write an
// io.Writer, and the tests give them strings.
//
// The bufio.Reader is what makes this work over TCP. A Read of a socket
// returns what has arrived, one byte or three responses; the reader keeps
// what it has read past the end of a line or a body, for the next line or
// the next response on the same connection.

// Limits on what the client reads into memory. A body has none: it is
// copied out as it comes.
const (
	maxLine   = 64 << 10 // a status line, field line or chunk-size line
	maxHeader = 1 << 20  // a header section, or a trailer section
)

// errNoResponse: the connection closed before any byte of the response.
// On a reused connection, the request is then sent again (conn.go).
var errNoResponse = errors.New("the server closed the connection before sending a response")

// A protocolError is a response that breaks the rules: what is wrong, and
// the line where it was found.
type protocolError struct {
	what string
	line string
}

func (e *protocolError) Error() string {
	if len(e.line) > 80 {
		return fmt.Sprintf("protocol error: %s: %q...", e.what, e.line[:80])
	}
	return fmt.Sprintf("protocol error: %s: %q", e.what, e.line)
}

// A framing is the way the end of a body is found (RFC 9112 §6.3).
type framing int

const (
	noBody   framing = iota // HEAD, 1xx, 204, 304: the header section is all
	chunked                 // Transfer-Encoding: chunked
	byLength                // Content-Length: that many bytes
	byClose                 // the body ends when the server closes the connection
)

func (f framing) String() string {
	return [...]string{"no body", "chunked", "Content-Length", "until close"}[f]
}

// A response is the head of one response, up to the empty line. Its body
// is still in the reader, for readBody.
type response struct {
	statusLine string   // as received, without its line ending
	version    string   // "HTTP/1.1"
	status     int      // 100..599
	lines      []string // the status line and the field lines, as received
	fields     []field  // the header fields, in order

	framing   framing
	length    int64 // the body's length, when framing is byLength
	keepAlive bool  // whether the connection can carry the next request
}

// readResponse reads the head of the response to a request of method:
// the first that is not interim. A 1xx response says "wait, more is
// coming" (100 Continue, 103 Early Hints); it has no body, and the client
// must read on to the final response, even when it expected none (RFC
// 9110 §15.2). It returns errNoResponse if the connection closed before
// the first byte.
func readResponse(br *bufio.Reader, method string) (*response, error) {
	for first := true; ; first = false {
		r, err := readHead(br)
		if errors.Is(err, errNoResponse) && !first {
			return nil, fmt.Errorf("connection closed after an interim response: %w", io.ErrUnexpectedEOF)
		}
		if err != nil {
			return nil, err
		}
		if r.status == 101 {
			// Switching Protocols answers an Upgrade field, which the
			// client never sends: after it, the connection would speak
			// something that is not HTTP/1.1.
			return nil, &protocolError{"101 Switching Protocols, but no upgrade was asked for", r.statusLine}
		}
		if r.status < 200 {
			continue
		}
		if err := r.frame(method); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// readHead reads one status line and the field lines after it, up to and
// including the empty line.
func readHead(br *bufio.Reader) (*response, error) {
	line, err := readLine(br)
	if err == io.EOF {
		return nil, errNoResponse
	}
	if err != nil {
		return nil, closedIn("the status line", err)
	}
	r := &response{statusLine: line, lines: []string{line}}
	if err := r.parseStatusLine(); err != nil {
		return nil, err
	}
	size := len(line)
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, closedIn("the header section", err)
		}
		if line == "" {
			return r, nil // the empty line: the end of the header section
		}
		if size += len(line); size > maxHeader {
			return nil, &protocolError{fmt.Sprintf("a header section longer than %d bytes", maxHeader), line}
		}
		r.lines = append(r.lines, line)
		if err := r.addField(line); err != nil {
			return nil, err
		}
	}
}

// parseStatusLine reads r.statusLine (RFC 9112 §4):
//
//	status-line = HTTP-version SP status-code SP [ reason-phrase ]
//	HTTP-version = "HTTP/" DIGIT "." DIGIT
//
// The reason phrase is for people; the code is what counts. A line that
// ends after the code, without the SP, is taken too: it has no reason, and
// some servers send it so.
func (r *response) parseStatusLine() error {
	line := r.statusLine
	if len(line) < 12 || !isVersion(line[:8]) || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return &protocolError{"not a status line (HTTP/1.1 200 OK)", line}
	}
	if line[5] != '1' {
		return &protocolError{line[:8] + " is not HTTP/1.x", line}
	}
	code := line[9:12]
	if !isDigits(code) || code[0] < '1' || code[0] > '5' {
		// RFC 9110 §15: a status code is three digits, 100..599.
		return &protocolError{"not a status code", line}
	}
	r.version = line[:8]
	r.status, _ = strconv.Atoi(code)
	return nil
}

// isVersion says whether s is an HTTP-version. "HTTP" is case-sensitive.
func isVersion(s string) bool {
	return len(s) == 8 && s[:5] == "HTTP/" && isDigits(s[5:6]) && s[6] == '.' && isDigits(s[7:8])
}

// addField adds the field of line to r (RFC 9112 §5):
//
//	field-line = field-name ":" OWS field-value OWS
//
// A line that begins with a space or a tab continues the field before it:
// "obs-fold", obsolete, but a user agent must still read it, as if the
// line break were a space (RFC 9112 §5.2).
func (r *response) addField(line string) error {
	if line[0] == ' ' || line[0] == '\t' {
		if len(r.fields) == 0 {
			// Whitespace before the first field line (RFC 9112 §2.2).
			return &protocolError{"a field line that begins with whitespace", line}
		}
		last := &r.fields[len(r.fields)-1]
		last.value = trimOWS(last.value + " " + trimOWS(line))
		return nil
	}
	f, err := parseField(line)
	if err != nil {
		return err
	}
	r.fields = append(r.fields, f)
	return nil
}

// parseField reads one field line. No whitespace is allowed between the
// name and the colon (RFC 9112 §5.1): "Content-Length : 5" might be read
// two ways, which is how request smuggling starts.
func parseField(line string) (field, error) {
	name, value, ok := strings.Cut(line, ":")
	switch {
	case !ok:
		return field{}, &protocolError{"a field line without a colon", line}
	case !isToken(name):
		return field{}, &protocolError{"a field name that is not a token", line}
	case strings.IndexByte(value, 0) >= 0:
		// RFC 9110 §5.5: CR, LF and NUL are "invalid and dangerous" in
		// a value. CR and LF cannot be here: readLine saw to it.
		return field{}, &protocolError{"a NUL in a field value", line}
	}
	return field{name, trimOWS(value)}, nil
}

// get returns the value of the first field named name (names are
// case-insensitive, RFC 9110 §5.1), and whether there is one.
func (r *response) get(name string) (string, bool) {
	for _, f := range r.fields {
		if strings.EqualFold(f.name, name) {
			return f.value, true
		}
	}
	return "", false
}

// values returns the values of every field named name, in order.
func (r *response) values(name string) []string {
	var vs []string
	for _, f := range r.fields {
		if strings.EqualFold(f.name, name) {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// list returns the elements of the fields named name, read as one
// comma-separated list (RFC 9110 §5.3, §5.6.1): "a, b" and two fields "a"
// and "b" are the same. Empty elements are dropped.
func (r *response) list(name string) []string {
	var elems []string
	for _, v := range r.values(name) {
		for _, e := range strings.Split(v, ",") {
			if e = trimOWS(e); e != "" {
				elems = append(elems, e)
			}
		}
	}
	return elems
}

// hasToken says whether the list in the fields named name has token in
// it, in any case: Connection: Close is Connection: close.
func (r *response) hasToken(name, token string) bool {
	for _, e := range r.list(name) {
		if strings.EqualFold(e, token) {
			return true
		}
	}
	return false
}

// readLine reads one line and returns it without its line ending. A line
// ends with CRLF, and a bare LF is taken too (RFC 9112 §2.2 allows a
// recipient that); a CR anywhere else in the line is a protocolError. It
// returns io.EOF if the reader ended before the line's first byte, and
// io.ErrUnexpectedEOF if it ended after it.
//
// ReadSlice gives what is in the reader's buffer up to the LF, or the
// whole buffer if there is no LF in it yet; a line longer than the buffer
// comes in pieces.
func readLine(br *bufio.Reader) (string, error) {
	var line []byte
	for {
		piece, err := br.ReadSlice('\n')
		line = append(line, piece...)
		if len(line) > maxLine+2 { // +2: the CRLF
			return "", &protocolError{fmt.Sprintf("a line longer than %d bytes", maxLine), string(line[:80])}
		}
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	line = line[:len(line)-1] // the LF
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		return "", &protocolError{"a CR without an LF after it", string(line)}
	}
	return string(line), nil
}

// closedIn turns an error of readLine in the part where into the error of
// the response: "connection closed in the middle of where", when it is
// one. A protocolError says enough by itself.
func closedIn(where string, err error) error {
	var perr *protocolError
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("connection closed in the middle of %s: %w", where, io.ErrUnexpectedEOF)
	case errors.As(err, &perr):
		return err
	}
	return fmt.Errorf("reading %s: %w", where, err) // a reset, a timeout
}

// isToken says whether s is a token (RFC 9110 §5.6.2), as a field name
// must be: letters, digits, and !#$%&'*+-.^_`|~.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// isDigits says whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// trimOWS removes the optional whitespace, spaces and tabs, around a field
// value (RFC 9110 §5.6.3).
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}
