package grader

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/proc"
)

// A check that ignores its time limit is given up stuckGrace after it, as
// an error; the grader goes on, and what the check does later (start a
// program, panic) changes nothing and leaves nothing behind. Not parallel:
// it shortens stuckGrace, and looks for stray processes.
func TestStuckCheckIsAnError(t *testing.T) {
	defer func(g time.Duration) { stuckGrace = g }(stuckGrace)
	stuckGrace = 100 * time.Millisecond

	release := make(chan struct{})
	ended := make(chan struct{})
	s := &Suite{ID: "stuck", Checks: []*Check{
		{ID: "stuck/topic/ignores-its-deadline", Points: 3, TimeLimit: 100 * time.Millisecond,
			Run: func(t *T) {
				defer close(ended)
				<-release            // not t.Context()
				t.Start("server")    // stopped at once, and the check ends here
				panic("unreachable") // a panic would not matter either
			}},
		{ID: "stuck/topic/next", Points: 1, Run: func(t *T) {}},
	}}
	sub := Submission{Dir: t.TempDir(), Commands: map[string]string{"server": "exec sleep 60"}}
	r := &Runner{Suite: s, Submission: sub, NoBuild: true, Parallel: 1}
	start := time.Now()
	rep, err := r.Grade(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= 5*time.Second {
		t.Errorf("grading took %s; the stuck check should be given up after 200ms", d)
	}
	res := rep.Results[0]
	want := "the check did not stop 100ms after its time limit of 100ms"
	if res.Status != Error || res.Err != want {
		t.Errorf("stuck check: %s %q, want error %q", res.Status, res.Err, want)
	}
	if rep.Results[1].Status != Pass {
		t.Errorf("the next check: %s, want pass", rep.Results[1].Status)
	}
	if score, max := rep.Score(); score != 1 || max != 1 {
		t.Errorf("score %d/%d, want 1/1: a stuck check is the grader's failure", score, max)
	}
	close(release)
	<-ended
	if left := proc.Stray(); len(left) > 0 {
		t.Errorf("the program the check started after it was given up still runs: %v", left)
	}
	if strings.Contains(rep.Results[0].Err, "panicked") {
		t.Errorf("the late check changed the result: %q", rep.Results[0].Err)
	}
}
