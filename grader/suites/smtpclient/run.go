package smtpclient

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/smtptest"
)

// How a check runs the student's client against the grader's mail server.

// idleLimit is how long a client may run doing nothing before it counts
// as stuck: a correct client is done in milliseconds once its last reply
// has come. One that waits for a reply to a command it never sent, or
// for more of a reply that is whole, stops here.
const idleLimit = 5 * time.Second

// An envelope is what one run of the client is told: the sender, the
// recipients, the name to give in EHLO ("" leaves -helo out).
type envelope struct {
	from string
	to   []string
	helo string
}

// args are the client's flags for e, talking to addr.
func (e envelope) args(addr string) []string {
	a := []string{"-server", addr, "-from", e.from, "-to", strings.Join(e.to, ",")}
	if e.helo != "" {
		a = append(a, "-helo", e.helo)
	}
	return a
}

// A run is one run of the student's client, ended, and what the grader's
// server saw of it.
type run struct {
	env    envelope
	args   []string
	exit   *proc.Exit
	stderr string
	srv    *smtptest.Server
}

// command is how a run was started, for messages.
func (r run) command() string { return "bin/client " + strings.Join(r.args, " ") }

// send starts a mail server with cfg (its Blocked and reporting filled
// in here), runs the client once with env and msg on stdin, and waits
// until the client exits and the server has seen the connection end.
func send(t *grader.T, cfg smtptest.Config, env envelope, msg []byte) run {
	// Hold and LinePaced wait until the client is blocked waiting for
	// the server: no thread of it running, nothing sent. Before the
	// client has started it is not waiting for anything.
	var client atomic.Pointer[grader.Role]
	cfg.Blocked = func() bool {
		c := client.Load()
		return c != nil && !c.Process().Busy()
	}
	cfg.Transcript = t.Transcript()
	cfg.OnProgress = t.Progress // bytes moving are the client at work (T.Progress)
	srv, err := smtptest.NewServer(cfg)
	if err != nil {
		t.GraderErrorf("starting the grader's mail server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })

	args := env.args(srv.Addr())
	c := t.StartWith("client", grader.StartOptions{Args: args, Stdin: msg})
	client.Store(c)
	e := waitClient(t, c, srv, args)
	ctx, cancel := context.WithTimeout(t.Context(), grader.ReplyTimeout)
	defer cancel()
	srv.WaitIdle(ctx) // the session's log is complete: the kernel closed what the client left open
	return run{env: env, args: args, exit: e, stderr: c.Stderr(), srv: srv}
}

// waitClient waits until the client exits. A client still running when
// nothing has moved between it and the server for idleLimit, and that is
// not busy on a CPU either, fails the check with what the server saw: it
// waits for something that will not come (grader.Role.WaitWhileActive).
func waitClient(t *grader.T, c *grader.Role, srv *smtptest.Server, args []string) *proc.Exit {
	if e := c.WaitWhileActive(idleLimit, srv.Idle); e != nil {
		return e
	}
	t.Fail(grader.Failure{
		Message: fmt.Sprintf("your client did not exit, and did nothing for %.0f s (bin/client %s); the grader's server had sent every reply in full: is your client waiting for a reply to a command it did not send, or for more of a reply that had ended?",
			idleLimit.Seconds(), strings.Join(args, " ")),
		Expected: "the client exits once the server has answered its QUIT (handout §2), or once the session has failed (§6)",
		Actual:   "still running; the session so far:\n" + dialogue(srv),
		Err:      grader.ErrTimeout,
	})
	return nil
}

// session is the run's one session: the client must have connected.
func (r run) session(t *grader.T) *smtptest.Session {
	ss := r.srv.Sessions()
	if len(ss) == 0 {
		t.Fatalf("your client never connected to the grader's mail server at %s (%s)%s", r.srv.Addr(), r.command(), r.stderrTail())
	}
	return ss[0]
}

// stderrTail is the end of what the client printed on stderr, for a
// message.
func (r run) stderrTail() string {
	if strings.TrimSpace(r.stderr) == "" {
		return "; it printed nothing on stderr"
	}
	return "; its stderr:\n" + grader.Excerpt([]byte(r.stderr), 10, 10)
}

// dialogue is every session of srv as the lines that crossed the wire,
// C: the client's and S: the server's, for a message.
func dialogue(srv *smtptest.Server) string {
	var b strings.Builder
	for i, s := range srv.Sessions() {
		if i > 0 {
			b.WriteString("  (next connection)\n")
		}
		writeDialogue(&b, s)
	}
	if b.Len() == 0 {
		return "  (no connection)"
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeDialogue(b *strings.Builder, s *smtptest.Session) {
	for _, c := range s.Commands() {
		if c.Verb == "." {
			fmt.Fprintf(b, "  C: (the message, then \".\")\n")
		} else {
			fmt.Fprintf(b, "  C: %s\n", grader.Quote(c.Line))
		}
		switch {
		case c.AfterClose:
			b.WriteString("  (sent after the server had closed the connection: not answered)\n")
		case c.Reply.Code != 0:
			fmt.Fprintf(b, "  S: %s\n", c.Reply)
		}
	}
	switch s.ClosedBy() {
	case "client":
		b.WriteString("  (your client closed the connection)\n")
	case "server":
		b.WriteString("  (the server closed the connection)\n")
	}
}

// expectExit fails unless the client exited with status code.
func expectExit(t *grader.T, r run, code int, why string) {
	if r.exit.Signal != 0 {
		t.Fatalf("your client %s (%s)%s", r.exit, r.command(), r.stderrTail())
	}
	if r.exit.Code != code {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client exited with status %d (%s)%s", r.exit.Code, r.command(), r.stderrTail()),
			Expected: fmt.Sprintf("exit status %d: %s", code, why),
			Actual:   fmt.Sprintf("exit status %d; the session:\n%s", r.exit.Code, dialogue(r.srv)),
		})
	}
}

// stderrLine is the first line of the client's stderr that holds every
// one of words, or "".
func (r run) stderrLine(words ...string) string {
	for _, line := range strings.Split(r.stderr, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return line
		}
	}
	return ""
}

// expectReported fails unless a line of the client's stderr holds every
// one of words: the reply's code, a rejected address.
func expectReported(t *grader.T, r run, what string, words ...string) {
	if r.stderrLine(words...) == "" {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client did not report %s on stderr (%s)", what, r.command()),
			Expected: fmt.Sprintf("a line on stderr with %s", strings.Join(quoteAll(words), " and ")),
			Actual:   "its stderr: " + grader.Quote([]byte(r.stderr)),
		})
	}
}

func quoteAll(words []string) []string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return q
}
