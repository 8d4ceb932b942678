package tcpecho

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/proc"
)

// The client checks of §3 and §5. Each runs the student's client with
// lines on stdin against the grader's own echo server (peer.go), whose
// replies may cross a slow link in one-byte segments, and compares, byte
// for byte, what the server received with stdin and what the client
// printed with the replies. The client must then exit 0 by itself: it
// closed its sending side, the server answered the rest and closed.

var clientChecks = []*grader.Check{
	{
		ID: "tcp-echo/client/lines", Name: "Lines from stdin come back uppercased on stdout", Points: 2,
		Requirement: `"The client sends stdin's lines and writes everything the server sends back to stdout, byte for byte, in order." (handout §3) "When stdin ends, the client closes its sending side, and exits 0 once all replies are printed and the server has closed the connection." (handout §5)`,
		Handout:     secClient,
		Run:         clientLines,
	},
	{
		ID: "tcp-echo/client/sliced-delayed-server", Name: "Replies that come late and one byte at a time are printed whole", Points: 3,
		Requirement: `"The client sends stdin's lines and writes everything the server sends back to stdout, byte for byte, in order." (handout §3): replies may arrive late, and in pieces of any size.`,
		Handout:     secClient,
		TimeLimit:   20 * time.Second, // the replies crawl: a busy machine may need a while
		Run:         clientSlicedDelayed,
	},
	{
		ID: "tcp-echo/client/long-line", Name: "A line of 64 KiB + 1 byte goes through the client", Points: 1,
		Requirement: `"Lines may be of any length (at least 64 KiB)." (handout §2), through the client too (handout §3).`,
		Handout:     secClient,
		Run:         clientLongLine,
	},
	{
		ID: "tcp-echo/client/large-input", Name: "8 MiB of input go through while the replies come back", Points: 1,
		Requirement: `"Sending and receiving must go on at the same time, or a long input can deadlock" (handout §3): the grader's server stops reading while its replies wait, as a real server does.`,
		Handout:     secClient,
		Run:         clientLargeInput,
	},
	{
		ID: "tcp-echo/client/server-down", Name: "A refused or reset connection makes the client fail with a message", Points: 1,
		Requirement: `"The client exits with a non-zero status, with a message on stderr, when it cannot connect or the connection breaks." (handout §5)`,
		Handout:     secClosing,
		Run:         clientServerDown,
	},
}

// idleLimit is how long a client may run with nothing moving between it
// and the grader's server before it counts as hung. A correct client is
// done in milliseconds once the server has closed; an interpreter or a JVM
// takes well under a second to start.
const idleLimit = 5 * time.Second

// clientRun is how one run of the student's client ended.
type clientRun struct {
	server netip.AddrPort // what -server said
	exit   *proc.Exit
	stdout []byte
}

// runClient runs the client with -server at the grader's server and input
// on stdin, and waits until it exits. A client that is still running when
// nothing has moved between it and the grader's server for idleLimit
// fails the check, with what the grader's server saw. The limit counts
// from the last byte that moved, not from the start, so that a reply
// crawling one byte at a time over a slow link, on a busy machine, is not
// mistaken for a client that hangs.
func runClient(t *grader.T, peer *echoServer, input []byte) clientRun {
	return runClientLimited(t, peer, input, proc.Limits{})
}

