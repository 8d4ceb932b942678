package netem

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// UDPConfig configures NewUDPProxy.
type UDPConfig struct {
	Listen string // address the clients send to; default "127.0.0.1:0"
	Target string // address of the real server, e.g. "127.0.0.1:5353"; required
	Seed   uint64 // the run's seed, printed in every report
	Key    string // the check id: each check gets its own fates
	Up     []Impairment
	Down   []Impairment
	// OnEvent, if not nil, is called for every packet with its fate, before
	// the packet is delivered: synchronously and in order within a
	// direction, possibly concurrently across directions. It must not call
	// Close.
	OnEvent func(Event)
}

// A UDPProxy forwards datagrams between clients and a target through one
// impaired Link per direction. Like a NAT, it gives each client address its
// own upstream socket, so the target's replies go back to the right client.
// Packet numbers count per direction across all clients.
type UDPProxy struct {
	cfg    UDPConfig
	ln     *net.UDPConn
	target *net.UDPAddr
	to     netip.AddrPort // target, for events
	up     *udpDir
	down   *udpDir

	mu       sync.Mutex
	closed   bool
	sessions map[netip.AddrPort]*udpSession
	timers   map[*time.Timer]*udpPacket // delayed packets not yet delivered
	log      eventLog

	readers   sync.WaitGroup // the listener loop and one loop per session
	deliverer sync.WaitGroup // delay timers armed and not yet done
	closeOnce sync.Once
}

// A udpSession is one client and the socket that speaks for it upstream.
type udpSession struct {
	num    int
	client netip.AddrPort
	conn   *net.UDPConn // connected to the target
}

// A udpDir is one direction. Its lock orders everything that happens to its
// packets: numbering, deciding, logging, holding and releasing.
type udpDir struct {
	link *Link
	mu   sync.Mutex
	n    uint64
	held []*udpPacket // in packet order
}

// A udpPacket is a datagram on its way, with where and how to deliver it.
type udpPacket struct {
	ev   Event
	idx  int // its event's index in the log
	data []byte
	send func([]byte) // errors are the network's business: UDP promises nothing
	wait int          // for a held packet: later packets still to go by
}

// NewUDPProxy starts a proxy listening on cfg.Listen. Close stops it.
func NewUDPProxy(cfg UDPConfig) (*UDPProxy, error) {
	if cfg.Target == "" {
		return nil, errors.New("netem: udp: no target")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	target, err := net.ResolveUDPAddr("udp", cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("netem: udp: target: %w", err)
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("netem: udp: listen: %w", err)
	}
	ln, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("netem: udp: %w", err)
	}
	enableStamps(ln)
	p := &UDPProxy{
		cfg:      cfg,
		ln:       ln,
		target:   target,
		to:       unmap(target.AddrPort()),
		up:       &udpDir{link: NewLink(cfg.Seed, cfg.Key, Up, cfg.Up)},
		down:     &udpDir{link: NewLink(cfg.Seed, cfg.Key, Down, cfg.Down)},
		sessions: map[netip.AddrPort]*udpSession{},
		timers:   map[*time.Timer]*udpPacket{},
		log:      eventLog{onEvent: cfg.OnEvent, bounded: true},
	}
	p.readers.Add(1)
	go p.listen()
	return p, nil
}

// Addr returns the address clients should send to.
func (p *UDPProxy) Addr() netip.AddrPort {
	return unmap(p.ln.LocalAddr().(*net.UDPAddr).AddrPort())
}

// Events returns the log so far: one event per packet, in the order the
// packets were decided, plus one per packet still held or delayed at Close.
func (p *UDPProxy) Events() []Event { return p.log.snapshot() }

// Close stops the proxy and waits for its goroutines. Packets still held or
// delayed are not delivered; each is logged as dropped at close. Close may be
// called more than once.
func (p *UDPProxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		err = p.ln.Close()
		for _, s := range p.sessions {
			s.conn.Close()
		}
		// A timer that has already fired delivers its packet (to a closed
		// socket, most likely); one stopped in time is reported below.
		var pending []*udpPacket
		for t, pkt := range p.timers {
			if t.Stop() {
				delete(p.timers, t)
				p.deliverer.Done()
				pending = append(pending, pkt)
			}
		}
		p.mu.Unlock()

		p.readers.Wait()
		p.deliverer.Wait()
		for _, d := range []*udpDir{p.up, p.down} {
			d.mu.Lock()
			pending = append(pending, d.held...)
			d.held = nil
			d.mu.Unlock()
		}
		for _, pkt := range pending {
			p.dropAtClose(pkt)
		}
	})
	return err
}

