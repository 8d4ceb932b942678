package smtpclient

import (
	"fmt"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// The checks of §2 on the session's frame: the greeting, EHLO or HELO,
// and QUIT.

// slowGreeting is how long the slow server waits before it greets: more
// than a second, which a client with a short timeout gives up at, and
// well within the handout's 10 seconds.
const slowGreeting = 2 * time.Second

var sessionChecks = []*grader.Check{
	{
		ID: "smtp-client/session/greeting-first", Name: "Nothing is sent before the server's greeting", Points: 2,
		Requirement: `"The client sends nothing until it has read the server's whole greeting, a 220 reply." (handout §2; RFC 5321 §3.1, §4.3.1: the server speaks first)`,
		Handout:     secSession,
		Run:         greetingFirst,
	},
	{
		ID: "smtp-client/session/slow-greeting", Name: "A greeting that takes 2 seconds is waited for", Points: 1,
		Requirement: `"The client waits at least 10 seconds for each reply; RFC 5321 §4.5.3.2 suggests 5 minutes." (handout §2; RFC 5321 §4.5.3.2.1: servers delay the greeting until their load permits)`,
		Handout:     secSession,
		Run:         slowGreetingCheck,
	},
	{
		ID: "smtp-client/session/ehlo", Name: "EHLO gives the -helo name, localhost without one", Points: 1,
		Requirement: `"The client sends EHLO NAME first; if the server answers it with a 5xx reply (500 or 502 from a server that does not know EHLO), the client sends HELO NAME instead, and goes on." (handout §2; RFC 5321 §4.1.1.1)`,
		Handout:     secSession,
		Run:         ehlo,
	},
	{
		ID: "smtp-client/session/helo-fallback", Name: "EHLO refused with 500 or 502: HELO, and the message is sent", Points: 2,
		Requirement: `"The client sends EHLO NAME first; if the server answers it with a 5xx reply (500 or 502 from a server that does not know EHLO), the client sends HELO NAME instead, and goes on." (handout §2; RFC 5321 §3.2, §4.1.4: a client falls back to HELO)`,
		Handout:     secSession,
		Run:         heloFallback,
	},
	{
		ID: "smtp-client/session/quit-waits", Name: "After QUIT the client waits for 221 before it closes", Points: 2,
		Requirement: `"The client ends the session with QUIT, and closes the connection only once it has read the reply, 221." (handout §2; RFC 5321 §4.1.1.10: the sender SHOULD wait for the reply to QUIT)`,
		Handout:     secSession,
		Run:         quitWaits,
	},
}

// deliver sends one message to the recipients of env through a server
// configured with cfg, and judges the session whole: the client exits 0
// and the message arrives as it was given, with CR LF line ends.
func deliver(t *grader.T, cfg smtptest.Config, env envelope) (run, *smtptest.Session) {
	msg := message(t, env)
	r := send(t, cfg, env, msg)
	s := r.session(t)
	m := delivered(t, r, s)
	expectMessage(t, m, msg)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
	return r, s
}

func greetingFirst(t *grader.T) {
	// The greeting is held until the client has connected and is
	// blocked waiting for it: whatever it sent by then, it sent before
	// the greeting, on every run.
	cfg := smtptest.Config{Greeting: smtptest.Response{Reply: smtptest.R(220, "mx.socklab.test ESMTP waiting for you to listen first"), Hold: true}}
	r, s := deliver(t, cfg, newEnvelope(t, 1))
	if cs := s.Commands(); len(cs) > 0 && cs[0].Early {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client sent %s before the server's greeting had come (%s)", strings.TrimRight(string(cs[0].Line), "\r\n"), r.command()),
			Expected: "nothing from the client until it has read the 220 greeting; then EHLO",
			Actual:   fmt.Sprintf("%s arrived while the server had not yet greeted, and your client was not waiting for the greeting", grader.Quote(cs[0].Line)),
		})
	}
}

func slowGreetingCheck(t *grader.T) {
	cfg := smtptest.Config{Greeting: smtptest.Response{Reply: smtptest.R(220, "mx.socklab.test ESMTP sorry to keep you waiting"), Delay: slowGreeting}}
	env := newEnvelope(t, 1)
	msg := message(t, env)
	r := send(t, cfg, env, msg)
	s := r.session(t)
	if len(s.Commands()) == 0 {
		t.Fatalf("your client gave up before the server's greeting, which came %.0f s after it connected (%s)%s",
			slowGreeting.Seconds(), r.command(), r.stderrTail())
	}
	expectMessage(t, delivered(t, r, s), msg)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}

func ehlo(t *grader.T) {
	for _, helo := range []string{"", newEnvelope(t, 0).helo} {
		env := newEnvelope(t, 1)
		env.helo = helo
		r, s := deliver(t, smtptest.Config{}, env)
		want := "EHLO " + helo + "\r\n"
		if helo == "" {
			want = "EHLO localhost\r\n"
		}
		cs := s.Commands()
		if len(cs) == 0 || !sameCommand(string(cs[0].Line), want) {
			got := "no command"
			if len(cs) > 0 {
				got = grader.Quote(cs[0].Line)
			}
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client's first command is wrong (%s)", r.command()),
				Expected: grader.Quote([]byte(want)),
				Actual:   got,
			})
		}
	}
}

func heloFallback(t *grader.T) {
	for _, refusal := range []smtptest.Reply{
		smtptest.R(500, "5.5.1 Command unrecognized: EHLO"),
		smtptest.R(502, "5.5.1 Command not implemented"),
	} {
		cfg := smtptest.Config{Handler: func(s *smtptest.Session, c smtptest.Command) smtptest.Response {
			if c.Verb == "EHLO" {
				return smtptest.Response{Reply: refusal}
			}
			return smtptest.Default(s, c)
		}}
		env := newEnvelope(t, 1)
		msg := message(t, env)
		r := send(t, cfg, env, msg)
		s := r.session(t)
		want := "HELO " + env.helo + "\r\n"
		if hs := commandsOf(s, "HELO"); len(hs) != 1 || !sameCommand(string(hs[0].Line), want) {
			t.Fatalf("your client did not fall back to HELO when the server answered EHLO with %q (%s)%s; expected %s; the session:\n%s",
				refusal.String(), r.command(), r.stderrTail(), grader.Quote([]byte(want)), dialogue(r.srv))
		}
		expectMessage(t, delivered(t, r, s), msg)
		expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
	}
}

func quitWaits(t *grader.T) {
	// The 221 is held until the client is blocked waiting for it: a
	// client that closes after sending QUIT has closed by then.
	cfg := smtptest.Config{Handler: func(s *smtptest.Session, c smtptest.Command) smtptest.Response {
		resp := smtptest.Default(s, c)
		if c.Verb == "QUIT" {
			resp.Hold = true
		}
		return resp
	}}
	r, s := deliver(t, cfg, newEnvelope(t, 1))
	mustHaveSent(t, r, s, "QUIT")
	if c := s.ClosedWaiting(); c != nil {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client closed the connection after %s without waiting for the reply (%s)", strings.TrimRight(string(c.Line), "\r\n"), r.command()),
			Expected: "QUIT, then the client reads the server's 221, then it closes",
			Actual:   "QUIT, then the connection closed before the server had replied",
		})
	}
}
