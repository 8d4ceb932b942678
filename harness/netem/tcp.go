package netem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// TCPConfig configures NewTCPProxy.
type TCPConfig struct {
	Listen string // address the clients connect to; default "127.0.0.1:0"
	Target string // address of the real server; required
	Seed   uint64 // the run's seed
	Key    string // the check id
	Up     []Toxic
	Down   []Toxic
	// Paced paces both directions: each segment is written only once the
	// previous one was read by the application it was sent to (see
	// WriterOptions.Paced). Both ends must be on this host.
	Paced   bool
	ProcNet string // where paced writers find the peer sockets; default "/proc/net"
	// OnEvent, if not nil, is called for every segment, FIN and RST, before
	// it is sent: in order within one direction of one connection, possibly
	// concurrently across them. It must not call Close.
	OnEvent func(Event)
}

// A TCPProxy accepts clients, dials the target for each, and pumps both
// directions of every connection through its own chain of toxics.
//
// A FIN from one side is passed on as a FIN (half close) and a reset or any
// other failure as a reset of both sides. Connection n's toxics draw from
// ToxicRand(Seed, Key, dir, n, toxics), so what happens to each connection
// is reproducible as long as the clients connect in the same order.
type TCPProxy struct {
	cfg    TCPConfig
	ln     *net.TCPListener
	ctx    context.Context // done at Close: ends dials and paced waits
	cancel context.CancelFunc
	log    eventLog

	mu     sync.Mutex
	closed bool
	n      int // connections accepted
	conns  map[*tcpConn]bool

	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewTCPProxy starts a proxy listening on cfg.Listen. Close stops it.
func NewTCPProxy(cfg TCPConfig) (*TCPProxy, error) {
	if cfg.Target == "" {
		return nil, errors.New("netem: tcp: no target")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	laddr, err := net.ResolveTCPAddr("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("netem: tcp: listen: %w", err)
	}
	ln, err := net.ListenTCP("tcp", laddr)
	if err != nil {
		return nil, fmt.Errorf("netem: tcp: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &TCPProxy{
		cfg:    cfg,
		ln:     ln,
		ctx:    ctx,
		cancel: cancel,
		log:    eventLog{onEvent: cfg.OnEvent},
		conns:  map[*tcpConn]bool{},
	}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address clients should connect to.
func (p *TCPProxy) Addr() netip.AddrPort {
	return unmap(p.ln.Addr().(*net.TCPAddr).AddrPort())
}

// Events returns the log so far.
func (p *TCPProxy) Events() []Event { return p.log.snapshot() }

// Close stops accepting, resets every open connection on both sides, and
// waits for all goroutines. It may be called more than once.
func (p *TCPProxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.cancel()
		p.mu.Lock()
		p.closed = true
		err = p.ln.Close()
		for c := range p.conns {
			c.abort()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return err
}

func (p *TCPProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.AcceptTCP()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			client.Close()
			return
		}
		p.n++
		num := p.n
		p.wg.Add(1)
		p.mu.Unlock()
		go p.serve(num, client)
	}
}

// A tcpConn is one proxied connection.
type tcpConn struct {
	up, down  SegmentWriter // toward the target, toward the client
	abortOnce sync.Once
}

// abort resets both sides, once, from any goroutine.
func (c *tcpConn) abort() {
	c.abortOnce.Do(func() {
		c.up.Reset()
		c.down.Reset()
	})
}

func (p *TCPProxy) serve(num int, client *net.TCPConn) {
	defer p.wg.Done()
	clientAddr := unmap(client.RemoteAddr().(*net.TCPAddr).AddrPort())
	var d net.Dialer
	nc, err := d.DialContext(p.ctx, "tcp", p.cfg.Target)
	if err != nil {
		p.log.record(Event{At: time.Now(), Dir: Up, Conn: num, From: clientAddr, Note: "dial target: " + err.Error()})
		client.SetLinger(0)
		client.Close()
		return
	}
	target := nc.(*net.TCPConn)
	targetAddr := unmap(target.RemoteAddr().(*net.TCPAddr).AddrPort())
	c := &tcpConn{}
	var upRec, downRec *recorder
	c.up, upRec = p.chain(num, Up, target, clientAddr, targetAddr, p.cfg.Up)
	c.down, downRec = p.chain(num, Down, client, targetAddr, clientAddr, p.cfg.Down)

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.abort()
		return
	}
	p.conns[c] = true
	p.mu.Unlock()

	var pumps sync.WaitGroup
	pumps.Add(1)
	go func() {
		defer pumps.Done()
		c.pump(client, target, c.up, upRec)
	}()
	c.pump(target, client, c.down, downRec)
	pumps.Wait()
	client.Close()
	target.Close()

	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// chain builds the writer for one direction of connection num: the toxics,
// then a recorder that logs what is actually sent, then the socket.
func (p *TCPProxy) chain(num int, dir Direction, dst *net.TCPConn, from, to netip.AddrPort, toxics []Toxic) (SegmentWriter, *recorder) {
	base := NewSegmentWriter(dst, WriterOptions{Paced: p.cfg.Paced, ProcNet: p.cfg.ProcNet, Context: p.ctx})
	rec := &recorder{SegmentWriter: base, log: &p.log, ev: Event{Dir: dir, Conn: num, From: from, To: to}}
	r := ToxicRand(p.cfg.Seed, p.cfg.Key, dir, uint64(num), toxics)
	return Chain(rec, r, toxics...), rec
}

// pump copies src to w until EOF, which it passes on as a FIN, or a failure,
// which resets the connection. A Limit toxic that is spent ends the other
// direction too: shutting down our reading side of dst makes the other pump
// read EOF and pass a FIN to src, so both peers see the connection close.
func (c *tcpConn) pump(src, dst *net.TCPConn, w SegmentWriter, rec *recorder) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			rec.startChunk(buf[:n])
			if werr := w.WriteSegment(buf[:n]); werr != nil {
				if errors.Is(werr, ErrLimit) {
					dst.CloseRead()
				} else {
					c.abort()
				}
				return
			}
		}
		if err == io.EOF {
			if w.CloseWrite() != nil {
				c.abort()
			}
			return
		}
		if err != nil {
			c.abort()
			return
		}
	}
}

