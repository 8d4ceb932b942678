//go:build linux

package suites_test

// Hostile submissions. Student code is untrusted (DESIGN.md, "Safety"): a
// program that never binds, crashes, floods its output, forks without end,
// ignores SIGTERM, sleeps forever, daemonizes or spins must cost its author
// points with a clear message, and must never hang the grader, crash it, or
// leave a process, a port, a goroutine or a file descriptor behind.
//
// Each submission in testdata/hostile/<name> is graded with the real Runner
// against every public check of udp-echo, and of tcp-echo when what it does
// reaches the TCP paths of the grader, seed 1. One submission is graded at
// a time: what the tests measure (processes, goroutines, heap, descriptors)
// belongs to the whole test binary. What they look at (processes, sockets,
// descriptors, cgroups) they read from /proc: they run on Linux.

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
	_ "github.com/socklab/socklab/grader/suites" // tcp-echo, once it registers
	"github.com/socklab/socklab/grader/suites/udpecho"
	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/sandbox"
	"github.com/socklab/socklab/harness/trace"
)

// A hostile submission and what the grader must tell its author. server
// and client are regular expressions that the message of every failed
// server check, and of every failed client check, must match: the failure
// and the notes on the roles, as the student reads them.
type hostile struct {
	name      string
	short     bool // fast enough to run under -short
	udpOnly   bool // it tests the harness, which udp-echo alone shows
	parallel  int  // checks at once, per suite (default grader.DefaultParallel)
	processes int  // if set, the roles' process limit instead of the default
	server    string
	client    string
	memory    int64    // if set, the roles' memory limit instead of the default
	passes    []string // checks it may pass, each for the reason in its comment
	// serverPasses: its server is correct (its mischief is elsewhere),
	// and every server check must pass.
	serverPasses bool
	// jailed: what it tries, only the sandbox (a network namespace, and a
	// jail, which takes root) stops; it is skipped elsewhere.
	jailed bool
	more   func(t *testing.T, g graded)
}

// What the checks of udp-echo and tcp-echo say when a server never opened
// its port, when it opened it and never answered, and when a client never
// exited.
const (
	notOpened   = `^your server did not open (UDP|TCP) port \d+ \(it was started with -port \d+\): `
	neverOpened = notOpened + `it has no (UDP|TCP) socket open`
	noAnswer    = `^(no reply from your server within 2s` +
		`|client a \(port \d+\) got no reply to its datagram 1 within 2s` +
		`|[^:\n]+: the reply to [^\n]*: 0 of \d+ bytes arrived, then nothing more arrived within 2s` +
		`|(the connection|client A): your server did not read segment 1 of \d+ within 2s of its arrival` +
		`|your server did not accept (connection 1 of 100|client A) within 2s)`
	clientHung = `^your client did not (finish|exit)\b[^\n]* \(bin/client -server [^)]*\)` +
		`(; it printed nothing on stdout|: it has not connected to the grader's server)`
)

// What the checks say when a program's bytes are wrong: a reply, the
// ping lines, what a client sent or printed.
const wrongBytes = `(is wrong|are wrong|none was the reply|there is no line|is not a ping|sent fewer than|before ping \d+'s timeout|0 of \d+ bytes arrived|did not (accept|read)|exited with status 0)`

