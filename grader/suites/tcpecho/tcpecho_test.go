package tcpecho_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
	"github.com/socklab/socklab/grader/suites/tcpecho"
	"github.com/socklab/socklab/harness/proc"
)

// These tests prove the checks right on whole submissions: the reference
// and independent solutions in Python and C must lose nothing, each broken
// submission in testdata/broken, one realistic mistake apiece, must lose
// exactly the checks its mistake breaks, the starter must score low, and
// the reference must keep its score when graded many times on a busy
// machine. The comment at the top of each broken program says what it does
// wrong and which checks it must lose, and why, from the handout's rules.

// root is the repository root, from this package's directory.
const root = "../../.."

// seed is the seed every submission is graded with.
const seed = 1

func TestSuiteIsValid(t *testing.T) {
	if err := tcpecho.Suite.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The checks, by ID, as `socklab list tcp-echo` prints them.
const (
	oneLine           = "tcp-echo/server/one-line"
	otherBytes        = "tcp-echo/server/other-bytes"
	manyLines         = "tcp-echo/server/many-lines"
	oneByteSegments   = "tcp-echo/server/one-byte-segments"
	splitAndCoalesced = "tcp-echo/server/split-and-coalesced"
	longLine          = "tcp-echo/server/long-line"
	veryLongLine      = "tcp-echo/server/very-long-line"
	concurrentClients = "tcp-echo/server/concurrent-clients"
	stalledClient     = "tcp-echo/server/stalled-client"
	halfClose         = "tcp-echo/server/half-close"
	reset             = "tcp-echo/server/reset"
	clientLines       = "tcp-echo/client/lines"
	slicedDelayed     = "tcp-echo/client/sliced-delayed-server"
	clientLongLine    = "tcp-echo/client/long-line"
	clientServerDown  = "tcp-echo/client/server-down"
)

func TestSubmissions(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		lose []string // the checks it must fail; it must pass all others
	}{
		{"reference", root + "/reference/tcp-echo", nil},
		{"python-correct", "testdata/python-correct", nil},
		{"c-correct", "testdata/c-correct", nil},
		{"c-fork-correct", "testdata/c-fork-correct", nil},

		// Servers (with the reference client).
		{"server-textbook", "testdata/broken/server-textbook", []string{otherBytes, manyLines, oneByteSegments,
			splitAndCoalesced, longLine, veryLongLine, concurrentClients, stalledClient, halfClose, reset}},
		{"server-iterative", "testdata/broken/server-iterative", []string{concurrentClients, stalledClient}},
		{"server-decode-utf8", "testdata/broken/server-decode-utf8", []string{otherBytes}},
		{"server-recv-is-a-line", "testdata/broken/server-recv-is-a-line",
			[]string{oneByteSegments, splitAndCoalesced, longLine, veryLongLine, stalledClient}},
		{"server-64k-buffer", "testdata/broken/server-64k-buffer", []string{veryLongLine}},
		{"server-no-close", "testdata/broken/server-no-close", []string{halfClose}},
		{"server-dies-on-reset", "testdata/broken/server-dies-on-reset", []string{reset}},
		{"server-sigpipe", "testdata/broken/server-sigpipe", []string{reset}},

		// Clients (with the reference server).
		{"client-textbook", "testdata/broken/client-textbook", []string{slicedDelayed, clientLongLine}},
		{"client-print-lines", "testdata/broken/client-print-lines", []string{clientLines, slicedDelayed, clientLongLine}},
		{"client-no-half-close", "testdata/broken/client-no-half-close", []string{clientLines, slicedDelayed, clientLongLine}},
		{"client-decode-chunks", "testdata/broken/client-decode-chunks", []string{slicedDelayed}},
		{"client-exit-zero", "testdata/broken/client-exit-zero", []string{clientServerDown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expectLost(t, tt.dir, tt.lose)
		})
	}
}

// expectLost grades the submission in dir and fails unless it failed
// exactly the checks in lose, and no check errored.
func expectLost(t *testing.T, dir string, lose []string) {
	t.Helper()
	for _, id := range lose {
		if !hasCheck(id) {
			t.Fatalf("no check %q in the suite", id)
		}
	}
	rep := grade(t, dir)
	want := slices.Sorted(slices.Values(lose))
	if diff := cmp.Diff(want, failed(rep)); diff != "" || rep.Errors() > 0 {
		t.Errorf("the checks failed (-want +got):\n%s\n%d checks errored\n%s", diff, rep.Errors(), text(rep))
	}
}

