package grader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/trace"
)

// TCPConn is a grader-side TCP connection whose traffic goes into the
// check's transcript. Reads wait at most ReplyTimeout for progress, and
// fail fast, with the server's exit status, when a server role dies.
type TCPConn struct {
	t        *T
	c        *net.TCPConn
	local    netip.AddrPort
	remote   netip.AddrPort
	name     string // the grader's side, in the transcript
	peerName string
	buf      []byte // read but not yet consumed
	eof      bool
	readErr  error
}

// DialTCP connects to a server role.
func (t *T) DialTCP(r *Role) *TCPConn {
	return t.DialTCPAddr(r.Addr, "your "+r.name)
}

// DialTCPAs connects to a server role as a named client ("client A"), the
// name the transcript gives the grader's side of the connection.
func (t *T) DialTCPAs(r *Role, name string) *TCPConn {
	c := t.DialTCP(r)
	c.name = name
	return c
}

// DialTCPAddr connects to addr, named peerName in the transcript. A refused
// or timed-out connection fails the check.
func (t *T) DialTCPAddr(addr netip.AddrPort, peerName string) *TCPConn {
	c, err := t.TryDialTCP(addr, peerName)
	if errors.Is(err, ErrTimeout) {
		t.failWait(fmt.Sprintf("cannot connect to %s at %s: it did not accept the connection within %s (is its listen queue full?)",
			peerName, addr, ReplyTimeout), err)
	}
	if err != nil {
		t.failWait(fmt.Sprintf("cannot connect to %s at %s", peerName, addr), err)
	}
	return c
}

// TryDialTCP is DialTCPAddr returning the error instead of failing.
func (t *T) TryDialTCP(addr netip.AddrPort, peerName string) (*TCPConn, error) {
	ctx, cancel := t.timeoutCtx(ReplyTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp4", addr.String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ErrTimeout
		}
		return nil, err
	}
	c := t.wrapTCP(nc.(*net.TCPConn), "grader", peerName)
	t.Logf("grader connected to %s from %s", peerName, c.local)
	return c, nil
}

func (t *T) wrapTCP(nc *net.TCPConn, name, peerName string) *TCPConn {
	nc.SetNoDelay(true)
	c := &TCPConn{
		t:        t,
		c:        nc,
		local:    nc.LocalAddr().(*net.TCPAddr).AddrPort(),
		remote:   nc.RemoteAddr().(*net.TCPAddr).AddrPort(),
		name:     name,
		peerName: peerName,
	}
	t.Cleanup(func() { nc.Close() })
	// A dead server unblocks every read at once.
	go func() {
		select {
		case <-t.serverDown():
			nc.SetReadDeadline(time.Now())
		case <-t.ctx.Done():
			nc.SetReadDeadline(time.Now())
		}
	}()
	return c
}

// TCPListener accepts connections from a student's client.
type TCPListener struct {
	t    *T
	l    *net.TCPListener
	name string
}

