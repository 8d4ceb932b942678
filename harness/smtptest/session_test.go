package smtptest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/sockstat"
	"github.com/socklab/socklab/harness/trace"
)

// A step of a transcript: what the client sends, and the bytes it must
// read back before the next step ("" for none).
type step struct{ send, want string }

// run plays a transcript against s on one connection, from the greeting
// on, and returns the client.
func run(t *testing.T, s *Server, steps []step) *client {
	t.Helper()
	c := dial(t, s)
	if got := c.reply(); got != greeting {
		t.Fatalf("greeting %q, want %q", got, greeting)
	}
	for i, st := range steps {
		c.send(st.send)
		if st.want == "" {
			continue
		}
		var got strings.Builder
		for got.Len() < len(st.want) {
			got.WriteString(c.reply())
		}
		if got.String() != st.want {
			t.Fatalf("step %d, after %q:\n got %q\nwant %q", i+1, st.send, got.String(), st.want)
		}
	}
	return c
}

// The message of TestDefaultSession: a line that begins with a dot,
// stuffed, and one that ends with a bare LF.
const (
	stuffed   = "Subject: dots\r\n\r\n..leading dot\r\nbare\nlast\r\n.\r\n"
	unstuffed = "Subject: dots\r\n\r\n.leading dot\r\nbare\nlast\r\n"
)

// TestDefaultSession is a whole session with the Default handler, as a
// careful client has it.
func TestDefaultSession(t *testing.T) {
	s, tr := start(t, Config{Extensions: []string{"8BITMIME", "SIZE 10240000"}})
	steps := []step{
		{"EHLO client.test\r\n", "250-mx.socklab.test\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n"},
		{"MAIL FROM:<alice@client.test> BODY=8BITMIME\r\n", "250 2.1.0 Ok\r\n"},
		{"RCPT TO:<bob@mx.socklab.test>\r\n", "250 2.1.5 Ok\r\n"},
		{"rcpt to:<carol@mx.socklab.test>\r\n", "250 2.1.5 Ok\r\n"},
		{"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"},
		{stuffed, "250 2.0.0 Ok: queued\r\n"},
		{"QUIT\r\n", "221 2.0.0 Bye\r\n"},
	}
	c := run(t, s, steps)
	c.expectEOF()
	c.c.Close()
	waitIdle(t, s)

	ss := only(t, s)
	same(t, "commands", verbs(ss.Commands()), []string{
		"EHLO client.test 250",
		"MAIL FROM:<alice@client.test> BODY=8BITMIME 250",
		"RCPT TO:<bob@mx.socklab.test> 250",
		"RCPT to:<carol@mx.socklab.test> 250",
		"DATA 354",
		". 250",
		"QUIT 221",
	})
	cmds := ss.Commands()
	same(t, "the first command's Line", string(cmds[0].Line), "EHLO client.test\r\n")
	same(t, "the end of data's Line", string(cmds[5].Line), ".\r\n")
	msgs := ss.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	same(t, "message", *msgs[0], Message{
		From: "alice@client.test", Params: "BODY=8BITMIME",
		To:  []string{"bob@mx.socklab.test", "carol@mx.socklab.test"},
		Raw: []byte(stuffed), Data: []byte(unstuffed),
		BareLF: true, Complete: true, Accepted: true,
	})
	var sent, wantSent strings.Builder
	wantSent.WriteString(greeting)
	for _, st := range steps {
		sent.WriteString(st.send)
		wantSent.WriteString(st.want)
	}
	same(t, "Raw", string(ss.Raw()), sent.String())
	same(t, "Sent", string(ss.Sent()), wantSent.String())
	same(t, "ClosedBy", ss.ClosedBy(), "server")
	if ss.ClosedWaiting() != nil {
		t.Errorf("ClosedWaiting() = %+v, want nil", ss.ClosedWaiting())
	}
	if _, ok := ss.Mail(); ok || ss.Recipients() != nil || ss.Message() != nil {
		t.Error("a transaction is still open after the end of data")
	}
	select {
	case <-ss.Done():
	default:
		t.Error("Done is not closed after WaitIdle")
	}
	hasNote(t, tr, "session 1: the grader's server closed the connection (FIN) after the reply to QUIT")
	hasNote(t, tr, "session 1: your client closed the connection")
}

