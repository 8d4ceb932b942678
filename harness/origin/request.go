package origin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Limits on what the server reads of one request. A client under test may
// send anything; these keep one that never ends its header section, or
// announces a body of terabytes, from costing the grader more than this.
const (
	maxHead = 64 << 10 // the request line and header section, line ends included
	maxBody = 16 << 20 // a body announced by Content-Length
)

// A Request is one request as the client sent it. The server fills it in
// when the request has arrived whole and never changes it afterwards, so
// a check may keep it and read it from any goroutine.
//
// A request that cannot be parsed (see Error) is logged too, so that a
// check can show the student what arrived: its Method is "" and its Raw
// holds the bytes read, up to the point where reading stopped.
type Request struct {
	Conn   int // its connection's N, from 1
	N      int // its number in the whole server, from 1
	InConn int // its number on its connection, from 1
	// Raw is every byte of the request as received: empty lines before
	// the request line (which RFC 9112 §2.2 lets a server skip, and this
	// one does, but keeps), the request line, the header section, the
	// empty line, and the body if a Content-Length announced one.
	Raw                   []byte
	Method, Target, Proto string // from the request line "GET /a?b HTTP/1.1"
	// Header holds the header fields in the order sent, names spelled as
	// sent, values trimmed of the spaces and tabs around them.
	Header []Field
	Body   []byte
	At     time.Time // when its last byte was read
	// BareLF says that some line of the request ended in a bare LF
	// instead of CR LF. RFC 9112 §2.2 lets a server accept that, and this
	// one does, but a client must not send it.
	BareLF bool
	// AfterClose says that the request arrived after the server had
	// closed its side of the connection (Response.Close, CloseAt, or a
	// malformed request before it): it is logged, and never answered.
	AfterClose bool
	// Error says why the request could not be parsed, or why it is
	// incomplete ("the connection ended after 17 bytes"); "" for a
	// request that was parsed, which is when Method is not "".
	Error string
}

// A Field is one header or trailer field.
type Field struct{ Name, Value string }

