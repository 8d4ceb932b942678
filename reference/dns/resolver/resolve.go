package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// Limits that keep every resolution finite, whatever the name servers say.
const (
	tryTimeout   = 500 * time.Millisecond // to wait for one server's reply (the handout allows 1 s)
	rounds       = 3                      // times over a zone's servers before giving up on it
	maxReferrals = 16                     // referrals followed for one name
	maxChain     = 8                      // CNAME records in one answer
	maxDepth     = 4                      // nested lookups of name servers' addresses
)

// Why a resolution fails. The stub then gets SERVFAIL.
var (
	errNoServer  = errors.New("no server of the zone answered")
	errReferrals = errors.New("too many referrals")
	errChain     = errors.New("CNAME chain too long, or a loop")
	errTime      = errors.New("out of time")
)

// A resolver answers questions from its cache, or else by asking the name
// servers itself, from the root down. It is safe for concurrent use: each
// stub's query is resolved in a goroutine of its own, and they all share
// the cache.
type resolver struct {
	roots []netip.Addr // the root hints: the addresses of the root servers
	port  uint16       // the port of every name server (-upstream-port)
	cache *cache

	tryTimeout  time.Duration // tryTimeout, but in tests
	stubTimeout time.Duration // stubTimeout, but in tests

	logf func(format string, args ...any) // one line per event; log.Printf
}

func newResolver(roots []netip.Addr, port uint16) *resolver {
	return &resolver{
		roots: roots, port: port, cache: newCache(),
		tryTimeout: tryTimeout, stubTimeout: stubTimeout,
		logf: func(string, ...any) {},
	}
}

// A resolution is the work of answering one question: a stub's (depth 0),
// or, nested in it, the address of a name server that a referral named
// without one (depth 1 and more).
type resolution struct {
	*resolver
	depth int
}

// An answer is what a resolution found, for the reply to the stub.
type answer struct {
	rcode     int              // NOERROR, NXDOMAIN or SERVFAIL
	records   []message.Record // the answer section: the CNAME chain, then the RRset
	authority []message.Record // for NXDOMAIN and NODATA: the zone's SOA, when known
}

// A step is what is known of one name on the way to an answer: the RRset
// asked for; or a CNAME to follow; or, with neither, that there is no such
// data: rcode is then NXDOMAIN, or NOERROR for NODATA, and soa the SOA
// record that said so, when there was one.
type step struct {
	rrset []message.Record
	cname *message.Record
	rcode int
	soa   []message.Record
}

// resolve answers the question (qname, qtype), as RFC 1034 §5.3.3 says:
//
//  1. "See if the answer is in local information": the cache.
//  2. "Find the best servers to ask" (servers.go).
//  3. "Send them queries until one returns a response" (ask).
//  4. "Analyze the response" (classify.go): an answer or "no", and done;
//     a referral, and back to step 2 one zone further down; a CNAME, and
//     back to step 1 with its target.
//
// The answer holds the CNAME chain and then the RRset. The RCODE says what
// became of the last name of the chain (RFC 6604 §3): a chain to a name
// that does not exist ends in NXDOMAIN.
func (rs *resolution) resolve(ctx context.Context, qname string, qtype message.Type) answer {
	var (
		name  = qname
		chain []message.Record // the CNAME records followed so far
		seen  = map[string]bool{canonical(qname): true}
		fresh []message.Record // the answer section of the last reply
	)
	for {
		// What is known of name? First what the last reply said: it may
		// have brought the whole chain, and records of TTL 0, which the
		// cache does not keep, are good for this answer. Then the cache.
		// Else the name servers are asked.
		s, ok := pick(fresh, name, qtype)
		if !ok {
			s, ok = rs.cached(name, qtype)
		}
		if !ok {
			v, err := rs.iterate(ctx, name, qtype)
			if err != nil {
				rs.logf("%s %v: giving up: %v", name, qtype, err)
				return answer{rcode: message.RCodeServFail}
			}
			switch v.kind {
			case kindNXDomain, kindNoData:
				s = step{rcode: message.RCodeSuccess}
				if v.kind == kindNXDomain {
					s.rcode = message.RCodeNXDomain
				}
				if v.soa != nil {
					s.soa = []message.Record{negativeSOA(*v.soa)}
				}
			default: // kindAnswer or kindCNAME: there are records of name
				fresh = v.answers
				s, _ = pick(fresh, name, qtype)
			}
		}

		if s.cname == nil {
			return answer{rcode: s.rcode, records: append(chain, s.rrset...), authority: s.soa}
		}
		// "When the answer is a CNAME, the resolver asks again for its
		// target, wherever that lives, and answers the stub with the
		// whole chain." A chain that comes back to a name, or goes on
		// too long, never ends in an answer.
		chain = append(chain, *s.cname)
		name = s.cname.Data.(*message.CNAME).Target
		if seen[canonical(name)] || len(chain) > maxChain {
			rs.logf("%s %v: giving up: %v", qname, qtype, errChain)
			return answer{rcode: message.RCodeServFail}
		}
		seen[canonical(name)] = true
	}
}

// pick finds what records say of name: its RRset of type t, or else its
// CNAME, followed for any type but CNAME itself. A name with a CNAME has
// no other data (RFC 2181 §10.1), so a query for the CNAME gets the CNAME.
func pick(records []message.Record, name string, t message.Type) (step, bool) {
	if rrs := recordsOf(records, name, t); len(rrs) > 0 {
		return step{rrset: rrs}, true
	}
	if c := recordsOf(records, name, message.TypeCNAME); len(c) > 0 && t != message.TypeCNAME {
		return step{cname: &c[0]}, true
	}
	return step{}, false
}

