package netem

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// An Impairment decides part of a packet's fate. It is a small config value:
// Decide may read only p and r, so that the decision is a pure function of
// the stream r was derived from (see [Rand]). r is valid only during the call.
type Impairment interface {
	// Decide adds this impairment's verdict on p to f, and says why in f.Why.
	Decide(p Packet, r *rand.Rand, f *Fate)
	// String returns the impairment in ParseImpairments syntax: "loss=0.3".
	String() string
}

// A Markov impairment has hidden state that moves once per packet, like the
// good and bad states of GilbertElliott. Its decision for packet n depends on
// packets 1..n-1, which Decide alone cannot see; a [Link] therefore walks the
// chain itself, calling Move once per packet with that packet's own stream,
// and then asks DecideIn. The state after packet n is thus still a pure
// function of (seed, key, direction, n).
type Markov interface {
	Impairment
	// Move returns the state in which the next packet is sent, given the
	// state of the one before. The state before packet #1 is 0.
	Move(state int, r *rand.Rand) int
	// DecideIn is Decide for a packet sent in the given state.
	DecideIn(state int, p Packet, r *rand.Rand, f *Fate)
}

// Interface guards.
var (
	_ Impairment = (*Loss)(nil)
	_ Markov     = (*GilbertElliott)(nil)
	_ Impairment = (*Duplicate)(nil)
	_ Impairment = (*Reorder)(nil)
	_ Impairment = (*Delay)(nil)
	_ Impairment = (*Corrupt)(nil)
	_ Impairment = (*Script)(nil)
)

// Loss drops each packet independently (Bernoulli loss).
type Loss struct {
	P float64 // probability that a packet is lost; default 0
}

func (l Loss) Decide(p Packet, r *rand.Rand, f *Fate) {
	// One draw compared with P: raising P drops a superset of the packets a
	// lower P drops, so checks stay monotone in the loss rate.
	if r.Float64() < l.P {
		f.Drop = true
		f.Why = append(f.Why, "loss p="+formatP(l.P))
	}
}

func (l Loss) String() string { return "loss=" + fmtFloat(l.P) }

// GilbertElliott is bursty loss: a two-state Markov chain that moves between
// a good and a bad state once per packet, and loses packets at a different
// rate in each. With the defaults (H=0, K=1) every packet sent in the bad
// state is lost and none in the good one, so losses come in bursts of 1/R
// packets on average, and the long-run loss rate is P/(P+R).
type GilbertElliott struct {
	P float64 // probability of moving from good to bad, per packet; default 0
	R float64 // probability of moving from bad to good, per packet; 0 means 0.5
	H float64 // probability that a packet sent in the bad state gets through; default 0
	K float64 // probability that a packet sent in the good state gets through; 0 means 1
}

// GilbertElliott states.
const (
	geGood = 0
	geBad  = 1
)

func (g GilbertElliott) r() float64 {
	if g.R == 0 {
		return 0.5
	}
	return g.R
}

func (g GilbertElliott) k() float64 {
	if g.K == 0 {
		return 1
	}
	return g.K
}

func (g GilbertElliott) Move(state int, r *rand.Rand) int {
	u := r.Float64()
	if state == geBad {
		if u < g.r() {
			return geGood
		}
		return geBad
	}
	if u < g.P {
		return geBad
	}
	return geGood
}

func (g GilbertElliott) DecideIn(state int, p Packet, r *rand.Rand, f *Fate) {
	through, name := g.k(), "good"
	if state == geBad {
		through, name = g.H, "bad"
	}
	if r.Float64() >= through {
		f.Drop = true
		f.Why = append(f.Why, "ge loss in "+name+" state")
	}
}

// Decide, without a Link to walk the chain, cannot know the state; it draws
// one from the chain's long-run distribution. The loss rate is right but the
// bursts are gone. A Link uses Move and DecideIn instead.
func (g GilbertElliott) Decide(p Packet, r *rand.Rand, f *Fate) {
	state := geGood
	if sum := g.P + g.r(); sum > 0 && r.Float64() < g.P/sum {
		state = geBad
	}
	g.DecideIn(state, p, r, f)
}

