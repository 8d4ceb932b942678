package origin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"syscall"
	"time"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// A Conn is one connection the server accepted.
//
// Each connection has two goroutines. The reader reads requests as they
// arrive and logs them at once, so that the log shows a pipelined request
// when it came, not when its turn was; the answerer takes them in order,
// calls the Handler, and sends each response before it takes the next.
// When the answerer ends the connection, requests that were read and not
// yet answered are noted as such in the transcript.
type Conn struct {
	N      int            // from 1, in order of acceptance
	Remote netip.AddrPort // the client's address
	Local  netip.AddrPort // the server's address

	s            *Server
	c            *net.TCPConn
	plain, paced netem.SegmentWriter // both write to c; paced waits for the client to read
	wake         chan struct{}       // the reader has queued a request or stopped (capacity 1)
	readDone     chan struct{}       // the reader returned
	done         chan struct{}       // both goroutines returned, c is closed

	// Guarded by s.mu.
	requests  []*Request
	pending   []*Request // read, not yet answered
	answering bool       // the server still answers requests here
	end       readEnd    // why the reader stopped queueing requests
	bad       *Request   // the request that could not be read, if any
	closedBy  string
	handling  *Request // the request whose handler is running
}

// A readEnd is why a connection's reader stopped.
type readEnd int

const (
	reading      readEnd = iota
	endClient            // the client closed or reset the connection
	endServer            // the server closed it
	endMalformed         // a request could not be read; the reader drains the rest
)

// An ending is how the answerer ends its connection.
type ending int

const (
	keepOpen ending = iota
	closeFIN        // an orderly close: FIN, then read until the client closes (Response.Close)
	closeRST        // SO_LINGER 0 and close
	closeNow        // close at once: the connection is over already
)

// Requests returns the requests received on the connection so far, in
// order.
func (c *Conn) Requests() []*Request {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return slices.Clone(c.requests)
}

// ClosedBy says who closed the connection first: "client", "server", or
// "" while it is open. A response with Close makes it "server" at once,
// even while the server waits for the client to close its side.
func (c *Conn) ClosedBy() string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.closedBy
}

// read reads requests until the connection ends, and logs each.
func (c *Conn) read() {
	defer close(c.readDone)
	br := bufio.NewReader(progressReader{c.c, c.s})
	for {
		r, err := readRequest(br)
		if r != nil {
			c.arrive(r)
		}
		if err != nil {
			c.stopReading(endOf(err), nil)
			c.noteReadError(err)
			return
		}
		if r.Method == "" {
			// Where the next request would start is unknown. Take in
			// whatever else comes, so that closing sends FIN, not RST.
			c.stopReading(endMalformed, r)
			_, err := io.Copy(io.Discard, br)
			if err == nil {
				err = io.EOF
			}
			c.noteReadError(err)
			return
		}
	}
}

// arrive logs a request, and queues it to be answered if the server
// still answers on this connection.
func (c *Conn) arrive(r *Request) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Conn, r.N, r.InConn = c.N, len(s.requests)+1, len(c.requests)+1
	r.AfterClose = !c.answering
	s.requests = append(s.requests, r)
	c.requests = append(c.requests, r)
	s.changedLocked()
	ev := c.event(trace.Recv)
	ev.Data = r.Raw
	switch {
	case r.Method == "":
		ev.Text = "not answered: " + r.Error
	case r.AfterClose:
		ev.Text = fmt.Sprintf("request %s %s %s, after the grader's server closed the connection: not answered", r.Method, r.Target, r.Proto)
	default:
		ev.Text = fmt.Sprintf("request %s %s %s", r.Method, r.Target, r.Proto)
		c.pending = append(c.pending, r)
		c.signal()
	}
	s.tr.Add(ev)
}

// stopReading tells the answerer that no more requests will be queued.
func (c *Conn) stopReading(end readEnd, bad *Request) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.end == reading {
		c.end, c.bad = end, bad
	}
	c.signal()
}

// signal wakes the answerer; s.mu is held.
func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// endOf is what a read error says of who ended the connection.
func endOf(err error) readEnd {
	if errors.Is(err, net.ErrClosed) {
		return endServer
	}
	return endClient
}

// endCause says what a read error means, as a student reads it.
func endCause(err error) string {
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "your client closed the connection"
	case errors.Is(err, syscall.ECONNRESET):
		return "your client reset the connection (RST)"
	case errors.Is(err, net.ErrClosed):
		return "the grader's server closed the connection"
	}
	return fmt.Sprintf("reading from your client failed: %v", err)
}

// noteReadError notes how the reader's connection ended, unless the
// server ended it, which the server notes where it does.
func (c *Conn) noteReadError(err error) {
	if endOf(err) == endServer {
		return
	}
	c.s.mu.Lock()
	if c.closedBy == "" {
		c.closedBy = "client"
	}
	c.s.mu.Unlock()
	c.notef("%s", endCause(err))
}

// serve answers the connection's requests in order, then ends it.
func (c *Conn) serve() {
	defer close(c.done)
	how, why := keepOpen, ""
	for how == keepOpen {
		r, end := c.next()
		if r == nil {
			how, why = closeNow, ""
			if end == endMalformed {
				how, why = closeFIN, fmt.Sprintf("because request %d could not be read", c.bad.N)
			}
			break
		}
		resp, ok := c.call(r)
		if !ok {
			how, why = closeFIN, fmt.Sprintf("because the check's handler for request %d failed (a bug in the check)", r.N)
			if c.s.ctx.Err() != nil {
				how = closeNow
			}
			break
		}
		how, why = c.respond(r, resp)
	}
	c.finish(how, why)
}

