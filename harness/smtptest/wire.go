package smtptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A Reply is an SMTP reply (RFC 5321 §4.2): a code and its lines of text.
type Reply struct {
	Code  int
	Lines []string // text of each line; none: a reply of the code alone
}

// R is a Reply: R(250, "2.1.0 Ok"), or R(250, "mx.test", "8BITMIME") for
// a multi-line one.
func R(code int, lines ...string) Reply { return Reply{Code: code, Lines: lines} }

// Bytes is the reply on the wire (RFC 5321 §4.2.1): every line but the
// last "CODE-text\r\n", the last "CODE text\r\n". A line with empty text
// is "CODE-\r\n", or "CODE\r\n" if last, as the grammar's
// "Reply-code [ SP textstring ] CRLF" allows; a reply without lines is
// "CODE\r\n". The code is written as it is, not padded: a check that
// wants a malformed code writes it in Response.Raw.
func (r Reply) Bytes() []byte {
	code := strconv.Itoa(r.Code)
	if len(r.Lines) == 0 {
		return []byte(code + "\r\n")
	}
	var b []byte
	for i, text := range r.Lines {
		b = append(b, code...)
		switch {
		case i < len(r.Lines)-1:
			b = append(b, '-')
		case text != "":
			b = append(b, ' ')
		}
		b = append(b, text...)
		b = append(b, "\r\n"...)
	}
	return b
}

// String is the reply's first line as sent, without its CRLF, for
// messages: "250 2.1.0 Ok", "250-mx.socklab.test".
func (r Reply) String() string {
	b := r.Bytes()
	return string(b[:bytes.Index(b, []byte("\r\n"))])
}

// A Response is how the server answers one command, or opens a session
// (the greeting).
//
// The zero Response sends nothing and keeps the connection open: the
// client waits for a reply that never comes, until it gives up or the
// check closes the server.
type Response struct {
	// Reply is what the server answers. Its code also decides what the
	// answer does to the session's state (see Default), even when Raw
	// is sent instead.
	Reply Reply
	// Raw, if not nil, is sent instead of Reply.Bytes(), as it is: for
	// malformed replies ("250 ok\n", "25O ok\r\n", a multi-line reply
	// whose last line has a hyphen). The server does not copy it; do not
	// change it after returning it.
	Raw []byte
	// Slice, if > 0, sends the reply in segments of Slice bytes, each
	// paced: written only once the client has read the one before
	// (netem.WriterOptions.Paced), so a client's recv returns exactly
	// one segment on every run. 0: Config.Slice.
	Slice int
	// LinePaced sends each line of the reply as its own paced segment
	// (cut further by Slice, if set), and before each line after the
	// first waits as Hold does: so a client that takes the first line
	// of a multi-line reply for the whole reply, and sends its next
	// command, is caught: that command gets Early.
	LinePaced bool
	// Hold waits, before sending, until the client has read everything
	// sent so far AND is blocked waiting (Config.Blocked reports true)
	// AND has sent nothing that the server has not yet read. Bytes that
	// arrive meanwhile mark the next command Early, and the reply goes
	// out at once. A client that closes its side while the server holds
	// the reply is recorded in Session.ClosedWaiting, and the reply is
	// never sent. With Config.Blocked nil, Hold waits only until the
	// client has read what was sent.
	Hold bool
	// Delay waits this long before sending (after Hold, if both).
	Delay time.Duration
	// Close closes the connection after the reply, in order: the server
	// sends FIN, and goes on reading until the client closes its side,
	// so that a command the client sends meanwhile cannot turn the FIN
	// into an RST that destroys the reply in the client's buffers. Such
	// commands are logged with AfterClose set and never answered. (421,
	// and QUIT's 221.)
	Close bool
	// Hangup sends nothing and closes as Close does: a server that dies
	// mid-session. Reply is ignored, and the command's Reply stays zero.
	Hangup bool
}

// check says whether the server can send r; an error is the check's
// mistake, not the client's.
func (r Response) check() error {
	switch {
	case r.Slice < 0:
		return fmt.Errorf("%w: Slice %d", ErrResponse, r.Slice)
	case r.Delay < 0:
		return fmt.Errorf("%w: Delay %v", ErrResponse, r.Delay)
	case r.Reply.Code != 0 && (r.Reply.Code < 100 || r.Reply.Code > 999):
		return fmt.Errorf("%w: reply code %d (write a malformed code in Raw)", ErrResponse, r.Reply.Code)
	case r.Reply.Code == 0 && len(r.Reply.Lines) > 0:
		return fmt.Errorf("%w: reply lines %q without a code", ErrResponse, r.Reply.Lines)
	}
	return nil
}

