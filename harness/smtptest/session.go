package smtptest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// A Session is one connection the server accepted, and its log. Its
// methods are safe for concurrent use.
//
// A session is one goroutine, which reads a command, calls the Handler,
// sends the Response, and only then reads the next command: so while a
// reply is held or paced, whatever the client sends waits unread in the
// server's socket, where the server can see it (see Response.Hold).
// Commands a client pipelines are answered in order, one by one.
type Session struct {
	N      int            // from 1, in order of acceptance
	Remote netip.AddrPort // the client's address
	Local  netip.AddrPort // the server's address

	srv          *Server
	c            *net.TCPConn
	br           *bufio.Reader       // reads c through a recorder
	plain, paced netem.SegmentWriter // both write to c; paced waits for the client to read
	done         chan struct{}       // the goroutine returned, c is closed

	// Only the session's goroutine uses these.
	early      bool     // bytes came while a reply was held or paced: the next command is Early
	written    int64    // bytes sent, to tell when the client has read them all
	afterClose int      // commands logged after the server closed
	msg        *Message // the message being read or ended, as it grows
	msgAt      int      // its index in messages

	// Guarded by srv.mu.
	commands     []Command
	messages     []*Message
	raw, sent    []byte
	closedBy     string
	waiting      int // 1 + the index in commands of ClosedWaiting; 0 if none
	phase        phase
	from, params string
	rcpts        []string
	ending       *Message // Message(): the message whose "." is being answered
	answering    bool     // the server still answers commands here
	handling     string   // the command whose handler runs, for Close
}

// Commands returns the command lines the client sent so far, in order,
// the "." that ends each message's data among them.
func (ss *Session) Commands() []Command {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return slices.Clone(ss.commands)
}

// Messages returns the messages whose data the client sent so far, the
// incomplete ones among them, in order.
func (ss *Session) Messages() []*Message {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	out := make([]*Message, len(ss.messages))
	for i, m := range ss.messages {
		out[i] = m.clone()
	}
	return out
}

// Raw returns every byte the client sent so far, in order (the first
// 64 MiB).
func (ss *Session) Raw() []byte {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return slices.Clone(ss.raw)
}

// Sent returns every byte the server sent so far, in order.
func (ss *Session) Sent() []byte {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return slices.Clone(ss.sent)
}

// ClosedBy says who closed the connection first: "client" (EOF or RST),
// "server", or "" while it is open. A reply with Close makes it "server"
// at once, unless the client had closed already, even while the server
// waits for the client to close its side.
func (ss *Session) ClosedBy() string {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return ss.closedBy
}

// ClosedWaiting returns the command whose held reply (Hold, or a
// LinePaced reply's later lines) the client closed the connection before
// receiving: it did not wait for the reply. nil if none, also when what
// was held is the greeting (see the transcript's note).
func (ss *Session) ClosedWaiting() *Command {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if ss.waiting == 0 {
		return nil
	}
	c := ss.commands[ss.waiting-1]
	return &c
}

// Done is closed once both sides have closed the connection and the
// session's log is final.
func (ss *Session) Done() <-chan struct{} { return ss.done }

// Mail returns the reverse-path of the open transaction's MAIL, without
// < >; ok is false when no transaction is open (since the last EHLO,
// HELO, RSET or end of data, or from the start).
func (ss *Session) Mail() (from string, ok bool) {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return ss.from, ss.phase >= phaseMail
}

// Recipients returns the recipients accepted so far in this transaction,
// without < >.
func (ss *Session) Recipients() []string {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return slices.Clone(ss.rcpts)
}

// Message returns the message being ended, while the Handler answers the
// "." that ends it; nil otherwise.
func (ss *Session) Message() *Message {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if ss.ending == nil {
		return nil
	}
	return ss.ending.clone()
}

// state is what Default needs: the phase, and how many recipients.
func (ss *Session) state() (phase, int) {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return ss.phase, len(ss.rcpts)
}

// An ending is how a session goes on after a step.
type ending int

const (
	keepOpen ending = iota
	closeFIN        // an orderly close: FIN, then read until the client closes (Response.Close)
	closeNow        // close at once: the connection is over already
)

// serve greets the client and answers its commands, then ends the
// connection.
func (ss *Session) serve() {
	defer close(ss.done)
	how, why := ss.respond(-1, "the greeting", ss.srv.greeting)
	for how == keepOpen {
		how, why = ss.step()
	}
	ss.finish(how, why)
}