// runClientLimited is runClient with the client's limits (for one that
// must print more than the default output limit keeps).
func runClientLimited(t *grader.T, peer *echoServer, input []byte, limits proc.Limits) clientRun {
	peer.touch() // the client's time to connect counts from its start
	c := t.StartWith("client", grader.StartOptions{Args: []string{"-server", peer.Addr().String()}, Stdin: input, Limits: limits})
	for {
		ctx, cancel := context.WithTimeout(t.Context(), idleLimit-peer.idle())
		e, err := c.Process().Wait(ctx)
		cancel()
		if err == nil {
			return clientRun{server: peer.Addr(), exit: e, stdout: c.Stdout()}
		}
		if t.Context().Err() != nil {
			break
		}
		if peer.idle() >= idleLimit {
			// A client still busy (running, or waiting for a CPU) is slow
			// because the machine is; only an idle one is stuck.
			if !c.Process().Busy() {
				break
			}
			peer.touch()
		}
	}
	st := peer.state()
	why := "it has not connected to the grader's server"
	switch {
	case st.accepted == 0:
	case st.replies < st.lines:
		why = fmt.Sprintf("the grader's server has sent %d of its %d replies so far, and waits for your client to read the rest",
			st.replies, st.lines)
	case st.fins == 0:
		why = fmt.Sprintf("the grader's server received %d of the %d bytes of stdin, answered every line, and is waiting for "+
			"your client to close its sending side (FIN): when stdin ends, the client must say so", len(st.received), len(input))
	default:
		why = "the grader's server received all your client sent, and its FIN, and answered every line; then it closed " +
			"the connection, and the client must exit"
	}
	t.Fail(grader.Failure{
		Message: fmt.Sprintf("your client did not exit, and nothing moved between it and the grader's server for %.0f s "+
			"(bin/client -server %s): %s", idleLimit.Seconds(), peer.Addr(), why),
		Expected: "the client exits by itself, once the server has closed the connection",
		Actual:   "still running; its stdout so far: " + grader.Quote(c.Process().Stdout().Bytes()),
		Err:      grader.ErrTimeout,
	})
	return clientRun{}
}

// expectEcho judges a run against the grader's echo server: the client
// sent exactly its stdin, printed exactly the replies, and exited 0.
func expectEcho(t *grader.T, peer *echoServer, r clientRun, input []byte) {
	st := peer.wait(t)
	if r.exit.Signal != 0 {
		t.Fatalf("your client %s", r.exit)
	}
	if st.accepted == 0 {
		t.Fatalf("your client (-server %s) never connected to the grader's server", r.server)
	}
	t.ExpectStream("what the grader's server received from your client (its stdin, unchanged)", input, st.received)
	t.ExpectStream("what your client printed on stdout (the server's replies, byte for byte)", upper(input), r.stdout)
	if r.exit.Code != 0 {
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client printed every reply, then %s", r.exit),
			Expected: "exit status 0: the server closed the connection after answering every line",
			Actual:   fmt.Sprintf("exit status %d", r.exit.Code),
		})
	}
}

func clientLines(t *grader.T) {
	peer := startEcho(t)
	input := []byte("Hello, server!\nthe second line\nMiXeD cAsE, digits 123 and punctuation?!\n" +
		"a line with\ttabs\tin it\nthe fifth and last line\n")
	r := runClient(t, peer, input)
	expectEcho(t, peer, r, input)
}

func clientSlicedDelayed(t *grader.T) {
	// Each reply is held 20 ms, then cut into one-byte segments, each sent
	// once the client has read the one before: every recv of the client
	// returns one byte. A client that takes one recv for one reply, or
	// decodes each piece as UTF-8 on its own, or stops reading when its
	// stdin ends, loses replies here.
	peer := startEcho(t, netem.Latency{Delay: 20 * time.Millisecond}, netem.Slicer{Min: 1, Max: 1})
	var input []byte
	for i := range 10 {
		switch i {
		case 4:
			// Long replies are client/long-line's; a few hundred bytes
			// are enough to span many reads, and each byte is a round
			// trip between the grader and the client.
			input = append(input, longLine(t, "line 5 is 300 bytes long: ", 300)...)
		case 7:
			input = append(input, "line 8 is UTF-8: héllo wörld, ça va? ß → ẞ\n"...)
		default:
			input = fmt.Appendf(input, "line %d of 10, Sliced Into Single Bytes\n", i+1)
		}
	}
	r := runClient(t, peer, input)
	expectEcho(t, peer, r, input)
}

func clientLongLine(t *grader.T) {
	peer := startEcho(t)
	input := longLine(t, "a line of 64 KiB + 1 byte, through your client: ", veryLong)
	r := runClient(t, peer, input)
	expectEcho(t, peer, r, input)
}

