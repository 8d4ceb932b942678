package tcpecho_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
	"github.com/socklab/socklab/grader/suites/tcpecho"
	"github.com/socklab/socklab/harness/proc"
)

// These tests grade whole submissions: the reference must lose nothing,
// the starter must score low, and the reference must keep its score when
// graded many times on a busy machine.

// root is the repository root, from this package's directory.
const root = "../../.."

// seed is the seed every submission is graded with.
const seed = 1

func TestSuiteIsValid(t *testing.T) {
	if err := tcpecho.Suite.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	rep := grade(t, root+"/reference/tcp-echo")
	if score, max := rep.Score(); score != max || rep.Errors() > 0 {
		t.Errorf("the reference scores %d/%d with %d checks errored\n%s", score, max, rep.Errors(), text(rep))
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
// time. A check that judges by the clock instead of by what crossed the
// wire shows here as a check that fails now and then.
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference 12 times")
	}
	const runs, atOnce = 12, 3
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
	for i, rep := range reports {
		if score, max := rep.Score(); score != max || rep.Errors() > 0 {
			t.Errorf("run %d of %d: %d/%d, %d checks errored\n%s", i+1, runs, score, max, rep.Errors(), text(rep))
		}
	}
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

// text is the report as a student would read it.
func text(rep *grader.Report) string {
	var b bytes.Buffer
	(&report.Text{W: &b, Command: "socklab grade"}).Write(rep)
	return b.String()
}
