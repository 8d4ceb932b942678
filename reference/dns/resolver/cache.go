package main

import (
	"sync"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// A rank says how far cached data can be trusted, and so whether newer
// data may replace it. RFC 2181 §5.4.1 ranks data by where in a reply it
// was found; two ranks are enough here:
//
//   - rankAnswer: the answer section of a reply from one of the zone's own
//     servers. It replaces whatever is cached: the zone's authority has
//     spoken, and its word is the freshest there is.
//   - rankReferral: the NS records of a referral and their glue, the
//     parent zone's copy of what the child zone says. It replaces only
//     data of its own rank, or data that has run out. The parent's copy is
//     often out of date, and glue is just where an attacker would slip in
//     a false address; neither should undo what the zone itself said.
//
// Referral data is used only to find name servers, never to answer a
// stub: RFC 2181 §5.4.1 says that such data "should not be cached in such
// a way that they would ever be returned as answers to a received query".
// A stub asking for the address of a name server makes the resolver ask
// that server's zone, and the authoritative answer then replaces the glue.
type rank int

const (
	rankReferral rank = iota + 1
	rankAnswer
)

// nxdomainType is the type under which a cache key records NXDOMAIN: a
// name that does not exist has no records of any type. No record has type
// 0 (RFC 6895 §3.1 reserves it), so the key is never an RRset's.
const nxdomainType message.Type = 0

// A cache holds the RRsets and the negative answers the resolver has
// learnt, each until its TTL runs out (RFC 1035 §7.4, RFC 2308 §5). One
// cache serves every query; a mutex makes it safe for concurrent use.
//
// Nothing is cached but what came in an accepted reply, and in it only the
// records that passed the bailiwick check (see classify.go).
type cache struct {
	now func() time.Time // the clock: time.Now, or a test's

	mu       sync.Mutex
	rrsets   map[key]rrset
	negative map[key]negative
}

// A key is a canonical (lowercase) name and a type.
type key struct {
	name string
	t    message.Type
}

func keyOf(name string, t message.Type) key { return key{canonical(name), t} }

// An rrset is the records of one name and type, and when they expire.
type rrset struct {
	records []message.Record
	expires time.Time
	rank    rank
}

// A negative entry says that a name does not exist (key type
// nxdomainType) or has no records of a type (NODATA), and keeps the SOA
// record that said so, for the authority section of replies.
type negative struct {
	soa     message.Record
	expires time.Time
}

func newCache() *cache {
	return &cache{now: time.Now, rrsets: make(map[key]rrset), negative: make(map[key]negative)}
}

// put caches records, which came from one reply, as RRsets: the records
// of each name and type together. An RRset lives as long as the smallest
// TTL among its records (RFC 2181 §5.2 wants them all equal anyway). A TTL
// of 0 means "use it now, do not cache it" (RFC 1035 §3.2.1).
func (c *cache) put(records []message.Record, r rank) {
	sets := make(map[key][]message.Record)
	var order []key // the first time each key appears, to keep the reply's order
	for _, rr := range records {
		k := keyOf(rr.Name, rr.Type)
		if _, ok := sets[k]; !ok {
			order = append(order, k)
		}
		sets[k] = append(sets[k], rr)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, k := range order {
		ttl := ttlOf(sets[k][0])
		for _, rr := range sets[k] {
			ttl = min(ttl, ttlOf(rr))
		}
		if ttl == 0 {
			continue
		}
		if old, ok := c.rrsets[k]; ok && old.rank > r && left(old.expires, now) > 0 {
			continue // see rank: referral data does not replace an answer
		}
		c.rrsets[k] = rrset{records: sets[k], expires: now.Add(time.Duration(ttl) * time.Second), rank: r}
		// Newer data wins: the name exists, and has this type.
		delete(c.negative, key{k.name, nxdomainType})
		delete(c.negative, k)
	}
}

// get returns the cached records of name and type t that have at least
// rank least, with their TTLs set to the whole seconds left, or nil. The
// TTLs count down: a record cached with TTL 300 is given out 10 seconds
// later with TTL 290 (RFC 1035 §7.4: a cached record's TTL is what is
// left of it). Once nothing is left the RRset is gone, and the resolver
// has to ask again.
func (c *cache) get(name string, t message.Type, least rank) []message.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := keyOf(name, t)
	set, ok := c.rrsets[k]
	if !ok {
		return nil
	}
	ttl := left(set.expires, c.now())
	if ttl == 0 {
		delete(c.rrsets, k)
		return nil
	}
	if set.rank < least {
		return nil
	}
	out := make([]message.Record, len(set.records)) // copies: the cached ones stay as they are
	for i, rr := range set.records {
		rr.TTL = ttl
		out[i] = rr
	}
	return out
}

// putNegative caches a negative answer about name: NXDOMAIN when t is
// nxdomainType, else NODATA for type t. soa is the SOA record of the reply
// that said so. The answer is cached for the smaller of the SOA record's
// TTL and its MINIMUM field (RFC 2308 §5).
func (c *cache) putNegative(name string, t message.Type, soa message.Record) {
	soa = negativeSOA(soa)
	if soa.TTL == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.negative[keyOf(name, t)] = negative{soa: soa, expires: c.now().Add(time.Duration(soa.TTL) * time.Second)}
}

// getNegative says whether a negative answer for name and type t is
// cached: the RCODE to answer with (NXDOMAIN, or NOERROR for NODATA), and
// the SOA record for the authority section, its TTL counting down.
func (c *cache) getNegative(name string, t message.Type) (rcode int, soa message.Record, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range []key{keyOf(name, nxdomainType), keyOf(name, t)} {
		n, found := c.negative[k]
		if !found {
			continue
		}
		ttl := left(n.expires, c.now())
		if ttl == 0 {
			delete(c.negative, k)
			continue
		}
		soa, rcode = n.soa, message.RCodeSuccess
		soa.TTL = ttl
		if k.t == nxdomainType {
			rcode = message.RCodeNXDomain
		}
		return rcode, soa, true
	}
	return 0, message.Record{}, false
}

// negativeSOA returns the SOA record of a negative answer with the TTL of
// the negative answer: "the minimum of the MINIMUM field of the SOA record
// and the TTL of the SOA itself" (RFC 2308 §3). Authoritative servers
// should send it so already; a resolver cannot count on it.
func negativeSOA(soa message.Record) message.Record {
	soa.TTL = ttlOf(soa)
	if d, ok := soa.Data.(*message.SOA); ok {
		soa.TTL = min(soa.TTL, d.Minimum)
	}
	return soa
}

// ttlOf is a record's TTL, read as RFC 2181 §8 says: the TTL is a number
// of 31 bits, and a value with the top bit set counts as 0.
func ttlOf(r message.Record) uint32 {
	if r.TTL >= 1<<31 {
		return 0
	}
	return r.TTL
}

// left is the whole seconds from now until expires, rounded down: 0 means
// that the entry has run out. Rounding down never makes a record look
// younger than it is.
func left(expires, now time.Time) uint32 {
	d := expires.Sub(now)
	if d < time.Second {
		return 0
	}
	return uint32(d / time.Second)
}
