package tcpecho

import (
	"context"
	"fmt"
	"strings"
	"syscall"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/proc"
)

// The checks of §5: how a connection ends. A client that closes its
// sending side still gets its replies, then the server closes; a client
// that resets costs the server that one connection, nothing more.

var closingChecks = []*grader.Check{
	{
		ID: "tcp-echo/server/half-close", Name: "After the client's FIN, the server answers and closes", Points: 2,
		Requirement: `"When the client closes its sending side (EOF), the server answers what is left and then closes the connection." (handout §5)`,
		Handout:     secClosing,
		Run:         halfClose,
	},
	{
		ID: "tcp-echo/server/reset", Name: "Clients that reset do not stop the server", Points: 2,
		Requirement: `"A client that resets or vanishes must not stop the server or disturb others." (handout §5)`,
		Handout:     secClosing,
		Run:         reset,
	},
}

func halfClose(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	c := dial(t, srv, "the connection")
	lines := [][]byte{[]byte("first line\n"), []byte("Second Line\n"), []byte("third and last line, then FIN\n")}
	c.sendPaced(lines...)
	c.CloseWrite()
	for i, l := range lines {
		c.expectLine(fmt.Sprintf("line %d of 3 (the grader sent all three, then closed its sending side)", i+1), l)
	}
	c.ExpectEOF("after the third reply (the grader had closed its sending side), nothing more")
}

// reset has two clients reset their connections at the worst moments,
// and then client B must be served as usual.
//
// Client A sends two lines in one segment and resets at once, before the
// server has read them. The server finds both lines and the reset waiting:
// its reply to the first fails (ECONNRESET), and a second write to the
// dead connection raises SIGPIPE, which ends a C program that does not
// ignore it. Whether a server reads the lines before the reset arrives is
// the scheduler's choice, so the server is paused (SIGSTOP) while they
// arrive; otherwise the grade of a server that ignores write errors would
// depend on luck.
//
// Client A2 sends half a line, waits until the server has read it, and
// resets: the server's next read fails, and a server that then answers
// the unfinished line writes to a dead connection.
func reset(t *grader.T) {
	srv := t.StartServer("server", "tcp")

	a := dial(t, srv, "client A")
	inode, ok := awaitAccepted(t, srv, a)
	if !ok {
		t.Fail(grader.Failure{Message: fmt.Sprintf("your server did not accept client A within %s", grader.ReplyTimeout), Err: grader.ErrTimeout})
	}
	resume := pause(t, srv)
	t.Logf("the grader pauses your server (SIGSTOP) while client A sends two lines and resets")
	a.Write([]byte("client A sends two lines\nand resets before they are answered\n"))
	a.Reset()
	awaitReset(t, srv, a)
	resume()
	t.Logf("your server runs again (SIGCONT) and finds client A's lines and reset waiting")
	survived(t, srv, inode, true, "client A reset its connection right after sending two lines")

	a2 := dial(t, srv, "client A2")
	inode, _ = awaitAccepted(t, srv, a2)
	a2.sendPaced([]byte("client A2 stops in the mid"))
	a2.Reset()
	survived(t, srv, inode, false, "client A2 reset its connection in the middle of a line")

	b := &conn{t: t, srv: srv, who: "client B"}
	tc, err := t.TryDialTCP(srv.Addr, "your server")
	if err != nil {
		failDial(t, srv, b.who, err, ", after clients A and A2 had reset their connections")
	}
	b.TCPConn = tc
	t.Logf("client B is the grader's connection from port %d", b.Local().Port())
	line := []byte("client B comes after the resets\n")
	b.Write(line)
	b.expectLine("its line, sent after clients A and A2 reset their connections", line)
}

// survived waits until the server has let go of the reset connection
// whose socket has this inode (it closed it, or died), and fails the
// check if the server died, saying what ended it.
func survived(t *grader.T, srv *grader.Role, inode uint64, paused bool, event string) {
	released := awaitReleased(t, srv, inode)
	if e := awaitExit(t, srv); e != nil {
		if paused && interrupted(srv) {
			// Stopping and continuing a program makes some system calls
			// fail with EINTR even without a signal handler (signal(7)):
			// that death is the grader's doing, not a failure to survive
			// a reset.
			t.GraderErrorf("your server %s, once the grader had paused and resumed it (SIGSTOP, SIGCONT), and its last words "+
				"blame an interrupted system call: it does not retry one that fails with EINTR (it should), and so this check "+
				"cannot grade how it survives a reset", e)
		}
		f := grader.Failure{Message: fmt.Sprintf("your server %s, when %s", e, event), Err: grader.ErrRoleExited}
		if isSIGPIPE(e) {
			f.Message += ": writing to a connection the client has reset raises SIGPIPE, which ends a process that does not ignore it" +
				" (in C: signal(SIGPIPE, SIG_IGN), or send with MSG_NOSIGNAL, and treat the error as the end of that one connection)"
		}
		t.Fail(f)
	}
	if !released {
		t.Logf("your server still holds its end of the connection %s after %s; it should close it", grader.ReplyTimeout, event)
	}
}

// interrupted says whether the server's last words blame an interrupted
// system call.
func interrupted(srv *grader.Role) bool {
	s := strings.ToLower(srv.Stderr() + string(srv.Stdout()))
	return strings.Contains(s, "interrupted system call") || strings.Contains(s, "eintr")
}

// awaitExit returns how the server ended, if it has ended or is ending
// (its listening socket is gone), waiting up to ReplyTimeout for the
// exit status; nil while it runs.
func awaitExit(t *grader.T, srv *grader.Role) *proc.Exit {
	if e := srv.Process().Exit(); e != nil || listens(srv) {
		return e
	}
	ctx, cancel := context.WithTimeout(t.Context(), grader.ReplyTimeout)
	defer cancel()
	e, _ := srv.Process().Wait(ctx)
	return e
}

func isSIGPIPE(e *proc.Exit) bool {
	return e.Signal == syscall.SIGPIPE || e.Code == 128+int(syscall.SIGPIPE)
}