// TestDefaultReplies: what Default answers out of order, or to bad
// syntax; each row is one session after the greeting.
func TestDefaultReplies(t *testing.T) {
	const (
		ehlo = "EHLO c\r\n"
		ok   = "250 mx.socklab.test\r\n"
		mail = "MAIL FROM:<a@c>\r\n"
	)
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"no hello", []step{{mail, "503 5.5.1 Error: send HELO/EHLO first\r\n"}}},
		{"hello without a domain", []step{{"EHLO\r\n", "501 5.5.4 Syntax: EHLO/HELO hostname\r\n"}, {"HELO \r\n", "501 5.5.4 Syntax: EHLO/HELO hostname\r\n"}}},
		{"HELO", []step{{"HELO c\r\n", ok}, {mail, "250 2.1.0 Ok\r\n"}}},
		{"null reverse-path", []step{{ehlo, ok}, {"MAIL FROM:<>\r\n", "250 2.1.0 Ok\r\n"}}},
		{"a space after the colon", []step{{ehlo, ok}, {"MAIL FROM: <a@c>\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"}}},
		{"no brackets", []step{{ehlo, ok}, {"MAIL FROM:a@c\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"}}},
		{"no colon", []step{{ehlo, ok}, {"MAIL FROM<a@c>\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"}}},
		{"nested MAIL", []step{{ehlo, ok}, {mail, "250 2.1.0 Ok\r\n"}, {mail, "503 5.5.1 Error: nested MAIL command\r\n"}}},
		{"RCPT first", []step{{ehlo, ok}, {"RCPT TO:<b@c>\r\n", "503 5.5.1 Error: need MAIL command\r\n"}}},
		{"null forward-path", []step{{ehlo, ok}, {mail, "250 2.1.0 Ok\r\n"}, {"RCPT TO:<>\r\n", "501 5.5.4 Syntax: RCPT TO:<address>\r\n"}}},
		{"DATA first", []step{{ehlo, ok}, {"DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n"}}},
		{"DATA without recipients", []step{{ehlo, ok}, {mail, "250 2.1.0 Ok\r\n"}, {"DATA\r\n", "554 5.5.1 No valid recipients\r\n"}}},
		{"RSET ends the transaction", []step{{ehlo, ok}, {mail, "250 2.1.0 Ok\r\n"}, {"RSET\r\n", "250 2.0.0 Ok\r\n"}, {"DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n"}}},
		{"EHLO ends the transaction", []step{{ehlo, ok}, {mail, "250 2.1.0 Ok\r\n"}, {ehlo, ok}, {mail, "250 2.1.0 Ok\r\n"}}},
		{"NOOP, VRFY", []step{{"NOOP\r\n", "250 2.0.0 Ok\r\n"}, {"VRFY bob\r\n", "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"}}},
		{"unknown", []step{{"STARTTLS\r\n", "500 5.5.2 Command not recognized\r\n"}, {"\r\n", "500 5.5.2 Command not recognized\r\n"}}},
		{"too long", []step{{"NOOP " + strings.Repeat("x", 995) + "\r\n", "500 5.5.6 Line too long\r\n"}, {"NOOP " + strings.Repeat("x", 993) + "\r\n", "250 2.0.0 Ok\r\n"}}},
		{"bare LF", []step{{"NOOP\n", "250 2.0.0 Ok\r\n"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := start(t, Config{})
			run(t, s, tt.steps)
		})
	}
}

// TestRejectOneRecipient: a Handler rejects one recipient with 550, and
// the transaction goes on with the other.
func TestRejectOneRecipient(t *testing.T) {
	type seen struct {
		from  string
		ok    bool
		rcpts []string
		msg   *Message
	}
	var atEnd seen
	s, _ := start(t, Config{Handler: func(s *Session, c Command) Response {
		switch {
		case c.Verb == "RCPT" && strings.Contains(c.Arg, "mallory"):
			return Response{Reply: R(550, "5.1.1 No such user")}
		case c.Verb == ".":
			from, ok := s.Mail()
			atEnd = seen{from, ok, s.Recipients(), s.Message()}
		}
		return Default(s, c)
	}})
	c := run(t, s, []step{
		{"HELO c\r\n", "250 mx.socklab.test\r\n"},
		{"MAIL FROM:<a@c>\r\n", "250 2.1.0 Ok\r\n"},
		{"RCPT TO:<mallory@mx.socklab.test>\r\n", "550 5.1.1 No such user\r\n"},
		{"RCPT TO:<bob@mx.socklab.test>\r\n", "250 2.1.5 Ok\r\n"},
		{"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"},
		{"hi\r\n.\r\n", "250 2.0.0 Ok: queued\r\n"},
	})
	c.c.Close()
	waitIdle(t, s)
	if atEnd.msg == nil {
		t.Fatal("Message() was nil while the handler answered \".\"")
	}
	same(t, "Mail() at the end of data", []any{atEnd.from, atEnd.ok}, []any{"a@c", true})
	same(t, "Recipients() at the end of data", atEnd.rcpts, []string{"bob@mx.socklab.test"})
	same(t, "Message().To", atEnd.msg.To, []string{"bob@mx.socklab.test"})
	if !atEnd.msg.Complete || atEnd.msg.Accepted || string(atEnd.msg.Data) != "hi\r\n" {
		t.Errorf("Message() while \".\" is answered: %+v; want complete, not accepted yet", atEnd.msg)
	}
	ss := only(t, s)
	same(t, "Messages()[0].To", ss.Messages()[0].To, []string{"bob@mx.socklab.test"})
	same(t, "ClosedBy", ss.ClosedBy(), "client")
}

