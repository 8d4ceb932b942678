package httpclient

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
)

// The checks of §3: how long a body is. The server keeps the connection
// open after each response, as an HTTP/1.1 server does, so that a client
// that reads past the body's end waits for bytes that never come, and
// fails here, not by luck.

const (
	ruleNoBody    = `"A response to HEAD, and every 1xx, 204 or 304 response, ends at the empty line: it has no body, whatever its header fields say."`
	ruleChunked   = `"A chunked body is the data of its chunks, joined: the sizes are hexadecimal, in upper or lower case, chunk extensions after a semicolon are ignored, and the trailer fields after the last chunk are read and dropped."`
	ruleLength    = `"A body with a Content-Length is exactly that many bytes; the client reads them all, and not one more."`
	ruleToClose   = `"A response without Content-Length or chunked encoding has a body that ends when the server closes the connection."`
	ruleExact     = `"The client writes each body to stdout (or -o FILE) exactly as it came, byte for byte, and nothing else."`
	rulePieces    = `"A response may arrive in pieces of any size, one byte at a time even, cut anywhere, inside a CR LF or a chunk's size line too."`
	ruleHeadStdio = `"With -I the client sends HEAD and writes each response's header section: the status line and the field lines as they came, each ending in CR LF, and the empty line."`
)

var bodyChecks = []*grader.Check{
	{
		ID: "http-client/body/content-length", Name: "A body of Content-Length bytes is read whole, and no more", Points: 2,
		Requirement: ruleLength + ` (handout §3; RFC 9112 §6.3 rule 6) ` + ruleExact,
		Handout:     secBody,
		Run:         bodyContentLength,
	},
	{
		ID: "http-client/body/chunked", Name: "A chunked body is put together from its chunks", Points: 2,
		Requirement: ruleChunked + ` (handout §3; RFC 9112 §7.1)`,
		Handout:     secBody,
		Run:         bodyChunked,
	},
	{
		ID: "http-client/body/chunk-extensions", Name: "Chunk sizes in upper case, extensions and trailers are read", Points: 1,
		Requirement: ruleChunked + ` (handout §3; RFC 9112 §7.1.1: chunk-ext; §7.1.2: trailer section)`,
		Handout:     secBody,
		Run:         bodyChunkExtensions,
	},
	{
		ID: "http-client/body/interim", Name: "1xx responses before the answer are skipped", Points: 1,
		Requirement: `"A 1xx response is interim: the client skips it, and reads the response that follows." (handout §2; RFC 9110 §15.2: a client must be able to parse 1xx responses before the final one, even if it expects none) ` + ruleNoBody,
		Handout:     secMessages,
		Run:         bodyInterim,
	},
	{
		ID: "http-client/body/read-to-close", Name: "A body without a length ends with the connection", Points: 1,
		Requirement: ruleToClose + ` (handout §3; RFC 9112 §6.3 rule 8)`,
		Handout:     secBody,
		Run:         bodyReadToClose,
	},
	{
		ID: "http-client/body/head", Name: "A HEAD response has no body, whatever its Content-Length", Points: 2,
		Requirement: ruleNoBody + ` (handout §3; RFC 9112 §6.3 rule 1) ` + ruleHeadStdio,
		Handout:     secBody,
		Run:         bodyHead,
	},
	{
		ID: "http-client/body/no-content", Name: "204 and 304 responses have no body", Points: 2,
		Requirement: ruleNoBody + ` (handout §3; RFC 9112 §6.3 rule 1; RFC 9110 §15.3.5, §15.4.5)`,
		Handout:     secBody,
		Run:         bodyNoContent,
	},
	{
		ID: "http-client/body/binary", Name: "A 4 MiB binary body is written byte for byte", Points: 2,
		Requirement: ruleExact + ` (handout §3): every byte value, many megabytes, to the -o file.`,
		Handout:     secBody,
		Run:         bodyBinary,
	},
	{
		ID: "http-client/body/one-byte-segments", Name: "A response that arrives one byte at a time is read whole", Points: 2,
		Requirement: rulePieces + ` (handout §3; RFC 9293: TCP is a stream of bytes, not of messages)`,
		Handout:     secBody,
		Run:         bodyOneByteSegments,
	},
	{
		ID: "http-client/body/split-lines", Name: "A response cut inside CR LF and chunk-size lines is read whole", Points: 1,
		Requirement: rulePieces + ` (handout §3)`,
		Handout:     secBody,
		Run:         bodySplitLines,
	},
}

// keptOpen is a response after which the connection stays open.
func keptOpen(raw []byte) origin.Response { return origin.Response{Raw: raw} }

// fetchOne runs the client on one URL whose response is resp, with -o out
// unless out is "", and expects it to write want and exit 0.
func fetchOne(t *grader.T, resp origin.Response, want []byte, out string) {
	srv := startOrigin(t, sequence(resp))
	var args []string
	if out != "" {
		args = []string{"-o", out}
	}
	r := runClient(t, srv, append(args, srv.URL("/page"))...)
	expectOutput(t, r, out, want)
	expectExit(t, r, 0, "the response was complete, with status 200")
}

func bodyContentLength(t *grader.T) {
	body := text(t, "a body of 3000 bytes, announced by Content-Length\n", 3000)
	fetchOne(t, keptOpen(ok(body)), body, "")
}

