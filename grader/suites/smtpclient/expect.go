package smtpclient

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// What the checks judge in a session, each with a message that shows the
// student the session as it went.

// verbs are a session's commands by their verb, "." for the end of a
// message's data.
func verbs(s *smtptest.Session) []string {
	var v []string
	for _, c := range s.Commands() {
		v = append(v, c.Verb)
	}
	return v
}

// commandsOf are the session's commands with verb.
func commandsOf(s *smtptest.Session, verb string) []smtptest.Command {
	var cs []smtptest.Command
	for _, c := range s.Commands() {
		if c.Verb == verb {
			cs = append(cs, c)
		}
	}
	return cs
}

// mustHaveSent fails unless the client got as far as sending verb: a
// check of what a client does after a reply to verb judges nothing of a
// client that never sent it.
func mustHaveSent(t *grader.T, r run, s *smtptest.Session, verb string) {
	if len(commandsOf(s, verb)) == 0 {
		t.Fatalf("your client never sent %s (%s)%s; the session:\n%s", verb, r.command(), r.stderrTail(), dialogue(r.srv))
	}
}

// expectNone fails if the client sent a command with any of the verbs.
func expectNone(t *grader.T, r run, s *smtptest.Session, why string, verbs ...string) {
	for _, c := range s.Commands() {
		if slices.Contains(verbs, c.Verb) {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client sent %s: %s (%s)", strings.TrimRight(string(c.Line), "\r\n"), why, r.command()),
				Expected: "no " + strings.Join(verbs, ", no ") + " command",
				Actual:   "the session:\n" + dialogue(r.srv),
			})
			return
		}
	}
}

// expectQuit fails unless the client's last command was QUIT: the
// session ended as RFC 5321 §4.1.1.10 ends one (an RSET before it is the
// client's business).
func expectQuit(t *grader.T, r run, s *smtptest.Session, why string) {
	cs := s.Commands()
	if len(cs) > 0 && cs[len(cs)-1].Verb == "QUIT" {
		return
	}
	last := "none"
	if len(cs) > 0 {
		last = grader.Quote(cs[len(cs)-1].Line)
	}
	t.Fail(grader.Failure{
		Message:  fmt.Sprintf("your client did not end the session with QUIT: %s (%s)", why, r.command()),
		Expected: `its last command "QUIT\r\n" (handout §2, §6)`,
		Actual:   "its last command: " + last + "; the session:\n" + dialogue(r.srv),
	})
}

// message is the one message of the session the server accepted, or the
// check fails saying how far the client got.
func delivered(t *grader.T, r run, s *smtptest.Session) *smtptest.Message {
	for _, m := range s.Messages() {
		if m.Complete && m.Accepted {
			return m
		}
	}
	what := "sent no DATA"
	if ms := s.Messages(); len(ms) > 0 && !ms[0].Complete {
		what = "began the message but never ended it with a line \".\""
	}
	t.Fatalf("your client %s, so no message was delivered (%s)%s; the session:\n%s", what, r.command(), r.stderrTail(), dialogue(r.srv))
	return nil
}

// expectMessage fails unless the message the server delivered is want:
// the message on stdin with CR LF line ends (handout §5).
func expectMessage(t *grader.T, m *smtptest.Message, want []byte) {
	t.ExpectStream("the message the server received (dot-stuffing undone)", want, m.Data)
	if !bytes.HasSuffix(m.Raw, []byte("\r\n.\r\n")) && !bytes.Equal(m.Raw, []byte(".\r\n")) {
		t.Fail(grader.Failure{
			Message:  "your client's message did not end with CR LF . CR LF",
			Expected: `the data ending "\r\n.\r\n" (handout §5)`,
			Actual:   "it ended " + grader.Quote(m.Raw[max(0, len(m.Raw)-16):]),
		})
	}
}

// pathOf is the address between < and > in a MAIL or RCPT command, or
// "": scripts pick their reply by it, leaving the command's exact syntax
// to envelope/commands to judge.
func pathOf(c smtptest.Command) string {
	_, rest, ok := strings.Cut(c.Arg, "<")
	if !ok {
		return ""
	}
	path, _, _ := strings.Cut(rest, ">")
	return path
}