// TestNoRecipientAccepted: every RCPT rejected, so DATA gets 554.
func TestNoRecipientAccepted(t *testing.T) {
	s, _ := start(t, Config{Handler: script(map[string]Response{"RCPT": {Reply: R(550, "5.1.1 No")}})})
	run(t, s, []step{
		{"EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@c>\r\n", "250 mx.socklab.test\r\n250 2.1.0 Ok\r\n550 5.1.1 No\r\n"},
		{"DATA\r\n", "554 5.5.1 No valid recipients\r\n"},
	})
}

// TestCloseWith421: a 421 with Close; what the client sends after it is
// logged, never answered.
func TestCloseWith421(t *testing.T) {
	s, tr := start(t, Config{Handler: script(map[string]Response{
		"MAIL": {Reply: R(421, "4.3.2 Shutting down"), Close: true},
	})})
	c := run(t, s, []step{{"EHLO c\r\n", "250 mx.socklab.test\r\n"}, {"MAIL FROM:<a@c>\r\n", "421 4.3.2 Shutting down\r\n"}})
	c.expectEOF()
	c.send("RCPT TO:<b@c>\r\nQUIT\r\n")
	c.c.Close()
	waitIdle(t, s)
	ss := only(t, s)
	same(t, "commands", verbs(ss.Commands()), []string{
		"EHLO c 250", "MAIL FROM:<a@c> 421", "RCPT TO:<b@c> 0 afterClose", "QUIT 0 afterClose",
	})
	same(t, "ClosedBy", ss.ClosedBy(), "server")
	hasNote(t, tr, "(FIN) after the reply to MAIL")
}

// TestHangup: the server closes instead of answering DATA.
func TestHangup(t *testing.T) {
	s, tr := start(t, Config{Handler: script(map[string]Response{"DATA": {Reply: R(354, "go"), Hangup: true}})})
	c := run(t, s, []step{{"HELO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@c>\r\n", "250 mx.socklab.test\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"}, {"DATA\r\n", ""}})
	c.expectEOF()
	c.c.Close()
	waitIdle(t, s)
	ss := only(t, s)
	same(t, "the last command", verbs(ss.Commands())[3], "DATA 0")
	same(t, "ClosedBy", ss.ClosedBy(), "server")
	if len(ss.Messages()) != 0 {
		t.Error("a message was started though DATA got no 354")
	}
	hasNote(t, tr, "closed the connection (FIN) without sending the reply to DATA")
}

// TestMessageCutShort: the client closes in the middle of the data; the
// message is kept, incomplete.
func TestMessageCutShort(t *testing.T) {
	s, tr := start(t, Config{})
	c := run(t, s, []step{
		{"HELO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@c>\r\n", "250 mx.socklab.test\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"},
		{"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"},
		{"line one\r\n..two\r\nthr", ""},
	})
	c.c.Close()
	waitIdle(t, s)
	ss := only(t, s)
	msgs := ss.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	same(t, "message", *msgs[0], Message{
		From: "a@c", To: []string{"b@c"},
		Raw: []byte("line one\r\n..two\r\nthr"), Data: []byte("line one\r\n.two\r\nthr"),
	})
	same(t, "ClosedBy", ss.ClosedBy(), "client")
	hasNote(t, tr, "the message data ended after 20 bytes without its final \".\" line")
}

// TestRawAndSilentReplies: Raw goes out as it is, and the zero Response
// sends nothing while the session goes on.
func TestRawAndSilentReplies(t *testing.T) {
	s, _ := start(t, Config{Handler: script(map[string]Response{
		"NOOP": {},
		"HELO": {Reply: R(250), Raw: []byte("250 ok\n")},
	})})
	c := run(t, s, []step{{"HELO c\r\n", "250 ok\n"}, {"NOOP\r\n", ""}, {"QUIT\r\n", "221 2.0.0 Bye\r\n"}})
	c.expectEOF()
	c.c.Close()
	waitIdle(t, s)
	same(t, "commands", verbs(only(t, s).Commands()), []string{"HELO c 250", "NOOP 0", "QUIT 221"})
}

