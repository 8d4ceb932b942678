package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run the client, in this process, against a tiny mail
// server of sorts: a TCP server that follows a script, turn by turn. A
// turn is the lines the server waits for and the bytes it then sends,
// whatever the lines were; what the client sent is compared at the end,
// byte for byte, with what the script expected (net/smtp's basicServer
// and basicClient). The grader tests the client far more thoroughly;
// these show that the parts fit together.

// A turn is one exchange of the script.
type turn struct {
	client string // what the client must send: whole lines, each ending in CRLF; "" for none (the greeting)
	server string // what the server sends then, raw: a reply, part of one, several, or nothing
	// quiet, if not zero, is how long the client must then send nothing
	// and keep the connection open before the server sends its bytes:
	// it is waiting for them.
	quiet time.Duration
}

// A scriptServer is the mail server of a test, on 127.0.0.1 and a free
// port. It takes one connection and follows its script on it. When the
// script is over it closes its side (the client reads the end of the
// stream) and records what the client still sends, until it closes too.
type scriptServer struct {
	ln      net.Listener
	script  []turn
	oneByte bool // each reply one byte per write, a TCP segment each
	done    chan struct{}

	mu       sync.Mutex
	received bytes.Buffer // every byte the client sent
	errs     []string     // where the client broke a quiet
}

// newScriptServer starts a server with script. It stops when the test ends.
func newScriptServer(t *testing.T, oneByte bool, script []turn) *scriptServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptServer{ln: ln, script: script, oneByte: oneByte, done: make(chan struct{})}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *scriptServer) serve() {
	defer close(s.done)
	c, err := s.ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second)) // a test never hangs
	br := bufio.NewReader(c)
	for i, turn := range s.script {
		for n := strings.Count(turn.client, "\n"); n > 0; n-- {
			line, err := br.ReadString('\n')
			s.record(line)
			if err != nil {
				return
			}
		}
		if turn.quiet > 0 && !s.quiet(c, br, i, turn.quiet) {
			return
		}
		if err := s.write(c, turn.server); err != nil {
			return
		}
	}
	c.(*net.TCPConn).CloseWrite()
	rest, _ := io.ReadAll(br)
	s.record(string(rest))
}

// quiet waits d for a byte from the client, before turn i's bytes are
// sent, and says whether none came and the connection is still open.
func (s *scriptServer) quiet(c net.Conn, br *bufio.Reader, i int, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := br.Peek(1)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return true
	case err == nil:
		s.fail("turn %d: the client sent a byte before the server's reply %q", i, s.script[i].server)
	default:
		s.fail("turn %d: the client closed the connection (%v) before the server's reply %q", i, err, s.script[i].server)
	}
	return false
}

func (s *scriptServer) write(c net.Conn, b string) error {
	if !s.oneByte {
		_, err := io.WriteString(c, b)
		return err
	}
	for i := range len(b) {
		if _, err := c.Write([]byte{b[i]}); err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // Nagle is off: each byte is a segment
	}
	return nil
}

func (s *scriptServer) record(b string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received.WriteString(b)
}

func (s *scriptServer) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

// check waits for the server to be done, and fails t unless the client
// sent what the script says, byte for byte, and nothing more.
func (s *scriptServer) check(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server is not done: the client did not close the connection")
	}
	var want strings.Builder
	for _, turn := range s.script {
		want.WriteString(turn.client)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.received.String(); got != want.String() {
		t.Errorf("the client sent:\n%s\nwant:\n%s", transcript(got), transcript(want.String()))
	}
	for _, e := range s.errs {
		t.Error(e)
	}
}

// transcript shows the bytes b one line each, as "C: " lines, with the
// line ends visible.
func transcript(b string) string {
	var out strings.Builder
	for _, line := range strings.SplitAfter(b, "\n") {
		if line != "" {
			fmt.Fprintf(&out, "\tC: %q\n", line)
		}
	}
	return out.String()
}

// result is what a run of the client gave.
type result struct {
	status int
	stderr string
}

