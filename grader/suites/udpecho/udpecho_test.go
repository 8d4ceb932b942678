package udpecho_test

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
	"github.com/socklab/socklab/grader/suites/udpecho"
	"github.com/socklab/socklab/harness/proc"
)

// These tests prove the checks right on whole submissions: the reference
// and an independent Python solution must lose nothing, and each broken
// submission in testdata/broken, one realistic mistake apiece, must lose
// exactly the checks its mistake breaks. The comment at the top of each
// broken program says what it does wrong and which checks it must lose,
// and why, from the handout's rules.

// root is the repository root, from this package's directory.
const root = "../../.."

// seed is the seed every submission is graded with.
const seed = 1

// The checks, by ID, as `socklab list udp-echo` prints them.
const (
	letters            = "udp-echo/server/letters"
	otherBytes         = "udp-echo/server/other-bytes"
	empty              = "udp-echo/server/empty"
	maxSize            = "udp-echo/server/max-size"
	oneReplyEach       = "udp-echo/server/one-reply-each"
	interleavedClients = "udp-echo/server/interleaved-clients"
	survivesGarbage    = "udp-echo/server/survives-garbage"
	replies            = "udp-echo/client/replies"
	pingFormat         = "udp-echo/client/ping-format"
	loss               = "udp-echo/client/loss"
	duplicates         = "udp-echo/client/duplicates"
	lateReply          = "udp-echo/client/late-reply"
	statistics         = "udp-echo/client/statistics"
	rtt                = "udp-echo/client/rtt"
	waitsTimeout       = "udp-echo/client/waits-timeout"
	serverDown         = "udp-echo/client/server-down"
)

func TestSubmissions(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		lose []string // the checks it must fail; it must pass all others
	}{
		{"reference", root + "/reference/udp-echo", nil},
		{"python-correct", "testdata/python-correct", nil},

		// Servers (with the reference pinger).
		{"server-recv-2048", "testdata/broken/server-recv-2048", []string{maxSize}},
		{"server-decode-utf8", "testdata/broken/server-decode-utf8", []string{otherBytes, survivesGarbage}},
		{"server-latin1-upper", "testdata/broken/server-latin1-upper", []string{otherBytes, survivesGarbage}},
		{"server-bytes-toupper", "testdata/broken/server-bytes-toupper", []string{otherBytes}},
		{"server-strips", "testdata/broken/server-strips", []string{otherBytes}},
		{"server-skips-empty", "testdata/broken/server-skips-empty", []string{empty}},
		{"server-connects", "testdata/broken/server-connects", []string{interleavedClients}},
		{"server-replies-twice", "testdata/broken/server-replies-twice", []string{oneReplyEach}},
		{"server-no-loop", "testdata/broken/server-no-loop",
			[]string{letters, otherBytes, empty, oneReplyEach, interleavedClients, survivesGarbage}},

		// Pingers (with the reference server).
		{"client-no-timeout", "testdata/broken/client-no-timeout",
			[]string{loss, duplicates, lateReply, statistics, waitsTimeout, serverDown}},
		{"client-any-reply", "testdata/broken/client-any-reply", []string{duplicates, lateReply}},
		{"client-counts-duplicates", "testdata/broken/client-counts-duplicates", []string{duplicates}},
		{"client-rtt-seconds", "testdata/broken/client-rtt-seconds", []string{rtt}},
		{"client-fixed-timeout", "testdata/broken/client-fixed-timeout", []string{waitsTimeout}},
		{"client-textbook-timeout", "testdata/broken/client-textbook-timeout", []string{waitsTimeout}},
		{"client-ping-no-space", "testdata/broken/client-ping-no-space", []string{pingFormat}},
		{"client-avg-over-sent", "testdata/broken/client-avg-over-sent", []string{statistics}},
		{"client-exit-zero", "testdata/broken/client-exit-zero", []string{serverDown}},
		{"client-ping8-format", "testdata/broken/client-ping8-format",
			[]string{replies, loss, duplicates, lateReply, statistics, rtt}},
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
	rep := grade(t, root+"/assignments/udp-echo")
	score, max := rep.Score()
	if rep.Errors() > 0 || max != grader.Points(udpecho.Suite.Checks) || 2*score >= max {
		t.Errorf("the starter scores %d/%d with %d checks errored; want below half of all points\n%s",
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
	dir := abs(t, root+"/reference/udp-echo")
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
		if bad := notPassed(rep); len(bad) > 0 || len(rep.Results) != len(udpecho.Suite.Checks) {
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
		Suite:      udpecho.Suite,
		Submission: grader.Submission{Dir: dir},
		Seed:       seed,
		NoBuild:    true,
	}
	rep, err := r.Grade(context.Background())
	if err != nil {
		t.Errorf("grading %s: %v", dir, err)
		return &grader.Report{Suite: udpecho.Suite}
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
	return slices.ContainsFunc(udpecho.Suite.Checks, func(c *grader.Check) bool { return c.ID == id })
}

// text is the report as a student would read it.
func text(rep *grader.Report) string {
	var b bytes.Buffer
	(&report.Text{W: &b, Command: "socklab grade"}).Write(rep)
	return b.String()
}
