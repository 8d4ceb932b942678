package smtptest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/sockstat"
	"github.com/socklab/socklab/harness/trace"
)

// holdPoll is how often a held reply looks at the client again: often
// enough that holding costs a correct client nothing it could notice,
// seldom enough that a session waiting for a busy client costs the
// grader little.
const holdPoll = time.Millisecond

// respond sends resp, the answer to command i (-1: none, the greeting or
// a reply of the server's own), as scripted, and says how the session
// goes on: kept open, or closed, and why. what names the reply for the
// transcript: "the greeting", "the reply to EHLO".
func (ss *Session) respond(i int, what string, resp Response) (ending, string) {
	if err := resp.check(); err != nil {
		ss.srv.graderError(fmt.Errorf("session %d, %s: %w", ss.N, what, err))
		return closeFIN, fmt.Sprintf("because the check's %s cannot be sent (a bug in the check): %v", strings.TrimPrefix(what, "the "), err)
	}
	if resp.Hold {
		switch ss.hold(i, what) {
		case holdClosed, holdAborted:
			return closeNow, ""
		case holdSend:
			ss.notef("held %s until your client %s", what, ss.waited())
		}
	}
	if resp.Delay > 0 && !ss.sleep(resp.Delay) {
		return closeNow, ""
	}
	if resp.Hangup {
		return closeFIN, "without sending " + what
	}
	b := resp.wire()
	if len(b) == 0 {
		ss.notef("the grader's server sends no reply: %s never comes", what)
		return keepOpen, ""
	}
	if i >= 0 {
		ss.apply(i, resp.Reply)
	}
	if !ss.send(i, what, b, resp) {
		return closeNow, ""
	}
	if resp.Close {
		return closeFIN, "after " + what
	}
	return keepOpen, ""
}

// send writes b, the bytes of resp, in its segments; false if the client
// went away or the server is closing.
func (ss *Session) send(i int, what string, b []byte, resp Response) bool {
	slice := resp.Slice
	if slice == 0 {
		slice = ss.srv.cfg.Slice
	}
	lines := segments(b, resp.LinePaced, slice)
	paced := slice > 0 || resp.LinePaced
	w := ss.plain
	if paced {
		w = ss.paced
	}
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	n, early := 0, ss.early
	for _, line := range lines {
		for si, seg := range line {
			switch {
			case early || n == 0:
			case si == 0: // a LinePaced reply's next line
				switch ss.hold(i, "the rest of "+what) {
				case holdClosed, holdAborted:
					return false
				case holdEarly:
					early = true
				}
			case paced:
				if unread, _ := ss.pending(); unread > 0 {
					ss.early, early = true, true
					ss.notef("your client sent %d bytes before the grader's server had sent all of %s: it did not wait for the reply", unread, what)
				}
			}
			n++
			if !ss.write(w, seg, n, total, what) {
				return false
			}
		}
	}
	if resp.LinePaced && len(lines) > 1 && !early {
		ss.notef("sent %s one line at a time, each once your client %s", what, ss.waited())
	}
	return true
}

// waited says what a held reply waited for, as a note has it: without
// Config.Blocked, only for the client to read what came before.
func (ss *Session) waited() string {
	if ss.srv.cfg.Blocked == nil {
		return "had read everything before it"
	}
	return "was waiting for it"
}

// write sends one segment, the n-th of total, logging it first.
func (ss *Session) write(w netem.SegmentWriter, seg []byte, n, total int, what string) bool {
	if ss.srv.ctx.Err() != nil {
		// Closed meanwhile: a handler that returned after Close gave up
		// on it sends nothing, and writes nothing in the transcript.
		return false
	}
	ev := ss.event(trace.Send)
	ev.Data, ev.Text = seg, strings.TrimPrefix(what, "the ")
	if total > 1 {
		ev.Text += fmt.Sprintf(", segment %d of %d", n, total)
	}
	ss.srv.tr.Add(ev)
	ss.srv.mu.Lock()
	if room := maxLog - len(ss.sent); room > 0 {
		ss.sent = append(ss.sent, seg[:min(len(seg), room)]...)
	}
	ss.srv.mu.Unlock()
	if err := w.WriteSegment(seg); err != nil {
		if ss.srv.ctx.Err() == nil {
			ss.setClosedBy("client")
			ss.notef("sending %s failed at segment %d of %d: %v", what, n, total, err)
		}
		return false
	}
	ss.written += int64(len(seg))
	ss.srv.progress()
	return true
}

// A holdEnd is how a held reply's wait ended.
type holdEnd int

const (
	holdSend    holdEnd = iota // the client read everything and waits: send
	holdEarly                  // the client sent more first: send, and the next command is Early
	holdClosed                 // the client closed: send nothing
	holdAborted                // the server is closing
)

