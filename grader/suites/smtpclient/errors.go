package smtpclient

import (
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// The checks of §6 on failures: a refusal at each step, a server that
// closes the channel, one that hangs up.

var errorChecks = []*grader.Check{
	{
		ID: "smtp-client/errors/mail-rejected", Name: "MAIL FROM refused with 451 or 553: reported, QUIT, status 1", Points: 2,
		Requirement: `"When MAIL FROM, DATA or the end of the message gets a 4xx or 5xx reply, the client prints it on stderr, ends the session with QUIT, and exits with status 1." (handout §6; RFC 5321 §4.2.1, §4.3.2)`,
		Handout:     secErrors,
		Run:         mailRejected,
	},
	{
		ID: "smtp-client/errors/data-rejected", Name: "DATA or the message refused: reported, QUIT, status 1", Points: 2,
		Requirement: `"When MAIL FROM, DATA or the end of the message gets a 4xx or 5xx reply, the client prints it on stderr, ends the session with QUIT, and exits with status 1." (handout §6; RFC 5321 §4.2.1, §4.3.2)`,
		Handout:     secErrors,
		Run:         dataRejected,
	},
	{
		ID: "smtp-client/errors/421", Name: "A 421 ends the session at once, greeting or mid-session", Points: 2,
		Requirement: `"A 421 reply means the server is closing the connection: the client prints it on stderr, sends no other command but QUIT, and exits with status 1." (handout §6; RFC 5321 §3.8, §4.2.3)`,
		Handout:     secErrors,
		Run:         closing421,
	},
	{
		ID: "smtp-client/errors/hang-up", Name: "A server that hangs up mid-session is an error, at once", Points: 1,
		Requirement: `"When the server closes the connection in the middle of the session, the client prints an error on stderr and exits with status 1, at once." (handout §6; RFC 5321 §3.8: treat it as a temporary failure)`,
		Handout:     secErrors,
		Run:         hangUp,
	},
	{
		ID: "smtp-client/errors/greeting-554", Name: "A 554 greeting: QUIT and nothing else, status 1", Points: 1,
		Requirement: `"When the greeting is 554 (no service here), the client sends QUIT and no other command, and exits with status 1." (handout §6; RFC 5321 §3.1: the server waits for QUIT)`,
		Handout:     secErrors,
		Run:         greeting554,
	},
}

// refusing is a server that answers the first command with verb, in any
// session, with resp, and is well-behaved otherwise.
func refusing(verb string, resp smtptest.Response) smtptest.Config {
	// Atomic: a client that opens a second connection has its sessions
	// answered at once, each by its own goroutine.
	var done atomic.Bool
	return smtptest.Config{Handler: func(s *smtptest.Session, c smtptest.Command) smtptest.Response {
		if c.Verb == verb && done.CompareAndSwap(false, true) {
			return resp
		}
		return smtptest.Default(s, c)
	}}
}

// expectFailed judges a session the server refused at verb with code:
// the client got there, sent none of the commands in after, reported
// the code, ended with QUIT, and exited 1.
func expectFailed(t *grader.T, r run, verb string, code int, after ...string) {
	s := r.session(t)
	mustHaveSent(t, r, s, verb)
	why := fmt.Sprintf("the server refused %s with %d (handout §6)", verb, code)
	expectNone(t, r, s, why, after...)
	expectReported(t, r, fmt.Sprintf("the %d reply to %s", code, verb), strconv.Itoa(code))
	expectQuit(t, r, s, why)
	expectExit(t, r, 1, "the message was not delivered: "+why)
}

func mailRejected(t *grader.T) {
	for _, reply := range []smtptest.Reply{
		smtptest.R(451, "4.3.0 local error in processing, try again later"),
		smtptest.R(553, "5.1.8 sender address rejected: domain not found"),
	} {
		env := newEnvelope(t, 2)
		r := send(t, refusing("MAIL", smtptest.Response{Reply: reply}), env, message(t, env))
		expectFailed(t, r, "MAIL", reply.Code, "RCPT", "DATA")
	}
}

func dataRejected(t *grader.T) {
	// DATA itself refused: nothing of the message may follow.
	env := newEnvelope(t, 1)
	r := send(t, refusing("DATA", smtptest.Response{Reply: smtptest.R(452, "4.3.1 insufficient system storage")}), env, message(t, env))
	expectFailed(t, r, "DATA", 452, ".")

	// The message refused once sent: not delivered.
	env = newEnvelope(t, 1)
	r = send(t, refusing(".", smtptest.Response{Reply: smtptest.R(554, "5.6.0 message content rejected")}), env, message(t, env))
	expectFailed(t, r, ".", 554)
}

func closing421(t *grader.T) {
	shutdown := smtptest.Response{Reply: smtptest.R(421, "4.3.2 mx.socklab.test shutting down, closing the channel"), Close: true}

	// Mid-session, to the first RCPT.
	env := newEnvelope(t, 2)
	r := send(t, refusing("RCPT", shutdown), env, message(t, env))
	s := r.session(t)
	mustHaveSent(t, r, s, "RCPT")
	expect421(t, r, s, "RCPT")

	// In place of the greeting.
	env = newEnvelope(t, 1)
	cfg := smtptest.Config{Greeting: shutdown}
	r = send(t, cfg, env, message(t, env))
	expect421(t, r, r.session(t), "the greeting")
}

// expect421 fails unless the client, told 421 in answer to what, sent
// nothing more but QUIT, reported it, and exited 1.
func expect421(t *grader.T, r run, s *smtptest.Session, what string) {
	seen := what == "the greeting"
	for _, c := range s.Commands() {
		if seen && c.Verb != "QUIT" {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client sent %s after the server's 421 to %s (%s)", grader.Quote(c.Line), what, r.command()),
				Expected: "no command after a 421 but QUIT: the server is closing the connection (handout §6)",
				Actual:   "the session:\n" + dialogue(r.srv),
			})
			return
		}
		seen = seen || c.Reply.Code == 421
	}
	expectReported(t, r, "the server's 421", "421")
	expectExit(t, r, 1, "the message was not delivered: the server closed the session with 421 (handout §6)")
}

func hangUp(t *grader.T) {
	env := newEnvelope(t, 2)
	r := send(t, refusing("RCPT", smtptest.Response{Hangup: true}), env, message(t, env))
	s := r.session(t)
	mustHaveSent(t, r, s, "RCPT")
	if r.stderr == "" {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client printed nothing on stderr when the server hung up after RCPT (%s)", r.command()),
			Expected: "an error message on stderr",
			Actual:   "nothing",
		})
	}
	expectExit(t, r, 1, "the message was not delivered: the connection broke (handout §6)")
}

func greeting554(t *grader.T) {
	env := newEnvelope(t, 1)
	cfg := smtptest.Config{Greeting: smtptest.Response{Reply: smtptest.R(554, "5.3.2 no SMTP service here")}}
	r := send(t, cfg, env, message(t, env))
	s := r.session(t)
	mustHaveSent(t, r, s, "QUIT")
	expectNone(t, r, s, "the server greeted with 554: it gives no service (handout §6)", "EHLO", "HELO", "MAIL", "RCPT", "DATA")
	expectReported(t, r, "the server's 554 greeting", "554")
	expectExit(t, r, 1, "the message was not delivered: the server refused the session (handout §6)")
}