// TestCheckMistakes: a panic or a Response that cannot be sent closes the
// session, and Err says so.
func TestCheckMistakes(t *testing.T) {
	if _, err := NewServer(Config{Slice: -1}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewServer with Slice -1: %v, want ErrConfig", err)
	}
	if _, err := NewServer(Config{Greeting: Response{Delay: -1}}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewServer with a Delay of -1 in the greeting: %v, want ErrConfig", err)
	}
	for _, tt := range []struct {
		name string
		h    Handler
		want error
	}{
		{"a panic", func(*Session, Command) Response { panic("oops") }, ErrHandler},
		{"a negative Slice", script(map[string]Response{"EHLO": {Reply: R(250), Slice: -2}}), ErrResponse},
		{"a negative Delay", script(map[string]Response{"EHLO": {Reply: R(250), Delay: -1}}), ErrResponse},
		{"a code of 4 digits", script(map[string]Response{"EHLO": {Reply: R(2500)}}), ErrResponse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, tr := start(t, Config{Handler: tt.h})
			c := run(t, s, []step{{"EHLO c\r\n", ""}})
			c.expectEOF()
			if err := s.Err(); !errors.Is(err, tt.want) {
				t.Errorf("Err() = %v, want %v", err, tt.want)
			}
			hasNote(t, tr, "(FIN) because the check's")
		})
	}
}

// TestWaitSessions counts sessions as they come, and gives up at Close.
func TestWaitSessions(t *testing.T) {
	s, _ := start(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.WaitSessions(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitSessions with a done context: %v", err)
	}
	for range 3 {
		dial(t, s).reply()
	}
	ctx, cancel = context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.WaitSessions(ctx, 3); err != nil {
		t.Errorf("WaitSessions(3): %v", err)
	}
	s.Close()
	if err := s.WaitSessions(ctx, 4); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitSessions(4) after Close: %v, want ErrClosed", err)
	}
	for _, ss := range s.Sessions() {
		if ss.ClosedBy() != "server" {
			t.Errorf("session %d: ClosedBy() = %q after Close, want server", ss.N, ss.ClosedBy())
		}
	}
}

func TestAddr(t *testing.T) {
	s, _ := start(t, Config{})
	if s.Port() == 0 || s.Addr() != fmt.Sprintf("127.0.0.1:%d", s.Port()) {
		t.Errorf("Addr() = %q, Port() = %d", s.Addr(), s.Port())
	}
}

// TestTranscript is one short session as a student reads it.
func TestTranscript(t *testing.T) {
	s, tr := start(t, Config{Blocked: always, Handler: script(map[string]Response{
		"EHLO": {Reply: R(250, "mx.socklab.test", "8BITMIME"), LinePaced: true},
	})})
	c := run(t, s, []step{
		{"EHLO c\r\n", "250-mx.socklab.test\r\n250 8BITMIME\r\n"},
		{"QUIT\n", "221 2.0.0 Bye\r\n"},
	})
	c.expectEOF()
	c.c.Close()
	waitIdle(t, s)
	ss := only(t, s)
	client, server := ss.Remote.String(), s.Addr()
	var got []string
	for _, e := range tr.Events() {
		switch e.Kind {
		case trace.Note:
			got = append(got, "note "+e.Text)
		default:
			if e.Proto != "tcp" {
				t.Errorf("event %v: Proto %q", e, e.Proto)
			}
			got = append(got, fmt.Sprintf("%s %s→%s %s→%s %q %s", e.Kind, e.From, e.To, e.Src, e.Dst, e.Data, e.Text))
		}
	}
	up := fmt.Sprintf("your client→grader's server %s→%s", client, server)
	down := fmt.Sprintf("grader's server→your client %s→%s", server, client)
	same(t, "transcript", got, []string{
		fmt.Sprintf("note session 1: accepted from port %d", ss.Remote.Port()),
		fmt.Sprintf("send %s %q greeting", down, greeting),
		fmt.Sprintf("recv %s %q command EHLO", up, "EHLO c\r\n"),
		fmt.Sprintf("send %s %q reply to EHLO, segment 1 of 2", down, "250-mx.socklab.test\r\n"),
		fmt.Sprintf("send %s %q reply to EHLO, segment 2 of 2", down, "250 8BITMIME\r\n"),
		"note session 1: sent the reply to EHLO one line at a time, each once your client was waiting for it",
		fmt.Sprintf("recv %s %q command QUIT, ended with a bare LF", up, "QUIT\n"),
		fmt.Sprintf("send %s %q reply to QUIT", down, "221 2.0.0 Bye\r\n"),
		"note session 1: the grader's server closed the connection (FIN) after the reply to QUIT",
		"note session 1: your client closed the connection",
	})
}

