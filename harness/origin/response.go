package origin

import (
	"fmt"
	"strconv"
	"time"
)

// A Handler answers a request. It runs on the goroutine of the request's
// connection, so the next request on that connection waits for it; it may
// block, on a channel the check closes for instance, but it MUST return
// once its check is over: nothing can interrupt a handler, and Close
// waits for one only a short while (see Server.Close) before leaving its
// goroutine behind. A handler that waits should therefore also select on
// the check's context.
//
// Handlers of different connections run concurrently. A handler that
// panics is recovered: its connection is closed without a reply, and the
// panic is reported by Server.Err.
type Handler func(r *Request) Response

// A Response is what the server sends back, byte for byte, and how.
//
// The server adds nothing and checks nothing: no Content-Length, no
// Connection field, no Date. Raw is sent as written, well-formed or not,
// and the connection is closed or kept open as the fields below say, not
// as Raw's header fields do: a check can say "Connection: close" and keep
// the connection open, to see whether the client uses it again.
//
// The zero Response sends nothing and keeps the connection open: the
// client waits for an answer that never comes.
type Response struct {
	// Raw is sent as it is: status line, fields, empty line, body. The
	// server does not copy it; do not change it after returning it.
	Raw []byte

	// Split, if set, cuts Raw at these offsets, which must increase, each
	// piece its own TCP segment: Split{3} sends Raw[:3], then Raw[3:].
	// Offsets at or past the end of what is sent are ignored.
	Split []int
	// Slice, if Split is not set, cuts Raw into segments of this many
	// bytes (1: one byte each). Otherwise Raw goes out in one write, which
	// the kernel cuts only where it exceeds the segment size.
	Slice int
	// Paced writes each segment only once the client has read the one
	// before, and returns from the last only once the client has read it
	// too (netem.WriterOptions.Paced): a client's recv then returns
	// exactly one segment, on every run, however slowly it reads. It is
	// turned on by Split, Slice and Reset.
	Paced bool

	// Delay waits this long, once the request was read and the handler
	// returned, before the first byte is sent (or the connection closed).
	Delay time.Duration

	// Close closes the connection once Raw is sent. It is the orderly
	// close of RFC 9112 §9.6: the server sends FIN, and the client reads
	// EOF after the response; the server goes on reading until the client
	// closes its side too, so that a request the client sent meanwhile
	// cannot turn the FIN into an RST that destroys the response in the
	// client's buffers. Such requests are logged with AfterClose set, and
	// never answered.
	Close bool
	// CloseAt, if > 0, sends only the first CloseAt bytes of Raw and
	// then closes as Close does: a server that dies mid-response.
	CloseAt int
	// Reset closes with RST (SO_LINGER 0) instead of FIN, after Raw, or
	// after its first CloseAt bytes; it implies Close. What is sent before
	// is paced, so that the client has read all of it before the RST
	// arrives: a client's next read fails with ECONNRESET, on every run.
	Reset bool
	// NoReply sends nothing of Raw and closes (FIN, or RST with Reset),
	// after Delay if there is one: a server that accepts a request and
	// hangs up.
	NoReply bool
}

// closes says whether r ends its connection.
func (r Response) closes() bool { return r.Close || r.CloseAt > 0 || r.Reset || r.NoReply }

// paced says whether r's segments are paced.
func (r Response) paced() bool { return r.Paced || len(r.Split) > 0 || r.Slice > 0 || r.Reset }

// sent is the part of Raw that is to be sent.
func (r Response) sent() []byte {
	if r.NoReply {
		return nil
	}
	if r.CloseAt > 0 && r.CloseAt < len(r.Raw) {
		return r.Raw[:r.CloseAt]
	}
	return r.Raw
}