// step reads one command, and answers it; after DATA answered 354, the
// message's data too.
func (ss *Session) step() (ending, string) {
	c, err := readCommand(ss.br)
	if len(c.Line) == 0 {
		return ss.readEnded(err)
	}
	c.Early = ss.takeEarly()
	i := ss.logCommand(c, err != nil)
	if err != nil {
		return ss.readEnded(err)
	}
	how, why := ss.answer(i, c)
	ss.srv.mu.Lock()
	data := ss.phase == phaseData
	ss.srv.mu.Unlock()
	if how == keepOpen && data {
		return ss.data()
	}
	return how, why
}

// answer calls the Handler on command i and sends its Response.
func (ss *Session) answer(i int, c Command) (ending, string) {
	resp, ok := ss.call(i, c)
	if !ok {
		if ss.srv.ctx.Err() != nil {
			return closeNow, ""
		}
		return closeFIN, fmt.Sprintf("because the check's handler for %s failed (a bug in the check)", label(c.Verb))
	}
	return ss.respond(i, "the reply to "+label(c.Verb), resp)
}

// call runs the Handler on command i; false if the server closed first or
// the Handler panicked.
func (ss *Session) call(i int, c Command) (resp Response, ok bool) {
	if ss.srv.ctx.Err() != nil {
		return Response{}, false
	}
	ss.setHandling(fmt.Sprintf("command %d (%s)", i+1, label(c.Verb)))
	defer ss.setHandling("")
	defer func() {
		if p := recover(); p != nil {
			ss.srv.graderError(fmt.Errorf("%w on session %d, command %d (%s): %v", ErrHandler, ss.N, i+1, label(c.Verb), p))
			ok = false
		}
	}()
	return ss.srv.handler(ss, c), true
}

func (ss *Session) setHandling(what string) {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	ss.handling = what
}

// inHandler names the command whose Handler runs, or "".
func (ss *Session) inHandler() string {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	return ss.handling
}

// data reads a message's data after DATA's 354, and answers its end.
func (ss *Session) data() (ending, string) {
	ss.srv.mu.Lock()
	ss.msg = &Message{From: ss.from, Params: ss.params, To: slices.Clone(ss.rcpts)}
	ss.msgAt = len(ss.messages)
	ss.messages = append(ss.messages, ss.msg.clone())
	ss.srv.mu.Unlock()
	early := ss.takeEarly()
	m, last := ss.msg, 0
	flush := func(upto int) {
		if upto > last {
			ev := ss.event(trace.Recv)
			ev.Data, ev.Text = m.Raw[last:upto], "message data"
			ss.srv.tr.Add(ev)
			last = upto
		}
		ss.publish(nil)
	}
	end, err := readData(ss.br, m, maxData, func() {
		if len(m.Raw)-last >= chunkSize {
			flush(len(m.Raw))
		}
	})
	flush(len(m.Raw) - len(end))
	switch {
	case errors.Is(err, errTooBig):
		ss.endTransaction()
		ss.notef("your client sent more than 16 MiB of message data")
		return ss.respond(-1, "the reply to the message data", Response{Reply: replyTooBig, Close: true})
	case err != nil:
		if !errors.Is(err, net.ErrClosed) {
			ss.notef("the message data ended after %d bytes without its final \".\" line", len(m.Raw))
		}
		ss.endTransaction()
		return ss.readEnded(err)
	}
	c := parseCommand(end)
	c.Early = early
	ss.publish(func() { ss.ending = ss.msg.clone() })
	i := ss.logCommand(c, false)
	how, why := ss.answer(i, c)
	ss.endTransaction()
	return how, why
}

// publish logs the message as it stands, after running f, if any, with
// the log locked.
func (ss *Session) publish(f func()) {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if f != nil {
		f()
	}
	ss.messages[ss.msgAt] = ss.msg.clone()
}

// endTransaction ends the message's data, however it was answered (RFC
// 5321 §4.1.1.4: the transaction is over either way).
func (ss *Session) endTransaction() {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	ss.phase = ss.phase.next(".", 0)
	ss.from, ss.params, ss.rcpts, ss.ending = "", "", nil, nil
}