var hostiles = []hostile{
	{
		name:     "never-binds",
		parallel: 16, // every check at once: it starts and waits
		server:   neverOpened,
		client:   clientHung,
	},
	{
		name:   "crashes-at-start",
		short:  true,
		server: `^your server exited with status 3 after [\d.]+ s before it opened (UDP|TCP) port \d+\. Its last output:\n    Traceback \(most recent call last\):\n(?s:.*)\n    ValueError: crashes-at-start: cannot parse flags`,
		// tcp-echo's server-down says it in its own words, and leaves
		// out the first client's note when the two exits read alike.
		client: `(?m)(^your client exited with status 3 after [\d.]+ s; its last output:\n    Traceback \(most recent call last\):\n(?s:.*)\n    ValueError: crashes-at-start: cannot parse flags` +
			`|^your client exited with status 3 after [\d.]+ s without connecting to [\d.:]+; its stderr:\nTraceback \(most recent call last\):\n(?s:.*)\nValueError: crashes-at-start: cannot parse flags)`,
	},
	{
		// udp-echo's client checks quote what the client printed.
		name:     "floods-output",
		udpOnly:  true,
		parallel: 2, // each check running holds a few MiB of its output
		server:   noAnswer,
		client:   `(?m)^your client exited with status 0 after [\d.]+ s; its last output:\n    flood flood`,
		more:     floodsBounded,
	},
	{
		// A limit of 64 proves what the default of 512 would, with an
		// eighth of the processes: the tests beside this one need the
		// machine too.
		name:      "fork-bomb",
		udpOnly:   true,
		parallel:  16, // every check at once: 1024 processes
		processes: 64,
		server:    noAnswer,
		client:    clientHung,
		more:      forksBounded,
	},
	{
		name:     "ignores-sigterm",
		parallel: 16, // every check at once: it starts, opens its port, and waits
		server:   noAnswer + `(?s:.*)ignores-sigterm: got SIGTERM, ignoring it`,
		client:   clientHung + `(?s:.*)ignores-sigterm: got SIGTERM, ignoring it`,
	},
	{
		name:     "sleeps-forever",
		udpOnly:  true,
		parallel: 16, // every check at once: a shell and a sleep start in no time
		server:   neverOpened + `\. Does it read the -port flag and bind\? It printed nothing\.$`,
		client:   clientHung + `$`,
	},
	{
		// The daemon may open the port before its parent exits; then the
		// check fails on the silence, and says the exit if it came.
		name:     "daemonizes",
		parallel: 16, // every check at once: it starts, forks, and waits
		server:   `(?m)(^(.*: )?your server exited with status 0 after [\d.]+ s|\A` + noAnswer[1:] + `)`,
		client:   `(?m)^your client exited with status 0 after [\d.]+ s`,
	},
	{
		// What a program prints is quoted to the student, never read as
		// the grader's: every check fails, and the score is the grader's.
		name:    "fake-score",
		short:   true,
		udpOnly: true,
		server:  `(?s).`,
		client:  `(?s).`,
		more:    scoreIsTheGraders,
	},
	{
		// Told -port P, it serves P+1, which another check has reserved:
		// only the role's own sockets may make it ready, or a check
		// would grade its neighbour's server (and passed, once, here).
		name:   "wrong-port",
		short:  true,
		server: notOpened + `it has TCP port (\d+) \(listening on 127\.0\.0\.1\), UDP port \d+ \(bound on 127\.0\.0\.1\) instead\. Does it read the -port flag\?`,
		client: `(?s)wrong-port: no client here`,
	},
	{
		name:     "busy-loop",
		udpOnly:  true,
		parallel: 16,                   // every check at once: it spins at the lowest priority
		server:   noAnswer + `[^\n]*$`, // and nothing on stderr
		client:   clientHung + `$`,
	},
	{
		name:   "crashes-mid-check",
		short:  true,
		server: `(?s)RuntimeError: crashes-mid-check: lost my place after the first (datagram|connection)`,
		client: `(?s)RuntimeError: crashes-mid-check: lost my place after the first (ping|line)`,
		// With the server down, it crashes before its mischief, on
		// the refused connection: a traceback and a non-zero status,
		// which is what the check asks of a client.
		passes: []string{"tcp-echo/client/server-down"},
	},
	{
		// 256 MiB proves what 2 GiB would, with 16 roles at once on a
		// machine the tests beside this one need too.
		name:     "allocates-until-killed",
		udpOnly:  true,
		parallel: 16,
		memory:   256 << 20,
		// Reaching the limit takes a while with 16 at once: the check
		// may give up first, on the silence.
		server: `(?s)(exited with status 1 after [\d.]+ s.*MemoryError|^no reply from your server within 2s$|^client a \(port \d+\) got no reply to its datagram 1 within 2s)`,
		client: `(?s)exited with status 1 after [\d.]+ s.*MemoryError`,
		more:   heapBounded,
	},
	{
		name:         "holds-port-after-exit",
		short:        true,
		udpOnly:      true,
		serverPasses: true,
		client:       `(?s)holds-port-after-exit: no client here`,
		// gradeHostile's expectNothingLeft: the child holding the port
		// is gone, and the port is free.
	},
	{
		name:     "floods-datagrams",
		parallel: 4, // a flood of 20,000 datagrams per check, and a spray
		server:   wrongBytes,
		client:   wrongBytes,
		more:     heapBounded,
	},
	{
		name:   "sends-garbage",
		short:  true,
		server: wrongBytes,
		client: wrongBytes,
	},
	{
		name:         "writes-outside",
		short:        true,
		udpOnly:      true,
		jailed:       true,
		serverPasses: true,
		client:       `(?s)writes-outside: no client here`,
		more:         wroteNothingOutside,
	},
	{
		name:         "connects-off-machine",
		short:        true,
		udpOnly:      true,
		jailed:       true,
		serverPasses: true,
		client:       `(?s)connects-off-machine: no client here`,
	},
}