// run runs the client on s's address, with -from alice@crepes.fr and
// args, and msg on stdin.
func (s *scriptServer) run(msg string, args ...string) result {
	args = append([]string{"-server", s.ln.Addr().String(), "-from", "alice@crepes.fr"}, args...)
	var stderr bytes.Buffer
	status := run(args, strings.NewReader(msg), &stderr)
	return result{status, stderr.String()}
}

// check fails t unless the run exited with status and printed stderr.
func (r result) check(t *testing.T, status int, stderr string) {
	t.Helper()
	if r.status != status {
		t.Errorf("exit status %d, want %d", r.status, status)
	}
	if r.stderr != stderr {
		t.Errorf("stderr:\n got %q\nwant %q", r.stderr, stderr)
	}
}

// The greeting and EHLO reply of a Postfix server, with 8BITMIME.
const (
	greeting  = "220 mx.hamburger.edu ESMTP Postfix\r\n"
	ehloReply = "250-mx.hamburger.edu\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
	message7  = "From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: Do you like ketchup?\n\nHow about pickles?\n"
	data7     = "From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: Do you like ketchup?\r\n\r\nHow about pickles?\r\n.\r\n"
)

// opening is the script up to the EHLO reply, with more turns after it.
func opening(more ...turn) []turn {
	return append([]turn{{"", greeting, 0}, {"EHLO localhost\r\n", ehloReply, 0}}, more...)
}

// Turns that come back in many scripts.
func mailFrom(reply string) turn     { return turn{"MAIL FROM:<alice@crepes.fr>\r\n", reply, 0} }
func rcptTo(addr, reply string) turn { return turn{"RCPT TO:<" + addr + ">\r\n", reply, 0} }

var (
	dataOK    = turn{"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n", 0}
	messageOK = turn{data7, "250 2.0.0 Ok: queued as 4F2A81C0D3\r\n", 0}
	quit      = turn{"QUIT\r\n", "221 2.0.0 Bye\r\n", 0}
)

// The whole session: the client waits for the whole greeting, and for the
// reply to QUIT before it closes; the message goes with CRLF line ends,
// dot-stuffed, its last line given a line end, then the "." line.
func TestSession(t *testing.T) {
	const wait = 50 * time.Millisecond
	s := newScriptServer(t, false, []turn{
		{"", "220-mx.hamburger.edu ESMTP Postfix\r\n", wait},
		{"", "220 no UCE\r\n", wait},
		{"EHLO localhost\r\n", ehloReply, 0},
		{"MAIL FROM:<alice@crepes.fr>\r\n", "250 2.1.0 Ok\r\n", 0},
		{"RCPT TO:<bob@hamburger.edu>\r\n", "250 2.1.5 Ok\r\n", 0},
		{"RCPT TO:<carol@hamburger.edu>\r\n", "250 2.1.5 Ok\r\n", 0},
		{"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n", 0},
		{"Subject: dots\r\n\r\n..\r\n..signature\r\n\r\nno line end\r\n.\r\n", "250 2.0.0 Ok: queued as 4F2A81C0D3\r\n", 0},
		{"QUIT\r\n", "221 2.0.0 Bye\r\n", wait},
	})
	s.run("Subject: dots\n\n.\r\n.signature\n\nno line end", "-to", "bob@hamburger.edu,carol@hamburger.edu").check(t, exitOK, "")
	s.check(t)
}

// The same, every reply one byte per TCP segment: lines and replies must
// be put together from the pieces.
func TestOneByteReplies(t *testing.T) {
	s := newScriptServer(t, true, []turn{
		{"", "220-mx.hamburger.edu ESMTP\r\n220-no UCE\r\n220 ready\r\n", 0},
		{"EHLO crepes.fr\r\n", ehloReply, 0},
		mailFrom("250 2.1.0 Ok\r\n"),
		rcptTo("bob@hamburger.edu", "250-2.1.5 Ok,\r\n250 and welcome\r\n"),
		dataOK, messageOK, quit,
	})
	s.run(message7, "-to", "bob@hamburger.edu", "-helo", "crepes.fr").check(t, exitOK, "")
	s.check(t)
}

