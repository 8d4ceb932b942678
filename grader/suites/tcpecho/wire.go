package tcpecho

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// conn is one grader connection to the student's server, with the name
// the failure messages and the transcript notes give it ("client A").
type conn struct {
	*grader.TCPConn
	t   *grader.T
	srv *grader.Role
	who string
}

// dial connects to the server as who.
func dial(t *grader.T, srv *grader.Role, who string) *conn {
	c := &conn{TCPConn: t.DialTCP(srv), t: t, srv: srv, who: who}
	t.Logf("%s is the grader's connection from port %d", who, c.Local().Port())
	return c
}

func (c *conn) remote() netip.AddrPort {
	return c.Conn().RemoteAddr().(*net.TCPAddr).AddrPort()
}

func (c *conn) record(p []byte, note string) {
	c.t.Transcript().Add(trace.Event{Kind: trace.Send, Proto: "tcp", From: "grader", To: "your server",
		Src: c.Local(), Dst: c.remote(), Data: p, Text: note})
}

// sendPaced sends segs one TCP segment each, and sends each only once the
// server has read the one before (netem's paced writer watches the
// server's receive queue). So the server's reads return exactly these
// pieces, on every run: a line sent in three segments is seen in three.
//
// A server that does not read a segment within grader.ReplyTimeout fails
// the check. A server that closed or reset the connection does not: the
// segments not sent are noted in the transcript, sendPaced returns false,
// and the check's next read says what the server had answered.
func (c *conn) sendPaced(segs ...[]byte) bool {
	for i, s := range segs {
		c.record(s, fmt.Sprintf("%s, segment %d of %d", c.who, i+1, len(segs)))
		ctx, cancel := context.WithTimeout(c.t.Context(), grader.ReplyTimeout)
		w := netem.NewSegmentWriter(c.Conn(), netem.WriterOptions{Paced: true, Context: ctx})
		err := w.WriteSegment(s)
		cancel()
		switch {
		case err == nil:
			continue
		case errors.Is(err, netem.ErrNotRead) && c.srv.Process().Exit() == nil && c.t.Context().Err() == nil:
			c.t.Fail(grader.Failure{
				Message: fmt.Sprintf("%s: your server did not read segment %d of %d within %s of its arrival, so the rest was never sent",
					c.who, i+1, len(segs), grader.ReplyTimeout),
				Expected: "the server reads whatever arrives, however little",
				Actual:   fmt.Sprintf("segment %d (%s) was still waiting in your server's receive queue", i+1, grader.Quote(s)),
				Err:      grader.ErrTimeout,
			})
		case c.t.Context().Err() != nil:
			c.t.Fatalf("%s: the check's time ran out before segment %d of %d was sent", c.who, i+1, len(segs))
		default:
			c.t.Logf("%s: the grader could not send segment %d of %d: %v; your server closed the connection or is gone",
				c.who, i+1, len(segs), err)
			return false
		}
	}
	return true
}

// sendInBackground writes p in one write from another goroutine, so that
// the check can read the replies meanwhile: a server that answers a long
// line while it reads it must not block on a grader that is still
// writing. The channel gets the write's outcome.
func (c *conn) sendInBackground(p []byte) <-chan error {
	c.record(p, c.who+", in one write")
	done := make(chan error, 1)
	nc := c.Conn()
	nc.SetWriteDeadline(c.t.Deadline())
	go func() {
		_, err := nc.Write(p)
		done <- err
	}()
	return done
}

// expectLine reads the reply to line and fails unless it is the line
// uppercased. what names the line in the message.
func (c *conn) expectLine(what string, line []byte) {
	c.Expect(fmt.Sprintf("%s: the reply to %s", c.who, what), upper(line))
}
