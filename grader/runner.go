package grader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/socklab/socklab/harness/proc"
)

// Runner grades one submission against one suite.
type Runner struct {
	Suite      *Suite
	Submission Submission
	Seed       uint64         // replays a run exactly; printed in every report
	Run        *regexp.Regexp // only checks whose ID matches; nil: all
	Hidden     bool           // run hidden checks too
	Parallel   int            // checks at once (default DefaultParallel)
	NoBuild    bool           // skip `make build` (the caller built it)
	// KeepTranscripts keeps every check's transcript in its Result, a
	// passed check's too (for -pcap); otherwise only those that did not
	// pass keep theirs.
	KeepTranscripts bool

	// OnResult, if set, is called with each result as soon as it and every
	// check before it in rubric order are done, so a live report stays in
	// rubric order while checks run in parallel.
	OnResult func(Result)
}

// ErrNoChecks: the selection matched no check.
var ErrNoChecks = errors.New("grader: no check matches")

// stuckGrace is how long past its time limit a check's function may take
// to return before the grader calls the check broken. A variable only so
// that the engine's own tests need not wait that long.
var stuckGrace = 5 * time.Second

// Grade builds the submission, runs the selected checks, and returns the
// report. Its error means grading could not run at all.
func (r *Runner) Grade(ctx context.Context) (*Report, error) {
	checks := r.Suite.Select(r.Run, r.Hidden)
	if len(checks) == 0 {
		return nil, fmt.Errorf("%w %q in %s", ErrNoChecks, r.Run, r.Suite.ID)
	}
	if fi, err := os.Stat(r.Submission.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("grader: submission %s is not a directory", r.Submission.Dir)
	}
	rep := &Report{
		Suite:      r.Suite,
		Submission: r.Submission.Dir,
		Seed:       r.Seed,
		Hidden:     r.Hidden,
		Started:    time.Now(),
		Results:    make([]Result, len(checks)),
	}
	if r.Run != nil {
		rep.Run = r.Run.String()
	}
	if !r.NoBuild {
		rep.Build = proc.Build(ctx, r.Submission.Dir, proc.DefaultBuildTimeout)
	}
	sub := r.Submission
	if rep.Build.Err == nil {
		sc, err := newScratch(sub.Dir)
		if err != nil {
			return nil, err
		}
		defer sc.remove()
		sub.scratch = sc
	}

	results := make([]chan Result, len(checks))
	for i := range results {
		results[i] = make(chan Result, 1)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range r.parallel() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				switch {
				case ctx.Err() != nil:
					results[i] <- interrupted(checks[i], "before this check ran")
				case rep.Build.Err != nil:
					results[i] <- buildFailed(checks[i], rep.Build)
				default:
					results[i] <- r.runCheck(ctx, checks[i], sub)
				}
			}
		}()
	}
	go func() {
		for i := range checks {
			work <- i
		}
		close(work)
	}()
	for i := range checks {
		rep.Results[i] = <-results[i]
		if r.OnResult != nil {
			r.OnResult(rep.Results[i])
		}
	}
	wg.Wait()
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

func (r *Runner) parallel() int {
	if r.Parallel > 0 {
		return r.Parallel
	}
	return DefaultParallel
}

// DefaultParallel is how many checks run at once. Checks spend most of
// their time waiting (for a client's timeout, for a reply), not computing,
// so more run at once than there are CPUs; their results do not depend on
// how many share the machine.
const DefaultParallel = 8

// runCheck runs one check in its own goroutine, with its own processes,
// ports, transcript and random stream, and judges it.
func (r *Runner) runCheck(parent context.Context, c *Check, sub Submission) Result {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	t := newT(ctx, r.Suite, c, sub, r.Seed)
	start := time.Now()
	t.startClock(c.timeLimit(), cancel)
	defer t.stopClock()

	// The check's goroutine hands back how it ended. The channel has room
	// for it, so that a check given up for stuck can still end later.
	type ending struct {
		panicked any
		stack    []byte
	}
	done := make(chan ending, 1)
	go func() {
		var e ending
		defer func() { done <- e }()
		defer func() {
			// t.Fail and friends end the goroutine with runtime.Goexit,
			// which recover does not see; a real panic is a grader bug.
			if p := recover(); p != nil {
				e.panicked, e.stack = p, debug.Stack()
			}
		}()
		c.Run(t)
	}()
	var end ending
	select {
	case end = <-done:
	case <-ctx.Done():
		// The time limit (or an interruption) came; the check's waits
		// end with it, and its function returns soon after.
		stuck := time.NewTimer(stuckGrace)
		select {
		case end = <-done:
		case <-stuck.C:
			t.mu.Lock()
			if t.failure == nil && t.gerr == nil {
				t.gerr = fmt.Errorf("the check did not stop %s after its time limit of %s", stuckGrace, c.timeLimit())
			}
			t.mu.Unlock()
		}
		stuck.Stop()
	}
	cancel()
	t.finish()

	res := Result{Check: c, Elapsed: time.Since(start)}
	t.mu.Lock()
	failure, gerr := t.failure, t.gerr
	t.mu.Unlock()
	switch {
	case end.panicked != nil:
		res.Status = Error
		res.Err = fmt.Sprintf("the check panicked: %v\n%s", end.panicked, end.stack)
	case gerr != nil:
		res.Status = Error
		res.Err = gerr.Error()
	case failure != nil:
		res.Status = Fail
		res.Failure = failure
	default:
		res.Status = Pass
		res.Score = c.Points
	}
	if res.Status == Fail && parent.Err() != nil {
		// The check's waits were cut short by the interruption, not by
		// the submission.
		res = interrupted(c, "while this check ran")
		res.Elapsed = time.Since(start)
	}
	if res.Status != Pass {
		res.Notes = t.roleNotes(res.Failure)
	}
	if res.Status != Pass || r.KeepTranscripts {
		res.Transcript = t.trace.Events()
	}
	return res
}

// interrupted is the result of a check that grading was stopped before or
// during: the grader's doing, so it counts neither for nor against.
func interrupted(c *Check, when string) Result {
	return Result{Check: c, Status: Error, Err: "grading was interrupted " + when}
}

func buildFailed(c *Check, b proc.BuildResult) Result {
	return Result{
		Check:  c,
		Status: Fail,
		Failure: &Failure{
			Message: fmt.Sprintf("%s, so this check could not run; %s",
				strings.TrimPrefix(b.Err.Error(), proc.ErrBuild.Error()+": "), lastBuildOutput(b)),
			Err: proc.ErrBuild,
		},
	}
}

func lastBuildOutput(b proc.BuildResult) string {
	if b.Output.Total == 0 {
		return "it printed nothing"
	}
	return "the build's last output:\n" + indent(b.Output.LastLines(15), "    ")
}
