package netem_test

import (
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/netem"
)

// everything is a chain that uses every impairment, for determinism tests.
func everything(t *testing.T) []netem.Impairment {
	t.Helper()
	chain, err := netem.ParseImpairments("loss=0.1, ge=0.05/0.3, dup=0.1/2, reorder=0.2/3, delay=20ms~5ms, corrupt=0.05/2, drop 17, corrupt 40")
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

func fates(l *netem.Link, from, to uint64) []netem.Fate {
	var fs []netem.Fate
	for n := from; n <= to; n++ {
		fs = append(fs, l.Decide(n, 100))
	}
	return fs
}

func TestLinkIsPure(t *testing.T) {
	const packets = 10000
	chain := everything(t)
	want := fates(netem.NewLink(42, "udp-echo/loss", netem.Up, chain), 1, packets)

	t.Run("same arguments, new link", func(t *testing.T) {
		got := fates(netem.NewLink(42, "udp-echo/loss", netem.Up, chain), 1, packets)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("fates differ (-first +second):\n%s", cmp.Diff(want, got))
		}
	})
	t.Run("backwards", func(t *testing.T) {
		l := netem.NewLink(42, "udp-echo/loss", netem.Up, chain)
		for n := uint64(packets); n >= 1; n-- {
			if got := l.Decide(n, 100); !reflect.DeepEqual(got, want[n-1]) {
				t.Fatalf("#%d: got %v, want %v", n, got, want[n-1])
			}
		}
	})
	t.Run("one link, many goroutines", func(t *testing.T) {
		// Interleavings differ from run to run; the fates must not.
		l := netem.NewLink(42, "udp-echo/loss", netem.Up, chain)
		const workers = 8
		got := make([]netem.Fate, packets)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for n := w + 1; n <= packets; n += workers {
					got[n-1] = l.Decide(uint64(n), 100)
				}
			})
		}
		wg.Wait()
		if !reflect.DeepEqual(want, got) {
			t.Errorf("fates differ (-sequential +concurrent):\n%s", cmp.Diff(want, got))
		}
	})
}

func TestLinkDependsOnSeedKeyDirection(t *testing.T) {
	chain := everything(t)
	base := fates(netem.NewLink(42, "udp-echo/loss", netem.Up, chain), 1, 1000)
	for _, tt := range []struct {
		name string
		link *netem.Link
	}{
		{"seed", netem.NewLink(43, "udp-echo/loss", netem.Up, chain)},
		{"key", netem.NewLink(42, "udp-echo/timeout", netem.Up, chain)},
		{"direction", netem.NewLink(42, "udp-echo/loss", netem.Down, chain)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			other := fates(tt.link, 1, 1000)
			if reflect.DeepEqual(base, other) {
				t.Fatalf("changing the %s changed no fate", tt.name)
			}
			// Delays are drawn from a continuous range: two independent
			// streams agree on one by chance almost never.
			same := 0
			for i := range base {
				if !base[i].Drop && base[i].Delay == other[i].Delay {
					same++
				}
			}
			if same > 0 {
				t.Errorf("changing the %s left %d delays the same", tt.name, same)
			}
		})
	}
}

func TestAddingAnImpairmentKeepsTheOthers(t *testing.T) {
	drops := func(spec string) []uint64 {
		chain, err := netem.ParseImpairments(spec)
		if err != nil {
			t.Fatal(err)
		}
		l := netem.NewLink(7, "k", netem.Up, chain)
		var ns []uint64
		for n := uint64(1); n <= 5000; n++ {
			if f := l.Decide(n, 64); f.Drop {
				ns = append(ns, n)
			}
		}
		return ns
	}
	want := drops("loss=0.3")
	for _, spec := range []string{
		"dup=0.1, loss=0.3",
		"reorder=0.5/2, delay=10ms~10ms, loss=0.3, corrupt=0.2",
		"loss=0.3, dup=0.5",
	} {
		if diff := cmp.Diff(want, drops(spec)); diff != "" {
			t.Errorf("%q drops other packets than loss=0.3 (-want +got):\n%s", spec, diff)
		}
	}
	// A second loss has its own stream: it drops more, never fewer.
	if got := drops("loss=0.3, loss=0.3"); len(got) <= len(want) {
		t.Errorf("two losses dropped %d packets, one dropped %d", len(got), len(want))
	}
}

func TestLossRate(t *testing.T) {
	const packets = 100_000
	for _, p := range []float64{0.01, 0.3, 0.9} {
		l := netem.NewLink(1, "rate", netem.Up, []netem.Impairment{netem.Loss{P: p}})
		lost := 0
		for n := uint64(1); n <= packets; n++ {
			if l.Decide(n, 10).Drop {
				lost++
			}
		}
		// Six standard deviations: deterministic anyway, but a broken
		// generator would not get this close.
		rate, sigma := float64(lost)/packets, math.Sqrt(p*(1-p)/packets)
		if math.Abs(rate-p) > 6*sigma {
			t.Errorf("loss p=%v: measured %.4f", p, rate)
		}
	}
}

