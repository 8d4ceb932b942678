package udpecho

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
)

// The client checks. Each runs the student's pinger against the grader's
// echo server behind the impairment proxy, with a script of fates by
// packet number: up #k is ping k, down #k is the reply to ping k (the echo
// server answers every ping it gets, once, at once).
//
// What each ping's line must say follows from its fates alone. A ping or
// reply that is dropped, or a reply held back until after the next reply
// (so it reaches the client after the client gave up and sent the next
// ping), must show "Request timed out"; every other ping must show its
// reply. No check depends on how fast the machine is: the only clock is
// the client's own timeout, and the timeout (0.5 s) is a thousand times a
// loopback round trip.

var clientChecks = []*grader.Check{
	{
		ID: "udp-echo/client/replies", Name: "Each ping's reply is reported", Points: 3,
		Requirement: `"For each ping that gets its reply within the timeout, print Reply from HOST:PORT: seq=N time=T ms"; exit status 0 when a reply arrived. (handout §3, §4)`,
		Handout:     secOutput,
		Run:         replies,
	},
	{
		ID: "udp-echo/client/ping-format", Name: "Pings are PING <seq>, one at a time", Points: 1,
		Requirement: `"Ping i is one datagram whose first two words are PING and i, for i = 1..N, sent once each, in order." (handout §3)`,
		Handout:     secClient,
		Run:         pingFormat,
	},
	{
		ID: "udp-echo/client/loss", Name: "Lost pings and replies time out", Points: 3,
		Requirement: `"If no reply arrives within the timeout, print Request timed out: seq=N and send the next ping." (handout §3)`,
		Handout:     secClient,
		Run:         loss,
	},
	{
		ID: "udp-echo/client/duplicates", Name: "Duplicate replies are ignored", Points: 2,
		Requirement: `"A reply whose sequence number is not the one awaited (a duplicate, or a late reply to an earlier ping) is ignored." (handout §3)`,
		Handout:     secClient,
		Run:         duplicates,
	},
	{
		ID: "udp-echo/client/late-reply", Name: "A reply after its timeout is not credited to a later ping", Points: 3,
		Requirement: `"A reply whose sequence number is not the one awaited (a duplicate, or a late reply to an earlier ping) is ignored." (handout §3)`,
		Handout:     secClient,
		Run:         lateReply,
	},
	{
		ID: "udp-echo/client/statistics", Name: "The statistics add up", Points: 2,
		Requirement: `"N packets transmitted, R received, L% packet loss", then "rtt min/avg/max = MIN/AVG/MAX ms" over the replies. (handout §4)`,
		Handout:     secOutput,
		Run:         statistics,
	},
	{
		ID: "udp-echo/client/rtt", Name: "Round-trip times are measured in milliseconds", Points: 2,
		Requirement: `"time=T is the round-trip time in milliseconds, from sending the ping to receiving its reply." (handout §4)`,
		Handout:     secOutput,
		Run:         rtt,
	},
	{
		ID: "udp-echo/client/waits-timeout", Name: "The client waits the whole timeout", Points: 1,
		Requirement: `"-timeout SECONDS: how long to wait for each reply, counted from sending its ping." (handout §3)`,
		Handout:     secClient,
		Run:         waitsTimeout,
	},
	{
		ID: "udp-echo/client/server-down", Name: "With the server down, every ping times out", Points: 2,
		Requirement: `"If the server does not answer at all, every ping times out, the loss is 100%, there is no rtt line, and the exit status is 1." (handout §4)`,
		Handout:     secOutput,
		Run:         serverDown,
	},
}

// timeout is the -timeout the client checks pass, in seconds.
const timeout = 0.5

// scenario is one run of the pinger.
type scenario struct {
	count    int
	up, down netem.Script  // fates by ping number
	delay    time.Duration // added to every reply
}

// run is what one scenario produced.
type run struct {
	sc      scenario
	out     pingOutput
	stdout  []byte
	exit    int
	proxy   *netem.UDPProxy
	elapsed time.Duration
}

// replied is what each ping's line must say, from the scenario's fates.
func (sc scenario) replied() []bool {
	out := make([]bool, sc.count)
	for k := range out {
		up := fate(sc.up, netem.Up, uint64(k+1))
		down := fate(sc.down, netem.Down, uint64(k+1))
		out[k] = !up.Drop && !down.Drop && down.Hold == 0
	}
	return out
}