// wire is what r sends: Raw, or the Reply's bytes, or nothing.
func (r Response) wire() []byte {
	switch {
	case r.Hangup:
		return nil
	case r.Raw != nil:
		return r.Raw
	case r.Reply.Code == 0:
		return nil
	}
	return r.Reply.Bytes()
}

// segments cuts b, what a response sends, into the lines that LinePaced
// holds apart (one line, all of b, without it), and each line into its
// TCP segments of slice bytes (one segment, the whole line, if slice is
// 0). A line is cut after its LF; what follows the last LF is a line too.
func segments(b []byte, linePaced bool, slice int) [][][]byte {
	var lines [][]byte
	if !linePaced {
		lines = [][]byte{b}
	} else {
		for len(b) > 0 {
			n := bytes.IndexByte(b, '\n') + 1
			if n == 0 {
				n = len(b)
			}
			lines = append(lines, b[:n])
			b = b[n:]
		}
	}
	out := make([][][]byte, len(lines))
	for i, line := range lines {
		if slice == 0 {
			out[i] = [][]byte{line}
			continue
		}
		for len(line) > 0 {
			n := min(slice, len(line))
			out[i] = append(out[i], line[:n])
			line = line[n:]
		}
	}
	return out
}

// Limits on what the server reads. A client under test may send
// anything; these keep one that never ends a line, or a message, from
// costing the grader more than this.
const (
	// maxCommandLine is the longest command line, line end included,
	// that Default answers; a longer one gets 500 "Line too long".
	// RFC 5321 §4.5.3.1.4 allows a command line 512 octets and
	// §4.5.3.1.6 a text line 1000; servers (Postfix among them) accept
	// commands up to the larger, and so does this one.
	maxCommandLine = 1000
	// maxLineRead is the most one Command's Line holds: a longer line
	// is cut into pieces of this size, each logged and answered as a
	// command of its own, as a server with a line buffer does.
	maxLineRead = 64 << 10
	// maxData bounds a message's data: past it the server answers 552
	// and closes.
	maxData = 16 << 20
	// maxLog bounds what Session.Raw and Session.Sent keep.
	maxLog = 64 << 20
	// maxAfterClose bounds the commands logged after the server closed
	// (the rest of a message too big, say); later ones are read and
	// dropped.
	maxAfterClose = 1000
	// chunkSize is how much of a message's data one transcript event
	// holds: what trace keeps of an event.
	chunkSize = 4096
)

// errTooBig means a message's data went past maxData.
var errTooBig = errors.New("smtptest: message data over 16 MiB")

// A Command is one command line the client sent.
type Command struct {
	Line []byte // as received, line end included
	// Verb is the line's first word, up to its first space, upper-cased
	// (ASCII letters only): "EHLO", "HELO", "MAIL", "RCPT", "DATA",
	// "RSET", "NOOP", "QUIT", ...; "." for the end of a message's data
	// (whose Line is the final ".\r\n"); "" for an empty line, or one
	// that begins with a space.
	Verb string
	// Arg is the rest of the line after the verb and the spaces after
	// it, line end removed: "FROM:<a@b.test> BODY=8BITMIME".
	Arg string
	// BareLF says the line ended with LF alone, which RFC 5321 §2.3.8
	// forbids a client to send.
	BareLF bool
	// Early says that it (its first byte) arrived while the server held
	// or paced the reply before it (Response.Hold, LinePaced, Slice): the
	// client did not wait for the whole reply. For ".", it says that the
	// message's data began before the 354 reply to DATA was whole. Early
	// is exact only after a Hold or LinePaced reply; a command pipelined
	// behind an ordinary reply has Early false.
	Early bool
	// AfterClose says it arrived after the server closed (Response.Close,
	// Hangup): it was never answered.
	AfterClose bool
	// Reply is what the server answered; Code 0 if it sent nothing: a
	// Hangup, a zero Response, a held reply the client closed before
	// (Session.ClosedWaiting), a line that ended the connection without
	// its line end, AfterClose. With Response.Raw it is the Response's
	// Reply, whose code moved the session's state, not what Raw says.
	Reply Reply
}