// dropAtClose logs a packet that Close kept from being delivered.
func (p *UDPProxy) dropAtClose(pkt *udpPacket) {
	ev := pkt.ev
	ev.At = time.Now()
	why := "still delayed at close"
	if pkt.wait > 0 {
		why = "still held at close"
	}
	ev.Fate = Fate{Drop: true, Why: []string{why}}
	ev.Note = "dropped at close"
	p.log.record(ev)
}

// listen reads from clients: the Up direction.
func (p *UDPProxy) listen() {
	defer p.readers.Done()
	buf, oob := make([]byte, 64<<10), make([]byte, stampOOB)
	for {
		n, from, at, err := readStamped(p.ln, buf, oob)
		if err != nil {
			return // closed, or broken: either way nothing more arrives
		}
		from = unmap(from)
		s := p.session(from)
		if s == nil {
			continue
		}
		p.up.forward(p, &udpPacket{
			ev:   Event{At: at, Dir: Up, Conn: s.num, From: from, To: p.to},
			data: append([]byte(nil), buf[:n]...),
			send: func(b []byte) { s.conn.Write(b) },
		})
	}
}

// session returns the session of a client, starting one for a new client,
// or nil once the proxy is closed or if no upstream socket can be had.
func (p *UDPProxy) session(client netip.AddrPort) *udpSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if s, ok := p.sessions[client]; ok {
		return s
	}
	conn, err := net.DialUDP("udp", nil, p.target)
	if err != nil {
		return nil
	}
	enableStamps(conn)
	s := &udpSession{num: len(p.sessions) + 1, client: client, conn: conn}
	p.sessions[client] = s
	p.readers.Add(1)
	go p.relayBack(s)
	return s
}

// relayBack reads the target's replies to one client: the Down direction.
func (p *UDPProxy) relayBack(s *udpSession) {
	defer p.readers.Done()
	buf, oob := make([]byte, 64<<10), make([]byte, stampOOB)
	from := unmap(s.conn.RemoteAddr().(*net.UDPAddr).AddrPort())
	for {
		n, _, at, err := readStamped(s.conn, buf, oob)
		if errors.Is(err, syscall.ECONNREFUSED) {
			continue // an ICMP port unreachable for an earlier datagram
		}
		if err != nil {
			return
		}
		p.down.forward(p, &udpPacket{
			ev:   Event{At: at, Dir: Down, Conn: s.num, From: from, To: s.client},
			data: append([]byte(nil), buf[:n]...),
			send: func(b []byte) { p.ln.WriteToUDPAddrPort(b, s.client) },
		})
	}
}

// forward numbers a packet, decides and logs its fate, and carries it out.
// A held packet is released right after the packet that completes its count
// has been dealt with; every later packet counts, delivered or not, so the
// release point depends only on packet numbers.
func (d *udpDir) forward(p *UDPProxy, pkt *udpPacket) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n++
	f := d.link.Decide(d.n, len(pkt.data))
	if pkt.ev.At.IsZero() {
		pkt.ev.At = time.Now()
	}
	pkt.ev.N, pkt.ev.Size, pkt.ev.Fate = d.n, len(pkt.data), f
	pkt.ev.Data = append([]byte(nil), pkt.data...)
	pkt.idx = p.log.record(pkt.ev)

	if !f.Drop && f.Hold == 0 {
		p.deliver(pkt)
	}
	var still []*udpPacket
	for _, h := range d.held {
		if h.wait--; h.wait == 0 {
			p.deliver(h)
		} else {
			still = append(still, h)
		}
	}
	d.held = still
	if !f.Drop && f.Hold > 0 {
		pkt.wait = f.Hold
		d.held = append(d.held, pkt)
	}
}

// deliver sends a packet now, or arms a timer that will.
func (p *UDPProxy) deliver(pkt *udpPacket) {
	f := pkt.ev.Fate
	if f.Delay <= 0 {
		p.send(pkt)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.dropAtClose(pkt) // Close has collected the timers already
		return
	}
	p.deliverer.Add(1)
	var t *time.Timer
	t = time.AfterFunc(f.Delay, func() {
		defer p.deliverer.Done()
		p.mu.Lock()
		_, live := p.timers[t]
		delete(p.timers, t)
		p.mu.Unlock()
		if live {
			p.send(pkt)
		}
	})
	p.timers[t] = pkt
}

// send writes the packet and its copies, corrupted if its fate says so.
func (p *UDPProxy) send(pkt *udpPacket) {
	f := pkt.ev.Fate
	data := pkt.data
	if len(f.Flip) > 0 {
		data = f.Corrupt(data)
	}
	p.log.released(pkt.idx, time.Now())
	pkt.send(data)
	p.log.delivered(pkt.idx, time.Now())
	for range f.Copies {
		pkt.send(data)
	}
}
