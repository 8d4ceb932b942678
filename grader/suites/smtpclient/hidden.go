//go:build hidden

package smtpclient

import (
	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// Hidden checks: run by TAs and Gradescope (socklab-hidden grade
// -hidden), never exported to students. They test what the public ones
// do, at a scale a student's own tests rarely reach.

func init() {
	Suite.Checks = append(Suite.Checks, &grader.Check{
		ID: "smtp-client/message/large", Name: "A 2 MiB message of 30,000 lines, many with dots, arrives byte for byte", Points: 2,
		Visibility:  grader.Hidden,
		Requirement: `"The server must deliver the message exactly as stdin had it, but for the line endings: every byte of every line." (handout §5; RFC 5321 §4.5.2, §4.5.3.1.6)`,
		Handout:     secMessage,
		Run:         largeMessage,
	})
}

func largeMessage(t *grader.T) {
	env := newEnvelope(t, 1)
	var body []string
	for size := 0; size < 2<<20; {
		line := sentence(t)
		switch t.Rand().IntN(8) {
		case 0:
			line = "." + line // dot-stuffed
		case 1:
			line = "."
		case 2:
			line = ""
		case 3:
			line = textOfLength(t, 990)
		}
		body = append(body, line)
		size += len(line) + len("\r\n")
	}
	msg := message(t, env, body...)
	r := send(t, smtptest.Config{}, env, lfOnly(msg))
	s := r.session(t)
	expectMessage(t, delivered(t, r, s), msg)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}
