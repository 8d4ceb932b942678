package httpclient

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/origin"
	"github.com/socklab/socklab/harness/proc"
)

// How a check runs the student's client against the grader's server.

// idleLimit is how long a client may run doing nothing before it counts
// as stuck: a correct client is done in milliseconds once the last byte
// it needs has come. A client that waits for bytes the server will never
// send (a body after HEAD, the end of a connection kept open) stops here.
const idleLimit = 5 * time.Second

// startOrigin starts the grader's server with handler h; it is closed
// when the check ends. A handler that waits must also wait on the check's
// context, so that it returns when the check does.
func startOrigin(t *grader.T, h origin.Handler) *origin.Server {
	// Bytes moving are the client at work: on a loaded machine a check
	// may then run past its time limit (T.Progress).
	s, err := origin.Start(origin.Config{Handler: h, Transcript: t.Transcript(), OnProgress: t.Progress})
	if err != nil {
		t.GraderErrorf("starting the grader's HTTP server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A run is one run of the student's client, ended.
type run struct {
	args   []string
	exit   *proc.Exit
	stdout []byte
	stderr string
}

// runClient runs bin/client with args and waits until it exits. A client
// still running when nothing has moved between it and the grader's
// server for idleLimit, and that is not busy on a CPU either, fails the
// check with what it printed and what the server saw: it waits for
// something that will not come. The limit counts from the last byte that
// moved, so that a response crawling one byte per segment on a busy
// machine is not taken for a client that hangs.
func runClient(t *grader.T, srv *origin.Server, args ...string) run {
	c := t.Start("client", args...)
	var quiet func() time.Duration
	if srv != nil {
		quiet = srv.Idle
	}
	if e := c.WaitWhileActive(idleLimit, quiet); e != nil {
		r := run{args: args, exit: e, stdout: c.Stdout(), stderr: c.Stderr()}
		if srv != nil {
			waitIdle(t, srv)
		}
		return r
	}
	what := "nothing"
	if srv != nil {
		what = fmt.Sprintf("%d request(s) on %d connection(s)", len(srv.Requests()), len(srv.Conns()))
	}
	t.Fail(grader.Failure{
		Message: fmt.Sprintf("your client did not exit, and did nothing for %.0f s (bin/client %s); the grader's server had received %s "+
			"and sent every response in full: is your client waiting for bytes that are not coming?",
			idleLimit.Seconds(), strings.Join(args, " "), what),
		Expected: "the client exits once it has read each response whole (handout §3: the length of a body is known from the response)",
		Actual:   "still running; its stdout so far: " + grader.Quote(c.Process().Stdout().Bytes()),
		Err:      grader.ErrTimeout,
	})
	return run{}
}

// waitIdle waits, a little, until the server has seen every connection
// of the client closed, so that its log is complete: the client has
// exited, and the kernel closes what it left open.
func waitIdle(t *grader.T, srv *origin.Server) {
	ctx, cancel := context.WithTimeout(t.Context(), grader.ReplyTimeout)
	defer cancel()
	srv.WaitIdle(ctx)
}

// expectExit fails unless the client exited with status code.
func expectExit(t *grader.T, r run, code int, why string) {
	if r.exit.Signal != 0 {
		t.Fatalf("your client %s (bin/client %s)%s", r.exit, strings.Join(r.args, " "), stderrTail(r))
	}
	if r.exit.Code != code {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client exited with status %d (bin/client %s)%s", r.exit.Code, strings.Join(r.args, " "), stderrTail(r)),
			Expected: fmt.Sprintf("exit status %d: %s", code, why),
			Actual:   fmt.Sprintf("exit status %d", r.exit.Code),
		})
	}
}

// stderrTail is the end of what the client printed on stderr, for a
// message.
func stderrTail(r run) string {
	if strings.TrimSpace(r.stderr) == "" {
		return "; it printed nothing on stderr"
	}
	return "; its stderr:\n" + grader.Excerpt([]byte(r.stderr), 10, 10)
}

// expectOutput fails unless what the client wrote (stdout, or the file
// at path when path is not "") is want.
func expectOutput(t *grader.T, r run, path string, want []byte) {
	got, what := r.stdout, "what your client wrote on stdout"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("your client did not write the file given with -o %s: %v", path, err)
		}
		got, what = b, "what your client wrote to the -o file"
	}
	t.ExpectStream(what, want, got)
}

// inDir is the path of name in the check's directory: for the client's
// -o file, cache directory, or cookie jar.
func inDir(t *grader.T, name string) string {
	return filepath.Join(t.Dir(), name)
}