// hold waits until the client has read everything sent so far, is
// blocked waiting (Config.Blocked), and has sent nothing the server has
// not read; or until it sends something, or closes. The order of the
// looks matters: Blocked is asked first and the client's socket looked
// at after, so that a client that wrote and then blocked is seen to have
// written (on loopback a write lands in the server's receive queue
// before the writer's system call returns).
func (ss *Session) hold(i int, what string) holdEnd {
	blocked := ss.srv.cfg.Blocked
	for {
		if end, ok := ss.heldLook(i, what); ok {
			return end
		}
		read, gone := ss.clientRead()
		if gone {
			return ss.heldClosed(i, what)
		}
		if read && (blocked == nil || blocked()) {
			if end, ok := ss.heldLook(i, what); ok {
				return end
			}
			return holdSend
		}
		if !ss.sleep(holdPoll) {
			return holdAborted
		}
	}
}

// heldLook looks for bytes the client sent or its close, while a reply
// is held, and says how the wait ends if it does.
func (ss *Session) heldLook(i int, what string) (holdEnd, bool) {
	unread, closed := ss.pending()
	switch {
	case unread > 0:
		ss.early = true
		ss.notef("your client sent %d bytes before the grader's server had sent %s: it did not wait for the reply", unread, what)
		return holdEarly, true
	case closed:
		return ss.heldClosed(i, what), true
	}
	return holdSend, false
}

// heldClosed records that the client closed while a reply was held.
func (ss *Session) heldClosed(i int, what string) holdEnd {
	ss.srv.mu.Lock()
	if i >= 0 {
		ss.waiting = i + 1
	}
	if ss.closedBy == "" {
		ss.closedBy = "client"
	}
	ss.srv.mu.Unlock()
	ss.notef("your client closed the connection while the grader's server held %s: it never got it", what)
	return holdClosed
}

// pending looks at the server's own socket: how many bytes the client
// sent that the server has not read (in the reader's buffer, or still in
// the kernel's receive queue), and whether the client closed or reset
// the connection. Where the kernel's sockets cannot be seen (not Linux),
// only the buffer counts.
func (ss *Session) pending() (unread int, closed bool) {
	unread = ss.br.Buffered()
	own, err := sockstat.LookupTCP(ss.Local, ss.Remote)
	switch {
	case errors.Is(err, sockstat.ErrNotFound):
		return unread, true // reset: the kernel dropped the socket
	case err != nil:
		return unread, false
	}
	q := own.RecvQ
	if own.State != sockstat.Established {
		// The client's FIN came (CLOSE_WAIT). The queue's size is
		// rcv_nxt - copied_seq, and the FIN takes a sequence number:
		// it counts as one byte until the server reads the EOF.
		closed = true
		q--
	}
	return unread + max(q, 0), closed
}

// clientRead says whether the client has read everything the server sent
// (its socket's receive queue is empty, and every byte arrived in it),
// or whether its socket is gone.
func (ss *Session) clientRead() (read, gone bool) {
	peer, err := sockstat.LookupTCP(ss.Remote, ss.Local)
	switch {
	case errors.Is(err, sockstat.ErrNotFound):
		return false, true
	case err != nil:
		return true, false // cannot be seen: wait only for Blocked
	case peer.RecvQ > 0:
		return false, false
	case peer.BytesReceived >= 0:
		return peer.BytesReceived >= ss.written, false
	}
	// Without sock_diag's count, bytes not acknowledged yet may still be
	// on their way to the queue that looks empty.
	own, err := sockstat.LookupTCP(ss.Local, ss.Remote)
	return err == nil && own.SendQ == 0, false
}

// sleep waits for d; false if the server closed first.
func (ss *Session) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ss.srv.ctx.Done():
		return false
	}
}

// finish ends the connection as how says, noting why.
func (ss *Session) finish(how ending, why string) {
	ss.srv.mu.Lock()
	ss.answering = false
	ss.srv.mu.Unlock()
	if how == closeFIN {
		// Who closed first: the client, if its FIN or RST is in already.
		who := "server"
		if _, closed := ss.pending(); closed {
			who = "client"
		}
		ss.setClosedBy(who)
		ss.notef("the grader's server closed the connection (FIN) %s", why)
		ss.plain.CloseWrite()
		ss.drain()
	}
	ss.c.Close()
}

// drain reads, after the server's FIN, until the client closes too or
// the server is closed, and logs what comes as AfterClose commands.
func (ss *Session) drain() {
	for {
		c, err := readCommand(ss.br)
		if len(c.Line) > 0 {
			ss.logCommand(c, err != nil)
		}
		if err != nil {
			ss.readEnded(err)
			return
		}
	}
}

// abort closes the connection because the server is closing, whatever
// the session is doing: reading, writing, holding, or waiting for the
// client to close.
func (ss *Session) abort() {
	ss.srv.mu.Lock()
	first := ss.closedBy == ""
	if first {
		ss.closedBy = "server"
	}
	ss.srv.mu.Unlock()
	if first {
		ss.notef("the grader's server closed the connection: the check is over")
	}
	ss.c.Close()
}