func received(replied []bool) int {
	n := 0
	for _, r := range replied {
		if r {
			n++
		}
	}
	return n
}

func runPinger(t *grader.T, sc scenario) run {
	echo := startEcho(t)
	var down []netem.Impairment
	down = append(down, sc.down)
	if sc.delay > 0 {
		down = append(down, netem.Delay{Delay: sc.delay})
	}
	proxy := t.UDPProxy(echo, []netem.Impairment{sc.up}, down)
	start := time.Now()
	client := t.Start("client", "-server", proxy.Addr().String(),
		"-count", strconv.Itoa(sc.count), "-timeout", strconv.FormatFloat(timeout, 'f', -1, 64))
	limit := time.Duration(float64(sc.count)*timeout*float64(time.Second)) + sc.delay*time.Duration(sc.count) + 3*time.Second
	e := client.Wait(limit)
	r := run{sc: sc, stdout: client.Stdout(), exit: e.Code, proxy: proxy, elapsed: time.Since(start)}
	if e.Signal != 0 {
		t.Fatalf("your client %s", e)
	}
	r.out = parsePinger(r.stdout)
	return r
}

// expectLines fails unless the pinger printed one line per ping, in order,
// each saying what its fates imply.
func expectLines(t *grader.T, r run) {
	want := r.sc.replied()
	got := r.out.pings
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].seq == i+1 && got[i].replied == want[i]
	}
	if ok {
		return
	}
	t.Fail(grader.Failure{
		Message:  fmt.Sprintf("the ping lines are wrong for this run (%s)", r.describe()),
		Expected: expectedOutcomes(want),
		Actual:   outcomes(got) + "\n  your client printed:\n" + indent(string(r.stdout)),
	})
}

func (r run) describe() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%d pings, -timeout %g", r.sc.count, timeout))
	if s := r.sc.up.String(); s != "" {
		parts = append(parts, "pings: "+s)
	}
	if s := r.sc.down.String(); s != "" {
		parts = append(parts, "replies: "+s)
	}
	if r.sc.delay > 0 {
		parts = append(parts, fmt.Sprintf("every reply delayed %s", r.sc.delay))
	}
	return strings.Join(parts, "; ")
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func replies(t *grader.T) {
	r := runPinger(t, scenario{count: 4})
	expectLines(t, r)
	if r.exit != 0 {
		t.Fatalf("your client exited with status %d; it must exit 0 when at least one reply arrived", r.exit)
	}
}

func pingFormat(t *grader.T) {
	r := runPinger(t, scenario{count: 4})
	var seqs []string
	for _, e := range r.proxy.Events() {
		if e.Dir != netem.Up {
			continue
		}
		f := strings.Fields(string(e.Data))
		if len(f) < 2 || !strings.EqualFold(f[0], "PING") {
			t.Fail(grader.Failure{
				Message:  fmt.Sprintf("datagram #%d from your client is not a ping", e.N),
				Expected: `"PING <seq> <anything>"`,
				Actual:   grader.Quote(e.Data),
			})
		}
		seqs = append(seqs, f[1])
	}
	t.Expect("the sequence numbers of the pings, in the order sent", []string{"1", "2", "3", "4"}, seqs)
}

// pick chooses distinct ping numbers in [lo, hi] from the check's stream.
func pick(t *grader.T, n, lo, hi int) []uint64 {
	perm := t.Rand().Perm(hi - lo + 1)
	var out []uint64
	for _, p := range perm[:n] {
		out = append(out, uint64(lo+p))
	}
	return out
}

func loss(t *grader.T) {
	// One ping lost on the way there, one reply on the way back, at places
	// chosen by the seed.
	at := pick(t, 2, 1, 6)
	r := runPinger(t, scenario{count: 6, up: netem.Script{}.Drop(at[0]), down: netem.Script{}.Drop(at[1])})
	expectLines(t, r)
}

func duplicates(t *grader.T) {
	// Replies 2 and 3 arrive twice; ping 4 is lost. A client that takes any
	// datagram as the awaited reply takes the extra copy of reply 3 for
	// reply 4, and says ping 4 was answered.
	sc := scenario{count: 5, up: netem.Script{}.Drop(4), down: netem.Script{}.Dup(2).Dup(3)}
	r := runPinger(t, sc)
	expectLines(t, r)
	want := received(sc.replied())
	if s := r.out.stats; s != nil && s.received != want {
		t.Fail(grader.Failure{
			Message:  "the statistics count duplicate replies",
			Expected: fmt.Sprintf("%d received (pings answered, not datagrams)", want),
			Actual:   fmt.Sprintf("%d received", s.received),
		})
	}
}