// TestHoldWaitsForTheClientToRead: a held reply waits while the client
// has not read the reply before it, though it is blocked (in another
// call than recv, say), and goes out once it has.
func TestHoldWaitsForTheClientToRead(t *testing.T) {
	s, _ := start(t, Config{Blocked: always, Handler: func(s *Session, c Command) Response {
		r := Default(s, c)
		r.Hold = c.Verb == "MAIL"
		return r
	}})
	c := dial(t, s)
	c.send("HELO c\r\nMAIL FROM:<a@c>\r\n") // the greeting unread
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.WaitSessions(ctx, 1); err != nil { // nothing the client read says it was accepted
		t.Fatal(err)
	}
	for len(only(t, s).Commands()) < 2 {
		time.Sleep(100 * time.Microsecond)
	}
	time.Sleep(20 * time.Millisecond) // a server that does not hold would have sent by now
	local := netip.MustParseAddrPort(c.c.LocalAddr().String())
	sk, err := sockstat.LookupTCP(local, only(t, s).Local)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(greeting) + len("250 mx.socklab.test\r\n"); sk.RecvQ != want {
		t.Errorf("the client's receive queue holds %d bytes; want %d, the greeting and HELO's reply, and not MAIL's", sk.RecvQ, want)
	}
	same(t, "replies", c.reply()+c.reply()+c.reply(), greeting+"250 mx.socklab.test\r\n250 2.1.0 Ok\r\n")
	c.c.Close()
	waitIdle(t, s)
	same(t, "commands", verbs(only(t, s).Commands()), []string{"HELO c 250", "MAIL FROM:<a@c> 250"})
}

// TestMessageTooBig: past 16 MiB of data the server answers 552 and
// closes, and keeps what came.
func TestMessageTooBig(t *testing.T) {
	s, _ := start(t, Config{})
	c := run(t, s, []step{
		{"HELO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@c>\r\n", "250 mx.socklab.test\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"},
		{"DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"},
	})
	line := strings.Repeat("y", 998) + "\r\n"
	go func() {
		for range maxData/len(line) + 2 {
			if _, err := c.c.Write([]byte(line)); err != nil {
				return
			}
		}
	}()
	same(t, "reply", c.reply(), "552 5.3.4 Message too big\r\n")
	c.expectEOF()
	c.c.Close()
	waitIdle(t, s)
	ss := only(t, s)
	m := ss.Messages()[0]
	if m.Complete || m.Accepted || len(m.Raw) <= maxData || len(m.Data) != len(m.Raw) {
		t.Errorf("message: Complete %v, Accepted %v, %d bytes of Raw, %d of Data", m.Complete, m.Accepted, len(m.Raw), len(m.Data))
	}
	if _, ok := ss.Mail(); ok {
		t.Error("the transaction is still open")
	}
}

// TestWaitIdleSeesQueuedConnections: connections a client opened and
// closed in a hurry are counted, also those still in the listen queue
// when WaitIdle is called.
func TestWaitIdleSeesQueuedConnections(t *testing.T) {
	const n = 20
	s, _ := start(t, Config{})
	for range n {
		c := dial(t, s)
		c.send("QUIT\r\n")
		c.c.Close()
	}
	waitIdle(t, s)
	if got := len(s.Sessions()); got != n {
		t.Errorf("%d sessions after WaitIdle, want %d", got, n)
	}
	for _, ss := range s.Sessions() {
		if ss.ClosedBy() == "" {
			t.Errorf("session %d is still open after WaitIdle", ss.N)
		}
	}
}

// TestProgress: bytes moving either way are progress, each paced segment
// among them, and Idle counts from the last.
func TestProgress(t *testing.T) {
	var n atomic.Int64
	s, _ := start(t, Config{Slice: 5, OnProgress: func() { n.Add(1) }})
	before := s.Idle()
	c := run(t, s, []step{{"NOOP\r\n", "250 2.0.0 Ok\r\n"}})
	c.c.Close()
	waitIdle(t, s)
	// The greeting's 7 segments of 5 bytes, NOOP's reply's 3, and NOOP
	// itself; the EOF is no progress.
	if got := n.Load(); got < 11 {
		t.Errorf("OnProgress was called %d times; want at least 11", got)
	}
	if idle := s.Idle(); idle > time.Since(s.started) || idle < 0 {
		t.Errorf("Idle() = %v, out of the server's life; %v before any bytes", idle, before)
	}
}
