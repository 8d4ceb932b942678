// Package dnstest runs a scripted DNS hierarchy, "the world", on loopback
// addresses, for grading caching iterative resolvers (handouts/dns.md,
// part 2). It is shaped like net/http/httptest: build a Config from zone
// files, Start it, script its servers, let the resolver under test loose
// on it, read what each server was asked, Close.
//
// Every name server of the world is a Server at its own address (all of
// 127.0.0.0/8 is local on Linux), listening on UDP and TCP at one shared
// port. Each answers as an authoritative server such as NSD does, by the
// algorithm of RFC 1034 §4.3.2 that handouts/dns.md §3 explains: referrals
// with glue, answers with AA=1, CNAME chains inside a zone, NXDOMAIN and
// NODATA with the SOA (RFC 2308 §3), REFUSED for zones it does not serve,
// EDNS (RFC 6891) and truncation (RFC 1035 §4.2.1). A Behavior scripts a
// server away from that: dead, lame, failing, truncating, slow, held,
// forging replies (RFC 5452), or adding records it has no authority for.
// Loss drops tries of questions the same way on every run.
//
// The world logs every query it receives (World.Queries), in order, with
// what became of it, so that a check can judge what the resolver asked of
// whom; the Transcript, if any, gets the same as the student reads it.
//
// The answers are computed with golang.org/x/net/dns/dnsmessage from the
// zones alone: nothing here shares code with the reference solutions,
// which the grader judges.
package dnstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"

	"github.com/socklab/socklab/harness/trace"
	"github.com/socklab/socklab/harness/zone"
	"golang.org/x/net/dns/dnsmessage"
)

// Errors returned by this package. Test with errors.Is: they are wrapped
// with details.
var (
	// ErrConfig means the zones do not make a world: no root zone, two
	// zones with one origin, a record that does not fit in a DNS message.
	ErrConfig = errors.New("dnstest: bad world")
	// ErrClosed is returned by WaitQuery once the world is closed and no
	// query it waits for can arrive any more.
	ErrClosed = errors.New("dnstest: world closed")
)

// Config describes a world.
type Config struct {
	// Zones are every zone of the world, the root zone (".") among them.
	// The servers are derived from them: each address that a name server
	// host has (an A record for the host name, in any zone of the world,
	// glue included) is one Server. A host is a name server if an NS
	// record of any zone names it, at the zone's apex or at a delegation.
	// A server is authoritative for every zone whose apex NS set lists one
	// of its names; one that only delegations name serves nothing and
	// refuses every query (a lame server). An NS host that resolves to no
	// address in the world has no server (a dangling name).
	Zones []*zone.Zone
	// Port is the port every server listens on, UDP and TCP, at its own
	// address. 0 picks a port free at every server's address.
	Port int
	// Transcript, if not nil, gets an event for every query a server
	// receives and every reply or forged reply it sends (Kind Recv /
	// Send, Proto "udp" or "tcp", From/To "resolver" and the server's
	// first name without its final dot, Src/Dst the addresses, Data the
	// DNS message without TCP's length prefix, Text a one-line summary),
	// and a Note for each fate other than an answer (loss, silence, a
	// held reply, an unparseable message).
	Transcript *trace.Transcript
	// Client is what the transcript calls the sender of the queries;
	// "resolver" if empty.
	Client string
	// OnQuery, if not nil, is called once for each query when its fate
	// is settled: its reply sent, or none to come (lost, silent,
	// unparseable), or the world closing while the reply waited ("held",
	// "delayed"). It is called from the world's goroutines, concurrently
	// and not necessarily in the order of Query.N, with no lock held; it
	// should return quickly. For printing queries as they happen.
	OnQuery func(Query)
}

// A World is a running DNS hierarchy. Its methods are safe for concurrent
// use.
type World struct {
	port    int
	client  string
	onQuery func(Query)
	tr      *trace.Transcript
	servers []*Server
	byName  map[string][]*Server // canonical host name → its servers
	byAddr  map[netip.Addr]*Server
	roots   []netip.Addr

	done      chan struct{} // closed by Close: held replies give up
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	// matchMu makes arrival and Behavior.Match one step, so that Match
	// sees the queries in the world's order of arrival.
	matchMu sync.Mutex

	mu      sync.Mutex
	closed  bool
	queries []*Query
	changed chan struct{} // closed and replaced whenever queries change
	tries   map[questionKey]*tryCount
	loss    Loss
	conns   map[*net.TCPConn]struct{}
	forgers map[netip.AddrPort]*net.UDPConn // sockets of its own that forgeries come from
}