func TestSessions(t *testing.T) {
	tests := []struct {
		name   string
		script []turn
		msg    string
		to     string // -to; bob@hamburger.edu if empty
		status int
		stderr string
	}{
		{"EHLO refused 502: HELO", []turn{
			{"", greeting, 0},
			{"EHLO localhost\r\n", "502 5.5.2 Error: command not recognized\r\n", 0},
			{"HELO localhost\r\n", "250 mx.hamburger.edu\r\n", 0},
			mailFrom("250 Ok\r\n"), rcptTo("bob@hamburger.edu", "250 Ok\r\n"), dataOK, messageOK, quit,
		}, message7, "", exitOK, ""},
		{"one recipient of three rejected", opening(
			mailFrom("250 2.1.0 Ok\r\n"),
			rcptTo("bob@hamburger.edu", "250 2.1.5 Ok\r\n"),
			rcptTo("carol@hamburger.edu", "550 5.1.1 <carol@hamburger.edu>: Recipient address rejected: User unknown\r\n"),
			rcptTo("dave@hamburger.edu", "250 2.1.5 Ok\r\n"),
			dataOK, messageOK, quit,
		), message7, "bob@hamburger.edu,carol@hamburger.edu,dave@hamburger.edu", exitRejected,
			"client: <carol@hamburger.edu> rejected: 550 5.1.1 <carol@hamburger.edu>: Recipient address rejected: User unknown\n"},
		{"every recipient rejected: no DATA", opening(
			mailFrom("250 2.1.0 Ok\r\n"),
			rcptTo("bob@hamburger.edu", "550 5.1.1 no such user\r\n"),
			rcptTo("carol@hamburger.edu", "450 4.2.1 mailbox busy\r\n"),
			quit,
		), message7, "bob@hamburger.edu,carol@hamburger.edu", exitFailed,
			"client: <bob@hamburger.edu> rejected: 550 5.1.1 no such user\n" +
				"client: <carol@hamburger.edu> rejected: 450 4.2.1 mailbox busy\n" +
				"client: no recipient accepted; the message was not sent\n"},
		{"the code, not the text: 251 accepts, 550 OK rejects", opening(
			mailFrom("250 2.1.0 Ok\r\n"),
			rcptTo("bob@hamburger.edu", "251 User not local; will forward to <bob@fries.edu>\r\n"),
			rcptTo("carol@hamburger.edu", "550 OK\r\n"),
			dataOK, messageOK, quit,
		), message7, "bob@hamburger.edu,carol@hamburger.edu", exitRejected, "client: <carol@hamburger.edu> rejected: 550 OK\n"},
		{"MAIL refused 451: QUIT", opening(mailFrom("451 4.3.0 try later\r\n"), quit),
			message7, "", exitFailed, "client: MAIL FROM: 451 4.3.0 try later\n"},
		{"DATA refused 554: QUIT", opening(
			mailFrom("250 Ok\r\n"), rcptTo("bob@hamburger.edu", "250 Ok\r\n"),
			turn{"DATA\r\n", "554 5.5.1 Error: no valid recipients\r\n", 0}, quit,
		), message7, "", exitFailed, "client: DATA: 554 5.5.1 Error: no valid recipients\n"},
		{"the message refused 554: QUIT", opening(
			mailFrom("250 Ok\r\n"), rcptTo("bob@hamburger.edu", "250 Ok\r\n"),
			dataOK, turn{data7, "554 5.7.1 message content rejected\r\n", 0}, quit,
		), message7, "", exitFailed, "client: end of data: 554 5.7.1 message content rejected\n"},
		{"421 to RCPT, then the close: nothing more", opening(
			mailFrom("250 Ok\r\n"),
			rcptTo("bob@hamburger.edu", "421 4.7.0 mx.hamburger.edu Error: too many errors\r\n"),
		), message7, "bob@hamburger.edu,carol@hamburger.edu", exitFailed, "client: RCPT TO: 421 4.7.0 mx.hamburger.edu Error: too many errors\n"},
		{"the server closes after MAIL, without a reply", opening(mailFrom("")),
			message7, "", exitFailed, "client: the server closed the connection while the client was waiting for the reply to MAIL FROM\n"},
		{"the server closes in the middle of a reply", opening(mailFrom("250-Ok\r\n")),
			message7, "", exitFailed, "client: the server closed the connection in the middle of the reply to MAIL FROM\n"},
		{"a malformed reply: nothing more", opening(mailFrom("250Ok\r\n")),
			message7, "", exitFailed, "client: the reply to MAIL FROM: malformed reply: no \" \" or \"-\" after the reply code: \"250Ok\"\n"},
		{"8-bit, no 8BITMIME: no MAIL, QUIT", []turn{
			{"", greeting, 0}, {"EHLO localhost\r\n", "250-mx.hamburger.edu\r\n250 SIZE 10240000\r\n", 0}, quit,
		}, "Subject: caf\xc3\xa9\n", "", exitFailed, "client: " + errEightBit.Error() + "\n"},
		{"8-bit, after HELO: no MAIL, QUIT", []turn{
			{"", greeting, 0}, {"EHLO localhost\r\n", "500 unknown command\r\n", 0}, {"HELO localhost\r\n", "250 hi\r\n", 0}, quit,
		}, "\xff\n", "", exitFailed, "client: " + errEightBit.Error() + "\n"},
		{"8-bit, 8BITMIME: BODY=8BITMIME", opening(
			turn{"MAIL FROM:<alice@crepes.fr> BODY=8BITMIME\r\n", "250 2.1.0 Ok\r\n", 0},
			rcptTo("bob@hamburger.edu", "250 Ok\r\n"),
			dataOK, turn{"Subject: caf\xc3\xa9\r\n.\r\n", "250 Ok\r\n", 0}, quit,
		), "Subject: caf\xc3\xa9\n", "", exitOK, ""},
		{"greeting 554: QUIT", []turn{{"", "554 5.3.2 mx.hamburger.edu no SMTP service here\r\n", 0}, quit},
			message7, "", exitFailed, "client: greeting: 554 5.3.2 mx.hamburger.edu no SMTP service here\n"},
		{"greeting 421: nothing", []turn{{"", "421 4.3.2 mx.hamburger.edu busy, come back later\r\n", 0}},
			message7, "", exitFailed, "client: greeting: 421 4.3.2 mx.hamburger.edu busy, come back later\n"},
		{"EHLO 451: no HELO, QUIT", []turn{{"", greeting, 0}, {"EHLO localhost\r\n", "451 4.3.0 try later\r\n", 0}, quit},
			message7, "", exitFailed, "client: EHLO: 451 4.3.0 try later\n"},
		{"HELO refused: QUIT", []turn{
			{"", greeting, 0}, {"EHLO localhost\r\n", "502 no\r\n", 0}, {"HELO localhost\r\n", "550 go away\r\n", 0}, quit,
		}, message7, "", exitFailed, "client: HELO: 550 go away\n"},
		{"no reply to QUIT after delivery: a warning", opening(
			mailFrom("250 Ok\r\n"), rcptTo("bob@hamburger.edu", "250 Ok\r\n"), dataOK, messageOK, turn{"QUIT\r\n", "", 0},
		), message7, "", exitOK,
			"client: warning: the server closed the connection while the client was waiting for the reply to QUIT; the message was delivered\n"},
		{"an empty message", opening(
			mailFrom("250 Ok\r\n"), rcptTo("bob@hamburger.edu", "250 Ok\r\n"), dataOK, turn{".\r\n", "250 Ok\r\n", 0}, quit,
		), "", "", exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScriptServer(t, false, tt.script)
			to := tt.to
			if to == "" {
				to = "bob@hamburger.edu"
			}
			s.run(tt.msg, "-to", to).check(t, tt.status, tt.stderr)
			s.check(t)
		})
	}
}

// A line too long is refused before the client connects.
func TestLongLineNotSent(t *testing.T) {
	ln := listen(t)
	var stderr bytes.Buffer
	msg := "Subject: long\n\n" + strings.Repeat("x", 999) + "\n"
	status := run([]string{"-server", ln.Addr().String(), "-from", "a@b", "-to", "c@d"}, strings.NewReader(msg), &stderr)
	if status != exitFailed || !strings.Contains(stderr.String(), "999 octets") {
		t.Errorf("exit status %d, stderr %q; want %d and the line's length", status, stderr.String(), exitFailed)
	}
	checkNoConnection(t, ln)
}