func TestStarterScoresLow(t *testing.T) {
	t.Parallel()
	rep := grade(t, root+"/assignments/tcp-echo")
	score, max := rep.Score()
	if rep.Errors() > 0 || max != grader.Points(tcpecho.Suite.Checks) || 4*score >= max {
		t.Errorf("the starter scores %d/%d with %d checks errored; want below a quarter of all points\n%s",
			score, max, rep.Errors(), text(rep))
	}
}

// TestDeterministicUnderLoad grades the reference many times with one seed
// while other processes keep both CPUs busy: every check must pass every
// time, so every run gets the same statuses and the same score. A check
// that judges by the clock instead of by what crossed the wire shows here
// as a check that fails, or errors, now and then.
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference 20 times")
	}
	const runs, atOnce = 20, 4
	dir := abs(t, root+"/reference/tcp-echo")
	build(t, dir)
	hog(t, 2)

	reports := make([]*grader.Report, runs)
	sem := make(chan struct{}, atOnce)
	var wg sync.WaitGroup
	for i := range reports {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			reports[i] = gradeBuilt(t, dir)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var first *grader.Report
	for i, rep := range reports {
		if bad := notPassed(rep); len(bad) > 0 || len(rep.Results) != len(tcpecho.Suite.Checks) {
			t.Errorf("run %d of %d: %v", i+1, runs, bad)
			if first == nil {
				first = rep
			}
		}
	}
	if first != nil {
		t.Errorf("the first run that did not pass every check:\n%s", text(first))
	}
}

// notPassed lists the checks that did not pass, with their status.
func notPassed(rep *grader.Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Status != grader.Pass {
			out = append(out, r.Status.String()+" "+r.Check.ID)
		}
	}
	return out
}

// hog keeps n processes spinning until the test ends.
func hog(t *testing.T, n int) {
	for range n {
		cmd := exec.Command("yes") // output to /dev/null
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting a CPU hog: %v", err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
}

// builds holds one `make build` per submission directory, however many
// tests grade it: two builds at once would write the same bin/ files.
var builds sync.Map // absolute dir → func() proc.BuildResult

// build runs `make build` in dir, once per test binary.
func build(t *testing.T, dir string) {
	t.Helper()
	dir = abs(t, dir)
	f, _ := builds.LoadOrStore(dir, sync.OnceValue(func() proc.BuildResult {
		return proc.Build(context.Background(), dir, proc.DefaultBuildTimeout)
	}))
	if b := f.(func() proc.BuildResult)(); b.Err != nil {
		t.Fatalf("%s: %v\n%s", dir, b.Err, b.Output.String())
	}
}

// grade builds the submission in dir (once) and grades it on every public
// check.
func grade(t *testing.T, dir string) *grader.Report {
	t.Helper()
	build(t, dir)
	return gradeBuilt(t, abs(t, dir))
}

// gradeBuilt grades the submission already built in the absolute
// directory dir. Unlike grade, it may be called from any goroutine.
func gradeBuilt(t *testing.T, dir string) *grader.Report {
	r := &grader.Runner{
		Suite:      tcpecho.Suite,
		Submission: grader.Submission{Dir: dir},
		Seed:       seed,
		NoBuild:    true,
	}
	rep, err := r.Grade(context.Background())
	if err != nil {
		t.Errorf("grading %s: %v", dir, err)
		return &grader.Report{Suite: tcpecho.Suite}
	}
	return rep
}

func abs(t *testing.T, dir string) string {
	a, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// failed lists the IDs of the checks that failed, sorted.
func failed(rep *grader.Report) []string {
	var ids []string
	for _, r := range rep.Results {
		if r.Status == grader.Fail {
			ids = append(ids, r.Check.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func hasCheck(id string) bool {
	return slices.ContainsFunc(tcpecho.Suite.Checks, func(c *grader.Check) bool { return c.ID == id })
}

// text is the report as a student would read it.
func text(rep *grader.Report) string {
	var b bytes.Buffer
	(&report.Text{W: &b, Command: "socklab grade"}).Write(rep)
	return b.String()
}
