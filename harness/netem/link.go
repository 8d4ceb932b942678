package netem

import (
	"math/rand/v2"
	"sync"
)

// A Link is one direction of an impaired path: a seed, a key (the check id),
// a direction and a chain of impairments applied in order. Decide is a pure
// function of those and the packet number; a Link is safe for concurrent use.
type Link struct {
	dir   Direction
	chain []Impairment
	ids   []uint64 // decision stream of each impairment
	mu    sync.Mutex
	walks []*walk // Markov chain position of each impairment (nil if not Markov)
}

// A walk remembers how far a Link has walked one Markov impairment, so that
// Decide with growing packet numbers costs one step each. It also keeps the
// state every walkStride packets, so that going back costs at most a stride.
// Going forward to packet n costs n steps: fine for the thousands of packets
// of a check, not for arbitrary 64-bit packet numbers.
type walk struct {
	id    uint64 // the move stream
	n     uint64
	state int
	marks []int // marks[i] is the state after packet i*walkStride
	pcg   *rand.PCG
	r     *rand.Rand // draws from pcg, reseeded for each packet
}

const walkStride = 256

// NewLink returns the link for one direction. Each impairment draws from its
// own stream, named by its kind and by how many impairments of that kind
// come before it ("loss/0", "dup/0", "loss/1"): adding or removing an
// impairment of another kind never changes an impairment's decisions.
func NewLink(seed uint64, key string, dir Direction, chain []Impairment) *Link {
	l := &Link{dir: dir, chain: chain}
	for i, name := range streamNames(chain) {
		l.ids = append(l.ids, streamID(seed, key, dir, name))
		var w *walk
		if _, ok := chain[i].(Markov); ok {
			pcg := new(rand.PCG)
			w = &walk{id: streamID(seed, key, dir, name+"/move"), marks: []int{0}, pcg: pcg, r: rand.New(pcg)}
		}
		l.walks = append(l.walks, w)
	}
	return l
}

// Decide returns the fate of packet n (from 1) of size bytes. Once an
// impairment drops the packet, later ones are not asked (a lost packet has
// no copies or delay) and the fate names only the impairment that dropped it.
func (l *Link) Decide(n uint64, size int) Fate {
	p := Packet{Dir: l.dir, N: n, Size: size}
	var f Fate
	for i, imp := range l.chain {
		r := randAt(l.ids[i], n)
		before := len(f.Why)
		if m, ok := imp.(Markov); ok {
			m.DecideIn(l.stateAt(i, m, n), p, r, &f)
		} else {
			imp.Decide(p, r, &f)
		}
		if f.Drop {
			return Fate{Drop: true, Why: f.Why[before:]}
		}
	}
	return f
}

// stateAt walks impairment i's chain to packet n.
func (l *Link) stateAt(i int, m Markov, n uint64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.walks[i]
	if n < w.n {
		// Go back to the last mark at or before n; every mark up to w.n exists.
		j := n / walkStride
		w.n, w.state = j*walkStride, w.marks[j]
	}
	for w.n < n {
		w.n++
		seedAt(w.pcg, w.id, w.n)
		w.state = m.Move(w.state, w.r)
		if w.n%walkStride == 0 && w.n/walkStride == uint64(len(w.marks)) {
			w.marks = append(w.marks, w.state)
		}
	}
	return w.state
}