// ListenTCP listens on 127.0.0.1 and a kernel-chosen port, as name.
func (t *T) ListenTCP(name string) *TCPListener {
	l, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.GraderErrorf("listening on TCP: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return &TCPListener{t: t, l: l, name: name}
}

// Addr is where the client should connect.
func (l *TCPListener) Addr() netip.AddrPort { return l.l.Addr().(*net.TCPAddr).AddrPort() }

// Listener is the underlying listener, for peers that serve on their own.
func (l *TCPListener) Listener() *net.TCPListener { return l.l }

// Local is the connection's own address.
func (c *TCPConn) Local() netip.AddrPort { return c.local }

// Conn is the underlying connection, for what TCPConn does not wrap.
func (c *TCPConn) Conn() *net.TCPConn { return c.c }

func (c *TCPConn) record(kind trace.Kind, p []byte, note string) {
	from, to, src, dst := c.name, c.peerName, c.local, c.remote
	if kind == trace.Recv {
		from, to, src, dst = to, from, dst, src
	}
	c.t.trace.Add(trace.Event{Kind: kind, Proto: "tcp", From: from, To: to, Src: src, Dst: dst, Data: p, Text: note})
}

// Write sends p in one write (one segment, Nagle off, if it fits). A
// server that stops reading, so that p cannot be sent within
// ReplyTimeout, fails the check.
func (c *TCPConn) Write(p []byte) {
	c.record(trace.Send, p, "")
	start := time.Now()
	c.c.SetWriteDeadline(c.waitDeadline())
	n, err := c.c.Write(p)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded) && c.t.ctx.Err() != nil:
		c.t.failWait(fmt.Sprintf("the check's time ran out while %d of %d bytes were still to be sent to %s",
			len(p)-n, len(p), c.peerName), ErrTimeout)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.t.failWait(fmt.Sprintf("%s stopped reading: %d of %d bytes could not be sent within %.1f s",
			c.peerName, len(p)-n, len(p), time.Since(start).Seconds()), ErrTimeout)
	default:
		c.t.failWait(fmt.Sprintf("writing to %s", c.peerName), err)
	}
}

// WriteSegments sends each segment on its own, and sends each only once
// the peer has read the one before. So the peer's reads return exactly
// these pieces, whatever the scheduler does: a line split across segments
// is seen split, on every run. A peer that leaves a segment unread for
// ReplyTimeout fails the check; one that closed the connection does not
// (the rest is not sent, and the check's next read tells what happened).
func (c *TCPConn) WriteSegments(segs ...[]byte) {
	for i, s := range segs {
		c.record(trace.Send, s, fmt.Sprintf("segment %d of %d", i+1, len(segs)))
		ctx, cancel := c.t.timeoutCtx(ReplyTimeout)
		w := netem.NewSegmentWriter(c.c, netem.WriterOptions{Paced: true, Context: ctx})
		err := w.WriteSegment(s)
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, netem.ErrNotRead) && c.t.deadServer() == nil && c.t.ctx.Err() == nil:
			c.t.Fail(Failure{
				Message: fmt.Sprintf("%s did not read segment %d of %d within %s of its arrival, so the rest was not sent",
					c.peerName, i+1, len(segs), ReplyTimeout),
				Expected: "the peer reads whatever arrives, however little",
				Actual:   fmt.Sprintf("segment %d (%s) was still waiting in its receive queue", i+1, Quote(s)),
				Err:      ErrTimeout,
			})
		default:
			c.t.Logf("the grader could not send segment %d of %d to %s: %v", i+1, len(segs), c.peerName, err)
			return
		}
	}
}

// waitDeadline is ReplyTimeout from now, capped by the check's deadline.
func (c *TCPConn) waitDeadline() time.Time {
	d := time.Now().Add(ReplyTimeout)
	if cd := c.t.Deadline(); cd.Before(d) {
		d = cd
	}
	return d
}

// CloseWrite half-closes: the peer reads EOF, and can still send.
func (c *TCPConn) CloseWrite() {
	c.t.Logf("grader closed its sending side to %s (FIN)", c.peerName)
	c.c.CloseWrite()
}

// Reset aborts the connection: the peer gets a RST, not a FIN.
func (c *TCPConn) Reset() {
	c.t.Logf("grader reset its connection to %s (RST)", c.peerName)
	c.c.SetLinger(0)
	c.c.Close()
}

// Close closes the connection normally.
func (c *TCPConn) Close() { c.c.Close() }

