package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Reading replies (RFC 5321 §4.2). Nothing here knows of sockets:
// readReply reads a *bufio.Reader, and the tests give it strings.
//
// The bufio.Reader is what makes this work over TCP. A Read of a socket
// returns what has arrived: one byte of a reply, or the last line of one
// reply and the whole of the next. The reader keeps what it has read past
// the end of a line for the next line, and the next reply.

// Limits on what the client reads into memory. RFC 5321 §4.5.3.1.5 gives
// a reply line 512 octets, CRLF included, and says nothing of the number
// of lines; servers send more than 512 (long EHLO lines, long texts), so
// the client takes four times that, and 100 lines, far more than any
// EHLO reply has.
const (
	maxReplyLine  = 2048 // octets in one line of a reply, not counting its line end
	maxReplyLines = 100  // lines in one reply
)

// A malformedError is a reply that breaks the grammar of §4.2: what is
// wrong, and the line where it was found. After it, the client cannot
// know where the next reply begins: the session is over.
type malformedError struct {
	what string
	line string
}

func (e *malformedError) Error() string {
	if len(e.line) > 80 {
		return fmt.Sprintf("malformed reply: %s: %q...", e.what, e.line[:80])
	}
	return fmt.Sprintf("malformed reply: %s: %q", e.what, e.line)
}

// A Reply is one reply of the server: its code, and the text of each of
// its lines, in order, without the code, the separator after it, or the
// line end. The text is for people; the client decides on the code
// alone (§4.2.1): "550 OK" is a refusal, whatever it says.
type Reply struct {
	Code  int      // 200..559: the first digit 2–5, the second 0–5
	Lines []string // one or more; Lines[0] is the text of the first line
}

// String returns the first line of the reply: "250 OK", or "250" when it
// has no text. It is what the client prints when it reports a reply.
func (r *Reply) String() string {
	if r.Lines[0] == "" {
		return strconv.Itoa(r.Code)
	}
	return strconv.Itoa(r.Code) + " " + r.Lines[0]
}

// The first digit of the code says how the command went (§4.2.1).

// Positive says whether r is a positive completion reply, 2yz: the
// command was done, the client may send the next.
func (r *Reply) Positive() bool { return r.Code/100 == 2 }

// Intermediate says whether r is a positive intermediate reply, 3yz: the
// server waits for more, as after DATA (354).
func (r *Reply) Intermediate() bool { return r.Code/100 == 3 }

// Permanent says whether r is a permanent negative completion reply, 5yz:
// the command failed, and will fail again if sent again as it is.
func (r *Reply) Permanent() bool { return r.Code/100 == 5 }

// Closing says whether r is 421, "Service not available, closing
// transmission channel" (§3.8, §4.2.3). It may answer any command, and
// the server closes the connection after it.
func (r *Reply) Closing() bool { return r.Code == 421 }

// readReply reads one reply from br (§4.2):
//
//	Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//	             Reply-code [ SP textstring ] CRLF
//	Reply-code = %x32-35 %x30-35 %x30-39
//
// Every line has the same code; a hyphen after it says more lines follow.
// It returns io.EOF if br ended before the first byte of the reply, and
// io.ErrUnexpectedEOF if it ended after it: the server closed the
// connection. A reply that breaks the grammar, or the limits, is a
// *malformedError.
func readReply(br *bufio.Reader) (*Reply, error) {
	r := new(Reply)
	for {
		line, err := readReplyLine(br)
		if err == io.EOF && len(r.Lines) > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		code, text, last, err := parseReplyLine(line)
		if err != nil {
			return nil, err
		}
		if len(r.Lines) == 0 {
			r.Code = code
		} else if code != r.Code {
			return nil, &malformedError{fmt.Sprintf("a line with code %d in a reply of code %d", code, r.Code), line}
		}
		r.Lines = append(r.Lines, text)
		if last {
			return r, nil
		}
		if len(r.Lines) == maxReplyLines {
			return nil, &malformedError{fmt.Sprintf("a reply of more than %d lines", maxReplyLines), line}
		}
	}
}

// parseReplyLine splits one line of a reply into its code and its text,
// and says whether it is the last line of the reply. After the code
// comes "-" (more lines follow), " " (the last line), or nothing at all:
// a last line may have no text, and some servers then send no space.
func parseReplyLine(line string) (code int, text string, last bool, err error) {
	if len(line) < 3 || !isReplyCode(line[:3]) {
		return 0, "", false, &malformedError{"not a reply code (three digits, 2-5, 0-5, 0-9)", line}
	}
	code, _ = strconv.Atoi(line[:3])
	switch {
	case len(line) == 3:
		return code, "", true, nil
	case line[3] == ' ':
		return code, line[4:], true, nil
	case line[3] == '-':
		return code, line[4:], false, nil
	}
	return 0, "", false, &malformedError{`no " " or "-" after the reply code`, line}
}

// isReplyCode says whether s is a Reply-code of §4.2: the first digit says
// success or failure (2–5; 1yz is not used, §4.2.1), the second the kind
// of reply (x0z syntax, x1z information, x2z connections, x5z the mail
// system; x3z and x4z are not used, but §4.2.1 lists 0–5).
func isReplyCode(s string) bool {
	return len(s) == 3 &&
		'2' <= s[0] && s[0] <= '5' &&
		'0' <= s[1] && s[1] <= '5' &&
		'0' <= s[2] && s[2] <= '9'
}

// readReplyLine reads one line and returns it without its line end. A
// line ends at LF, and a CR just before the LF is part of the line end:
// CRLF is what §2.3.8 asks of a server, and a bare LF is taken too (be
// liberal in what you accept, RFC 1122 §1.2.2). Any other
// byte, a CR inside the line included, is the line's text. It returns
// io.EOF if br ended before the line's first byte, and
// io.ErrUnexpectedEOF if it ended after it.
//
// ReadSlice gives what is in the reader's buffer up to the LF, or the
// whole buffer if no LF is in it yet: a long line comes in pieces.
func readReplyLine(br *bufio.Reader) (string, error) {
	var line []byte
	for {
		piece, err := br.ReadSlice('\n')
		line = append(line, piece...)
		if len(line) > maxReplyLine+2 { // +2: the CRLF
			return "", &malformedError{fmt.Sprintf("a line longer than %d octets", maxReplyLine), string(line[:80])}
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	s := strings.TrimSuffix(string(line[:len(line)-1]), "\r")
	if len(s) > maxReplyLine {
		return "", &malformedError{fmt.Sprintf("a line longer than %d octets", maxReplyLine), s}
	}
	return s, nil
}