// A recorder sits right above the socket writer and logs every segment,
// FIN and RST that is really sent, with a note naming the chunk it came from.
type recorder struct {
	SegmentWriter
	log   *eventLog
	ev    Event  // Dir, Conn, From, To
	n     uint64 // segments sent
	chunk string // the last chunk read from the source, quoted for notes
	part  int    // segments sent of it
	fin   sync.Once
	rst   sync.Once
}

// startChunk is called by the pump with each chunk it read, before passing
// it down the chain. Toxics write synchronously, so every segment that
// reaches the recorder until the next call comes from this chunk.
func (r *recorder) startChunk(b []byte) {
	r.chunk, r.part = quoteShort(b), 0
}

func (r *recorder) WriteSegment(p []byte) error {
	r.n++
	r.part++
	ev := r.ev
	ev.At, ev.N, ev.Size = time.Now(), r.n, len(p)
	ev.Data = append([]byte(nil), p...)
	ev.Note = fmt.Sprintf("segment %d of %s", r.part, r.chunk)
	r.log.record(ev)
	return r.SegmentWriter.WriteSegment(p)
}

func (r *recorder) CloseWrite() error {
	r.fin.Do(func() { r.note("FIN") })
	return r.SegmentWriter.CloseWrite()
}

func (r *recorder) Reset() error {
	r.rst.Do(func() { r.note("RST") })
	return r.SegmentWriter.Reset()
}

func (r *recorder) note(s string) {
	ev := r.ev
	ev.At, ev.Note = time.Now(), s
	r.log.record(ev)
}

// quoteShort quotes b for a log line, cut to a readable length.
func quoteShort(b []byte) string {
	const most = 40
	if len(b) > most {
		return fmt.Sprintf("%q...(%d bytes)", b[:most], len(b))
	}
	return fmt.Sprintf("%q", b)
}
