package tcpecho

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
	"github.com/socklab/socklab/harness/sockstat"
	"github.com/socklab/socklab/harness/trace"
)

// peerName is the grader's echo server, in the transcript.
const peerName = "grader's server"

// echoServer is the grader's own tcp-echo server, the behaviour a
// student's client is tested against: it answers each line at once, in
// order, and closes the connection once the client has closed its sending
// side and every line is answered. It is the handout's server and nothing
// more.
//
// Its replies may go through netem toxics (a slow link, one-byte
// segments), applied to its own sockets with netem.Chain and paced: each
// segment is written only once the client has read the one before, so
// that "recv returns one byte" happens to the client on every run. That is
// what a paced TCP proxy in front of it would do, with one difference that
// matters: when the client has exited, the grader can tell when this
// server has received everything (see wait), which it cannot tell of a
// proxy's connections.
//
// It serves from its own goroutines, so it never calls the check's
// failing methods: it records what it received, and the check judges.
type echoServer struct {
	t       *grader.T
	ln      *net.TCPListener
	toxics  []netem.Toxic
	backlog int // replies waiting to be sent, in bytes, before it stops reading; 0: no limit

	started time.Time
	active  atomic.Int64 // when bytes last moved, in nanoseconds since started

	mu       sync.Mutex
	conns    []*net.TCPConn
	received []byte // from every connection, in order of arrival
	fins     int    // connections the client closed its sending side of
	lines    int    // lines received (an unfinished last one counts)
	replies  int    // of which the replies were sent whole
}

// startEcho starts the grader's echo server on 127.0.0.1 and a fresh port,
// sending its replies through toxics, if any. It stops when the check ends.
func startEcho(t *grader.T, toxics ...netem.Toxic) *echoServer {
	s := &echoServer{t: t, ln: t.ListenTCP(peerName).Listener(), toxics: toxics, started: time.Now()}
	t.Cleanup(s.close)
	go s.accept()
	return s
}

// startPushingBackEcho starts the grader's echo server with back-pressure:
// like a real server, it reads no more while backlog bytes of replies wait
// for the client to read them. A client that sends all its input before it
// reads any reply then stops, for good, when the buffers between them are
// full.
func startPushingBackEcho(t *grader.T, backlog int) *echoServer {
	s := &echoServer{t: t, ln: t.ListenTCP(peerName).Listener(), backlog: backlog, started: time.Now()}
	t.Cleanup(s.close)
	go s.accept()
	return s
}

// Addr is where the client should connect.
func (s *echoServer) Addr() netip.AddrPort { return s.ln.Addr().(*net.TCPAddr).AddrPort() }

func (s *echoServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
}