// chunked is a 200 response with a chunked body.
func chunked(body []byte, o origin.ChunkOptions, fields ...string) []byte {
	head := origin.Build(200, "OK", nil, append([]string{"Content-Type", "text/plain", "Transfer-Encoding", "chunked"}, fields...)...)
	return append(head, origin.Chunked(body, o)...)
}

func bodyChunked(t *grader.T) {
	body := text(t, "a body in four chunks of 1000, 700, 299 and 1 bytes\n", 2000)
	fetchOne(t, keptOpen(chunked(body, origin.ChunkOptions{Sizes: []int{1000, 700, 299, 1}})), body, "")
}

func bodyChunkExtensions(t *grader.T) {
	body := text(t, "chunks with sizes in upper case hex, extensions, and a trailer\n", 1500)
	raw := chunked(body, origin.ChunkOptions{
		Sizes: []int{26, 1000, 474}, Upper: true, Ext: ";checksum=\"a1b2\";last",
		Trailers: []origin.Field{{Name: "X-Checksum", Value: "f00d"}, {Name: "Server-Timing", Value: "total;dur=12"}},
	}, "Trailer", "X-Checksum, Server-Timing")
	fetchOne(t, keptOpen(raw), body, "")
}

func bodyInterim(t *grader.T) {
	body := text(t, "the final response, after a 100 Continue and a 103 Early Hints\n", 250)
	raw := append(origin.Build(100, "Continue", nil), origin.Build(103, "Early Hints", nil, "Link", "</style.css>; rel=preload; as=style")...)
	fetchOne(t, keptOpen(append(raw, ok(body)...)), body, "")
}

func bodyReadToClose(t *grader.T) {
	body := text(t, "a body without a length: it ends when the server closes\n", 1200)
	raw := origin.Build(200, "OK", body, "Content-Type", "text/plain", "Connection", "close")
	fetchOne(t, origin.Response{Raw: raw, Close: true}, body, "")
}

func bodyHead(t *grader.T) {
	heads := [][]byte{
		origin.Build(200, "OK", nil, "Content-Type", "text/html", "Content-Length", "12345", "Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT"),
		origin.Build(200, "OK", nil, "Content-Type", "application/octet-stream", "Content-Length", "4096"),
	}
	srv := startOrigin(t, sequence(keptOpen(heads[0]), keptOpen(heads[1])))
	r := runClient(t, srv, "-I", srv.URL("/big.html"), srv.URL("/data.bin"))
	for _, req := range srv.Requests() {
		if req.Method != "HEAD" {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client was run with -I, and sent a %s request", req.Method),
				Expected: "HEAD requests",
				Actual:   grader.Quote(req.Raw),
			})
		}
	}
	expectOutput(t, r, "", bytes.Join(heads, nil))
	expectExit(t, r, 0, "both responses were complete, status 200")
}

func bodyNoContent(t *grader.T) {
	after := text(t, "the body of the third response, after a 204 and a 304\n", 300)
	srv := startOrigin(t, routes(map[string]origin.Response{
		"/empty":     keptOpen(origin.Build(204, "No Content", nil, "Server", "socklab")),
		"/unchanged": keptOpen(origin.Build(304, "Not Modified", nil, "Content-Length", "5000", "ETag", `"v1"`)),
		"/after":     keptOpen(ok(after)),
	}))
	r := runClient(t, srv, srv.URL("/empty"), srv.URL("/unchanged"), srv.URL("/after"))
	expectOutput(t, r, "", after)
	expectExit(t, r, 0, "the three responses were complete, status 204, 304 and 200")
}

func bodyBinary(t *grader.T) {
	body := binary(t, 4<<20)
	out := inDir(t, "download.bin")
	raw := origin.Build(200, "OK", body, "Content-Type", "application/octet-stream", "Content-Length", strconv.Itoa(len(body)))
	fetchOne(t, keptOpen(raw), body, out)
}

func bodyOneByteSegments(t *grader.T) {
	body := text(t, "this response comes one byte per TCP segment\n", 200)
	resp := keptOpen(ok(body))
	resp.Slice = 1
	fetchOne(t, resp, body, "")
}

func bodySplitLines(t *grader.T) {
	body := text(t, "a chunked response cut inside its CR LFs and chunk-size lines\n", 700)
	raw := chunked(body, origin.ChunkOptions{Sizes: []int{0x1a2, 0xfe}})
	// Cut inside each CR LF of the first lines and inside the first
	// chunk-size line ("1a2"): a reader that takes a line, or a size, to
	// end where a read ends reads it wrong.
	var cuts []int
	statusEnd := bytes.Index(raw, []byte("\r\n"))
	sizeLine := bytes.Index(raw, []byte("\r\n\r\n")) + 4 // the first chunk's size line
	for _, i := range []int{statusEnd + 1, sizeLine + 1, sizeLine + 2, sizeLine + 4, sizeLine + 5 + 0x1a2 + 1} {
		if i > 0 && i < len(raw) {
			cuts = append(cuts, i)
		}
	}
	resp := keptOpen(raw)
	resp.Split = cuts
	fetchOne(t, resp, body, "")
}
