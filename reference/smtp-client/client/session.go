package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// The dialogue (RFC 5321 §3): the greeting, EHLO (or HELO), one mail
// transaction (MAIL, RCPT, DATA, §3.3), QUIT. The client sends one
// command, waits for the whole reply, decides on its code, and sends the
// next: no pipelining (RFC 2920), so a reply always answers the command
// just sent.

// A step is one exchange of the session: a command and its reply, or the
// greeting. They come in this order; HELO only when EHLO was refused,
// RCPT once per recipient, QUIT last, or as soon as the session fails.
type step int

const (
	stepGreeting  step = iota // the server speaks first: 220 (§3.1)
	stepEHLO                  // EHLO NAME (§4.1.1.1)
	stepHELO                  // HELO NAME, when EHLO got a 5yz (§3.2)
	stepMAIL                  // MAIL FROM:<ADDR>, which begins the transaction (§4.1.1.2)
	stepRCPT                  // RCPT TO:<ADDR>, one per recipient (§4.1.1.3)
	stepDATA                  // DATA, which must get 354 (§4.1.1.4)
	stepEndOfData             // the message and its "." line, which must get 250
	stepQUIT                  // QUIT, which must get 221 (§4.1.1.10)
)

// steps gives each step its name, for the error messages, and how long
// the client waits for its reply: the minimums of §4.5.3.2, which sets
// none for EHLO, HELO and QUIT; they get the 5 minutes of the others.
var steps = [...]struct {
	name    string
	timeout time.Duration
}{
	stepGreeting:  {"greeting", 5 * time.Minute},     // §4.5.3.2.1
	stepEHLO:      {"EHLO", 5 * time.Minute},         // none in §4.5.3.2: as MAIL
	stepHELO:      {"HELO", 5 * time.Minute},         // as MAIL
	stepMAIL:      {"MAIL FROM", 5 * time.Minute},    // §4.5.3.2.2
	stepRCPT:      {"RCPT TO", 5 * time.Minute},      // §4.5.3.2.3
	stepDATA:      {"DATA", 2 * time.Minute},         // §4.5.3.2.4
	stepEndOfData: {"end of data", 10 * time.Minute}, // §4.5.3.2.6: the server is delivering
	stepQUIT:      {"QUIT", 5 * time.Minute},         // as MAIL
}

// sendTimeout limits each write to the socket: "Data Block: 3 minutes.
// This is while awaiting the completion of each TCP SEND call" (§4.5.3.2.5).
// The message is written in pieces of sendChunk octets, each with its own
// deadline, so that a large message on a slow link does not time out.
const (
	sendTimeout = 3 * time.Minute
	sendChunk   = 64 << 10
)

func (st step) String() string { return steps[st].name }

// awaited is what the client waits for at step st, for the error messages.
func (st step) awaited() string {
	if st == stepGreeting {
		return "the greeting"
	}
	return "the reply to " + st.String()
}

// The errors of a session that are not a reply.
var (
	// errClosed: the server closed the connection, or reset it, in the
	// middle of the session. §3.8 asks the client to take it as a 451, a
	// transient failure: nothing was delivered.
	errClosed = errors.New("the server closed the connection")
	// errNoRecipient: every RCPT was refused; DATA would have nobody to
	// deliver to.
	errNoRecipient = errors.New("no recipient accepted; the message was not sent")
	// errEightBit: the message has a byte above 127, and the server did
	// not offer 8BITMIME (RFC 6152 §3); a 7-bit encoding (MIME's
	// quoted-printable, base64) is beyond this client.
	errEightBit = errors.New("the message has 8-bit data (a byte above 127), and the server does not offer 8BITMIME: the message was not sent")
)

// A replyError is a reply that ends the session: the step, and the reply.
// It reads as the client prints it: "MAIL FROM: 451 4.3.0 try later".
type replyError struct {
	step  step
	reply *Reply
}

func (e *replyError) Error() string { return e.step.String() + ": " + e.reply.String() }

