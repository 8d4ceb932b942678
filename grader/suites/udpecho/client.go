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
// What each ping's line must say follows from what the proxy saw happen to
// the ping and its reply (judge.go): a ping or reply that is dropped, or a
// reply held back until the client has moved on, must show "Request timed
// out", and a reply delivered promptly must be reported. No check depends
// on how fast the machine is.

var clientChecks = []*grader.Check{
	{
		ID: "udp-echo/client/replies", Name: "Each ping's reply is reported", Points: 3,
		Requirement: `"For each ping that gets its reply within the timeout, print Reply from HOST:PORT: seq=N time=T ms"; exit status 0 when a reply arrived. (handout §3, §4)`,
		Handout:     secOutput,
		Run:         replies,
	},
	{
		ID: "udp-echo/client/ping-format", Name: "Each ping is PING and its number, sent once", Points: 1,
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

func replies(t *grader.T) {
	r := runPinger(t, scenario{count: 4, timeout: longTimeout})
	expectLines(t, r, r.expected())
	switch n := replyLines(r.out); {
	case n > 0 && r.exit != 0:
		t.Fatalf("your client exited with status %d; it must exit 0 when at least one reply arrived", r.exit)
	case n == 0 && r.exit != 1:
		t.Fatalf("your client exited with status %d; it must exit 1 when no reply arrived", r.exit)
	}
}

func pingFormat(t *grader.T) {
	r := runPinger(t, scenario{count: 4, timeout: longTimeout})
	var seqs []string
	for _, e := range r.events {
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
	t.Expect("the sequence numbers of the pings, in the order they were sent,", []string{"1", "2", "3", "4"}, seqs)
}

// pick chooses n distinct ping numbers in [lo, hi] from the check's stream.
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
	r := runPinger(t, scenario{count: 6, timeout: shortTimeout, up: netem.Script{}.Drop(at[0]), down: netem.Script{}.Drop(at[1])})
	expectLines(t, r, r.expected())
}

func duplicates(t *grader.T) {
	// Replies 2 and 3 arrive twice; ping 4 is lost. A client that takes any
	// datagram as the awaited reply takes the extra copy of reply 3 for
	// reply 4, and says ping 4 was answered.
	r := runPinger(t, scenario{count: 5, timeout: shortTimeout, up: netem.Script{}.Drop(4), down: netem.Script{}.Dup(2).Dup(3)})
	expectLines(t, r, r.expected())
	if s := r.out.stats; s != nil && s.received != replyLines(r.out) {
		t.Fail(grader.Failure{
			Message:  "the statistics count duplicate replies",
			Expected: fmt.Sprintf("%d received: the pings answered, not the datagrams", replyLines(r.out)),
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
	r := runPinger(t, scenario{count: 5, timeout: shortTimeout, up: netem.Script{}.Drop(k + 2), down: netem.Script{}.Hold(k, 1)})
	expectLines(t, r, r.expected())
}

func statistics(t *grader.T) {
	at := pick(t, 1, 1, 4)
	sc := scenario{count: 4, timeout: shortTimeout, up: netem.Script{}.Drop(at[0])}
	r := runPinger(t, sc)
	// The statistics must agree with the lines; the lines themselves are
	// judged by the other checks.
	if r.out.err != "" {
		t.Fail(grader.Failure{Message: fmt.Sprintf("the statistics are malformed: %s", r.out.err),
			Actual: "your client printed:\n" + printed(r.stdout)})
	}
	if err := checkStats(r.out, sc.count, replyLines(r.out)); err != nil {
		t.Fail(grader.Failure{
			Message: fmt.Sprintf("%v (%s)", err, r.describe()),
			Actual:  "your client printed:\n" + printed(r.stdout),
		})
	}
}

func rtt(t *grader.T) {
	// Every reply is held 100 ms by the proxy: no correct measurement can
	// be shorter, and none can be longer than the client's whole run.
	const delay = 100 * time.Millisecond
	r := runPinger(t, scenario{count: 3, timeout: longTimeout, delay: delay})
	expectLines(t, r, r.expected())
	if replyLines(r.out) == 0 {
		t.GraderErrorf("the grader delivered no reply in time to measure (the machine is too busy); run again")
	}
	lo := float64(delay.Milliseconds())
	hi := float64(r.elapsed.Milliseconds())
	for _, l := range r.out.pings {
		if l.replied && (l.rtt < lo-0.001 || l.rtt > hi) {
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
	// Ping 2 is lost: ping 3 must not leave before ping 2's timeout ran
	// out. The timeout is longer than the textbook's settimeout(1), so a
	// client that ignores -timeout leaves too early as well; and only the
	// lower bound is judged, which no slowness of the machine can break.
	const waits = 1.5
	r := runPinger(t, scenario{count: 3, timeout: waits, up: netem.Script{}.Drop(2)})
	var at [4]time.Time
	for _, e := range r.events {
		if e.Dir == netem.Up && e.N <= 3 {
			at[e.N] = e.At
		}
	}
	if at[2].IsZero() || at[3].IsZero() {
		t.Fatalf("your client sent fewer than 3 pings (%s)", r.describe())
	}
	// The stamps are the kernel's, taken as the client sent each ping; the
	// slack covers the client's own time between reading its clock and
	// sending.
	gap := at[3].Sub(at[2])
	if gap < seconds(waits)-100*time.Millisecond {
		t.Fail(grader.Failure{
			Message:  "ping 3 was sent before ping 2's timeout had run out",
			Expected: fmt.Sprintf("at least %.1f s between ping 2 and ping 3 (-timeout %g)", waits, waits),
			Actual:   fmt.Sprintf("%.3f s", gap.Seconds()),
		})
	}
}

func serverDown(t *grader.T) {
	// A port nobody listens on: the kernel answers pings with ICMP "port
	// unreachable", which a connected socket reports as an error.
	port := t.Port()
	const count = 3
	sc := scenario{count: count, timeout: shortTimeout}
	client := t.Start("client", "-server", fmt.Sprintf("127.0.0.1:%d", port),
		"-count", strconv.Itoa(count), "-timeout", strconv.FormatFloat(sc.timeout, 'f', -1, 64))
	e := client.Wait(sc.limit())
	stdout := client.Stdout()
	r := run{sc: sc, out: parsePinger(stdout), stdout: stdout}
	expectLines(t, r, []outcome{mustTimeOut, mustTimeOut, mustTimeOut})
	if err := checkStats(r.out, count, 0); err != nil {
		t.Fail(grader.Failure{Message: err.Error(), Actual: "your client printed:\n" + printed(stdout)})
	}
	if e.Code != 1 {
		t.Fatalf("your client %s; with no reply at all the exit status must be 1", e)
	}
}