// heapBounded: whatever the submission does, the grader's live heap grows
// by what its limits allow, not by what the submission sends or takes.
// floods-datagrams sends about 3 GB in all, 100 MB a check; the grader
// keeps at most 4096 datagrams queued per socket, 1 MiB of payload per
// transcript, 4 MiB per proxy's log, and the reports of both suites'
// failed checks until the test ends.
func heapBounded(t *testing.T, g graded) {
	const bound = 256 << 20
	grew := g.watch.heapPeak - min(g.watch.heapPeak, g.watch.heapBefore)
	t.Logf("the grader's live heap grew by at most %d MiB", grew>>20)
	if grew >= bound {
		t.Errorf("the grader's heap grew by %d MiB", grew>>20)
	}
}

// wroteNothingOutside: of the files writes-outside tried to write, none
// exists after grading, and its stderr (in a check's notes, where one
// failed) never says one was written.
func wroteNothingOutside(t *testing.T, g graded) {
	const name = "socklab-hostile-writes-outside"
	var tried []string
	for _, dir := range []string{"/tmp", "/etc", "/root", "/", filepath.Dir(hostileDir(t, g.name))} {
		tried = append(tried, filepath.Join(dir, name))
	}
	entries, _ := os.ReadDir("/")
	for _, e := range entries {
		tried = append(tried, filepath.Join("/", e.Name(), name))
	}
	for _, path := range tried {
		if _, err := os.Lstat(path); err == nil {
			os.Remove(path)
			t.Errorf("writes-outside wrote %s", path)
		}
	}
	for _, rep := range g.reports {
		for _, r := range rep.Results {
			if msg := message(r); strings.Contains(msg, "writes-outside: wrote") {
				t.Errorf("%s: writes-outside says it wrote outside:\n%s", r.Check.ID, excerpt(msg))
			}
		}
	}
}

// graded is one hostile submission graded against each suite.
type graded struct {
	hostile
	reports []*grader.Report
	watch   *watch
}

func TestHostileSubmissions(t *testing.T) {
	skipHidden(t)
	for _, h := range hostiles {
		t.Run(h.name, func(t *testing.T) {
			if testing.Short() && !h.short {
				t.Skip("slow: it waits out every check's deadline")
			}
			if h.jailed && !(sandbox.Current().Network && proc.CanJail()) {
				t.Skipf("only the sandbox stops it, and it is not here: %s", cmp.Or(sandbox.Current().Reason, "not root, so no jail"))
			}
			g := gradeHostile(t, h)
			for _, rep := range g.reports {
				expectFailures(t, h, rep)
				r := rep.Results[0]
				t.Logf("%s graded in %.1f s; %s says:\n%s", rep.Suite.ID, rep.Elapsed.Seconds(), r.Check.ID, excerpt(message(r)))
			}
			if h.more != nil {
				h.more(t, g)
			}
		})
	}
}

