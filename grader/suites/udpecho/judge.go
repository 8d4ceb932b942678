package udpecho

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/netem"
)

// Judging a pinger run.
//
// What a ping's line must say follows from what happened on the wire, as
// the proxy saw it, never from how fast the machine was:
//
//   - if the reply to ping k never reached the client, or reached it only
//     after the client had sent ping k+1 (so the client had already
//     printed ping k's line without it), the line must say "timed out";
//   - if the reply reached the client within half the timeout of ping k
//     being sent, the line must give the reply: a correct client cannot
//     have given up yet;
//   - in between, the grader itself was slow (a loaded machine delays the
//     proxy), and either line is right.
//
// "Sent" is the kernel's receive stamp of the ping at the proxy, which on
// loopback is when the client's sendto ran; "reached" is bracketed by the
// proxy's write of the reply. The scripted fates (drops, holds) produce the
// first case on every run, on any machine.

// The -timeout the client checks pass, in seconds. A check whose script
// loses pings waits out a timeout for each, so it uses a short one; a
// check where every reply should arrive uses a long one, which costs
// nothing and leaves a slow grader more room.
const (
	shortTimeout = 0.5
	longTimeout  = 2.0
)

// scenario is one run of the pinger.
type scenario struct {
	count    int
	timeout  float64       // -timeout, seconds
	up, down netem.Script  // fates by ping number
	delay    time.Duration // added to every reply
}

// run is what one scenario produced.
type run struct {
	sc      scenario
	out     pingOutput
	stdout  []byte
	exit    int
	events  []netem.Event
	ended   time.Time // when the grader saw the client exit
	elapsed time.Duration
}

// outcome is what a ping's line may say.
type outcome int

const (
	mustReply outcome = iota
	mustTimeOut
	either
	notSent // the client never sent this ping: no line is right
)

func runPinger(t *grader.T, sc scenario) run {
	echo := startEcho(t)
	down := []netem.Impairment{sc.down}
	if sc.delay > 0 {
		down = append(down, netem.Delay{Delay: sc.delay})
	}
	proxy := t.UDPProxy(echo, []netem.Impairment{sc.up}, down)
	start := time.Now()
	client := t.Start("client", "-server", proxy.Addr().String(),
		"-count", strconv.Itoa(sc.count), "-timeout", strconv.FormatFloat(sc.timeout, 'f', -1, 64))
	e := client.Wait(sc.limit())
	r := run{sc: sc, stdout: client.Stdout(), exit: e.Code, ended: time.Now(), elapsed: time.Since(start)}
	if e.Signal != 0 {
		t.Fatalf("your client %s", e)
	}
	r.out = parsePinger(r.stdout)
	r.events = settled(t, proxy, len(r.out.pings))
	return r
}

// limit is how long a correct client may take: its start, then a timeout
// and the reply delay per ping at most, and some slack.
func (sc scenario) limit() time.Duration {
	return grader.StartupTimeout + time.Duration(sc.count)*(seconds(sc.timeout)+sc.delay) + 3*time.Second
}

// settled returns the proxy's log once it holds the first n pings. When the
// client exits, its last pings may still wait in the proxy's socket, read
// but not yet logged; the log catches up within moments.
func settled(t *grader.T, proxy *netem.UDPProxy, n int) []netem.Event {
	deadline := time.Now().Add(grader.ReplyTimeout)
	pause := 100 * time.Microsecond
	for {
		events := proxy.Events()
		pings := 0
		for _, e := range events {
			if e.Dir == netem.Up {
				pings++
			}
		}
		if pings >= n || time.Now().After(deadline) {
			return events
		}
		select {
		case <-t.Context().Done():
			return events
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// expected says what each ping's line may say, from the proxy's log.
func (r run) expected() []outcome {
	// A ping is known by its sequence number, or, if it has none ("Ping1"),
	// by its place among the client's datagrams, so that a ping in the
	// wrong format costs ping-format, not every check. A reply is known by
	// its payload: the grader's echo server sends the ping back uppercased.
	pingAt := map[int]time.Time{}
	pingOf := map[string]int{}
	for _, e := range r.events {
		if e.Dir != netem.Up {
			continue
		}
		k := seqOf(e)
		if k == 0 {
			k = int(e.N)
		}
		if pingAt[k].IsZero() {
			pingAt[k] = e.At
			pingOf[string(upper(e.Data))] = k
		}
	}
	reply := map[int]netem.Event{}
	for _, e := range r.events {
		k, ok := pingOf[string(e.Data)]
		if e.Dir != netem.Down || !ok || e.Released.IsZero() {
			continue
		}
		if reply[k].Released.IsZero() {
			reply[k] = e
		}
	}
	out := make([]outcome, r.sc.count)
	for i := range out {
		k := i + 1
		rep, sent := reply[k], pingAt[k]
		next := pingAt[k+1]
		if k == r.sc.count || next.IsZero() {
			next = r.ended
		}
		switch {
		case sent.IsZero():
			out[i] = notSent
		case rep.Released.IsZero() || rep.Released.After(next):
			out[i] = mustTimeOut
		case !rep.Delivered.IsZero() && rep.Delivered.Sub(sent) <= seconds(r.sc.timeout)/2:
			out[i] = mustReply
		default:
			out[i] = either
		}
	}
	return out
}

// seqOf is the sequence number a ping or reply carries ("PING 3 ..."), or
// 0 if it carries none.
func seqOf(e netem.Event) int {
	f := bytes.Fields(e.Data)
	if len(f) < 2 || !bytes.EqualFold(f[0], []byte("PING")) {
		return 0
	}
	k, err := strconv.Atoi(string(f[1]))
	if err != nil || k < 1 {
		return 0
	}
	return k
}

// expectLines fails unless the pinger printed one line per ping, in
// order, each allowed by what happened to its ping and reply.
func expectLines(t *grader.T, r run, want []outcome) {
	sent := false
	for _, o := range want {
		sent = sent || o != notSent
	}
	if !sent {
		t.Fatalf("your client sent no ping to %s (%s); it printed:\n%s", "the server", r.describe(), printed(r.stdout))
	}
	got := r.out.pings
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].seq == i+1 && allows(want[i], got[i].replied)
	}
	if ok {
		return
	}
	t.Fail(grader.Failure{
		Message:  fmt.Sprintf("the ping lines are wrong for this run (%s)", r.describe()),
		Expected: renderOutcomes(want),
		Actual:   outcomes(got) + "\n  your client printed:\n" + printed(r.stdout),
	})
}

func allows(o outcome, replied bool) bool {
	switch o {
	case either:
		return true
	case notSent:
		return false
	}
	return (o == mustReply) == replied
}

func renderOutcomes(want []outcome) string {
	var parts []string
	for i, o := range want {
		s := map[outcome]string{mustReply: "reply", mustTimeOut: "timed out",
			either:  "reply or timed out (the grader was slow to deliver the reply)",
			notSent: "(your client never sent this ping)"}[o]
		parts = append(parts, fmt.Sprintf("seq=%d %s", i+1, s))
	}
	return strings.Join(parts, ", ")
}

func (r run) describe() string {
	parts := []string{fmt.Sprintf("%d pings, -timeout %g", r.sc.count, r.sc.timeout)}
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

// replyLines counts the pings the client says were answered.
func replyLines(p pingOutput) int {
	n := 0
	for _, l := range p.pings {
		if l.replied {
			n++
		}
	}
	return n
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// printed is the client's stdout for a failure message: whole when short,
// its head and tail when long.
func printed(stdout []byte) string { return indent(grader.Excerpt(stdout, 40, 10)) }
