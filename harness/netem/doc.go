// Package netem is socklab's seeded impairment layer. It sits between a
// student's program and the grader's peer and damages traffic the way a bad
// network would (loss, duplication, reordering, delay, corruption, TCP
// segments cut to one byte) while keeping every grade reproducible.
//
// # Determinism
//
// A grader that gives a student a different score on a rerun is a bug, so
// every impairment decision is a pure function of
//
//	(seed, key, direction, stream, packet number)
//
// where key is the check id, direction is Up (client to server) or Down, the
// stream names one impairment of the chain ("loss/0", "dup/0", ...) and
// packet numbers count datagrams from 1, per direction. Nothing depends on
// wall-clock time or on goroutine scheduling:
//
//   - randomness comes from [Rand], a PCG generator seeded by hashing that
//     tuple, so the fate of packet #5000 can be computed without computing
//     #1..#4999, in any order, from any goroutine;
//   - each impairment draws from its own stream, named by its kind and by how
//     many impairments of that kind come before it, so adding a duplication
//     to a chain never changes which packets its loss drops;
//   - reordering holds a packet back until a COUNT of later packets has gone
//     by (netem's "gap"), never for a time;
//   - [GilbertElliott] loss has state, so a [Link] walks its Markov chain
//     from packet #1 with one draw per packet, remembering where it stopped;
//   - TCP toxics draw from one stream per (seed, key, direction, connection)
//     and cut the byte stream at offsets drawn from it, not at wherever the
//     kernel happened to split the reads;
//   - TCP pacing waits until the peer application has read a segment (its
//     socket's receive queue, seen through sock_diag or /proc/net/tcp, is
//     empty) instead of sleeping, so "recv returns a partial line" happens
//     on every run or on none.
//
// Delays are the one place where the clock acts: the AMOUNT of a delay is
// decided purely, a timer only carries it out. And when several clients
// share a proxy, packet numbers follow the order in which their datagrams
// arrive; a check that needs exact fates uses one client per proxy.
//
// # Impairment syntax
//
// [ParseImpairments] reads a comma-separated chain, applied left to right:
//
//	loss=P               Loss: drop with probability P ("0.3" or "30%")
//	ge=P[/R[/H[/K]]]     GilbertElliott: move good->bad with P, bad->good with R
//	                     (default 0.5); delivered in bad with H (default 0),
//	                     in good with K (default 1)
//	dup=P[/C]            Duplicate: with probability P send C extra copies (default 1)
//	reorder=P[/G]        Reorder: with probability P hold for G later packets (default 1)
//	delay=D[~J]          Delay: D plus uniform jitter in [-J, +J], e.g. 20ms~5ms
//	corrupt=P[/B]        Corrupt: with probability P flip B bits (default 1)
//	drop 3, swap 7, ...  a Script (see below); consecutive script items form one Script
//
// For example "loss=0.3, dup=0.1, reorder=0.2/1, delay=20ms~5ms, corrupt=0.01".
//
// # Script syntax
//
// A [Script] gives explicit fates by packet number, for checks that need one
// exact scenario. [ParseScript] reads items separated by commas, semicolons
// or newlines:
//
//	drop N              lose packet #N
//	dup N [xC]          deliver #N C times in all (default x2)
//	hold N for K        deliver #N right after the K-th later packet (lost
//	                    ones count too)
//	swap N              hold N for 1: #N and #N+1 arrive swapped
//	delay N [by] D      deliver #N after D, e.g. "delay 4 by 200ms"
//	corrupt N [bit B]...  flip bit B of #N (bits count from the most
//	                    significant bit of the first byte); without "bit",
//	                    one bit picked by the seeded stream
//
// # Toxic syntax (TCP)
//
// [ParseToxics] reads the same comma-separated form:
//
//	slice=N | slice=MIN-MAX   Slicer: cut the stream into segments of MIN..MAX bytes
//	latency=D[~J]             Latency: hold each segment for D plus jitter
//	reset=N                   Reset: RST the connection after N bytes
//	halfclose=N               HalfClose: FIN after N bytes, discard the rest
//	limit=N                   Limit: N bytes, then close both ways
//
// # Proxies and writers
//
// [NewUDPProxy] forwards datagrams between clients and a target, one
// upstream socket per client like a NAT, applying a [Link] per direction.
// [NewTCPProxy] pumps both directions of each connection through a chain of
// [Toxic]s. [NewSegmentWriter] and [Chain] apply the same toxics to a
// connection the grader owns, without a proxy.
package netem
