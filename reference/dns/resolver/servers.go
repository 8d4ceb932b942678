package main

import (
	"context"
	"net/netip"
	"slices"

	"github.com/socklab/socklab/reference/dns/message"
)

// servers are the name servers of one zone, as far as they are known.
type servers struct {
	zone  string       // the zone they serve, canonical: what their replies may speak for
	addrs []netip.Addr // the addresses known, from glue or from the cache
	hosts []string     // the servers whose address is not known (yet)
}

// closest returns the best servers to ask about name (RFC 1034 §5.3.3
// step 2): those of the closest zone at or above name whose NS records,
// and the address of at least one of its servers, are in the cache. When
// the cache knows none, the root servers of the hints. So a resolver
// that has learnt example.org's servers from one referral asks them about
// every other name in example.org, without asking the root and the org
// servers again.
func (rs *resolution) closest(name string) servers {
	for zone := canonical(name); ; zone = parent(zone) {
		if ns := rs.cache.get(zone, message.TypeNS, rankReferral); ns != nil {
			if srv := rs.serversOf(zone, ns, nil); len(srv.addrs) > 0 {
				return srv
			}
		}
		if zone == "." {
			return servers{zone: ".", addrs: rs.roots}
		}
	}
}

// serversOf returns the servers of zone that the NS records ns name, with
// the address of each from glue, the A records of a referral, or else from
// the cache. Glue comes first: with TTL 0 it is in no cache, and it is
// what the referral meant.
func (rs *resolution) serversOf(zone string, ns, glue []message.Record) servers {
	srv := servers{zone: zone}
	for _, r := range ns {
		host := r.Data.(*message.NS).Host
		addrs := recordsOf(glue, host, message.TypeA)
		if len(addrs) == 0 {
			addrs = rs.cache.get(host, message.TypeA, rankReferral)
		}
		if len(addrs) == 0 {
			srv.hosts = append(srv.hosts, host)
		}
		for _, a := range addrs {
			if addr := a.Data.(*message.A).Addr; !slices.Contains(srv.addrs, addr) {
				srv.addrs = append(srv.addrs, addr)
			}
		}
	}
	return srv
}

// addressOf looks up the address of a server of zone whose name came
// without one: a "glueless" delegation, such as example.org's servers
// being ns1.example.net. "A name server whose name comes without an
// address in the referral is looked up first, from the root, like any
// other name": in a
// nested resolution, which shares the cache and the stub's deadline. It
// returns no address when the lookup fails.
func (rs *resolution) addressOf(ctx context.Context, host, zone string) []netip.Addr {
	if inZone(host, zone) {
		// ns.example.org as a server of example.org, without glue: to
		// find its address, the resolver would have to ask the servers
		// of example.org, which is why it is looking for it.
		rs.logf("%s: a server of %s, inside it, without glue: skipped", host, zone)
		return nil
	}
	if rs.depth >= maxDepth {
		// Server names whose servers' names have no glue, and so on:
		// this ends somewhere, or loops. Give up on this one.
		rs.logf("%s: too many nested lookups of servers' addresses: skipped", host)
		return nil
	}
	nested := &resolution{resolver: rs.resolver, depth: rs.depth + 1}
	var addrs []netip.Addr
	for _, r := range nested.resolve(ctx, host, message.TypeA).records {
		if a, ok := r.Data.(*message.A); ok {
			addrs = append(addrs, a.Addr)
		}
	}
	return addrs
}