func (s *echoServer) accept() {
	for n := uint64(1); ; n++ {
		c, err := s.ln.AcceptTCP()
		if err != nil {
			return // closed at the check's end
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		go s.serve(c, n)
	}
}

// serve answers the lines of connection n until the client's FIN, then
// closes it. Reading runs on its own, so that what the client sent is all
// recorded even while a reply crawls over a slow link, or after the client
// stopped reading replies.
func (s *echoServer) serve(c *net.TCPConn, n uint64) {
	// No deadline: the check's end closes the connection (close), and a
	// check still moving bytes may run past its time limit (T.Progress).
	defer c.Close()
	client := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	self := c.LocalAddr().(*net.TCPAddr).AddrPort()
	tr := s.t.Transcript()
	tr.Notef("the grader's server accepted your client's connection from port %d", client.Port())

	lines := newQueue(s.backlog) // complete lines, then what was left at EOF
	if s.backlog > 0 {
		// Small socket buffers, and a reader that waits while replies
		// wait: the grader's server pushes back, as a real one does.
		c.SetReadBuffer(s.backlog)
		c.SetWriteBuffer(s.backlog)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		s.read(c, client, self, lines)
	}()

	base := &busyWriter{netem.NewSegmentWriter(c, netem.WriterOptions{Paced: len(s.toxics) > 0, Context: s.t.Context()}), s}
	w := netem.Chain(base, netem.ToxicRand(s.t.Seed(), s.t.ID(), netem.Down, n, s.toxics), s.toxics...)
	if len(s.toxics) > 0 {
		tr.Notef("the grader's server sends its replies through %v, each segment once your client has read the one before", s.toxics)
	}
	failed := false
	for {
		line, ok := lines.pop()
		if !ok {
			break
		}
		if failed {
			continue // keep the reader going
		}
		reply := upper(line)
		tr.Add(trace.Event{Kind: trace.Send, Proto: "tcp", From: peerName, To: "your client", Src: self, Dst: client, Data: reply})
		if err := w.WriteSegment(reply); err != nil {
			tr.Notef("the grader's server could not send a reply to your client: %v", err)
			failed = true
			continue
		}
		s.mu.Lock()
		s.replies++
		s.mu.Unlock()
	}
	<-read
	if !failed {
		tr.Notef("the grader's server closes the connection, every line answered")
	}
}

// read records what the client sends on c and passes each complete line
// on, then, at the client's FIN, what is left of an unfinished one.
func (s *echoServer) read(c *net.TCPConn, client, self netip.AddrPort, lines *queue) {
	defer lines.close()
	tr := s.t.Transcript()
	var pending []byte
	buf := make([]byte, 64<<10)
	for {
		k, err := c.Read(buf)
		s.touch()
		if k > 0 {
			tr.Add(trace.Event{Kind: trace.Recv, Proto: "tcp", From: "your client", To: peerName, Src: client, Dst: self, Data: buf[:k]})
			s.mu.Lock()
			s.received = append(s.received, buf[:k]...)
			s.mu.Unlock()
			pending = append(pending, buf[:k]...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				s.count()
				lines.push(bytes.Clone(pending[:i+1]))
				pending = pending[i+1:]
			}
		}
		switch {
		case err == io.EOF:
			tr.Notef("your client closed its sending side (FIN)")
			s.mu.Lock()
			s.fins++
			s.mu.Unlock()
			if len(pending) > 0 {
				s.count()
				lines.push(pending) // an unfinished last line, answered as it is
			}
			return
		case err != nil:
			tr.Notef("the grader's server stopped reading from your client: %v", err)
			return
		}
	}
}

// count counts a line received.
func (s *echoServer) count() {
	s.mu.Lock()
	s.lines++
	s.mu.Unlock()
}

// touch notes that bytes moved: the client is at work.
func (s *echoServer) touch() {
	s.active.Store(int64(time.Since(s.started)))
	s.t.Progress()
}

// idle is how long ago bytes last moved, or the server started.
func (s *echoServer) idle() time.Duration {
	return time.Since(s.started) - time.Duration(s.active.Load())
}

// busyWriter notes each segment its SegmentWriter sends: a reply crawling
// over a slow link, one byte at a time, is progress.
type busyWriter struct {
	netem.SegmentWriter
	s *echoServer
}

func (w *busyWriter) WriteSegment(p []byte) error {
	err := w.SegmentWriter.WriteSegment(p)
	w.s.touch()
	return err
}

// peerState is what the grader's server saw of the client.
type peerState struct {
	received       []byte // everything the client sent
	accepted       int    // connections
	fins           int    // of which the client closed its sending side
	lines, replies int    // lines received, and replies sent whole
}

// state says what the server saw so far.
func (s *echoServer) state() peerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return peerState{received: bytes.Clone(s.received), accepted: len(s.conns), fins: s.fins, lines: s.lines, replies: s.replies}
}

// wait waits, at most ReplyTimeout, until the server is done with every
// connection made to it: none is left that the server has not closed,
// whether it was accepted or still waits in the listen queue. Call it once
// the client has exited: its ends are closed, so each connection's reading
// ends. It returns what the server saw.
func (s *echoServer) wait(t *grader.T) peerState {
	// Its connections not closed yet: established (accepted or waiting to
	// be), half-open, or closed by the client only. The server listens on
	// IPv4 only, and each look walks the kernel's connection table.
	unclosed := sockstat.Filter{Port: s.Addr().Port(), States: []sockstat.State{sockstat.Established, sockstat.SynRecv, sockstat.CloseWait}}
	poll(t, grader.ReplyTimeout, func() bool {
		conns, err := sockstat.List("tcp4", unclosed)
		return err != nil || len(conns) == 0
	})
	return s.state()
}

// queue hands lines from a connection's reader to its writer, however
// many the reader gets ahead: the reader never waits for the writer.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  [][]byte
	size   int // bytes queued
	limit  int // push waits while size >= limit; 0: never
	closed bool
}

func newQueue(limit int) *queue {
	q := &queue{limit: limit}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push queues a line. With a limit, it waits while the queue is full: the
// reader stops reading, as a server does whose replies cannot leave.
func (q *queue) push(p []byte) {
	q.mu.Lock()
	for q.limit > 0 && q.size >= q.limit {
		q.cond.Wait()
	}
	q.items = append(q.items, p)
	q.size += len(p)
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// pop waits for the next line; ok is false once the queue is closed and
// empty.
func (q *queue) pop() (p []byte, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return nil, false
	}
	p = q.items[0]
	q.items = q.items[1:]
	q.size -= len(p)
	q.cond.Broadcast()
	return p, true
}
