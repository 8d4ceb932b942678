package smtpclient

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/smtptest"
)

// The checks of §5 on the message: what the server delivers, line ends,
// dot-stuffing, and what cannot be sent.

// maxLine is the longest line of a message, without its CR LF (RFC 5321
// §4.5.3.1.6).
const maxLine = 998

var messageChecks = []*grader.Check{
	{
		ID: "smtp-client/message/delivered", Name: "The message arrives byte for byte, header and body", Points: 3,
		Requirement: `"The server must deliver the message exactly as stdin had it, but for the line endings: every byte of every line." (handout §5; RFC 5321 §4.1.1.4, §3.3; RFC 5322 §2.1)`,
		Handout:     secMessage,
		Run:         deliveredCheck,
	},
	{
		ID: "smtp-client/message/bare-lf", Name: "Lines ending in LF alone are sent ending in CR LF", Points: 2,
		Requirement: `"A line of the message that ends with LF alone is sent ending with CR LF." (handout §5; RFC 5321 §2.3.8: bare LF MUST NOT be sent)`,
		Handout:     secMessage,
		Run:         bareLF,
	},
	{
		ID: "smtp-client/message/dot-stuffing", Name: "Lines that begin with a dot are dot-stuffed", Points: 2,
		Requirement: `"Before sending a line of the message that begins with a dot, the client adds one more dot at its start." (handout §5; RFC 5321 §4.5.2)`,
		Handout:     secMessage,
		Run:         dotStuffing,
	},
	{
		ID: "smtp-client/message/last-line", Name: "A last line without a line end gets CR LF before the final dot", Points: 1,
		Requirement: `"The message ends with a line holding only a dot: CR LF . CR LF." (handout §5; RFC 5321 §4.1.1.4)`,
		Handout:     secMessage,
		Run:         lastLine,
	},
	{
		ID: "smtp-client/message/long-line", Name: "998 bytes on a line are sent; 999 are refused", Points: 1,
		Requirement: `"A message with a line longer than 998 bytes is refused: the client sends nothing of it, prints why on stderr, and exits with status 1." (handout §5; RFC 5321 §4.5.3.1.6)`,
		Handout:     secMessage,
		Run:         longLine,
	},
	{
		ID: "smtp-client/message/8bit", Name: "8-bit text goes only to a server with 8BITMIME, with BODY=8BITMIME", Points: 2,
		Requirement: `"A message with a byte above 127 is sent only to a server that offered 8BITMIME in its EHLO reply, with MAIL FROM:<ADDR> BODY=8BITMIME; to any other the client sends no MAIL, ends the session with QUIT, and exits with status 1." (handout §5; RFC 6152 §3; RFC 5321 §2.4: SMTP itself carries 7-bit text)`,
		Handout:     secMessage,
		Run:         eightBit,
	},
}

func deliveredCheck(t *grader.T) {
	// A message with what a real one has: continuation lines, empty
	// lines, tabs, trailing spaces, a long line, and punctuation that
	// is not a dot at the start of a line.
	env := newEnvelope(t, 2)
	body := []string{
		"Hello " + env.to[0] + ",",
		"",
		sentence(t) + " ",
		"\t" + sentence(t) + "\t",
		"  " + sentence(t) + " . " + sentence(t),
		textOfLength(t, 700),
		"",
		"",
		"-- ",
		"a.signature@" + domains[0],
	}
	msg := message(t, env, body...)
	// A folded header field (RFC 5322 §2.2.3) after the others.
	msg = bytes.Replace(msg, []byte("\r\n\r\n"), []byte("\r\nX-Folded: "+sentence(t)+"\r\n\t"+sentence(t)+"\r\n\r\n"), 1)
	r := send(t, smtptest.Config{}, env, msg)
	s := r.session(t)
	m := delivered(t, r, s)
	expectMessage(t, m, msg)
	if m.BareLF {
		t.Fail(grader.Failure{Message: "some line of your client's message ended with a bare LF", Expected: "CR LF line ends", Actual: grader.Quote(m.Raw)})
	}
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}

func bareLF(t *grader.T) {
	env := newEnvelope(t, 1)
	want := message(t, env)
	// LF alone on every line but two, which keep their CR LF: a file
	// edited on two systems.
	in := lfOnly(want)
	lines := bytes.SplitAfter(in, []byte("\n"))
	for _, i := range []int{1, len(lines) - 2} {
		lines[i] = append(bytes.TrimSuffix(lines[i], []byte("\n")), "\r\n"...)
	}
	in = bytes.Join(lines, nil)
	r := send(t, smtptest.Config{}, env, in)
	s := r.session(t)
	m := delivered(t, r, s)
	expectMessage(t, m, want)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}