// apply records the reply to command i, about to be sent, and moves the
// session's state as the reply's code says.
func (ss *Session) apply(i int, r Reply) {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	c := &ss.commands[i]
	c.Reply = r
	ok := r.Code/100 == 2
	switch c.Verb {
	case "EHLO", "HELO", "RSET":
		if ok {
			ss.from, ss.params, ss.rcpts = "", "", nil
		}
	case "MAIL":
		if ok {
			ss.from, ss.params = loosePath(c.Arg, "FROM:")
			ss.rcpts = nil
		}
	case "RCPT":
		if ok {
			to, _ := loosePath(c.Arg, "TO:")
			ss.rcpts = append(ss.rcpts, to)
		}
	case ".":
		if ss.msg != nil && ss.ending != nil {
			ss.msg.Accepted = ok
			ss.messages[ss.msgAt] = ss.msg.clone()
		}
	}
	ss.phase = ss.phase.next(c.Verb, r.Code)
}

// takeEarly says whether the next command is Early, and clears it.
func (ss *Session) takeEarly() bool {
	e := ss.early
	ss.early = false
	return e
}

// logCommand logs a command line as it arrived, and returns its index in
// the log, or -1 if it was dropped; partial says it came without its
// line end, at the end of the stream.
func (ss *Session) logCommand(c Command, partial bool) int {
	ss.srv.mu.Lock()
	c.AfterClose = !ss.answering
	if c.AfterClose {
		ss.afterClose++
		if ss.afterClose > maxAfterClose {
			ss.srv.mu.Unlock()
			return -1
		}
	}
	ss.commands = append(ss.commands, c)
	i := len(ss.commands) - 1
	ss.srv.mu.Unlock()

	ev := ss.event(trace.Recv)
	ev.Data, ev.Text = c.Line, "command "+label(c.Verb)
	if c.Verb == "." {
		ev.Text = "the end of the message data"
	}
	switch {
	case c.BareLF:
		ev.Text += ", ended with a bare LF"
	case partial:
		ev.Text += ", without its line end"
	}
	if c.Early {
		ev.Text += ", early: before the grader's server had sent all of the reply before it"
	}
	switch {
	case c.AfterClose && ss.afterClose == maxAfterClose:
		ev.Text += ", after the grader's server closed the connection: not answered (later ones are not logged)"
	case c.AfterClose:
		ev.Text += ", after the grader's server closed the connection: not answered"
	case partial:
		ev.Text += ": not answered"
	}
	ss.srv.tr.Add(ev)
	return i
}

// received logs bytes the client sent, as they are read.
func (ss *Session) received(b []byte) {
	ss.srv.mu.Lock()
	if room := maxLog - len(ss.raw); room > 0 {
		ss.raw = append(ss.raw, b[:min(len(b), room)]...)
	}
	ss.srv.mu.Unlock()
	ss.srv.progress()
}

// readEnded ends the session after a read failed: the client closed or
// reset the connection, or the server closed it.
func (ss *Session) readEnded(err error) (ending, string) {
	if !errors.Is(err, net.ErrClosed) {
		ss.setClosedBy("client")
		ss.notef("%s", endCause(err))
	}
	return closeNow, ""
}

// setClosedBy records who closed first, unless it is known already.
func (ss *Session) setClosedBy(who string) {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if ss.closedBy == "" {
		ss.closedBy = who
	}
}

// endCause says what a read error means, as a student reads it.
func endCause(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "your client closed the connection"
	case errors.Is(err, syscall.ECONNRESET):
		return "your client reset the connection (RST)"
	}
	return fmt.Sprintf("reading from your client failed: %v", err)
}

// label names a command's verb for a student to read: EHLO, "x\x00y".
func label(verb string) string {
	switch verb {
	case "":
		return "an empty line"
	case ".":
		return "the end of the message data"
	}
	if len(verb) > 12 || strings.ContainsFunc(verb, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return strconv.Quote(verb[:min(len(verb), 16)])
	}
	return verb
}

// event is a transcript event of this session, addressed from the client
// to the server (Recv) or back (Send).
func (ss *Session) event(kind trace.Kind) trace.Event {
	e := trace.Event{Kind: kind, Proto: "tcp", From: clientName, To: serverName, Src: ss.Remote, Dst: ss.Local}
	if kind == trace.Send {
		e.From, e.To, e.Src, e.Dst = e.To, e.From, e.Dst, e.Src
	}
	return e
}

// notef adds a note about this session to the transcript.
func (ss *Session) notef(format string, args ...any) {
	ss.srv.tr.Notef("session %d: "+format, append([]any{ss.N}, args...)...)
}