// A session is one SMTP session on one connection.
type session struct {
	conn   net.Conn
	br     *bufio.Reader // over conn: the bytes of a reply can come in any pieces
	logger *log.Logger   // stderr, each line beginning "client: "

	// ext holds the keywords of the EHLO reply, upper case ("8BITMIME",
	// "SIZE"); none after HELO.
	ext map[string]bool
	// broken says the dialogue cannot go on, QUIT neither: the
	// connection failed, a reply was malformed (where would the next
	// begin?), or the server said 421 and is closing the connection.
	broken bool
}

// deliver runs the session on conn: the envelope of o, the data of m. It
// prints what went wrong on the logger, and returns the exit status.
func deliver(conn net.Conn, o *options, m *message, logger *log.Logger) int {
	s := &session{conn: conn, br: bufio.NewReader(conn), logger: logger}
	rejected, err := s.transaction(o, m)
	if err != nil {
		logger.Print(err)
		// QUIT ends the transaction as well as the session: no RSET
		// is needed before it (§4.1.1.10). Its reply changes nothing.
		if !s.broken {
			s.quit()
		}
		return exitFailed
	}
	// The 250 to the end of data has made the server responsible for
	// the message (§4.2.5, §6.1): what happens to QUIT cannot undo it.
	if err := s.quit(); err != nil {
		logger.Printf("warning: %v; the message was delivered", err)
	}
	if rejected > 0 {
		return exitRejected
	}
	return exitOK
}

// transaction runs the session up to the reply to the end of data, and
// returns how many recipients were rejected. The session has failed, and
// nothing was delivered, if it returns an error.
func (s *session) transaction(o *options, m *message) (rejected int, err error) {
	// "The client sends nothing until it has read the server's whole
	// greeting, a 220 reply" (handout §2). A 554 greeting means no
	// service here; the server then still waits for QUIT (§3.1).
	r, err := s.read(stepGreeting)
	if err != nil {
		return 0, err
	}
	if r.Code != 220 {
		return 0, &replyError{stepGreeting, r}
	}
	if err := s.hello(o.helo); err != nil {
		return 0, err
	}

	mail := "MAIL FROM:<" + o.from + ">"
	if m.eightBit {
		if !s.ext["8BITMIME"] {
			return 0, errEightBit
		}
		mail += " BODY=8BITMIME" // RFC 6152 §3
	}
	if r, err = s.command(stepMAIL, mail); err != nil {
		return 0, err
	}
	if !r.Positive() {
		return 0, &replyError{stepMAIL, r}
	}

	accepted, rejected, err := s.recipients(o.to)
	if err != nil {
		return 0, err
	}
	if accepted == 0 {
		return 0, errNoRecipient
	}

	// 354 is the only 3yz DATA gets; any 3yz means "send the data".
	if r, err = s.command(stepDATA, "DATA"); err != nil {
		return 0, err
	}
	if !r.Intermediate() {
		return 0, &replyError{stepDATA, r}
	}
	// "The mail data is terminated by a line containing only a period,
	// that is, the character sequence "<CRLF>.<CRLF>", where the first
	// <CRLF> is actually the terminator of the previous line" (§4.1.1.4):
	// every line of m.data ends in CRLF, the last too.
	if err := s.send("the message", m.data); err != nil {
		return 0, err
	}
	if err := s.send("the end of data", []byte(".\r\n")); err != nil {
		return 0, err
	}
	if r, err = s.read(stepEndOfData); err != nil {
		return 0, err
	}
	if !r.Positive() {
		return 0, &replyError{stepEndOfData, r}
	}
	return rejected, nil
}

// hello sends EHLO, and HELO if EHLO got a 5yz. A server that does not
// know EHLO (RFC 821 knew only HELO) answers 500 or 502; "If the EHLO
// command is not acceptable to the SMTP server, 501, 500, 502, or 550
// failure replies MUST be returned as appropriate" (§3.2), and the
// server stays as it was, ready for HELO. A 4yz is no such answer.
func (s *session) hello(name string) error {
	r, err := s.command(stepEHLO, "EHLO "+name)
	if err != nil {
		return err
	}
	if r.Positive() {
		s.ext = extensions(r)
		return nil
	}
	if !r.Permanent() {
		return &replyError{stepEHLO, r}
	}
	if r, err = s.command(stepHELO, "HELO "+name); err != nil {
		return err
	}
	if !r.Positive() {
		return &replyError{stepHELO, r}
	}
	return nil
}

