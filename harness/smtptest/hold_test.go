package smtptest

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/trace"
)

// TestSliceOne: with Slice 1 every byte is its own paced segment, so
// every read returns one byte, however large the buffer; a client that
// reads one byte at a time gets the same bytes.
func TestSliceOne(t *testing.T) {
	const ehloReply = "250-mx.socklab.test\r\n250 8BITMIME\r\n"
	s, tr := start(t, Config{Slice: 1, Extensions: []string{"8BITMIME"}})
	c := dial(t, s)
	var reads []string
	buf := make([]byte, 1<<16)
	for got := 0; got < len(greeting); {
		n, err := c.c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		reads = append(reads, string(buf[:n]))
		got += n
	}
	if strings.Join(reads, "") != greeting || len(reads) != len(greeting) {
		t.Errorf("%d reads %q; want one byte each of %q", len(reads), reads, greeting)
	}
	c.send("EHLO c\r\n")
	one := make([]byte, 1)
	var got []byte
	for len(got) < len(ehloReply) {
		if _, err := io.ReadFull(c.c, one); err != nil {
			t.Fatal(err)
		}
		got = append(got, one[0])
	}
	same(t, "the EHLO reply read a byte at a time", string(got), ehloReply)

	var sends []string
	for _, e := range tr.Events() {
		if e.Kind == trace.Send {
			sends = append(sends, string(e.Data))
		}
	}
	if len(sends) != len(greeting)+len(ehloReply) || strings.Join(sends, "") != greeting+ehloReply {
		t.Errorf("%d Send events %q; want one per byte", len(sends), sends)
	}
	same(t, "the last Send's text", tr.Events()[len(tr.Events())-1].Text,
		fmt.Sprintf("reply to EHLO, segment %d of %d", len(ehloReply), len(ehloReply)))
}

// TestHoldGreeting: a held greeting catches a client that speaks first.
func TestHoldGreeting(t *testing.T) {
	for _, tt := range []struct {
		name         string
		early, gated bool
		note         string
	}{
		{"a client that waits", false, true, "held the greeting until your client was waiting for it"},
		{"a client that sends EHLO first", true, true, "your client sent 8 bytes before the grader's server had sent the greeting"},
		// Without Blocked, Hold waits only for the client to read what
		// came before: nothing, here.
		{"no Blocked", false, false, "held the greeting until your client had read everything before it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			cfg := Config{Greeting: Response{Hold: true}}
			if tt.gated {
				cfg.Blocked = g.blocked
			}
			s, tr := start(t, cfg)
			c := dial(t, s)
			if tt.early {
				c.send("EHLO c\r\n")
				c.landed() // in the server's socket before Blocked says true
				g.open()
				same(t, "greeting", c.reply(), greeting)
			} else {
				g.open()
				same(t, "greeting", c.reply(), greeting)
				c.send("EHLO c\r\n")
			}
			same(t, "EHLO reply", c.reply(), "250 mx.socklab.test\r\n")
			c.c.Close()
			waitIdle(t, s)
			cmds := only(t, s).Commands()
			same(t, "EHLO's Early", cmds[0].Early, tt.early)
			hasNote(t, tr, tt.note)
		})
	}
}

// TestLinePaced: an EHLO reply sent a line at a time catches a client
// that sends MAIL after the first line.
func TestLinePaced(t *testing.T) {
	exts := []string{"8BITMIME", "SIZE 1000"}
	lines := []string{"250-mx.socklab.test\r\n", "250-8BITMIME\r\n", "250 SIZE 1000\r\n"}
	for _, tt := range []struct {
		name  string
		early bool
	}{
		{"a client that reads the whole reply", false},
		{"a client that reads one line", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			s, tr := start(t, Config{
				Extensions: exts,
				Blocked:    g.blocked,
				Handler: func(s *Session, c Command) Response {
					r := Default(s, c)
					r.LinePaced = c.Verb == "EHLO"
					return r
				},
			})
			c := dial(t, s)
			c.reply()
			if !tt.early {
				g.open()
			}
			c.send("EHLO c\r\n")
			same(t, "first line", c.line(), lines[0])
			if tt.early {
				c.send("MAIL FROM:<a@c>\r\n")
				c.landed()
				g.open()
				same(t, "the rest", c.line()+c.line(), lines[1]+lines[2])
			} else {
				same(t, "the rest", c.line()+c.line(), lines[1]+lines[2])
				c.send("MAIL FROM:<a@c>\r\n")
			}
			same(t, "MAIL reply", c.reply(), "250 2.1.0 Ok\r\n")
			c.c.Close()
			waitIdle(t, s)
			same(t, "commands", verbs(only(t, s).Commands()), []string{
				"EHLO c 250", "MAIL FROM:<a@c> 250" + map[bool]string{true: " early"}[tt.early],
			})
			var sends []string
			for _, e := range tr.Events() {
				if e.Kind == trace.Send && strings.HasPrefix(e.Text, "reply to EHLO") {
					sends = append(sends, string(e.Data))
				}
			}
			same(t, "the EHLO reply's segments", sends, lines)
		})
	}
}