// fill reads more into c.buf, waiting at most ReplyTimeout. It returns
// false at EOF or on error (kept in c.readErr).
func (c *TCPConn) fill() bool {
	if c.eof || c.readErr != nil {
		return false
	}
	c.c.SetReadDeadline(c.waitDeadline())
	// The watcher in wrapTCP cuts reads short when a server dies; if it
	// fired before the line above, this read must be cut short too.
	select {
	case <-c.t.serverDown():
		c.c.SetReadDeadline(time.Now())
	default:
	}
	chunk := make([]byte, 64<<10)
	n, err := c.c.Read(chunk)
	if n > 0 {
		c.record(trace.Recv, chunk[:n], "")
		c.buf = append(c.buf, chunk[:n]...)
	}
	switch {
	case err == io.EOF:
		c.eof = true
		c.t.Logf("%s closed the connection (FIN)", c.peerName)
	case errors.Is(err, os.ErrDeadlineExceeded):
		if n == 0 {
			c.readErr = ErrTimeout
			if c.t.deadServer() != nil {
				c.readErr = ErrRoleExited
			}
		}
	case err != nil:
		c.readErr = err
		c.t.Logf("reading from %s: %v", c.peerName, err)
	}
	return n > 0
}

// ReadN reads exactly n bytes, or fails saying what did arrive.
func (c *TCPConn) ReadN(n int, what string) []byte {
	for len(c.buf) < n && c.fill() {
	}
	if len(c.buf) < n {
		c.failShort(what, nil, n)
	}
	out := c.buf[:n:n]
	c.buf = c.buf[n:]
	return out
}

// Expect reads len(want) bytes and fails unless they are want.
func (c *TCPConn) Expect(what string, want []byte) {
	for len(c.buf) < len(want) && bytes.HasPrefix(want, c.buf) && c.fill() {
	}
	got := c.buf[:min(len(want), len(c.buf))]
	if len(got) < len(want) && bytes.HasPrefix(want, got) {
		c.failShort(what, want, len(want))
	}
	c.buf = c.buf[len(got):]
	c.t.ExpectBytes(what, want, got)
}

// ReadLine reads up to and including the next '\n'.
func (c *TCPConn) ReadLine(what string) []byte {
	for {
		if i := bytes.IndexByte(c.buf, '\n'); i >= 0 {
			out := c.buf[: i+1 : i+1]
			c.buf = c.buf[i+1:]
			return out
		}
		if !c.fill() {
			c.failShort(what+" (a line ending in \\n)", nil, -1)
		}
	}
}

// ReadToEOF reads until the peer closes its side, and returns all of it.
func (c *TCPConn) ReadToEOF(what string) []byte {
	for c.fill() {
	}
	if !c.eof {
		c.failShort(what+" and then the end of the connection", nil, -1)
	}
	out := c.buf
	c.buf = nil
	return out
}

// ExpectEOF fails unless the peer closes its side with nothing more sent.
func (c *TCPConn) ExpectEOF(what string) {
	rest := c.ReadToEOF(what)
	if len(rest) > 0 {
		c.t.Fail(Failure{Message: what + ": extra bytes arrived before the connection closed",
			Expected: "nothing more", Actual: Quote(rest)})
	}
}

// failShort fails a read that ended early, saying why and what came. want
// is what was expected, when the check knows it, and n its length (-1:
// until a delimiter or EOF).
func (c *TCPConn) failShort(what string, want []byte, n int) {
	why := "nothing more arrived within " + ReplyTimeout.String()
	switch {
	case c.eof:
		why = c.peerName + " closed the connection"
	case errors.Is(c.readErr, ErrRoleExited):
		c.t.failWait(what, ErrRoleExited)
	case c.readErr != nil && !errors.Is(c.readErr, ErrTimeout):
		why = "the connection failed: " + c.readErr.Error()
	}
	got := fmt.Sprintf("%d bytes", len(c.buf))
	if n >= 0 {
		got = fmt.Sprintf("%d of %d bytes", len(c.buf), n)
	}
	err := ErrTimeout
	if c.eof {
		err = ErrClosed
	}
	f := Failure{
		Message: fmt.Sprintf("%s: %s arrived, then %s", what, got, why),
		Actual:  Quote(c.buf),
		Err:     err,
	}
	switch {
	case want != nil:
		f.Expected = Quote(want)
	case n >= 0:
		f.Expected = byteCount(n)
	default:
		f.Expected = "more bytes"
	}
	c.t.Fail(f)
}