// A Message is the data of one DATA command.
type Message struct {
	From   string   // the reverse-path of the MAIL command before it, without < >
	Params string   // MAIL's parameters after the path ("BODY=8BITMIME"), or ""
	To     []string // recipients the server accepted (2xx) in this transaction, without < >
	// Raw is the data as it crossed the wire, from the first byte after
	// the 354 reply up to and including the final "." line and its line
	// end.
	Raw []byte
	// Data is Raw with the final "." line removed and dot-stuffing undone
	// (RFC 5321 §4.5.2: a line beginning with "." loses that first "."):
	// the message as a server delivers it, line ends kept as sent.
	Data []byte
	// BareLF says some line of the data, the final "." line included,
	// ended with LF alone.
	BareLF bool
	// Complete says the final "." line came. It is false for data the
	// client cut short by closing, and for data past 16 MiB, which the
	// server answers with 552 and a close.
	Complete bool
	// Accepted says the server answered the end of data with 2xx.
	Accepted bool
}

// clone is a copy of m that shares its bytes, which are only ever
// appended to, but cannot be appended to itself over them.
func (m *Message) clone() *Message {
	c := *m
	c.To = append([]string(nil), m.To...)
	c.Raw = m.Raw[:len(m.Raw):len(m.Raw)]
	c.Data = m.Data[:len(m.Data):len(m.Data)]
	return &c
}

// readCommand reads one command line. A line longer than maxLineRead is
// returned in pieces, each a Command. At the end of the stream it returns
// what came of a last line without its line end, if anything, with the
// error.
func readCommand(br *bufio.Reader) (Command, error) {
	line, err := readLine(br, maxLineRead)
	return parseCommand(line), err
}

// readLine reads one line: up to and including its LF, or the first
// limit bytes of it if it is longer, or what came of it before the
// stream ended (with the error). It never reads ahead of the line from
// br's buffer, so that what the buffer holds afterwards is what the
// client sent after it.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for len(line) < limit {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				return line, err
			}
		}
		buf, _ := br.Peek(br.Buffered())
		buf = buf[:min(len(buf), limit-len(line))]
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i+1]
		}
		line = append(line, buf...)
		br.Discard(len(buf))
		if line[len(line)-1] == '\n' {
			return line, nil
		}
	}
	return line, nil
}

// parseCommand splits a command line into its parts.
func parseCommand(line []byte) Command {
	c := Command{Line: line}
	text := line
	if n := len(text); n > 0 && text[n-1] == '\n' {
		text = text[:n-1]
		if n > 1 && text[n-2] == '\r' {
			text = text[:n-2]
		} else {
			c.BareLF = true
		}
	}
	verb, arg, _ := bytes.Cut(text, []byte(" "))
	c.Verb = upper(string(verb))
	c.Arg = string(bytes.TrimLeft(arg, " "))
	return c
}

// upper upper-cases the ASCII letters of s and leaves every other byte
// as it is, valid UTF-8 or not, as SMTP's case-insensitive verbs need.
func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// isEnd says whether a data line is the final "." line.
func isEnd(line []byte) bool {
	return string(line) == ".\r\n" || string(line) == ".\n"
}

// readData reads a message's data after the 354 reply into m, line by
// line, up to and including the line that is exactly "." (RFC 5321
// §4.1.1.4): Raw, Data with dot-stuffing undone, BareLF, and Complete
// once the "." line came, which it returns. It calls each after every
// other line. It stops with errTooBig once Raw is over limit, and with
// the read error if the stream ends first, keeping what came.
//
// A line longer than maxLineRead comes in pieces: only the first piece
// of a line can be the "." line, or lose a stuffed dot, and only a piece
// that ends in LF ends the line.
func readData(br *bufio.Reader, m *Message, limit int, each func()) ([]byte, error) {
	start, cr := true, false // at the start of a line; the piece before ended in CR
	for {
		line, err := readLine(br, maxLineRead)
		m.Raw = append(m.Raw, line...)
		if start && isEnd(line) {
			m.Complete = true
			m.BareLF = m.BareLF || len(line) == 2 // ".\n"
			return line, nil
		}
		data := line
		if start && len(data) > 0 && data[0] == '.' {
			data = data[1:]
		}
		m.Data = append(m.Data, data...)
		if n := len(line); n > 0 {
			if line[n-1] == '\n' && !(n > 1 && line[n-2] == '\r' || n == 1 && cr) {
				m.BareLF = true
			}
			start, cr = line[n-1] == '\n', line[n-1] == '\r'
		}
		if err != nil {
			return nil, err
		}
		if len(m.Raw) > limit {
			return nil, errTooBig
		}
		each()
	}
}