// segments cuts what r sends into its TCP segments. An error is the
// check's mistake, not the client's: offsets that do not increase, or a
// negative size.
func (r Response) segments() ([][]byte, error) {
	b := r.sent()
	switch {
	case r.Slice < 0:
		return nil, fmt.Errorf("%w: Slice %d", ErrResponse, r.Slice)
	case r.CloseAt < 0:
		return nil, fmt.Errorf("%w: CloseAt %d", ErrResponse, r.CloseAt)
	case r.Delay < 0:
		return nil, fmt.Errorf("%w: Delay %v", ErrResponse, r.Delay)
	case len(b) == 0:
		return nil, nil
	}
	var segs [][]byte
	if len(r.Split) > 0 {
		at := 0
		for _, cut := range r.Split {
			if cut <= at {
				return nil, fmt.Errorf("%w: Split %v does not increase from 1", ErrResponse, r.Split)
			}
			if cut >= len(b) {
				break
			}
			segs = append(segs, b[at:cut])
			at = cut
		}
		return append(segs, b[at:]), nil
	}
	if r.Slice == 0 {
		return [][]byte{b}, nil
	}
	for len(b) > 0 {
		n := min(r.Slice, len(b))
		segs = append(segs, b[:n])
		b = b[n:]
	}
	return segs, nil
}

// Build returns a response: "HTTP/1.1 <status> <reason>\r\n", a line
// "Name: value\r\n" for each pair of fields, "\r\n", and body. Nothing is
// added: no Content-Length unless fields have one, so that a check can
// build a response without any, or with a wrong one. A reason of ""
// leaves the space before it, as RFC 9112 §4 has it ("HTTP/1.1 200 \r\n").
// It panics if fields are not pairs, a mistake in the check.
func Build(status int, reason string, body []byte, fields ...string) []byte {
	if len(fields)%2 != 0 {
		panic(fmt.Sprintf("origin: Build: %d field strings, not name, value pairs", len(fields)))
	}
	b := fmt.Appendf(nil, "HTTP/1.1 %d %s\r\n", status, reason)
	for i := 0; i < len(fields); i += 2 {
		b = append(b, fields[i]...)
		b = append(b, ": "...)
		b = append(b, fields[i+1]...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	return append(b, body...)
}

// ChunkOptions say how Chunked cuts and writes a body.
type ChunkOptions struct {
	// Sizes are the sizes of the chunks in order; the last size repeats
	// until the body is used up, and the final chunk may be shorter.
	// Sizes of 0 or less are skipped. Without sizes, the body is one
	// chunk.
	Sizes []int
	// Upper writes the sizes in upper case hex ("1A2"); lower case by
	// default ("1a2"). RFC 9112 §7.1 allows both.
	Upper bool
	// Ext is written after every chunk size, the last chunk's "0" too, as
	// it is: ";name=value" (RFC 9112 §7.1.1). Default none.
	Ext string
	// Trailers are the trailer fields after the last chunk (RFC 9112
	// §7.1.2). Default none.
	Trailers []Field
}

// Chunked encodes body as a chunked body (RFC 9112 §7.1): each chunk's
// size in hex, Ext, CR LF, its data, CR LF; then "0", Ext, CR LF, the
// trailer fields, and the final CR LF. It returns the bytes that follow
// the header section of a response that says "Transfer-Encoding: chunked".
func Chunked(body []byte, o ChunkOptions) []byte {
	var sizes []int
	for _, n := range o.Sizes {
		if n > 0 {
			sizes = append(sizes, n)
		}
	}
	if len(sizes) == 0 {
		sizes = []int{max(len(body), 1)}
	}
	var b []byte
	size := func(n int) {
		s := strconv.FormatInt(int64(n), 16)
		if o.Upper {
			s = upperHex(s)
		}
		b = append(b, s...)
		b = append(b, o.Ext...)
		b = append(b, "\r\n"...)
	}
	for i := 0; len(body) > 0; i++ {
		n := min(sizes[min(i, len(sizes)-1)], len(body))
		size(n)
		b = append(b, body[:n]...)
		b = append(b, "\r\n"...)
		body = body[n:]
	}
	size(0)
	for _, f := range o.Trailers {
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// upperHex upper-cases the letters of a hex number.
func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
