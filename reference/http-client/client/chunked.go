package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// The chunked transfer coding (RFC 9112 §7.1). A server that does not know
// a body's length before it has sent it (a page made as it goes) sends it
// in chunks, each with its size before it:
//
//	chunked-body   = *chunk last-chunk trailer-section CRLF
//	chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size     = 1*HEXDIG
//	last-chunk     = 1*("0") [ chunk-ext ] CRLF
//	chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// The body is the data of the chunks, joined. The sizes, the extensions
// (which no one uses, and the client ignores) and the trailer fields after
// the last chunk are not part of it.

// A chunkState is where a chunkedReader is in the body: what it reads next.
type chunkState int

const (
	chunkSize    chunkState = iota // a chunk-size line
	chunkData                      // the data of a chunk, left bytes of it
	chunkEnd                       // the CRLF after a chunk's data
	chunkTrailer                   // the trailer section, after the last chunk
	chunkDone                      // nothing: the body has ended
)

// A chunkedReader reads a chunked body from br and gives its data. Its
// Read returns io.EOF after the last chunk, the trailer section and the
// empty line after it have been read, and not before: then br is at the
// first byte after the body, where the next response begins. Any other
// end is an error, which wraps io.ErrUnexpectedEOF if the connection
// closed.
type chunkedReader struct {
	br    *bufio.Reader
	state chunkState
	left  int64 // the bytes of the current chunk's data still to read
	err   error // once a Read has failed, every Read fails so
}

func newChunkedReader(br *bufio.Reader) *chunkedReader {
	return &chunkedReader{br: br}
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	for c.err == nil {
		switch c.state {
		case chunkSize:
			c.left, c.err = readChunkSize(c.br)
			if c.left == 0 {
				c.state = chunkTrailer
			} else {
				c.state = chunkData
			}
		case chunkData:
			if len(p) == 0 {
				return 0, nil
			}
			if int64(len(p)) > c.left {
				p = p[:c.left] // not one byte past the chunk
			}
			n, err := c.br.Read(p)
			if c.left -= int64(n); c.left == 0 {
				c.state = chunkEnd
			}
			if err == io.EOF {
				err = fmt.Errorf("connection closed in the middle of a chunk: %w", io.ErrUnexpectedEOF)
			}
			c.err = err
			return n, err
		case chunkEnd:
			c.err = readChunkEnd(c.br)
			c.state = chunkSize
		case chunkTrailer:
			c.err = readTrailers(c.br)
			c.state = chunkDone
		case chunkDone:
			return 0, io.EOF
		}
	}
	return 0, c.err
}

// readChunkSize reads a chunk-size line and returns the size. The size is
// hexadecimal, in upper or lower case; what follows it is whitespace and
// extensions, or nothing.
func readChunkSize(br *bufio.Reader) (int64, error) {
	line, err := readLine(br)
	if err != nil {
		return 0, closedIn("a chunked body, before its last chunk", err)
	}
	var size int64
	i := 0
	for ; i < len(line); i++ {
		d := unhex(line[i])
		if d < 0 {
			break
		}
		if size > (1<<63-1)>>4 {
			return 0, &protocolError{"a chunk size too large", line}
		}
		size = size<<4 | int64(d)
	}
	if rest := strings.TrimLeft(line[i:], " \t"); i == 0 || rest != "" && rest[0] != ';' {
		return 0, &protocolError{"not a chunk-size line (1a;ext=v)", line}
	}
	return size, nil
}

// unhex returns the value of the hexadecimal digit c, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// readChunkEnd reads the CRLF after a chunk's data. Anything else there
// means the chunk was longer than its size said.
func readChunkEnd(br *bufio.Reader) error {
	line, err := readLine(br)
	if err != nil {
		return closedIn("a chunked body, after a chunk's data", err)
	}
	if line != "" {
		return &protocolError{"chunk data longer than its chunk size", line}
	}
	return nil
}

// readTrailers reads the trailer section after the last chunk: field
// lines, as in the header section, then the empty line that ends the
// body. The client has no use for trailer fields (RFC 9110 §6.5 allows a
// recipient to drop them), but they must be read: they are bytes of the
// response, before the next one.
func readTrailers(br *bufio.Reader) error {
	size := 0
	for {
		line, err := readLine(br)
		if err != nil {
			return closedIn("the trailer section of a chunked body", err)
		}
		if line == "" {
			return nil
		}
		if size += len(line); size > maxHeader {
			return &protocolError{fmt.Sprintf("a trailer section longer than %d bytes", maxHeader), line}
		}
		if _, err := parseField(line); err != nil {
			return err
		}
	}
}