// Start builds the world of cfg and starts its servers: it binds every
// server's UDP socket and TCP listener at its address and cfg.Port. An
// error names the address that failed and wraps the system's reason, so
// that errors.Is(err, syscall.EACCES) says port 53 needs privileges and
// syscall.EADDRINUSE that the port is taken.
func Start(cfg Config) (*World, error) {
	w, err := build(cfg)
	if err != nil {
		return nil, err
	}
	if err := w.listen(cfg.Port); err != nil {
		return nil, err
	}
	for _, s := range w.servers {
		w.wg.Go(s.serveUDP)
		w.wg.Go(s.serveTCP)
	}
	return w, nil
}

// build derives a world's servers from its zones (see Config.Zones)
// without binding anything: the fuzz test answers with a world that was
// never started.
func build(cfg Config) (*World, error) {
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d", ErrConfig, cfg.Port)
	}
	w := &World{
		port:    cfg.Port,
		client:  cfg.Client,
		onQuery: cfg.OnQuery,
		tr:      cfg.Transcript,
		byName:  map[string][]*Server{},
		byAddr:  map[netip.Addr]*Server{},
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		tries:   map[questionKey]*tryCount{},
		conns:   map[*net.TCPConn]struct{}{},
		forgers: map[netip.AddrPort]*net.UDPConn{},
	}
	if w.client == "" {
		w.client = "resolver"
	}
	var zones []*zoneData
	byOrigin := map[string]*zoneData{}
	for i, z := range cfg.Zones {
		if z == nil {
			return nil, fmt.Errorf("%w: zone %d is nil", ErrConfig, i)
		}
		zd, err := indexZone(z)
		if err != nil {
			return nil, err
		}
		if byOrigin[zd.origin] != nil {
			return nil, fmt.Errorf("%w: two zones for %s", ErrConfig, z.Origin)
		}
		byOrigin[zd.origin] = zd
		zones = append(zones, zd)
	}
	root := byOrigin["."]
	if root == nil {
		return nil, fmt.Errorf("%w: no root zone (\".\") among the %d zones", ErrConfig, len(zones))
	}
	w.derive(zones, root)
	if len(w.roots) == 0 {
		return nil, fmt.Errorf("%w: no root server: no NS host of the root zone has an A record", ErrConfig)
	}
	return w, nil
}

// derive makes the servers of the zones, says what each serves, and finds
// the root servers.
func (w *World) derive(zones []*zoneData, root *zoneData) {
	// Every address of every host, from the A records of the whole
	// world, glue included, in order of appearance.
	addrs := map[string][]netip.Addr{}
	for _, zd := range zones {
		for _, r := range zd.Records {
			if a, ok := r.Data.(*zone.A); ok {
				c := zone.Canonical(r.Name)
				if !slices.Contains(addrs[c], a.Addr) {
					addrs[c] = append(addrs[c], a.Addr)
				}
			}
		}
	}
	// A server for each address of each name server host.
	for _, zd := range zones {
		for _, r := range zd.Records {
			ns, ok := r.Data.(*zone.NS)
			if !ok {
				continue
			}
			c := zone.Canonical(ns.Host)
			for _, a := range addrs[c] {
				s := w.byAddr[a]
				if s == nil {
					s = &Server{w: w, addr: a}
					w.byAddr[a] = s
					w.servers = append(w.servers, s)
				}
				if !slices.ContainsFunc(s.names, func(n string) bool { return zone.Equal(n, ns.Host) }) {
					s.names = append(s.names, ns.Host)
				}
				if !slices.Contains(w.byName[c], s) {
					w.byName[c] = append(w.byName[c], s)
				}
			}
		}
	}
	// Authority: the zones whose apex NS set names the server.
	for _, zd := range zones {
		for _, r := range zd.records(zd.origin, dnsmessage.TypeNS) {
			for _, s := range w.byName[zone.Canonical(r.Data.(*zone.NS).Host)] {
				if !slices.Contains(s.zones, zd) {
					s.zones = append(s.zones, zd)
				}
			}
		}
	}
	for _, r := range root.records(".", dnsmessage.TypeNS) {
		for _, a := range addrs[zone.Canonical(r.Data.(*zone.NS).Host)] {
			if !slices.Contains(w.roots, a) {
				w.roots = append(w.roots, a)
			}
		}
	}
}