// gradeHostile grades h against udp-echo, and then tcp-echo unless
// udpOnly, and checks that nothing was left behind. One suite at a time:
// a suite's checks at once start as many programs as a loaded 2-core
// machine starts in good time.
func gradeHostile(t *testing.T, h hostile) graded {
	dir := hostileDir(t, h.name)
	g := graded{hostile: h}
	var runners []*grader.Runner
	for _, s := range hostileSuites() {
		if h.udpOnly && s != udpecho.Suite {
			continue
		}
		runners = append(runners, &grader.Runner{Suite: s, Submission: grader.Submission{Dir: dir}, Seed: 1, Parallel: cmp.Or(h.parallel, grader.DefaultParallel)})
	}
	if h.memory > 0 {
		defaults := proc.DefaultLimits
		proc.DefaultLimits.Memory = h.memory
		defer func() { proc.DefaultLimits = defaults }()
	}
	if h.processes > 0 {
		if !processLimitHolds(t) {
			// 16 roles forking 1000 times each would take 16,000
			// processes and gigabytes of memory from the machine.
			t.Skip("nothing limits a role's processes here: there is no pids cgroup, and root is not held to RLIMIT_NPROC")
		}
		defaults := proc.DefaultLimits
		proc.DefaultLimits.Processes = h.processes
		defer func() { proc.DefaultLimits = defaults }()
	}
	before := snapshot()
	g.watch = startWatch(h.processes > 0)
	for _, r := range runners {
		g.reports = append(g.reports, gradeWithin(t, r))
	}
	g.watch.stop()
	if t.Failed() {
		t.FailNow()
	}
	for _, rep := range g.reports {
		expectNothingLeft(t, rep)
	}
	expectNoLeaks(t, before)
	return g
}

// processLimitHolds says whether a role's processes are held to its limit
// here: by a pids cgroup, where the harness finds one it may use, or by
// RLIMIT_NPROC, which does not bind root. It starts a role and looks.
func processLimitHolds(t *testing.T) bool {
	if os.Getuid() != 0 {
		return true
	}
	p, err := proc.Start(proc.Spec{Role: "probe", Path: "/bin/sleep", Args: []string{"60"}, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("starting a probe: %v", err)
	}
	defer p.Stop()
	// The launcher joins the cgroup before it becomes sleep.
	cmdline := fmt.Sprintf("/proc/%d/cmdline", p.Pid())
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(cmdline); bytes.HasPrefix(b, []byte("/bin/sleep\x00")) {
			break
		}
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", p.Pid()))
	for _, line := range strings.Split(string(b), "\n") {
		// "8:pids:/socklab-<marker>": cgroup v1, as the harness uses it.
		if f := strings.SplitN(line, ":", 3); len(f) == 3 && slices.Contains(strings.Split(f[1], ","), "pids") {
			return strings.Contains(f[2], "/socklab-")
		}
	}
	return false
}

// hostileSuites are udp-echo, and tcp-echo once it is registered.
func hostileSuites() []*grader.Suite {
	suites := []*grader.Suite{udpecho.Suite}
	if s, ok := grader.Lookup("tcp-echo"); ok {
		suites = append(suites, s)
	}
	return suites
}

// skipHidden skips these tests in the `hidden` build, which `make test`
// runs after the plain one: they grade public checks only, so they would
// repeat the plain run.
func skipHidden(t *testing.T) {
	if grader.HiddenChecksBuilt {
		t.Skip("public checks only: the plain build runs these")
	}
}

func hostileDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "hostile", name))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// On a loaded machine an interpreter can take seconds to start, and the
// grader's own connection can wait as long: a program that had not got as
// far as its mischief when the check gave up on it is told it did not
// open its port, or did not finish, or that the grader could not connect.
// That is true, and clear; the test accepts it, and says so.
var (
	slowServer = regexp.MustCompile(`^(` + notOpened[1:] +
		`|cannot connect to your server at \S+(\n|$)` +
		`|connection \d+ of 100: your server did not complete the connection within 2s)`)
	slowClient = regexp.MustCompile(`^your client did not (finish|exit)\b`)
)

