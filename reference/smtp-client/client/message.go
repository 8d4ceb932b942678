package main

import (
	"bytes"
	"fmt"
)

// Preparing the message: turning what stdin had (RFC 5322 text, header
// fields, an empty line, the body, with whatever line ends its editor
// wrote) into the mail data that goes after DATA (RFC 5321 §4.1.1.4).
// The client changes nothing else: it adds no header field of its own,
// and every byte of every line goes as it came.
//
// All of it is done before the client connects: a message that cannot be
// sent is refused before anything crosses the wire.

// maxTextLine is the longest line of mail data, in octets, not counting
// its CRLF or the dot that dot-stuffing adds: "The maximum total length
// of a text line including the <CRLF> is 1000 octets (not counting the
// leading dot duplicated for transparency)" (§4.5.3.1.6).
const maxTextLine = 998

// A message is the mail data, ready to be sent.
type message struct {
	// data is the lines of the message, each ending in CRLF, dot-stuffed:
	// the bytes that follow the 354 reply to DATA, up to but without the
	// "." line that ends them (the session sends that).
	data []byte
	// eightBit says whether a byte of the message is above 127. Plain
	// SMTP carries 7-bit text; 8-bit data goes only to a server that
	// offers 8BITMIME, announced by BODY=8BITMIME (RFC 6152).
	eightBit bool
}

// A messageError is a message that cannot be sent as it is: what is
// wrong, and on which line of stdin, counted from 1.
type messageError struct {
	line int
	what string
}

func (e *messageError) Error() string {
	return fmt.Sprintf("%s (line %d); nothing was sent", e.what, e.line)
}

// prepareMessage turns in, the message as stdin had it, into the mail
// data. A line of in ends at LF, and a CR just before that LF is part of
// the line end; every line is sent ending in CRLF, whatever in had.
// These are refused, with a *messageError:
//
//   - a CR that is not followed by LF: "SMTP client implementations MUST
//     NOT transmit these characters except when they are intended as line
//     terminators and then MUST ... transmit them only as a <CRLF>
//     sequence" (§2.3.8), and a bare CR is not meant as a line end, nor
//     can it be sent as anything else;
//   - a line longer than maxTextLine octets (§4.5.3.1.6).
//
// A last line that has no line end gets a CRLF: the "." that ends the
// data must come after a CRLF (§4.1.1.4), and that CRLF belongs to the
// last line. An empty in is an empty message: no line at all, and the
// data is "." alone.
func prepareMessage(in []byte) (*message, error) {
	m := &message{
		eightBit: hasEightBit(in),
		data:     make([]byte, 0, len(in)+len(in)/32), // room for the CRs
	}
	for n := 1; len(in) > 0; n++ {
		line, rest, found := bytes.Cut(in, []byte("\n"))
		in = rest
		if found { // a CR at the very end, with no LF after it, is bare
			line = bytes.TrimSuffix(line, []byte("\r"))
		}
		if bytes.IndexByte(line, '\r') >= 0 {
			return nil, &messageError{n, "a bare CR in the message: a CR must be followed by LF (RFC 5321 §2.3.8)"}
		}
		if len(line) > maxTextLine {
			return nil, &messageError{n, fmt.Sprintf("a line of %d octets in the message: at most %d may be sent (RFC 5321 §4.5.3.1.6)", len(line), maxTextLine)}
		}
		m.data = appendLine(m.data, line)
	}
	return m, nil
}

// appendLine appends one line of the message, line end removed, to data:
// dot-stuffed, and ending in CRLF.
//
// Dot-stuffing (§4.5.2): the data ends with a line that is a single ".",
// so a line of the message that is "." would end it early, and the rest
// of the message would be read as commands. "Before sending a line of
// mail text, the SMTP client checks the first character of the line. If
// it is a period, one additional period is inserted at the beginning of
// the line." The server removes it again. Every line that begins with a
// dot gets one, not only the line ".": the server cannot tell which were
// stuffed otherwise.
func appendLine(data, line []byte) []byte {
	if len(line) > 0 && line[0] == '.' {
		data = append(data, '.')
	}
	data = append(data, line...)
	return append(data, '\r', '\n')
}

// hasEightBit says whether a byte of b is above 127: 8-bit data. To a
// server that did not offer 8BITMIME, the client must not send any
// "outside the US-ASCII octet range (hex 00-7F)" (RFC 6152 §3).
func hasEightBit(b []byte) bool {
	for _, c := range b {
		if c > 127 {
			return true
		}
	}
	return false
}