// cached finds what the cache knows of name: as pick, and the negative
// answers too. Only data from answers is used, never referral data (see
// rank).
func (rs *resolution) cached(name string, t message.Type) (step, bool) {
	if rrs := rs.cache.get(name, t, rankAnswer); rrs != nil {
		return step{rrset: rrs}, true
	}
	if t != message.TypeCNAME {
		if c := rs.cache.get(name, message.TypeCNAME, rankAnswer); c != nil {
			return step{cname: &c[0]}, true
		}
	}
	if rcode, soa, ok := rs.cache.getNegative(name, t); ok {
		return step{rcode: rcode, soa: []message.Record{soa}}, true
	}
	return step{}, false
}

// iterate asks name servers about (name, qtype), from the best servers
// the cache knows, following referrals down, until a server says what
// there is: an answer, a CNAME, or no such data. It caches what it
// learns on the way, referrals included, so that the next name in a zone
// already visited is asked of that zone's servers, not of the root.
func (rs *resolution) iterate(ctx context.Context, name string, qtype message.Type) (verdict, error) {
	q := message.Question{Name: name, Type: qtype, Class: message.ClassIN}
	srv := rs.closest(name)
	for range maxReferrals + 1 {
		v, err := rs.ask(ctx, srv, q)
		if err != nil {
			return verdict{}, err
		}
		rs.remember(q, v)
		if v.kind != kindReferral {
			return v, nil
		}
		srv = rs.serversOf(v.cut, v.ns, v.glue)
	}
	return verdict{}, errReferrals
}

// remember caches what a verdict says. "A negative answer is cached for
// the smaller of the SOA record's TTL and its MINIMUM field" (RFC 2308 §5):
// NXDOMAIN for the name, whatever the type; NODATA for the name and type.
// A negative answer without an SOA is not cached: nothing says for how
// long it holds (RFC 2308 §5).
func (rs *resolution) remember(q message.Question, v verdict) {
	switch v.kind {
	case kindAnswer, kindCNAME:
		rs.cache.put(v.answers, rankAnswer)
	case kindReferral:
		rs.cache.put(v.ns, rankReferral)
		rs.cache.put(v.glue, rankReferral)
	case kindNXDomain:
		if v.soa != nil {
			rs.cache.putNegative(q.Name, nxdomainType, *v.soa)
		}
	case kindNoData:
		if v.soa != nil {
			rs.cache.putNegative(q.Name, q.Type, *v.soa)
		}
	}
}

// ask puts q to the servers of one zone until one of them gives a reply
// that can be used (RFC 1035 §7.2). The servers are taken in a random
// order, which spreads the load over them, and in turn: a server that
// does not answer in time, answers SERVFAIL or REFUSED, or turns out to be
// lame, is skipped for the next. After the last, round again: a query or
// its reply may have been lost on the way, and a server may answer next
// time. "Each question is tried at least 3 times, over the zone's servers
// in turn, before the resolver gives up on it."
//
// The servers asked first are those whose addresses are known. When they
// have all failed, or none was known, the address of another server is
// looked up, and so on until none is left.
func (rs *resolution) ask(ctx context.Context, srv servers, q message.Question) (verdict, error) {
	addrs, hosts := slices.Clone(srv.addrs), srv.hosts // a copy to shuffle: srv's may be the root hints
	for {
		rand.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
		for range rounds {
			for _, addr := range addrs {
				if ctx.Err() != nil { // the stub's deadline has passed
					return verdict{}, errTime
				}
				if v, err := rs.try(ctx, addr, srv.zone, q); err == nil {
					return v, nil
				}
			}
		}
		addrs = nil
		for len(addrs) == 0 && len(hosts) > 0 {
			addrs = rs.addressOf(ctx, hosts[0], srv.zone)
			hosts = hosts[1:]
		}
		if len(addrs) == 0 {
			return verdict{}, fmt.Errorf("%w (%s)", errNoServer, zoneName(srv.zone))
		}
	}
}

// try asks the server at addr once, over UDP, and once more over TCP when
// the reply comes truncated, and reads the reply. It logs one line: the
// question, the server, the zone it was asked as a server of, and what
// came of it.
func (rs *resolution) try(ctx context.Context, addr netip.Addr, zone string, q message.Question) (verdict, error) {
	server := netip.AddrPortFrom(addr, rs.port)
	line := fmt.Sprintf("%s %v → %v (%s)", q.Name, q.Type, addr, zoneName(zone))
	reply, err := rs.exchangeUDP(ctx, server, q)
	if err == nil && reply.TC {
		// "When a DNS client receives a reply with TC set, it should
		// ignore that response, and query again, using a mechanism,
		// such as a TCP connection, that will permit larger replies."
		// (RFC 2181 §9)
		rs.logf("%s: truncated, asking again over TCP", line)
		line += " over TCP"
		reply, err = rs.exchangeTCP(ctx, server, q)
	}
	var v verdict
	if err == nil {
		v, err = classify(reply, q, zone)
	}
	if err != nil {
		rs.logf("%s: %v", line, err)
		return verdict{}, err
	}
	rs.logf("%s: %s", line, v.describe())
	return v, nil
}

// zoneName is a zone's name for the log: "root" for the root.
func zoneName(zone string) string {
	if zone == "." {
		return "root"
	}
	return zone
}