// expectFailures checks that every check failed (never errored: the
// program broke, not the grader) and said what h's author must read.
func expectFailures(t *testing.T, h hostile, rep *grader.Report) {
	t.Helper()
	server, client := regexp.MustCompile(h.server), regexp.MustCompile(h.client)
	for _, r := range rep.Results {
		if r.Status == grader.Pass && slices.Contains(h.passes, r.Check.ID) {
			continue
		}
		if h.serverPasses && strings.Contains(r.Check.ID, "/server/") {
			if r.Status != grader.Pass {
				t.Errorf("%s: %s, want pass: its server is correct\n%s", r.Check.ID, r.Status, excerpt(message(r)))
			}
			continue
		}
		if r.Status != grader.Fail {
			t.Errorf("%s: %s after %.1f s, want fail: %s\n%s\ntranscript:\n%s", r.Check.ID, r.Status, r.Elapsed.Seconds(),
				r.Err, excerpt(message(r)), trace.Excerpt(r.Transcript, 20, 10))
			continue
		}
		want, slow := client, slowClient
		if strings.Contains(r.Check.ID, "/server/") {
			want, slow = server, slowServer
		}
		switch msg := message(r); {
		case want.MatchString(msg):
		case slow.MatchString(msg):
			t.Logf("%s: the program, or the grader, was slow to start (a loaded machine?):\n%s",
				r.Check.ID, excerpt(msg))
		default:
			t.Errorf("%s: the student reads\n%s\nwant a match for %s", r.Check.ID, excerpt(msg), want)
		}
	}
}

