package netem_test

import (
	"fmt"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/netem"
)

// startUDPProxy starts a proxy in front of target and closes it at cleanup.
func startUDPProxy(t *testing.T, cfg netem.UDPConfig) *netem.UDPProxy {
	t.Helper()
	p, err := netem.NewUDPProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func script(t *testing.T, text string) []netem.Impairment {
	t.Helper()
	chain, err := netem.ParseImpairments(text)
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

func numbered(prefix string, n int) []string {
	var msgs []string
	for i := 1; i <= n; i++ {
		msgs = append(msgs, fmt.Sprintf("%s%d", prefix, i))
	}
	return msgs
}

// Each test sends a last datagram "end" that no script touches: once its echo
// is back, every earlier fate has been carried out, so the test never waits
// for a timeout to prove that something did not arrive.
func TestUDPProxyScriptedFates(t *testing.T) {
	checkNoLeaks(t)
	for _, tt := range []struct {
		name     string
		up, down string
		want     []string
	}{
		{
			name: "nothing",
			want: []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "end"},
		},
		{
			name: "up",
			up:   "drop 3, dup 5, swap 7, corrupt 9 bit 0",
			want: []string{"p1", "p2", "p4", "p5", "p5", "p6", "p8", "p7", "\xf09", "p10", "end"},
		},
		{
			name: "down",
			down: "drop 1, dup 2 x3, hold 4 for 3, corrupt 10 bit 15",
			want: []string{"p2", "p2", "p2", "p3", "p5", "p6", "p7", "p4", "p8", "p9", "p00", "end"},
		},
		{
			name: "both",
			up:   "swap 1",
			down: "swap 1",
			want: []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "end"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startUDPProxy(t, netem.UDPConfig{
				Target: startUDPEcho(t).String(),
				Seed:   1,
				Key:    t.Name(),
				Up:     script(t, tt.up),
				Down:   script(t, tt.down),
			})
			c := newUDPClient(t, p.Addr())
			c.send(append(numbered("p", 10), "end")...)
			got := c.readUntil("end")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("client received (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUDPProxyEvents(t *testing.T) {
	checkNoLeaks(t)
	echo := startUDPEcho(t)
	p := startUDPProxy(t, netem.UDPConfig{
		Target: echo.String(),
		Key:    t.Name(),
		Up:     script(t, "drop 2, dup 3, corrupt 4 bit 7"),
	})
	c := newUDPClient(t, p.Addr())
	c.send("a", "b", "c", "d", "end")
	c.readUntil("end")

	var got []string
	for _, ev := range only(netem.Up, p.Events()) {
		if ev.From.Port() == 0 || ev.To != echo || ev.Size != len(ev.Data) || ev.Conn != 1 {
			t.Errorf("event %v: bad addresses, size or client", ev)
		}
		got = append(got, fmt.Sprintf("#%d %q %v", ev.N, ev.Data, ev.Fate))
	}
	want := []string{
		`#1 "a" delivered`,
		`#2 "b" dropped (script: drop)`,
		`#3 "c" duplicated x2 (script: dup x2)`,
		`#4 "d" corrupted bit 7 (script: corrupt)`, // Data is as received
		`#5 "end" delivered`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("up events (-want +got):\n%s", diff)
	}
	// Down: every reply that came back, numbered in arrival order.
	var down []string
	for _, ev := range only(netem.Down, p.Events()) {
		down = append(down, fmt.Sprintf("#%d %q", ev.N, ev.Data))
	}
	if want := []string{`#1 "a"`, `#2 "c"`, `#3 "c"`, `#4 "e"`, `#5 "end"`}; !reflect.DeepEqual(want, down) {
		t.Errorf("down events: got %v, want %v", down, want)
	}
}

func TestUDPProxyIsPerClient(t *testing.T) {
	checkNoLeaks(t)
	p := startUDPProxy(t, netem.UDPConfig{Target: startUDPEcho(t).String(), Key: t.Name()})
	a, b := newUDPClient(t, p.Addr()), newUDPClient(t, p.Addr())
	a.send("a1")
	b.send("b1")
	a.send("a2", "a-end")
	b.send("b2", "b-end")
	if got, want := a.readUntil("a-end"), []string{"a1", "a2", "a-end"}; !reflect.DeepEqual(got, want) {
		t.Errorf("client a received %q, want %q", got, want)
	}
	if got, want := b.readUntil("b-end"), []string{"b1", "b2", "b-end"}; !reflect.DeepEqual(got, want) {
		t.Errorf("client b received %q, want %q", got, want)
	}
	clients := map[int]netip.AddrPort{}
	for _, ev := range only(netem.Up, p.Events()) {
		if prev, ok := clients[ev.Conn]; ok && prev != ev.From {
			t.Errorf("client %d sent from %v and %v", ev.Conn, prev, ev.From)
		}
		clients[ev.Conn] = ev.From
	}
	if len(clients) != 2 {
		t.Errorf("events name clients %v, want 1 and 2", clients)
	}
}

func TestUDPProxyReproducible(t *testing.T) {
	checkNoLeaks(t)
	echo := startUDPEcho(t)
	const packets = 200
	run := func(seed uint64) []string {
		log := newEventLog()
		p := startUDPProxy(t, netem.UDPConfig{
			Target:  echo.String(),
			Seed:    seed,
			Key:     "udp-echo/loss",
			Up:      script(t, "loss=0.3, dup=0.1, reorder=0.1/2, corrupt=0.1"),
			OnEvent: log.on,
		})
		c := newUDPClient(t, p.Addr())
		// In batches, so that a slow proxy (-race, a busy machine) never lets
		// the kernel drop datagrams from its full receive buffer.
		msgs := numbered("p", packets)
		var evs []netem.Event
		for i := 0; i < packets; i += 20 {
			c.send(msgs[i : i+20]...)
			evs = log.waitFor(t, "a batch of packets up", count(netem.Up, i+20))
		}
		p.Close()
		var fates []string
		for _, ev := range only(netem.Up, evs) {
			fates = append(fates, fmt.Sprintf("#%d %s", ev.N, ev.Fate))
		}
		return fates
	}
	first, again, other := run(1), run(1), run(2)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("same seed, different fates (-first +again):\n%s", diff)
	}
	if reflect.DeepEqual(first, other) {
		t.Errorf("seeds 1 and 2 gave the same fates")
	}
}

func TestUDPProxyDelay(t *testing.T) {
	checkNoLeaks(t)
	p := startUDPProxy(t, netem.UDPConfig{Target: startUDPEcho(t).String(), Key: t.Name(), Down: script(t, "delay 1 by 30ms")})
	c := newUDPClient(t, p.Addr())
	start := time.Now()
	c.send("slow")
	c.readUntil("slow")
	// A delay is a lower bound; how much later the packet arrives is the
	// scheduler's business, so the test checks no upper bound.
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("delayed reply came back after %v, want at least 30ms", elapsed)
	}
	if f := only(netem.Down, p.Events())[0].Fate; f.Delay != 30*time.Millisecond {
		t.Errorf("fate %v, want delayed 30ms", f)
	}
}

func TestUDPProxyCloseReportsHeldPackets(t *testing.T) {
	checkNoLeaks(t)
	p := startUDPProxy(t, netem.UDPConfig{Target: startUDPEcho(t).String(), Key: t.Name(), Up: script(t, "hold 2 for 5, delay 3 by 1h")})
	c := newUDPClient(t, p.Addr())
	c.send("p1", "p2", "p3", "end")
	c.readUntil("end")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	var closing []string
	for _, ev := range p.Events() {
		if ev.Note != "" {
			closing = append(closing, fmt.Sprintf("%s #%d %s: %s", ev.Dir, ev.N, ev.Fate, ev.Note))
		}
	}
	slices.Sort(closing)
	want := []string{
		"up #2 dropped (still held at close): dropped at close",
		"up #3 dropped (still delayed at close): dropped at close",
	}
	if diff := cmp.Diff(want, closing); diff != "" {
		t.Errorf("events at close (-want +got):\n%s", diff)
	}
}

func TestUDPProxyNeedsTarget(t *testing.T) {
	_, err := netem.NewUDPProxy(netem.UDPConfig{})
	if err == nil || !strings.HasPrefix(err.Error(), "netem: ") {
		t.Errorf("NewUDPProxy without target: %v", err)
	}
}

// The times a check reasons with: a datagram's At lies within the sendto
// that sent it (the kernel's receive stamp, not when the proxy read it),
// and a delivered packet's Released and Delivered bracket its write.
func TestUDPProxyEventTimes(t *testing.T) {
	echo := startUDPEcho(t)
	p := startUDPProxy(t, netem.UDPConfig{Target: echo.String(), Key: "times", Down: script(t, "drop 2")})
	c := newUDPClient(t, p.Addr())
	var sent [2][2]time.Time
	for i, m := range []string{"one", "two"} {
		sent[i][0] = time.Now()
		c.send(m)
		sent[i][1] = time.Now()
	}
	c.send("three")
	c.readUntil("three")

	// The client may see a reply before the proxy notes that its write
	// returned; wait for the note.
	events := p.Events()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); events = p.Events() {
		pending := 0
		for _, e := range events {
			if !e.Released.IsZero() && e.Delivered.IsZero() {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		runtime.Gosched()
	}
	var up, down []netem.Event
	for _, e := range events {
		if e.Dir == netem.Up {
			up = append(up, e)
		} else {
			down = append(down, e)
		}
	}
	if len(up) != 3 || len(down) != 3 {
		t.Fatalf("events:\n%s", eventLines(p.Events()))
	}
	for i := range 2 {
		if up[i].At.Before(sent[i][0].Round(0)) || up[i].At.After(sent[i][1].Round(0)) {
			t.Errorf("up #%d stamped %v, sent between %v and %v", i+1, up[i].At, sent[i][0], sent[i][1])
		}
	}
	for _, e := range append(up, down[0], down[2]) {
		if e.Released.IsZero() || e.Delivered.Before(e.Released) || e.Released.Before(e.At) {
			t.Errorf("%s: at %v, released %v, delivered %v", e, e.At, e.Released, e.Delivered)
		}
	}
	if !down[1].Released.IsZero() {
		t.Errorf("the dropped reply has a delivery time: %v", down[1].Released)
	}
}
