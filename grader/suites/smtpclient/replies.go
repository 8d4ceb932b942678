package smtpclient

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// The checks of §3 on reading replies: many lines, many segments, and
// the code that decides.

var replyChecks = []*grader.Check{
	{
		ID: "smtp-client/replies/multiline", Name: "A multi-line reply is read to its last line before the next command", Points: 2,
		Requirement: `"A reply may have many lines: every line but the last has a hyphen after the code, and the last has a space, or nothing, after it." (handout §3; RFC 5321 §4.2.1)`,
		Handout:     secReplies,
		Run:         multiline,
	},
	{
		ID: "smtp-client/replies/one-byte-segments", Name: "Replies that arrive one byte per segment are read whole", Points: 2,
		Requirement: `"A reply may arrive in pieces: the client reads until it has a whole line, and until it has the last line of the reply, however the bytes were cut into TCP segments." (handout §3; RFC 5321 §4.2; RFC 9293 §3.8.5: TCP keeps no message boundaries)`,
		Handout:     secReplies,
		Run:         oneByteSegments,
	},
	{
		ID: "smtp-client/replies/codes-not-text", Name: "251 accepts and 550 rejects, whatever the text says", Points: 2,
		Requirement: `"The client decides on the reply's code, never on its text." (handout §3; RFC 5321 §4.2.1: a client determines its actions only by the reply code)`,
		Handout:     secReplies,
		Run:         codesNotText,
	},
}

func multiline(t *grader.T) {
	// Each line after the first is sent only once the client has read
	// the one before and is waiting for more: a client that took the
	// first line for the reply has sent its next command by then.
	cfg := smtptest.Config{
		Greeting: smtptest.Response{LinePaced: true, Reply: smtptest.R(220,
			"mx.socklab.test ESMTP socklab",
			"this greeting has three lines;",
			"wait for the last one before you speak")},
		Extensions: []string{"8BITMIME", "SIZE 10240000", "ENHANCEDSTATUSCODES", "HELP"},
		Handler: func(s *smtptest.Session, c smtptest.Command) smtptest.Response {
			resp := smtptest.Default(s, c)
			switch c.Verb {
			case "EHLO", "HELO":
				resp.LinePaced = true
			case "RCPT":
				if resp.Reply.Code == 250 {
					resp = smtptest.Response{LinePaced: true, Reply: smtptest.R(250, "2.1.5 recipient ok,", "and this reply has", "three lines")}
				}
			case ".":
				if resp.Reply.Code == 250 {
					resp = smtptest.Response{LinePaced: true, Reply: smtptest.R(250, "2.0.0 queued", "")}
				}
			}
			return resp
		},
	}
	r, s := deliver(t, cfg, newEnvelope(t, 2))
	expectWaitedForReplies(t, r, s)
}

// expectWaitedForReplies fails if some command arrived while the
// server was still sending the reply before it.
func expectWaitedForReplies(t *grader.T, r run, s *smtptest.Session) {
	cs := s.Commands()
	for i, c := range cs {
		if !c.Early {
			continue
		}
		before := "the greeting"
		if i > 0 {
			before = fmt.Sprintf("the reply to %s (%s)", strings.TrimRight(string(cs[i-1].Line), "\r\n"), cs[i-1].Reply)
		}
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client sent %s before it had read all of %s (%s)", strings.TrimRight(string(c.Line), "\r\n"), before, r.command()),
			Expected: "the client reads every line of a reply, up to the line with a space (or nothing) after the code, before it sends its next command",
			Actual:   fmt.Sprintf("%s arrived while lines of that reply were still to come; the session:\n%s", grader.Quote(c.Line), dialogue(r.srv)),
		})
		return
	}
}

func oneByteSegments(t *grader.T) {
	// Every reply, multi-line ones too, one byte per segment, each sent
	// once the client has read the one before.
	cfg := smtptest.Config{
		Slice:      1,
		Greeting:   smtptest.Response{Reply: smtptest.R(220, "mx.socklab.test ESMTP", "one byte at a time")},
		Extensions: []string{"8BITMIME", "HELP"},
	}
	env := newEnvelope(t, 2)
	r, s := deliver(t, cfg, env)
	// The session up to the message's end; after it, QUIT, whose
	// absence is session/quit-waits's to judge.
	want := []string{"EHLO", "MAIL", "RCPT", "RCPT", "DATA", "."}
	got := verbs(s)
	if len(got) == len(want)+1 && got[len(want)] == "QUIT" {
		got = got[:len(want)]
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client's commands went wrong when each reply came one byte per segment (%s)", r.command()),
			Expected: strings.Join(want, ", "),
			Actual:   strings.Join(got, ", ") + "; the session:\n" + dialogue(r.srv),
		})
	}
}

func codesNotText(t *grader.T) {
	// Texts chosen to fool a client that reads them: the acceptances say
	// nothing like "OK" and one speaks of errors; the rejection says OK.
	env := newEnvelope(t, 3)
	forward, rejected, plain := env.to[0], env.to[1], env.to[2]
	cfg := smtptest.Config{
		Greeting: smtptest.Response{Reply: smtptest.R(220, "mx.socklab.test ESMTP no errors expected")},
		Handler: func(s *smtptest.Session, c smtptest.Command) smtptest.Response {
			switch {
			case c.Verb == "MAIL":
				if resp := smtptest.Default(s, c); resp.Reply.Code != 250 {
					return resp
				}
				return smtptest.Response{Reply: smtptest.R(250, "2.1.0 sender not refused; errors will go back to it")}
			case c.Verb == "RCPT" && pathOf(c) == forward:
				return smtptest.Response{Reply: smtptest.R(251, "2.1.5 User not local; will forward")}
			case c.Verb == "RCPT" && pathOf(c) == rejected:
				return smtptest.Response{Reply: smtptest.R(550, "5.1.1 OK, so: no such user here")}
			case c.Verb == "RCPT" && pathOf(c) == plain:
				return smtptest.Response{Reply: smtptest.R(250)}
			case c.Verb == "DATA" && len(s.Recipients()) > 0:
				return smtptest.Response{Reply: smtptest.R(354, "error-free zone: go ahead")}
			}
			return smtptest.Default(s, c)
		},
	}
	msg := message(t, env)
	r := send(t, cfg, env, msg)
	s := r.session(t)
	expectMessage(t, delivered(t, r, s), msg)
	expectReported(t, r, "the recipient the server rejected with 550 (whose text said OK)", rejected, "550")
	for _, a := range []struct{ addr, code string }{{forward, "251"}, {plain, "250"}} {
		if line := r.stderrLine(a.addr, a.code); line != "" {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("your client reported %s as rejected, but the server accepted it with %s (%s)", a.addr, a.code, r.command()),
				Expected: fmt.Sprintf("no stderr line about %s: a 2yz reply accepts a recipient", a.addr),
				Actual:   "the line " + grader.Quote([]byte(line)),
			})
		}
	}
	expectExit(t, r, 3, "the message was delivered, but the server rejected some recipients (handout §6)")
}
