package tcpecho

import (
	"errors"
	"fmt"
	"time"

	"github.com/socklab/socklab/grader"
)

// The concurrency checks of §4: clients that hold a connection open, or
// stall in the middle of a line, must not delay anyone else. A server that
// serves one client from accept to close, as the textbook's does, answers
// the first client and nobody after it.

var concurrencyChecks = []*grader.Check{
	{
		ID: "tcp-echo/server/concurrent-clients", Name: "100 clients connected at once are all answered", Points: 3,
		Requirement: `"The server serves many clients concurrently: a slow or stalled client never delays another." (handout §4)`,
		Handout:     secConcurrency,
		TimeLimit:   30 * time.Second, // a listen(1) server on a busy machine accepts slowly
		Run:         concurrentClients,
	},
	{
		ID: "tcp-echo/server/stalled-client", Name: "A client stalled halfway through a line delays nobody", Points: 2,
		Requirement: `"The server serves many clients concurrently: a slow or stalled client never delays another." (handout §4)`,
		Handout:     secConcurrency,
		Run:         stalledClient,
	},
}

// clients is how many connections concurrent-clients holds open at once.
const clients = 100

func concurrentClients(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	// Connect one at a time, each once the server's accept queue has room
	// for it, so that a small listen backlog (the textbook's listen(1))
	// never overflows, however slowly the server's accept loop runs.
	conns := make([]*conn, clients)
	for i := range conns {
		who := fmt.Sprintf("connection %d of %d", i+1, clients)
		if queued, backlog, ok := awaitRoom(t, srv); !ok {
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("your server accepted no new connection for %s, while connections 1 to %d were open (and idle): "+
					"its accept queue is full (%d waiting, listen backlog %d), so %s cannot be made",
					grader.ReplyTimeout, i, queued, backlog, who),
				Expected: "each new connection accepted at once, whatever the clients already connected do",
				Actual: "no accept: the server is still busy with an earlier client, " +
					"as one that serves a client from accept to close is",
				Err: grader.ErrTimeout,
			})
		}
		tc, err := t.TryDialTCP(srv.Addr, "your server")
		if err != nil {
			failDial(t, srv, who, err, opened(i))
		}
		conns[i] = &conn{TCPConn: tc, t: t, srv: srv, who: who}
	}
	t.Logf("%d connections open; each now sends one line", clients)
	lines := make([][]byte, clients)
	for i, c := range conns {
		lines[i] = fmt.Appendf(nil, "client %03d of %d, Connected Along With All The Others\n", i+1, clients)
		c.Write(lines[i])
	}
	// All lines are out before any reply is read, and every connection
	// stays open: a concurrent server has answered them all already.
	for i, c := range conns {
		c.expectLine("its line (all 100 lines were sent before any reply was read, and every connection stays open)", lines[i])
	}
}

func stalledClient(t *grader.T) {
	srv := t.StartServer("server", "tcp")
	a := dial(t, srv, "client A")
	lineA := []byte("client A sends half of this line, stalls, and then sends the rest\n")
	half := len(lineA) / 2
	a.sendPaced(lineA[:half]) // read by the server: it is now mid-line
	t.Logf("client A stalls in the middle of its line")

	b := dial(t, srv, "client B")
	lineB := []byte("client B is not kept waiting\n")
	b.Write(lineB)
	b.expectLine("its line, sent while client A was stalled halfway through a line", lineB)

	a.sendPaced(lineA[half:])
	a.expectLine("its line, finished after client B was answered", lineA)
}

// failDial fails the check when the connection who could not be made,
// saying why: the server died, refused, or did not answer.
// opened says which connections were open when the next was made.
func opened(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return ", while connection 1 was open"
	}
	return fmt.Sprintf(", while connections 1 to %d were open", n)
}

func failDial(t *grader.T, srv *grader.Role, who string, err error, while string) {
	if e := awaitExit(t, srv); e != nil {
		t.Fail(grader.Failure{Message: fmt.Sprintf("%s: cannot connect%s: %s", who, while, srv.Process().Describe()), Err: grader.ErrRoleExited})
	}
	if errors.Is(err, grader.ErrTimeout) {
		t.Fail(grader.Failure{
			Message: fmt.Sprintf("%s: your server did not complete the connection within %s%s",
				who, grader.ReplyTimeout, while),
			Err: grader.ErrTimeout,
		})
	}
	t.Fail(grader.Failure{Message: fmt.Sprintf("%s: cannot connect to your server: %v%s", who, err, while), Err: err})
}