// extensions returns the keywords of r, an EHLO reply, upper case. Its
// first line is the server's name and greeting; each line after it is
// one extension (§4.1.1.1):
//
//	ehlo-line    = ehlo-keyword *( SP ehlo-param )
//
// and keywords are not case-sensitive (§2.4): "8bitmime" is 8BITMIME,
// and "SIZE 10240000" is SIZE.
func extensions(r *Reply) map[string]bool {
	ext := make(map[string]bool)
	for _, line := range r.Lines[1:] {
		if words := strings.Fields(line); len(words) > 0 {
			ext[strings.ToUpper(words[0])] = true
		}
	}
	return ext
}

// recipients sends one RCPT TO per address of to, in order, and counts
// those accepted and those rejected. A 2yz accepts: 250, or "251 User not
// local; will forward" (§3.4). Any other reply rejects that one
// recipient, and the others may still be accepted; a 421 is the server
// closing, and ends the session.
func (s *session) recipients(to []string) (accepted, rejected int, err error) {
	for _, addr := range to {
		r, err := s.command(stepRCPT, "RCPT TO:<"+addr+">")
		if err != nil {
			return 0, 0, err
		}
		if r.Positive() {
			accepted++
			continue
		}
		s.logger.Printf("<%s> rejected: %v", addr, r)
		rejected++
	}
	return accepted, rejected, nil
}

// quit ends the session: "The sender MUST NOT intentionally close the
// transmission channel until it sends a QUIT command, and it SHOULD wait
// until it receives the reply" (§4.1.1.10). The caller closes the
// connection once quit has returned.
func (s *session) quit() error {
	r, err := s.command(stepQUIT, "QUIT")
	if err != nil {
		return err
	}
	if !r.Positive() {
		return &replyError{stepQUIT, r}
	}
	return nil
}

// command sends the command line cmd, with its CRLF, and reads the reply.
func (s *session) command(st step, cmd string) (*Reply, error) {
	if err := s.send(st.String(), []byte(cmd+"\r\n")); err != nil {
		return nil, err
	}
	return s.read(st)
}

// send writes b to the server; what names it, for the error message.
func (s *session) send(what string, b []byte) error {
	for len(b) > 0 {
		n := min(len(b), sendChunk)
		s.conn.SetWriteDeadline(time.Now().Add(sendTimeout))
		if _, err := s.conn.Write(b[:n]); err != nil {
			s.broken = true
			if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
				return fmt.Errorf("%w while the client was sending %s", errClosed, what)
			}
			return fmt.Errorf("sending %s: %w", what, err)
		}
		b = b[n:]
	}
	return nil
}

// read reads the reply of step st. A 421, to any command, is an error: the
// server is closing the connection (§3.8), and the session is over.
func (s *session) read(st step) (*Reply, error) {
	s.conn.SetReadDeadline(time.Now().Add(steps[st].timeout))
	r, err := readReply(s.br)
	if err != nil {
		s.broken = true
		return nil, readError(st, err)
	}
	if r.Closing() {
		s.broken = true
		return nil, &replyError{st, r}
	}
	return r, nil
}

// readError turns an error of readReply at step st into the error of the
// session: what the client was waiting for, and what happened.
func readError(st step, err error) error {
	var merr *malformedError
	switch {
	case err == io.EOF || errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%w while the client was waiting for %s", errClosed, st.awaited())
	case err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w in the middle of %s", errClosed, st.awaited())
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("waited %v for %s, and none came", steps[st].timeout, st.awaited())
	case errors.As(err, &merr):
		return fmt.Errorf("%s: %w", st.awaited(), err)
	}
	return fmt.Errorf("reading %s: %w", st.awaited(), err)
}