func dotStuffing(t *grader.T) {
	env := newEnvelope(t, 1)
	msg := message(t, env,
		sentence(t),
		".",
		"..",
		". "+sentence(t),
		".signature",
		"...and so on",
		sentence(t)+".",
		".")
	r := send(t, smtptest.Config{}, env, msg)
	s := r.session(t)
	ms := s.Messages()
	if len(ms) == 0 {
		t.Fatalf("your client sent no DATA (%s)%s; the session:\n%s", r.command(), r.stderrTail(), dialogue(r.srv))
	}
	m := ms[0]
	if !bytes.Equal(m.Data, msg) {
		stuffed := bytes.ReplaceAll(append([]byte("\n"), msg...), []byte("\n."), []byte("\n.."))[1:]
		n, want, got := firstLineDiff(append(stuffed, ".\r\n"...), m.Raw)
		t.Fail(grader.Failure{
			Message: fmt.Sprintf("the message the server received is not the message on stdin: line %d of the data on the wire is wrong; "+
				"was a line beginning with a dot dot-stuffed? (a line \".\" ends the message)", n),
			Expected: grader.Quote(want),
			Actual:   grader.Quote(got) + "\n  the data on the wire: " + grader.Quote(m.Raw),
		})
		return
	}
	expectMessage(t, m, msg)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}

func lastLine(t *grader.T) {
	env := newEnvelope(t, 1)
	want := message(t, env)
	in := bytes.TrimSuffix(want, []byte("\r\n"))
	r := send(t, smtptest.Config{}, env, in)
	s := r.session(t)
	expectMessage(t, delivered(t, r, s), want)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}

func longLine(t *grader.T) {
	line := func(n int) string { return textOfLength(t, n) }
	// The longest line allowed is sent...
	env := newEnvelope(t, 1)
	ok := message(t, env, sentence(t), line(maxLine), sentence(t))
	r := send(t, smtptest.Config{}, env, ok)
	expectMessage(t, delivered(t, r, r.session(t)), ok)
	expectExit(t, r, 0, "a line of 998 bytes may be sent (RFC 5321 §4.5.3.1.6): the message was delivered")

	// ... and one byte more is not.
	env = newEnvelope(t, 1)
	long := message(t, env, sentence(t), line(maxLine+1), sentence(t))
	r = send(t, smtptest.Config{}, env, long)
	for _, s := range r.srv.Sessions() {
		expectNone(t, r, s, fmt.Sprintf("the message has a line of %d bytes (handout §5)", maxLine+1), "DATA")
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client printed nothing on stderr when it could not send a message with a line of %d bytes", maxLine+1),
			Expected: "a line on stderr saying why the message was not sent",
			Actual:   "nothing",
		})
	}
	expectExit(t, r, 1, "the message was not delivered: it could not be sent (handout §5, §6)")
}

func eightBit(t *grader.T) {
	body := []string{"Grüße aus Zürich, " + sentence(t), "Ça va? Très bien. 日本語も少し。"}

	// A server without 8BITMIME gets no MAIL...
	env := newEnvelope(t, 1)
	msg := message(t, env, body...)
	r := send(t, smtptest.Config{Extensions: []string{"SIZE 10240000", "HELP"}}, env, msg)
	s := r.session(t)
	mustHaveSent(t, r, s, "EHLO")
	expectNone(t, r, s, "the message has bytes above 127, and the server did not offer 8BITMIME (handout §5)", "MAIL", "DATA")
	expectQuit(t, r, s, "the message could not be sent to this server (handout §5)")
	expectExit(t, r, 1, "the message was not delivered: it could not be sent (handout §5, §6)")

	// ... and one with it gets the message, announced as 8-bit.
	env = newEnvelope(t, 1)
	msg = message(t, env, body...)
	r = send(t, smtptest.Config{Extensions: []string{"8BITMIME", "SIZE 10240000", "HELP"}}, env, msg)
	s = r.session(t)
	m := delivered(t, r, s)
	// Other parameters may come with it (SIZE=, RFC 1870), in any case
	// (RFC 5321 §2.4).
	if !slices.ContainsFunc(strings.Fields(m.Params), func(p string) bool { return strings.EqualFold(p, "BODY=8BITMIME") }) {
		mail := commandsOf(s, "MAIL")
		t.Fail(grader.Failure{
			Message:  "your client sent an 8-bit message without saying so in MAIL FROM",
			Expected: grader.Quote([]byte("MAIL FROM:<" + env.from + "> BODY=8BITMIME\r\n")),
			Actual:   grader.Quote(mail[len(mail)-1].Line),
		})
	}
	expectMessage(t, m, msg)
	expectExit(t, r, 0, "the message was delivered to every recipient (handout §6)")
}

// firstLineDiff is the first line, counted from 1, where got differs
// from want, and that line of each ("" past the end).
func firstLineDiff(want, got []byte) (n int, w, g []byte) {
	ws, gs := bytes.SplitAfter(want, []byte("\n")), bytes.SplitAfter(got, []byte("\n"))
	for i := 0; ; i++ {
		var wl, gl []byte
		if i < len(ws) {
			wl = ws[i]
		}
		if i < len(gs) {
			gl = gs[i]
		}
		if !bytes.Equal(wl, gl) || i >= len(ws) && i >= len(gs) {
			return i + 1, wl, gl
		}
	}
}