// TestHostileBesideGood grades a hostile submission and the reference at
// the same time, in one grader: a daemon that escapes its process group,
// killed by the grader's sweep, must not take the good submission's
// programs with it, nor cost it a point.
//
// What a submission sends on the network, one grader cannot keep from
// another submission it grades at the same time: they share its network
// namespace, and floods-datagrams, beside the reference here, costs it
// points. socklab batch therefore grades each student in a process, and
// a namespace, of their own; its test, TestBatchFloodBesideGood, has
// floods-datagrams in the class.
func TestHostileBesideGood(t *testing.T) {
	skipHidden(t)
	if testing.Short() {
		t.Skip("slow: the hostile submission waits out every check's deadline")
	}
	const name = "daemonizes"
	dir, err := filepath.Abs(filepath.Join("..", "..", "reference", "udp-echo"))
	if err != nil {
		t.Fatal(err)
	}
	good := func() *grader.Runner {
		return &grader.Runner{Suite: udpecho.Suite, Submission: grader.Submission{Dir: dir}, Seed: 1}
	}
	before := snapshot()
	runners := []*grader.Runner{
		good(),
		{Suite: udpecho.Suite, Submission: grader.Submission{Dir: hostileDir(t, name)}, Seed: 1},
	}
	reports := make([]*grader.Report, len(runners))
	var wg sync.WaitGroup
	for i, r := range runners {
		wg.Go(func() { reports[i] = gradeWithin(t, r) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, rep := range reports {
		expectNothingLeft(t, rep)
	}
	expectNoLeaks(t, before)
	if score, _ := reports[1].Score(); score != 0 {
		t.Errorf("%s scored %d; want 0", name, score)
	}
	score, max := reports[0].Score()
	if score == max && max == grader.Points(udpecho.Suite.Checks) {
		return
	}
	for _, r := range reports[0].Failed() {
		t.Logf("reference: %s: %s\n%s", r.Check.ID, r.Status, message(r))
	}
	// The neighbour, or the machine? udp-echo's client checks give each
	// ping 0.5 s, which a loaded machine can exceed; graded alone, the
	// reference tells which.
	if rep := gradeWithin(t, good()); rep != nil {
		if s, m := rep.Score(); s != m {
			t.Skipf("the machine is too loaded to tell: the reference scored %d/%d beside %s, and %d/%d alone", score, max, name, s, m)
		}
	}
	t.Errorf("the reference scored %d/%d beside %s, and full marks alone", score, max, name)
}

// Grading time. A check ends at its time limit, or stuckGrace after it if
// its function is stuck; then the grader stops its programs: SIGTERM, the
// grace period, SIGKILL to everything left (given up after 3 s), the output
// pipes' linger (2 s past the grace), and the cgroup's removal (given up
// after 2 s). No bound here is a claim about speed: each only proves that
// grading ends.
const (
	stuckGrace = 5 * time.Second // as grader.stuckGrace
	stopBound  = 3*time.Second + 2*time.Second + 2*time.Second
	buildBound = 60 * time.Second // make build: go build, for the reference
)

// gradeBound is the longest grading may take: the checks, parallel at a
// time, each ending by its own bound.
func gradeBound(checks []*grader.Check, parallel int) time.Duration {
	var longest time.Duration
	for _, c := range checks {
		longest = max(longest, cmp.Or(c.TimeLimit, grader.DefaultTimeLimit))
	}
	perCheck := longest + stuckGrace + proc.DefaultLimits.Grace + stopBound
	rounds := (len(checks) + parallel - 1) / parallel
	return time.Duration(rounds)*perCheck + buildBound
}

// gradeWithin grades with r, failing the test, with every goroutine's
// stack, if grading does not end within its bound. It may be called from
// any goroutine; it returns nil when the test failed.
func gradeWithin(t *testing.T, r *grader.Runner) *grader.Report {
	t.Helper()
	bound := gradeBound(r.Suite.Select(r.Run, r.Hidden), cmp.Or(r.Parallel, grader.DefaultParallel))
	type outcome struct {
		rep *grader.Report
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		rep, err := r.Grade(context.Background())
		done <- outcome{rep, err}
	}()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case g := <-done:
		switch {
		case g.err != nil:
			t.Errorf("grading %s: %v", r.Submission.Dir, g.err)
		case g.rep.Build.Err != nil:
			t.Errorf("building %s: %v\n%s", r.Submission.Dir, g.rep.Build.Err, g.rep.Build.Output)
		default:
			return g.rep
		}
	case <-timer.C:
		t.Errorf("grading %s did not end within %s; the grader hangs:\n%s", r.Submission.Dir, bound, stacks())
	}
	return nil
}

func stacks() string {
	var b bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	return b.String()
}

// message is what the student reads about a check that did not pass.
func message(r grader.Result) string {
	var parts []string
	if r.Failure != nil {
		parts = append(parts, r.Failure.String())
	}
	return strings.Join(append(parts, r.Notes...), "\n")
}

// excerpt shortens a message for the test's own output.
func excerpt(s string) string {
	const max = 1500
	if len(s) > max {
		return fmt.Sprintf("%s\n[… %d bytes more]", s[:max], len(s)-max)
	}
	return s
}

// The grader's own resources, before grading.
type resources struct {
	goroutines int
	fds        int
}

func snapshot() resources {
	// Open, once, what the grader opens on first use and keeps: the port
	// lock file.
	if p, err := proc.ReservePort(); err == nil {
		p.Release()
	}
	return resources{goroutines: runtime.NumGoroutine(), fds: openFDs()}
}

func openFDs() int {
	fds, _ := os.ReadDir("/proc/self/fd")
	return len(fds)
}

// expectNothingLeft checks that grading left no process running and no
// server's port bound.
func expectNothingLeft(t *testing.T, rep *grader.Report) {
	t.Helper()
	if stray := proc.Stray(); len(stray) > 0 {
		t.Errorf("%s: processes left running after grading: %s", rep.Suite.ID, describePids(stray))
	}
	for _, port := range serverPorts(rep) {
		if holder, bound := portBound(port); bound {
			t.Errorf("%s: port %d is still bound after grading, by %s", rep.Suite.ID, port, holder)
		}
	}
}

// expectNoLeaks checks that the grader's goroutines and file descriptors
// are back to what they were before grading. They end just after the check
// that owned them (a reader sees its socket closed): wait for that, briefly.
func expectNoLeaks(t *testing.T, before resources) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for (runtime.NumGoroutine() > before.goroutines || openFDs() > before.fds) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before.goroutines {
		t.Errorf("%d goroutines before grading, %d after:\n%s", before.goroutines, n, stacks())
	}
	if n := openFDs(); n > before.fds {
		t.Errorf("%d file descriptors open before grading, %d after: %s", before.fds, n, describeFDs())
	}
}

func describeFDs() string {
	fds, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, fd := range fds {
		link, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		out = append(out, fd.Name()+" → "+link)
	}
	return strings.Join(out, ", ")
}

func describePids(pids []int) string {
	var out []string
	for _, pid := range pids {
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		out = append(out, fmt.Sprintf("%d (%s)", pid, strings.TrimSpace(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))))
	}
	return strings.Join(out, ", ")
}