// next returns the next request to answer, or nil and why there is none:
// the reader stopped, or the server is closing.
func (c *Conn) next() (*Request, readEnd) {
	for {
		c.s.mu.Lock()
		if len(c.pending) > 0 {
			r := c.pending[0]
			c.pending = c.pending[1:]
			c.s.mu.Unlock()
			return r, reading
		}
		end := c.end
		c.s.mu.Unlock()
		if end != reading {
			return nil, end
		}
		select {
		case <-c.wake:
		case <-c.s.ctx.Done():
			return nil, endServer
		}
	}
}

// call runs the handler on r; false if the server closed first or the
// handler panicked.
func (c *Conn) call(r *Request) (resp Response, ok bool) {
	if c.s.ctx.Err() != nil {
		return Response{}, false
	}
	c.setHandling(r)
	defer c.setHandling(nil)
	defer func() {
		if p := recover(); p != nil {
			c.s.graderError(fmt.Errorf("%w on request %d (%s %s): %v", ErrHandler, r.N, r.Method, r.Target, p))
			ok = false
		}
	}()
	return c.s.handler(r), true
}

func (c *Conn) setHandling(r *Request) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.handling = r
}

// inHandler returns the request whose handler is running, if any.
func (c *Conn) inHandler() *Request {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.handling
}

// respond sends resp to r as scripted, and says how the connection goes
// on: kept open, or closed, and why.
func (c *Conn) respond(r *Request, resp Response) (ending, string) {
	segs, err := resp.segments()
	if err != nil {
		c.s.graderError(fmt.Errorf("request %d: %w", r.N, err))
		return closeFIN, fmt.Sprintf("because the check's response to request %d cannot be sent (a bug in the check): %v", r.N, err)
	}
	if resp.Delay > 0 {
		t := time.NewTimer(resp.Delay)
		select {
		case <-t.C:
		case <-c.s.ctx.Done():
			t.Stop()
			return closeNow, ""
		}
	}
	w := c.plain
	if resp.paced() {
		w = c.paced
	}
	for i, seg := range segs {
		if c.s.ctx.Err() != nil {
			// Closed meanwhile: a handler that returned after Close gave
			// up on it sends nothing, and writes nothing in the transcript.
			return closeNow, ""
		}
		ev := c.event(trace.Send)
		ev.Data = seg
		if len(segs) > 1 {
			ev.Text = fmt.Sprintf("segment %d of %d", i+1, len(segs))
		}
		c.s.tr.Add(ev)
		err := w.WriteSegment(seg)
		if err == nil {
			c.s.progress()
		}
		if err != nil {
			if c.s.ctx.Err() == nil {
				c.s.mu.Lock()
				if c.closedBy == "" {
					c.closedBy = "client"
				}
				c.s.mu.Unlock()
				c.notef("sending the response to request %d failed at segment %d of %d: %v", r.N, i+1, len(segs), err)
			}
			return closeNow, ""
		}
	}
	how := closeFIN
	if resp.Reset {
		how = closeRST
	}
	switch {
	case !resp.closes():
		return keepOpen, ""
	case resp.NoReply:
		return how, fmt.Sprintf("without answering request %d", r.N)
	case resp.CloseAt > 0 && resp.CloseAt < len(resp.Raw):
		return how, fmt.Sprintf("after %d of the %d bytes of its response to request %d", resp.CloseAt, len(resp.Raw), r.N)
	}
	return how, fmt.Sprintf("after its response to request %d", r.N)
}

// finish ends the connection as how says, noting why, and waits for the
// reader.
func (c *Conn) finish(how ending, why string) {
	c.stopAnswering(how != closeNow)
	switch how {
	case closeFIN:
		c.notef("the grader's server closed the connection (FIN) %s", why)
		c.plain.CloseWrite()
		select {
		case <-c.readDone: // the client closed its side too
		case <-c.s.ctx.Done():
		}
	case closeRST:
		c.notef("the grader's server reset the connection (RST) %s", why)
		c.paced.Reset()
	}
	c.c.Close()
	<-c.readDone
}

// stopAnswering makes the server answer no more requests here, noting
// those that were read and are left unanswered; byServer says that the
// server is the one closing.
func (c *Conn) stopAnswering(byServer bool) {
	c.s.mu.Lock()
	c.answering = false
	left := c.pending
	c.pending = nil
	if byServer && c.closedBy == "" {
		c.closedBy = "server"
	}
	c.s.mu.Unlock()
	for _, r := range left {
		c.notef("request %d (%s %s) is not answered: the connection closes before its turn", r.N, r.Method, r.Target)
	}
}

// abort closes the connection because the server is closing, whatever
// it is doing: reading, writing, or waiting for the client to close.
func (c *Conn) abort() {
	c.s.mu.Lock()
	first := c.closedBy == ""
	if first {
		c.closedBy = "server"
	}
	c.s.mu.Unlock()
	if first {
		c.notef("the grader's server closed the connection: the check is over")
	}
	c.c.Close()
}

// event is a transcript event of this connection, addressed from the
// client to the server (Recv) or back (Send).
func (c *Conn) event(kind trace.Kind) trace.Event {
	e := trace.Event{Kind: kind, Proto: "tcp", From: clientName, To: serverName, Src: c.Remote, Dst: c.Local}
	if kind == trace.Send {
		e.From, e.To, e.Src, e.Dst = e.To, e.From, e.Dst, e.Src
	}
	return e
}

// notef adds a note about this connection to the transcript.
func (c *Conn) notef(format string, args ...any) {
	c.s.tr.Notef("connection %d: "+format, append([]any{c.N}, args...)...)
}