func lateReply(t *grader.T) {
	// The reply to ping k is held until the reply to ping k+1 has gone by,
	// so it arrives after ping k timed out. Ping k+2 is lost: a client that
	// credits the stale reply to the ping it waits for says ping k+2 was
	// answered.
	k := uint64(2 + t.Rand().IntN(2))
	r := runPinger(t, scenario{count: 5, up: netem.Script{}.Drop(k + 2), down: netem.Script{}.Hold(k, 1)})
	expectLines(t, r)
}

func statistics(t *grader.T) {
	at := pick(t, 1, 1, 4)
	sc := scenario{count: 4, up: netem.Script{}.Drop(at[0])}
	r := runPinger(t, sc)
	if err := checkStats(r.out, sc.count, received(sc.replied())); err != nil {
		t.Fail(grader.Failure{
			Message: fmt.Sprintf("%v (%s)", err, r.describe()),
			Actual:  "your client printed:\n" + indent(string(r.stdout)),
		})
	}
}

func rtt(t *grader.T) {
	// Every reply is held 100 ms by the proxy: no correct measurement can
	// be shorter, and none can be longer than the client's whole run.
	const delay = 100 * time.Millisecond
	r := runPinger(t, scenario{count: 3, delay: delay})
	expectLines(t, r)
	lo := float64(delay.Milliseconds())
	hi := float64(r.elapsed.Milliseconds())
	for _, l := range r.out.pings {
		if l.rtt < lo-0.001 || l.rtt > hi {
			t.Fail(grader.Failure{
				Message: fmt.Sprintf("ping %d's round-trip time is impossible: each reply was delayed %s on its way, and the whole run took %.0f ms",
					l.seq, delay, hi),
				Expected: fmt.Sprintf("a time between %.0f and %.0f ms", lo, hi),
				Actual:   l.text,
			})
		}
	}
}

func waitsTimeout(t *grader.T) {
	// Ping 2 is lost: ping 3 must not leave before ping 2's timeout ran out.
	r := runPinger(t, scenario{count: 3, up: netem.Script{}.Drop(2)})
	var at [4]time.Time
	for _, e := range r.proxy.Events() {
		if e.Dir == netem.Up && e.N <= 3 {
			at[e.N] = e.At
		}
	}
	if at[2].IsZero() || at[3].IsZero() {
		t.Fatalf("your client sent %d pings; 3 were expected (%s)", len(r.proxy.Events()), r.describe())
	}
	gap := at[3].Sub(at[2])
	// The proxy stamps pings as it reads them; allow for it reading one of
	// them late.
	min := time.Duration(0.8 * timeout * float64(time.Second))
	if gap < min {
		t.Fail(grader.Failure{
			Message:  "ping 3 was sent before ping 2's timeout had run out",
			Expected: fmt.Sprintf("at least %.1f s between ping 2 and ping 3 (-timeout %g)", timeout, timeout),
			Actual:   fmt.Sprintf("%.3f s", gap.Seconds()),
		})
	}
}

func serverDown(t *grader.T) {
	// A port nobody listens on: the kernel answers pings with ICMP "port
	// unreachable", which a connected socket reports as an error.
	port := t.Port()
	const count = 3
	client := t.Start("client", "-server", fmt.Sprintf("127.0.0.1:%d", port),
		"-count", strconv.Itoa(count), "-timeout", strconv.FormatFloat(timeout, 'f', -1, 64))
	e := client.Wait(count*time.Duration(timeout*float64(time.Second)) + 3*time.Second)
	stdout := client.Stdout()
	out := parsePinger(stdout)
	r := run{sc: scenario{count: count, up: netem.Script{}.Drop(1).Drop(2).Drop(3)}, out: out, stdout: stdout}
	expectLines(t, r)
	if err := checkStats(out, count, 0); err != nil {
		t.Fail(grader.Failure{Message: err.Error(), Actual: "your client printed:\n" + indent(string(stdout))})
	}
	if e.Code != 1 {
		t.Fatalf("your client %s; with no reply at all the exit status must be 1", e)
	}
}