// listen binds every server at port, or, for port 0, at a port that the
// first server's UDP socket gets from the system and the others then try;
// a port taken at another address makes it try again with a new one.
func (w *World) listen(port int) error {
	if port != 0 {
		w.port = port
		return w.bindAll()
	}
	var err error
	for range 20 {
		if err = w.bindAll(); !errors.Is(err, syscall.EADDRINUSE) {
			return err
		}
		w.port = 0
	}
	return err
}

// bindAll binds every server at w.port; a w.port of 0 is replaced by
// the port the first socket gets. On error nothing stays bound.
func (w *World) bindAll() error {
	for _, s := range w.servers {
		if err := s.bind(w.port); err != nil {
			for _, s := range w.servers {
				s.unbind()
			}
			return err
		}
		if w.port == 0 {
			w.port = int(s.udp.LocalAddr().(*net.UDPAddr).Port)
		}
	}
	return nil
}

// Close stops every server, unblocks held and delayed replies (which are
// then never sent), closes every connection and waits for the world's
// goroutines to return. It may be called more than once; later calls
// return what the first did.
func (w *World) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.changed)
		conns := w.conns
		w.conns = nil
		forgers := w.forgers
		w.forgers = nil
		w.mu.Unlock()
		close(w.done)

		var errs []error
		for _, s := range w.servers {
			errs = append(errs, s.udp.Close(), s.tcp.Close())
		}
		for c := range conns {
			c.Close() // a client may have closed it already
		}
		for _, c := range forgers {
			errs = append(errs, c.Close())
		}
		w.wg.Wait()
		if err := errors.Join(errs...); err != nil {
			w.closeErr = fmt.Errorf("dnstest: closing: %w", err)
		}
	})
	return w.closeErr
}

// Port is the port every server listens on.
func (w *World) Port() int { return w.port }

// Roots returns the addresses of the root zone's name servers, in the
// order of the root zone's NS records: what a resolver is given as its
// root hints.
func (w *World) Roots() []netip.Addr { return slices.Clone(w.roots) }

// Servers returns every server, in the order their names first appear in
// the NS records of cfg.Zones.
func (w *World) Servers() []*Server { return slices.Clone(w.servers) }

// Server returns the server of a name server host, named with or without
// the final dot, in any case; nil if the world has none. A host with
// several addresses has several servers: Server returns the first.
func (w *World) Server(host string) *Server {
	if host == "" || host[len(host)-1] != '.' {
		host += "."
	}
	if ss := w.byName[zone.Canonical(host)]; len(ss) > 0 {
		return ss[0]
	}
	return nil
}

// Queries returns every query any server received, in order of arrival,
// as they stand now: a held query's Fate changes when its reply goes out.
func (w *World) Queries() []Query {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Query, len(w.queries))
	for i, q := range w.queries {
		out[i] = *q
	}
	return out
}

// WaitQuery waits until some query of the log satisfies match, and returns
// it as it stood then. The log changes when a query arrives and when its
// fate is decided, so match can wait for either: for q.Fate == "held",
// for a reply sent. It returns ctx's error when ctx is done first, and
// ErrClosed when the world closes with no query matching. match is called
// without locks held, from the caller's goroutine.
func (w *World) WaitQuery(ctx context.Context, match func(Query) bool) (Query, error) {
	for {
		w.mu.Lock()
		changed, closed := w.changed, w.closed
		w.mu.Unlock()
		for _, q := range w.Queries() {
			if match(q) {
				return q, nil
			}
		}
		if closed {
			return Query{}, ErrClosed
		}
		select {
		case <-ctx.Done():
			return Query{}, ctx.Err()
		case <-changed:
		}
	}
}

// SetLoss makes the world lose tries of questions as l says, from the
// next query on; the zero Loss loses none. Tries are counted from the
// world's start whatever the loss, so set it before the resolver starts
// for fates that replay exactly.
func (w *World) SetLoss(l Loss) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.loss = l
}

// track registers a TCP connection for Close to close; false means the
// world is closing and the caller must close it itself.
func (w *World) track(c *net.TCPConn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	w.conns[c] = struct{}{}
	return true
}

func (w *World) untrack(c *net.TCPConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.conns, c)
}
