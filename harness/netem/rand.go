package netem

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
)

// Rand returns the random stream for one decision: packet n of one direction
// of the check key, as seen by the impairment named stream, under seed.
//
// It is random access: Rand(seed, key, dir, stream, 5000) does not depend on
// whether packets 1..4999 were ever looked at, and two calls with the same
// arguments return generators that produce the same numbers. That is what
// makes a fate a pure function rather than the product of a shared generator
// whose state depends on who called it first.
func Rand(seed uint64, key string, dir Direction, stream string, n uint64) *rand.Rand {
	return randAt(streamID(seed, key, dir, stream), n)
}

// streamID hashes everything but the packet number. A Link computes it once
// per impairment and then only mixes in n.
func streamID(seed uint64, key string, dir Direction, stream string) uint64 {
	// FNV-1a over a length-prefixed encoding, so ("ab","c") and ("a","bc")
	// name different streams.
	h := uint64(14695981039346656037)
	write := func(b []byte) {
		for _, c := range b {
			h ^= uint64(c)
			h *= 1099511628211
		}
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], seed)
	write(buf[:])
	for _, s := range []string{key, dir.String(), stream} {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		write(buf[:])
		write([]byte(s))
	}
	return mix64(h)
}

// randAt derives the generator for packet n of a stream. FNV alone is a weak
// hash, and PCG started from neighbouring states gives correlated first
// outputs, so both PCG seeds go through a full-avalanche mixer: consecutive
// packet numbers get unrelated generators.
func randAt(id, n uint64) *rand.Rand {
	pcg := new(rand.PCG)
	seedAt(pcg, id, n)
	return rand.New(pcg)
}

// seedAt points pcg at packet n of a stream. Reseeding one generator is how
// a Link walks a Markov chain without allocating at every step.
func seedAt(pcg *rand.PCG, id, n uint64) {
	hi := mix64(id + n*0x9e3779b97f4a7c15)
	lo := mix64(hi ^ id ^ 0xd1b54a32d192ed03)
	pcg.Seed(hi, lo)
}

// mix64 is the splitmix64 finalizer: a bijection on uint64 in which every
// input bit affects every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// streamNames names the random stream of each impairment or toxic of a
// chain: its kind and how many of that kind come before it.
func streamNames[T fmt.Stringer](chain []T) []string {
	names := make([]string, len(chain))
	seen := map[string]int{}
	for i, x := range chain {
		k := kindOf(x)
		names[i] = fmt.Sprintf("%s/%d", k, seen[k])
		seen[k]++
	}
	return names
}