var startedServer = regexp.MustCompile(`^started bin/server -port (\d+) `)

// serverPorts are the ports the checks gave servers, from the transcripts'
// notes (a check that did not pass keeps its transcript).
func serverPorts(rep *grader.Report) []int {
	var ports []int
	for _, r := range rep.Results {
		for _, e := range r.Transcript {
			if m := startedServer.FindStringSubmatch(e.Text); e.Kind == trace.Note && m != nil {
				n, _ := strconv.Atoi(m[1])
				ports = append(ports, n)
			}
		}
	}
	return ports
}

// portBound says whether a socket listens (TCP) or is bound (UDP) on port,
// and who holds it. A port another grader reserved since (its role carries
// a marker this test binary did not hand out) does not count.
func portBound(port int) (holder string, bound bool) {
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := os.ReadFile("/proc/net/" + table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			// "sl local_address rem_address st ... inode"
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if p, _ := strconv.ParseUint(hexPort, 16, 16); int(p) != port {
				continue
			}
			if strings.HasPrefix(table, "tcp") && f[3] != "0A" { // LISTEN
				continue
			}
			pid := socketOwner(f[9])
			if pid > 0 && !slices.Contains(proc.Stray(), pid) && markerOf(pid) != "" {
				continue // another grader's
			}
			return fmt.Sprintf("a %s socket of %s", table, describePids([]int{pid})), true
		}
	}
	return "", false
}

// socketOwner is the process holding the socket with this inode, or 0.
func socketOwner(inode string) int {
	want := "socket:[" + inode + "]"
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			if link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); link == want {
				return pid
			}
		}
	}
	return 0
}

// markerOf is the SOCKLAB_RUN marker in a process's environment: the role
// it belongs to.
func markerOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	for _, kv := range bytes.Split(b, []byte{0}) {
		if m, ok := bytes.CutPrefix(kv, []byte("SOCKLAB_RUN=")); ok {
			return string(m)
		}
	}
	return ""
}

// watch samples, while a submission is graded, the grader's live heap
// (what the last collection kept) and, if asked, the number of live
// processes of each role (reading every process's environment, which costs
// the CPU a fork bomb needs).
type watch struct {
	procs      bool
	quit, done chan struct{}

	heapBefore, heapPeak uint64
	procsPeak            int // the most live processes one role had at once
}

func startWatch(procs bool) *watch {
	runtime.GC()
	live := liveHeap()
	w := &watch{procs: procs, quit: make(chan struct{}), done: make(chan struct{}), heapBefore: live, heapPeak: live}
	go w.run()
	return w
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func (w *watch) run() {
	defer close(w.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-tick.C:
		}
		w.heapPeak = max(w.heapPeak, liveHeap())
		if !w.procs {
			continue
		}
		perRole := map[string]int{}
		for _, pid := range proc.Stray() {
			if m := markerOf(pid); m != "" { // "": it has exited since
				perRole[m]++
			}
		}
		for _, n := range perRole {
			w.procsPeak = max(w.procsPeak, n)
		}
	}
}

func (w *watch) stop() {
	close(w.quit)
	<-w.done
}