func TestGilbertElliott(t *testing.T) {
	const packets = 200_000
	ge := netem.GilbertElliott{P: 0.05, R: 0.3}
	l := netem.NewLink(1, "bursts", netem.Down, []netem.Impairment{ge})
	lost, bursts := 0, 0
	prev := false
	var seq []bool
	for n := uint64(1); n <= packets; n++ {
		drop := l.Decide(n, 10).Drop
		seq = append(seq, drop)
		if drop {
			lost++
			if !prev {
				bursts++
			}
		}
		prev = drop
	}
	// With H=0 and K=1 the loss rate is the time spent in the bad state,
	// P/(P+R), and a burst lasts 1/R packets on average.
	rate, wantRate := float64(lost)/packets, ge.P/(ge.P+ge.R)
	if math.Abs(rate-wantRate) > 0.01 {
		t.Errorf("loss rate %.4f, want about %.4f", rate, wantRate)
	}
	burst, wantBurst := float64(lost)/float64(bursts), 1/ge.R
	if math.Abs(burst-wantBurst) > 0.1*wantBurst {
		t.Errorf("mean burst %.2f packets, want about %.2f", burst, wantBurst)
	}

	// Random access walks the same chain: a fresh link asked for packets
	// in any order agrees with the sequential walk.
	fresh := netem.NewLink(1, "bursts", netem.Down, []netem.Impairment{ge})
	for _, n := range []uint64{150_000, 3, 100_000, 2048, 2049, 1, 199_999} {
		if got := fresh.Decide(n, 10).Drop; got != seq[n-1] {
			t.Errorf("#%d: random access says drop=%v, sequential %v", n, got, seq[n-1])
		}
	}
}

func TestRandIsRandomAccess(t *testing.T) {
	a := netem.Rand(1, "k", netem.Up, "loss/0", 5000).Uint64()
	b := netem.Rand(1, "k", netem.Up, "loss/0", 5000).Uint64()
	if a != b {
		t.Errorf("same arguments, different numbers: %x, %x", a, b)
	}
	// Neighbouring packets and streams split by a different boundary must
	// not share numbers.
	seen := map[uint64]string{}
	for _, tt := range []struct {
		key, stream string
		n           uint64
	}{{"k", "loss/0", 1}, {"k", "loss/0", 2}, {"kl", "oss/0", 1}, {"k", "loss/1", 1}, {"", "", 0}} {
		x := netem.Rand(1, tt.key, netem.Up, tt.stream, tt.n).Uint64()
		name := fmt.Sprint(tt)
		if other, ok := seen[x]; ok {
			t.Errorf("%s and %s give the same first number", name, other)
		}
		seen[x] = name
	}
}

func TestFateString(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   netem.Fate
		want string
	}{
		{"zero", netem.Fate{}, "delivered"},
		{"dropped", netem.Fate{Drop: true, Why: []string{"loss p=0.30"}}, "dropped (loss p=0.30)"},
		{"duplicated", netem.Fate{Copies: 1}, "duplicated x2"},
		{"held", netem.Fate{Hold: 1}, "held for 1"},
		{"delayed", netem.Fate{Delay: 20 * time.Millisecond}, "delayed 20ms"},
		{"corrupted", netem.Fate{Flip: []int{17}}, "corrupted bit 17"},
		{"corrupted twice", netem.Fate{Flip: []int{3, 40}}, "corrupted bits 3, 40"},
		{"several", netem.Fate{Copies: 2, Hold: 1, Why: []string{"dup p=0.10", "reorder p=0.20 gap=1"}},
			"duplicated x3, held for 1 (dup p=0.10; reorder p=0.20 gap=1)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A held packet's log line says when it went out, which a count of later
// packets decides the moment it arrives.
func TestEventStringNamesRelease(t *testing.T) {
	from := netip.MustParseAddrPort("127.0.0.1:12000")
	to := netip.MustParseAddrPort("127.0.0.1:5000")
	ev := netem.Event{Dir: netem.Down, N: 2, Size: 5, From: from, To: to,
		Fate: netem.Fate{Hold: 2, Why: []string{"script: hold for 2"}}}
	want := "down #2 127.0.0.1:12000 -> 127.0.0.1:5000 5 bytes: held for 2 (script: hold for 2), sent after down #4"
	if got := ev.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	ev.Fate = netem.Fate{Drop: true, Hold: 1}
	if got := ev.String(); strings.Contains(got, "sent after") {
		t.Errorf("a dropped packet is never sent: %q", got)
	}
}

func TestLinkWhy(t *testing.T) {
	chain, err := netem.ParseImpairments("dup=1, loss=1")
	if err != nil {
		t.Fatal(err)
	}
	// A dropped packet has no copies, and only the drop is explained.
	got := netem.NewLink(1, "k", netem.Up, chain).Decide(1, 10)
	want := netem.Fate{Drop: true, Why: []string{"loss p=1.00"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCorruptFlipsBits(t *testing.T) {
	f := netem.Fate{Flip: []int{0, 15, 800}}
	in := []byte{0x00, 0x00}
	got := f.Corrupt(in)
	if want := []byte{0x80, 0x01}; !cmp.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
	if in[0] != 0 {
		t.Errorf("Corrupt changed its input")
	}
}
