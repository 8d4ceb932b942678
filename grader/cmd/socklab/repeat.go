package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
)

// repeatGrade grades the submission o.repeat times, with the seeds
// o.seed, o.seed+1, ..., and reports each check's pass rate. A check that
// passes with some seeds and fails with others is flaky: the submission
// handles some impairment patterns and not others (a race, a timeout too
// tight), or, if the reference does it, the check itself is wrong. Each
// failing seed comes with the command that replays it.
func repeatGrade(ctx context.Context, o gradeOptions, s *grader.Suite, re *regexp.Regexp, abs, dir string, stdout io.Writer, out *os.File) error {
	var w io.Writer = stdout
	if out != nil {
		w = out
	}
	type tally struct {
		check  *grader.Check
		passed int
		failed []uint64 // the seeds it failed with
		errors int
	}
	var checks []*tally
	byID := map[string]*tally{}
	fmt.Fprintf(w, "grading %s (%s) in %s %d times, seeds %d to %d\n\n", s.ID, s.Title, dir, o.repeat, o.seed, o.seed+uint64(o.repeat)-1)
	runs := 0
	for i := range o.repeat {
		seed := o.seed + uint64(i)
		r := o.runner(s, re, abs, seed)
		r.NoBuild = r.NoBuild || i > 0 // built once, by the first run
		start := time.Now()
		rep, err := r.Grade(ctx)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			break // an interrupted run's results are not a sample
		}
		runs++
		if rep.Build.Err != nil {
			return fmt.Errorf("the submission did not build: %v", rep.Build.Err)
		}
		score, max := rep.Score()
		fmt.Fprintf(w, "run %d of %d, seed %d: %d/%d (%.1f s)\n", i+1, o.repeat, seed, score, max, time.Since(start).Seconds())
		for _, res := range rep.Results {
			t := byID[res.Check.ID]
			if t == nil {
				t = &tally{check: res.Check}
				byID[res.Check.ID] = t
				checks = append(checks, t)
			}
			switch res.Status {
			case grader.Pass:
				t.passed++
			case grader.Fail:
				t.failed = append(t.failed, seed)
			default:
				t.errors++
			}
		}
	}
	if runs == 0 {
		return fmt.Errorf("interrupted before a run ended")
	}

	width := 0
	for _, t := range checks {
		width = max(width, len(t.check.ID))
	}
	fmt.Fprintf(w, "\npass rate of each check over %d runs:\n", runs)
	var always, never, flaky int
	for _, t := range checks {
		graded := t.passed + len(t.failed)
		line := fmt.Sprintf("  %3d/%-3d %-*s", t.passed, graded, width, t.check.ID)
		switch {
		case len(t.failed) == 0:
			always++
		case t.passed == 0:
			never++
			line += "  fails every time"
		default:
			flaky++
			first := &grader.Report{Suite: s, Seed: t.failed[0], Hidden: o.hidden, Submission: dir}
			line += fmt.Sprintf("  FLAKY: failed with seed %s; replay: %s",
				seedList(t.failed), report.Replay("socklab grade", first, t.check.ID))
		}
		if t.errors > 0 {
			line += fmt.Sprintf("  (%d runs could not grade it: the grader failed)", t.errors)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(w, "\n%d checks passed every time, %d failed every time, %d are flaky\n", always, never, flaky)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %d of %d runs; the pass rates cover those", runs, o.repeat)
	}
	return nil
}

// seedList is seeds as "3, 7 and 9".
func seedList(seeds []uint64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = fmt.Sprint(s)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