// TestHoldPipelined: a command that comes behind one whose reply is held
// is Early, whether the server's reader has it already (one write) or it
// waits in the kernel (two).
func TestHoldPipelined(t *testing.T) {
	for _, tt := range []struct {
		name   string
		writes []string
	}{
		{"one write", []string{"MAIL FROM:<a@c>\r\nRCPT TO:<b@c>\r\n"}},
		{"two writes", []string{"MAIL FROM:<a@c>\r\n", "RCPT TO:<b@c>\r\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			s, _ := start(t, Config{Blocked: g.blocked, Handler: func(s *Session, c Command) Response {
				r := Default(s, c)
				r.Hold = c.Verb == "MAIL"
				return r
			}})
			c := run(t, s, []step{{"HELO c\r\n", "250 mx.socklab.test\r\n"}})
			for _, w := range tt.writes {
				c.send(w)
			}
			c.landed()
			g.open()
			same(t, "replies", c.reply()+c.reply(), "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n")
			c.c.Close()
			waitIdle(t, s)
			same(t, "commands", verbs(only(t, s).Commands()), []string{"HELO c 250", "MAIL FROM:<a@c> 250", "RCPT TO:<b@c> 250 early"})
		})
	}
}

// TestHoldQuit: a client that closes right after QUIT, without waiting
// for the 221, is caught while the reply is held.
func TestHoldQuit(t *testing.T) {
	g := newGate()
	s, tr := start(t, Config{Blocked: g.blocked, Handler: script(map[string]Response{
		"QUIT": {Reply: replyBye, Close: true, Hold: true},
	})})
	c := run(t, s, []step{{"HELO c\r\n", "250 mx.socklab.test\r\n"}})
	c.send("QUIT\r\n")
	c.c.Close()
	c.landed() // the FIN is in
	g.open()
	waitIdle(t, s)
	ss := only(t, s)
	w := ss.ClosedWaiting()
	if w == nil || w.Verb != "QUIT" || w.Reply.Code != 0 {
		t.Fatalf("ClosedWaiting() = %+v, want the QUIT, unanswered", w)
	}
	same(t, "ClosedBy", ss.ClosedBy(), "client")
	same(t, "Sent", string(ss.Sent()), greeting+"250 mx.socklab.test\r\n")
	hasNote(t, tr, "your client closed the connection while the grader's server held the reply to QUIT: it never got it")
}

// TestPending checks what a held reply looks at, the server's socket,
// against what the client did: the bytes it sent and did not have read,
// its FIN (which the kernel counts in the queue), its RST.
func TestPending(t *testing.T) {
	for _, tt := range []struct {
		name   string
		do     func(c *client)
		unread int
		closed bool
	}{
		{"nothing", func(*client) {}, 0, false},
		{"bytes", func(c *client) { c.send("abc") }, 3, false},
		{"bytes and FIN", func(c *client) { c.send("abc"); c.c.CloseWrite() }, 3, true},
		{"FIN", func(c *client) { c.c.CloseWrite() }, 0, true},
		{"RST", func(c *client) { c.c.SetLinger(0); c.c.Close() }, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			type look struct {
				unread       int
				closed, read bool
			}
			ready, looked := make(chan struct{}), make(chan look, 1)
			s, _ := start(t, Config{Handler: func(s *Session, c Command) Response {
				<-ready
				unread, closed := s.pending()
				read, _ := s.clientRead()
				looked <- look{unread, closed, read}
				return Response{Hangup: true}
			}})
			c := run(t, s, []step{{"NOOP\r\n", ""}})
			if tt.name != "RST" {
				c.landed()
			}
			tt.do(c)
			if tt.name != "RST" {
				c.landed()
			} else {
				gone(t, only(t, s))
			}
			close(ready)
			got := <-looked
			same(t, "unread, closed", []any{got.unread, got.closed}, []any{tt.unread, tt.closed})
			if tt.name != "RST" && !got.read {
				t.Error("clientRead() = false, but the client read the greeting")
			}
		})
	}
}

// TestCloseUnblocks: Close ends every wait of the server's own at once,
// and leaves no goroutine behind.
func TestCloseUnblocks(t *testing.T) {
	for _, tt := range []struct {
		name string
		resp Response
	}{
		{"a hold the client never satisfies", Response{Reply: replyOK, Hold: true}},
		{"a delay", Response{Reply: replyOK, Delay: time.Hour}},
		{"a paced write the client does not read", Response{Reply: R(250, strings.Repeat("x", 100)), Slice: 1}},
		{"the wait for the client's close", Response{Reply: replyOK, Close: true}},
		{"an idle session", Response{Reply: replyOK}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			answered := make(chan struct{})
			s, _ := start(t, Config{Blocked: func() bool { return false }, Handler: func(*Session, Command) Response {
				close(answered)
				return tt.resp
			}})
			run(t, s, []step{{"NOOP\r\n", ""}})
			<-answered
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			waitIdle(t, s)
			noGoroutines(t)
		})
	}
}

// TestCloseLeavesABlockedHandler: Close gives up on a handler that does
// not return, and says which.
func TestCloseLeavesABlockedHandler(t *testing.T) {
	defer func(d time.Duration) { closeWait = d }(closeWait)
	closeWait = 50 * time.Millisecond
	running, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s, _ := start(t, Config{Handler: func(*Session, Command) Response {
		close(running)
		<-release
		return Response{Reply: replyOK}
	}})
	c := run(t, s, []step{{"NOOP\r\n", ""}})
	<-running
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "session 1 (command 1 (NOOP))") {
		t.Errorf("Close: %v, want ErrHandlerBlocked naming the NOOP", err)
	}
	c.expectEOF()
}

// TestClientGoneMidReply: a client that leaves in the middle of a paced
// reply costs the server a note, not a hang.
func TestClientGoneMidReply(t *testing.T) {
	s, tr := start(t, Config{Greeting: Response{Reply: R(220, strings.Repeat("x", 100)), Slice: 1}})
	c := dial(t, s)
	if _, err := io.ReadFull(c.c, make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	c.c.Close()
	waitIdle(t, s)
	same(t, "ClosedBy", only(t, s).ClosedBy(), "client")
	hasNote(t, tr, "sending the greeting failed at segment")
}