func clientLargeInput(t *grader.T) {
	// 8 MiB is more than the buffers between the client and the server can
	// hold (the client's send buffer grows to 4 MiB at most; its receive
	// buffer does not grow while it reads nothing), so a client that sends
	// everything before it reads stops for good.
	const lines, size = 128, 64 << 10
	peer := startPushingBackEcho(t, 64<<10)
	// One random line, labelled 128 ways: cheap to make, and still every
	// line is different, so a reply out of place shows.
	base := longLine(t, "", size)
	input := make([]byte, 0, lines*size)
	for i := range lines {
		label := fmt.Sprintf("line %d of %d, 64 KiB each: ", i+1, lines)
		input = append(input, label...)
		input = append(input, base[len(label):]...)
	}
	r := runClientLimited(t, peer, input, proc.Limits{Output: 2 * len(input)})
	expectEcho(t, peer, r, input)
}

func clientServerDown(t *grader.T) {
	// A port reserved for this check, on which nothing listens: connecting
	// is refused at once.
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(t.Port()))
	expectFailure(t, addr, "nothing listens at "+addr.String()+" (the connection is refused)", nil)

	// A server that accepts the connection and resets it at once: the
	// connection breaks. This half proves the client tried to connect at
	// all; a client that crashes whatever happens passes the first half.
	ln := t.ListenTCP("the grader's resetting server")
	accepted := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Listener().AcceptTCP()
			if err != nil {
				return
			}
			select { // before the reset, which may end the client at once
			case accepted <- struct{}{}:
			default:
			}
			// Take the client's whole input first: then the reset meets
			// the client reading for replies, which must report it,
			// and not a send that may fail and leave the read an
			// ordinary end of file.
			c.SetReadDeadline(time.Now().Add(grader.ReplyTimeout))
			io.ReadFull(c, make([]byte, len(knockLine)))
			c.SetLinger(0)
			c.Close()
		}
	}()
	expectFailure(t, ln.Addr(), "the grader's server accepted the connection, read the line, and reset it", accepted)
}

// knockLine is the client's input when no server will answer it.
const knockLine = "is anybody there?\n"

// expectFailure runs the client against addr, where it cannot talk to a
// server (why says how), and fails the check unless the client exits with
// a non-zero status and a message on stderr, printing nothing that looks
// like a reply. With connected set, the client must also have connected.
func expectFailure(t *grader.T, addr netip.AddrPort, why string, connected <-chan struct{}) {
	line := []byte(knockLine)
	c := t.StartWith("client", grader.StartOptions{Args: []string{"-server", addr.String()}, Stdin: line})
	e := c.Wait(idleLimit)
	stdout := c.Stdout()
	if connected != nil {
		select {
		case <-connected:
		default:
			t.Fatalf("your client %s without connecting to %s; %s", e, addr, printedStderr(c))
		}
	}
	switch {
	case e.Signal != 0:
		t.Fatalf("your client %s; when %s, it must exit with a non-zero status and a message on stderr", e, why)
	case e.Code == 0:
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client exited with status 0, although %s", why),
			Expected: "a non-zero exit status",
			Actual:   "exit status 0",
		})
	case len(bytes.TrimSpace([]byte(c.Stderr()))) == 0:
		t.Fail(grader.Failure{
			Message:  fmt.Sprintf("your client %s, but printed nothing on stderr to say why (%s)", e, why),
			Expected: "a message on stderr, such as \"connection refused\" or \"connection reset by peer\"",
			Actual:   "stderr empty; stdout: " + grader.Quote(stdout),
		})
	case bytes.Contains(stdout, upper(line)) || bytes.Contains(stdout, line):
		t.Fail(grader.Failure{
			Message:  "your client printed its input, or a reply to it, on stdout, although no server answered",
			Expected: "nothing on stdout that could be taken for a reply",
			Actual:   grader.Quote(stdout),
		})
	}
}

// printedStderr is the end of what the client printed on stderr, for a
// message.
func printedStderr(c *grader.Role) string {
	if strings.TrimSpace(c.Stderr()) == "" {
		return "it printed nothing on stderr"
	}
	return "its stderr:\n" + grader.Excerpt([]byte(c.Stderr()), 10, 10)
}