func (g GilbertElliott) String() string {
	return "ge=" + fmtFloats(g.P, g.R, g.H, g.K)
}

// Duplicate delivers extra copies of a packet.
type Duplicate struct {
	P      float64 // probability that a packet is duplicated; default 0
	Copies int     // extra copies of a duplicated packet; 0 means 1
}

func (d Duplicate) Decide(p Packet, r *rand.Rand, f *Fate) {
	if r.Float64() < d.P {
		f.Copies += max(d.Copies, 1)
		f.Why = append(f.Why, "dup p="+formatP(d.P))
	}
}

func (d Duplicate) String() string { return "dup=" + fmtFloats(d.P, float64(d.Copies)) }

// Reorder holds a packet back until Gap later packets of its direction have
// gone by. It counts packets, never time: "held for 1" swaps a packet with
// the next one on every run.
type Reorder struct {
	P   float64 // probability that a packet is held back; default 0
	Gap int     // later packets to let pass first; 0 means 1
}

func (o Reorder) Decide(p Packet, r *rand.Rand, f *Fate) {
	if r.Float64() < o.P {
		gap := max(o.Gap, 1)
		f.Hold = max(f.Hold, gap)
		f.Why = append(f.Why, "reorder p="+formatP(o.P)+" gap="+strconv.Itoa(gap))
	}
}

func (o Reorder) String() string { return "reorder=" + fmtFloats(o.P, float64(o.Gap)) }

// Delay delivers every packet late. Jitter is drawn per packet from the
// packet's stream, so the amount is reproducible; packets whose delays
// differ by more than their spacing arrive out of order, as on a real path.
type Delay struct {
	Delay  time.Duration // added to every packet; default 0
	Jitter time.Duration // uniform spread in [-Jitter, +Jitter]; default 0
}

func (d Delay) Decide(p Packet, r *rand.Rand, f *Fate) {
	delay := d.Delay
	if d.Jitter > 0 {
		// Whole microseconds: the log stays readable, and no timer is finer.
		delay += time.Duration((2*r.Float64()-1)*float64(d.Jitter/time.Microsecond)) * time.Microsecond
	}
	if delay <= 0 {
		return
	}
	f.Delay += delay
	f.Why = append(f.Why, "delay "+d.spec())
}

func (d Delay) spec() string {
	s := d.Delay.String()
	if d.Jitter != 0 {
		s += "~" + d.Jitter.String()
	}
	return s
}

func (d Delay) String() string { return "delay=" + d.spec() }

// Corrupt flips bits in a packet, which is what a checksum should catch.
type Corrupt struct {
	P    float64 // probability that a packet is corrupted; default 0
	Bits int     // distinct bits flipped in a corrupted packet; 0 means 1
}

func (c Corrupt) Decide(p Packet, r *rand.Rand, f *Fate) {
	if p.Size <= 0 || r.Float64() >= c.P {
		return
	}
	f.Flip = append(f.Flip, pickBits(r, 8*p.Size, max(c.Bits, 1))...)
	f.Why = append(f.Why, "corrupt p="+formatP(c.P))
}

func (c Corrupt) String() string { return "corrupt=" + fmtFloats(c.P, float64(c.Bits)) }

// pickBits draws k distinct offsets in [0, total), sorted.
func pickBits(r *rand.Rand, total, k int) []int {
	if k >= total {
		k = total
	}
	var bits []int
	if 2*k > total {
		bits = r.Perm(total)[:k]
	} else {
		for len(bits) < k {
			if b := r.IntN(total); !slices.Contains(bits, b) {
				bits = append(bits, b)
			}
		}
	}
	slices.Sort(bits)
	return bits
}

// fmtFloat renders a number so that ParseFloat reads back exactly the same.
func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// fmtFloats renders "a/b/c", leaving out trailing zeros (the defaults), so
// that String and the parser round-trip: "dup=0.1" rather than "dup=0.1/0".
func fmtFloats(xs ...float64) string {
	for len(xs) > 1 && xs[len(xs)-1] == 0 {
		xs = xs[:len(xs)-1]
	}
	s := fmtFloat(xs[0])
	for _, x := range xs[1:] {
		s += "/" + fmtFloat(x)
	}
	return s
}
