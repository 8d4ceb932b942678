package smtpclient

import (
	"fmt"
	"slices"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// The checks of §4 on the envelope: the commands, and recipients the
// server rejects.

var envelopeChecks = []*grader.Check{
	{
		ID: "smtp-client/envelope/commands", Name: "MAIL FROM, RCPT TO, DATA and QUIT are sent exactly", Points: 2,
		Requirement: `"The envelope commands are MAIL FROM:<ADDR> and RCPT TO:<ADDR>, with the address in angle brackets and no space after the colon, each line ending in CR LF." (handout §4; RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2: no space on either side of the colon; §2.4: verbs in any case; §2.3.8)`,
		Handout:     secEnvelope,
		Run:         commands,
	},
	{
		ID: "smtp-client/envelope/some-rejected", Name: "A rejected recipient is reported, and the others still get the message", Points: 2,
		Requirement: `"The client sends one RCPT TO per recipient, in the order given, and goes on after a recipient is rejected." (handout §4; RFC 5321 §3.3: the transaction goes on for the recipients accepted)`,
		Handout:     secEnvelope,
		Run:         someRejected,
	},
	{
		ID: "smtp-client/envelope/none-accepted", Name: "With every recipient rejected, no DATA: QUIT", Points: 2,
		Requirement: `"When no recipient was accepted, the client does not send DATA: it ends the session with QUIT." (handout §4; RFC 5321 §3.3)`,
		Handout:     secEnvelope,
		Run:         noneAccepted,
	},
}

func commands(t *grader.T) {
	env := newEnvelope(t, 3)
	r, s := deliver(t, smtptest.Config{}, env)
	want := []string{"MAIL FROM:<" + env.from + ">\r\n"}
	for _, to := range env.to {
		want = append(want, "RCPT TO:<"+to+">\r\n")
	}
	want = append(want, "DATA\r\n")
	// The transaction's commands must be exact and in order, with no
	// stranger among them. The session's own (EHLO, RSET, NOOP, QUIT)
	// may come where the client likes; whether QUIT comes at all is
	// session/quit-waits's to judge, and its syntax this check's.
	var got []string
	for _, c := range s.Commands() {
		switch {
		case c.Verb == ".":
		case c.Verb == "QUIT" && sameCommand(string(c.Line), "QUIT\r\n"):
		case c.Verb == "QUIT" || !sessionVerb(c.Verb):
			got = append(got, string(c.Line))
		}
	}
	// Verbs, FROM: and TO: are case-insensitive (RFC 5321 §2.4); the
	// addresses and the line ends are not.
	if !slices.EqualFunc(got, want, sameCommand) {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client's envelope commands are not the handout's (%s)", r.command()),
			Expected: quoteLines(want),
			Actual:   quoteLines(got),
		})
	}
}

// sessionVerb says whether verb is a command a client may send around
// the transaction as it likes (RFC 5321 §4.1.1).
func sessionVerb(verb string) bool {
	return slices.Contains([]string{"EHLO", "HELO", "RSET", "NOOP", "QUIT"}, verb)
}

// sameCommand says whether a command line is want, its verb (and the
// FROM: or TO: after it) in any case.
func sameCommand(got, want string) bool {
	n := len(want)
	if i := strings.IndexByte(want, ':'); i >= 0 {
		n = i + 1
	} else {
		n -= len("\r\n")
	}
	return len(got) == len(want) && strings.EqualFold(got[:n], want[:n]) && got[n:] == want[n:]
}

// quoteLines renders command lines one per line, quoted.
func quoteLines(lines []string) string {
	if len(lines) == 0 {
		return "none"
	}
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = grader.Quote([]byte(l))
	}
	return strings.Join(q, "\n            ")
}

// rejecting is a server that refuses the recipients in no, each with its
// reply, and is well-behaved otherwise.
func rejecting(no map[string]smtptest.Reply) smtptest.Config {
	return smtptest.Config{Handler: func(s *smtptest.Session, c smtptest.Command) smtptest.Response {
		if reply, ok := no[pathOf(c)]; ok && c.Verb == "RCPT" {
			return smtptest.Response{Reply: reply}
		}
		return smtptest.Default(s, c)
	}}
}

// expectRecipients fails unless the client sent RCPT TO for each of
// want, in order.
func expectRecipients(t *grader.T, r run, s *smtptest.Session, want []string) {
	var got []string
	for _, c := range commandsOf(s, "RCPT") {
		got = append(got, pathOf(c))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("your client sent RCPT TO for %q; expected one for each recipient, in order: %q (%s); the session:\n%s",
			got, want, r.command(), dialogue(r.srv))
	}
}

func someRejected(t *grader.T) {
	env := newEnvelope(t, 3)
	rejected := env.to[1]
	cfg := rejecting(map[string]smtptest.Reply{rejected: smtptest.R(550, "5.1.1 no such user here")})
	msg := message(t, env)
	r := send(t, cfg, env, msg)
	s := r.session(t)
	expectRecipients(t, r, s, env.to)
	m := delivered(t, r, s)
	expectMessage(t, m, msg)
	expectReported(t, r, "the recipient the server rejected", rejected, "550")
	expectExit(t, r, 3, "the message was delivered, but the server rejected some recipients (handout §6)")
}

func noneAccepted(t *grader.T) {
	env := newEnvelope(t, 2)
	cfg := rejecting(map[string]smtptest.Reply{
		env.to[0]: smtptest.R(550, "5.1.1 no such user here"),
		env.to[1]: smtptest.R(450, "4.2.1 mailbox busy, try later"),
	})
	r := send(t, cfg, env, message(t, env))
	s := r.session(t)
	expectRecipients(t, r, s, env.to)
	expectNone(t, r, s, "no recipient had been accepted (handout §4)", "DATA")
	expectQuit(t, r, s, "no recipient had been accepted (handout §4)")
	expectExit(t, r, 1, "the message was not delivered: no recipient was accepted (handout §6)")
}