// floodsBounded: a program that prints 200 MB costs the grader what its
// output limits allow, and its author reads a cut excerpt, not all of it.
func floodsBounded(t *testing.T, g graded) {
	kept := uint64(proc.DefaultLimits.Output + 64<<10) // the head and tail of one stream
	var printed uint64
	finished, cut := 0, 0
	for _, rep := range g.reports {
		for _, r := range rep.Results {
			printed += 200 << 20
			msg := message(r)
			if n := uint64(len(msg)); n > 2*kept {
				t.Errorf("%s: the message is %d KiB; a program's output is quoted only up to its limits, %d KiB",
					r.Check.ID, n>>10, 2*kept>>10)
			}
			if strings.Contains(msg, "your client exited with status 0") {
				finished++
			}
			if strings.Contains(msg, "MiB not kept …]") || strings.Contains(msg, "MiB not kept; the end of it)") {
				cut++
			}
		}
	}
	// A client that printed all its output and exited has its stdout
	// quoted, cut.
	if finished > 0 && cut == 0 {
		t.Errorf("no message says that output was cut (\"[… N MiB not kept …]\")")
	}
	// Had the grader kept any one stream whole, its heap would have grown
	// by 100 MB.
	const bound = 100 << 20
	grew := g.watch.heapPeak - min(g.watch.heapPeak, g.watch.heapBefore)
	t.Logf("the submission printed %d MiB; the grader's live heap grew by at most %d MiB", printed>>20, grew>>20)
	if grew >= bound {
		t.Errorf("the grader's heap grew by %d MiB while the submission printed %d MiB, 100 MiB per stream: it kept a whole stream",
			grew>>20, printed>>20)
	}
}

var (
	forkFailed = regexp.MustCompile(`fork-bomb: fork failed after (\d+) children`)
	forkedAll  = regexp.MustCompile(`fork-bomb: forked \d+ children`)
)

// forksBounded: no role had more live processes than its limit, and the
// fork that went over it failed.
func forksBounded(t *testing.T, g graded) {
	limit := g.processes
	peak := g.watch.procsPeak
	held := 0
	for _, rep := range g.reports {
		for _, r := range rep.Results {
			msg := message(r)
			if forkedAll.MatchString(msg) {
				t.Errorf("%s: nothing stopped the fork bomb:\n%s", r.Check.ID, excerpt(msg))
			}
			// A role stopped while still forking has not said how far it got.
			if m := forkFailed.FindStringSubmatch(msg); m != nil {
				held++
				if n, _ := strconv.Atoi(m[1]); n >= limit {
					t.Errorf("%s: the fork bomb made %d children; its limit is %d processes", r.Check.ID, n, limit)
				}
			}
		}
	}
	t.Logf("the most processes one role had at once: %d (limit %d); the limit stopped the bomb in %d of %d checks",
		peak, limit, held, len(g.reports[0].Results))
	if peak > limit {
		t.Errorf("a role had %d processes at once; its limit is %d", peak, limit)
	}
	if held == 0 && peak < limit {
		// Not the grader's failure: the machine was too busy for the bomb
		// to fork that many times before its check ended.
		t.Logf("no role reached its process limit before its check ended; the limit was not put to the test")
	}
}

// scoreIsTheGraders checks that the fake-score submission's perfect score,
// printed by its programs and sent as its replies, is nowhere in the
// grader's score: it is 0 of everything, every check failed.
func scoreIsTheGraders(t *testing.T, g graded) {
	for _, rep := range g.reports {
		score, max := rep.Score()
		if score != 0 || max == 0 {
			t.Errorf("%s: the fake-score submission scored %d/%d, want 0", rep.Suite.ID, score, max)
		}
		var b bytes.Buffer
		(&report.Text{W: &b}).Write(rep)
		if want := fmt.Sprintf("score: 0/%d (0%%)", max); !strings.Contains(b.String(), want) {
			t.Errorf("%s: the report does not say %q", rep.Suite.ID, want)
		}
	}
}