// Get returns the value of the first field named name, compared without
// regard to case, as field names are (RFC 9110 §5.1).
func (r *Request) Get(name string) (string, bool) {
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Values returns the values of every field named name, without regard to
// case, in order; nil if there is none.
func (r *Request) Values(name string) []string {
	var vs []string
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// errTooLarge ends a request whose head passes maxHead.
var errTooLarge = fmt.Errorf("the request line and header fields pass %d KiB without an empty line", maxHead>>10)

// readRequest reads one request from br. It returns:
//   - nil and the read error, when the connection ended (io.EOF) or failed
//     before a single byte of a request arrived;
//   - a parsed request (Method set) and nil;
//   - a request with Method "" and Error set, and nil, when the bytes are
//     not a request the server can read: the connection cannot go on, as
//     where the next request starts is unknown;
//   - a request with Method "", Error set and the read error, when the
//     connection ended in the middle of a request.
//
// The syntax is RFC 9112's (§3 request line, §5 field lines, §6.3 body
// length), strictly but for the line ends: a bare LF ends a line too, and
// is recorded in BareLF.
func readRequest(br *bufio.Reader) (*Request, error) {
	p := &reqParser{br: br, r: &Request{}}
	err := p.parse()
	r := p.r
	r.Raw = p.raw
	if err == nil {
		r.At = time.Now()
		return r, nil
	}
	if len(p.raw) == 0 && p.readErr != nil {
		return nil, p.readErr
	}
	*r = Request{Raw: p.raw, BareLF: r.BareLF, At: time.Now()}
	if p.readErr != nil {
		r.Error = fmt.Sprintf("incomplete request: %d bytes, and then %s", len(p.raw), endCause(p.readErr))
		return r, p.readErr
	}
	r.Error = err.Error()
	return r, nil
}

// A reqParser reads one request, keeping every byte it reads in raw.
type reqParser struct {
	br      *bufio.Reader
	r       *Request
	raw     []byte
	readErr error // set when reading failed, as opposed to parsing
}

func (p *reqParser) parse() error {
	line, err := p.line()
	for err == nil && len(line) == 0 {
		line, err = p.line() // empty lines before the request line (RFC 9112 §2.2)
	}
	if err != nil {
		return err
	}
	if err := p.requestLine(line); err != nil {
		return err
	}
	for {
		line, err := p.line()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if err := p.field(line); err != nil {
			return err
		}
	}
	return p.body()
}

// line reads one line and returns it without its line end, CR LF or LF.
func (p *reqParser) line() (string, error) {
	start := len(p.raw)
	for {
		frag, err := p.br.ReadSlice('\n')
		p.raw = append(p.raw, frag...)
		if len(p.raw) > maxHead {
			return "", errTooLarge
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			p.readErr = err
			return "", err
		}
	}
	line := p.raw[start : len(p.raw)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	} else {
		p.r.BareLF = true
	}
	return string(line), nil
}

// requestLine parses "method SP request-target SP HTTP-version" (RFC 9112
// §3), one space each.
func (p *reqParser) requestLine(line string) error {
	bad := func(why string) error { return fmt.Errorf("request line %q: %s", line, why) }
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	switch {
	case !ok1 || !ok2 || strings.Contains(proto, " "):
		return bad(`want "METHOD TARGET HTTP/1.1", separated by single spaces`)
	case !isToken(method):
		return bad("the method is not a token")
	case target == "" || strings.ContainsFunc(target, func(c rune) bool { return c <= ' ' || c == 0x7f }):
		return bad("the request-target is empty or holds a space or control character")
	case !isVersion(proto):
		return bad(`the version is not "HTTP/" digit "." digit`)
	}
	p.r.Method, p.r.Target, p.r.Proto = method, target, proto
	return nil
}

// field parses "field-name: OWS field-value OWS" (RFC 9112 §5).
func (p *reqParser) field(line string) error {
	if line[0] == ' ' || line[0] == '\t' {
		return fmt.Errorf("field line %q: starts with white space (obsolete line folding, RFC 9112 §5.2)", line)
	}
	name, value, ok := strings.Cut(line, ":")
	switch {
	case !ok:
		return fmt.Errorf("field line %q: no colon", line)
	case !isToken(name):
		return fmt.Errorf("field line %q: the name is not a token (no space is allowed before the colon)", line)
	}
	value = strings.Trim(value, " \t")
	if strings.ContainsFunc(value, func(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }) {
		return fmt.Errorf("field line %q: a control character in the value", line)
	}
	p.r.Header = append(p.r.Header, Field{Name: name, Value: value})
	return nil
}

// body reads the body a Content-Length announces; without one a request
// has none (RFC 9112 §6.3 rule 7). A Transfer-Encoding is refused rather
// than misread: the server does not decode chunked requests, and reading
// on would take the chunks for the next request.
func (p *reqParser) body() error {
	if _, ok := p.r.Get("Transfer-Encoding"); ok {
		return errors.New("a request with Transfer-Encoding: the grader's server reads request bodies by Content-Length only")
	}
	lengths := p.r.Values("Content-Length")
	if len(lengths) == 0 {
		return nil
	}
	for _, l := range lengths {
		if l != lengths[0] {
			return fmt.Errorf("Content-Length fields disagree: %q", lengths)
		}
	}
	n, err := strconv.ParseInt(lengths[0], 10, 64)
	if err != nil || n < 0 || strings.ContainsAny(lengths[0], "+-") {
		return fmt.Errorf("Content-Length %q is not a number of bytes", lengths[0])
	}
	if n > maxBody {
		return fmt.Errorf("Content-Length %d passes the grader's limit of %d MiB", n, maxBody>>20)
	}
	// Read in pieces rather than allocate n at once: a client may announce
	// megabytes and send none.
	start := len(p.raw)
	for left := int(n); left > 0; {
		k := min(left, 64<<10)
		p.raw = append(p.raw, make([]byte, k)...)
		got, err := io.ReadFull(p.br, p.raw[len(p.raw)-k:])
		p.raw = p.raw[:len(p.raw)-k+got]
		if err != nil {
			p.readErr = err
			return err
		}
		left -= k
	}
	p.r.Body = p.raw[start:]
	return nil
}

// isToken says whether s is a token (RFC 9110 §5.6.2): one or more tchar.
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

// isVersion says whether s is an HTTP-version (RFC 9112 §2.3): "HTTP/",
// digit, ".", digit, case-sensitive.
func isVersion(s string) bool {
	return len(s) == 8 && strings.HasPrefix(s, "HTTP/") && isDigit(s[5]) && s[6] == '.' && isDigit(s[7])
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
