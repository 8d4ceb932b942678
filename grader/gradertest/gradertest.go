// Package gradertest proves a suite's checks right on whole submissions,
// from the suite's own tests: the reference loses nothing, a deliberately
// broken submission loses exactly the checks its mistake breaks, and the
// reference keeps its score when graded many times on a busy machine.
//
//	func TestSubmissions(t *testing.T) {
//		gradertest.ExpectLost(t, udpecho.Suite, "testdata/broken/recv-2048",
//			"udp-echo/server/max-size")
//	}
//
// Each submission directory is built once per test binary, however many
// tests grade it, and graded on every public check with Seed.
package gradertest

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
	"github.com/socklab/socklab/harness/proc"
)

// Seed is the seed every submission is graded with.
const Seed = 1

// builds holds one `make build` per submission directory: two builds at
// once would write the same bin/ files.
var builds sync.Map // absolute dir → func() proc.BuildResult

// Build runs `make build` in dir, once per test binary, and fails the test
// if it fails.
func Build(t testing.TB, dir string) {
	t.Helper()
	dir = abs(t, dir)
	f, _ := builds.LoadOrStore(dir, sync.OnceValue(func() proc.BuildResult {
		return proc.Build(context.Background(), dir, proc.DefaultBuildTimeout)
	}))
	if b := f.(func() proc.BuildResult)(); b.Err != nil {
		t.Fatalf("%s: %v\n%s", dir, b.Err, b.Output.String())
	}
}

// Grade builds the submission in dir (once) and grades it on every public
// check of s.
func Grade(t testing.TB, s *grader.Suite, dir string) *grader.Report {
	t.Helper()
	Build(t, dir)
	return GradeBuilt(t, s, abs(t, dir))
}

// GradeBuilt grades the submission already built in dir. Unlike Grade, it
// may be called from any goroutine.
func GradeBuilt(t testing.TB, s *grader.Suite, dir string) *grader.Report {
	return gradeBuilt(t, s, dir, nil)
}

// gradeBuilt is GradeBuilt on the checks whose IDs match run (nil: all).
func gradeBuilt(t testing.TB, s *grader.Suite, dir string, run *regexp.Regexp) *grader.Report {
	r := &grader.Runner{
		Suite:      s,
		Submission: grader.Submission{Dir: dir},
		Seed:       Seed,
		Run:        run,
		NoBuild:    true,
	}
	rep, err := r.Grade(context.Background())
	if err != nil {
		t.Errorf("grading %s: %v", dir, err)
		return &grader.Report{Suite: s}
	}
	return rep
}

// ExpectLost grades the submission in dir and fails the test unless it
// failed exactly the checks lose (none: it must score full marks), and no
// check errored. The whole report is shown when it did not.
func ExpectLost(t *testing.T, s *grader.Suite, dir string, lose ...string) {
	t.Helper()
	ExpectLostIn(t, s, "", dir, lose...)
}

// ExpectLostIn is ExpectLost on the checks whose IDs match the regular
// expression run only ("": all): one part of an assignment, graded on a
// submission that does only that part.
func ExpectLostIn(t *testing.T, s *grader.Suite, run, dir string, lose ...string) {
	t.Helper()
	re := regexp.MustCompile(run)
	for _, id := range lose {
		if !slices.ContainsFunc(s.Checks, func(c *grader.Check) bool { return c.ID == id && re.MatchString(id) }) {
			t.Fatalf("no check %q in %s matches %q", id, s.ID, run)
		}
	}
	Build(t, dir)
	rep := gradeBuilt(t, s, abs(t, dir), re)
	want := slices.Sorted(slices.Values(lose))
	if diff := cmp.Diff(want, Failed(rep)); diff != "" || rep.Errors() > 0 {
		t.Errorf("the checks failed (-want +got):\n%s\n%d checks errored\n%s", diff, rep.Errors(), Text(rep))
	}
}

// ExpectScoreBelow grades the submission in dir (a starter) and fails the
// test unless it scores below fraction of all points, with no check
// errored.
func ExpectScoreBelow(t *testing.T, s *grader.Suite, dir string, fraction float64) {
	t.Helper()
	rep := Grade(t, s, dir)
	score, max := rep.Score()
	if rep.Errors() > 0 || max != grader.Points(s.Select(nil, false)) || float64(score) >= fraction*float64(max) {
		t.Errorf("%s scores %d/%d with %d checks errored; want below %.0f%% of all points\n%s",
			dir, score, max, rep.Errors(), 100*fraction, Text(rep))
	}
}

// ExpectDeterministic grades the submission in dir runs times with one
// seed, atOnce at a time, while hogs processes keep the CPUs busy, and
// fails the test unless every check passes every time. A check that judges
// by the clock instead of by what crossed the wire shows here, as one that
// fails or errors now and then.
func ExpectDeterministic(t *testing.T, s *grader.Suite, dir string, runs, atOnce, hogs int) {
	t.Helper()
	dir = abs(t, dir)
	Build(t, dir)
	Hog(t, hogs)

	reports := make([]*grader.Report, runs)
	sem := make(chan struct{}, atOnce)
	var wg sync.WaitGroup
	for i := range reports {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			reports[i] = GradeBuilt(t, s, dir)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var first *grader.Report
	for i, rep := range reports {
		if bad := NotPassed(rep); len(bad) > 0 || len(rep.Results) != len(s.Select(nil, false)) {
			t.Errorf("run %d of %d: %v", i+1, runs, bad)
			if first == nil {
				first = rep
			}
		}
	}
	if first != nil {
		t.Errorf("the first run that did not pass every check:\n%s", Text(first))
	}
}

// Hog keeps n processes spinning until the test ends.
func Hog(t testing.TB, n int) {
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

// Failed lists the IDs of the checks that failed, sorted.
func Failed(rep *grader.Report) []string {
	var ids []string
	for _, r := range rep.Results {
		if r.Status == grader.Fail {
			ids = append(ids, r.Check.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// NotPassed lists the checks that did not pass, with their status.
func NotPassed(rep *grader.Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Status != grader.Pass {
			out = append(out, r.Status.String()+" "+r.Check.ID)
		}
	}
	return out
}

// Text is the report as a student would read it.
func Text(rep *grader.Report) string {
	var b bytes.Buffer
	(&report.Text{W: &b, Command: "socklab grade"}).Write(rep)
	return b.String()
}

func abs(t testing.TB, dir string) string {
	a, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
