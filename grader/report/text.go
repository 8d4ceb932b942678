// Package report renders a graded submission: as text for a student at a
// terminal, and as the JSON that Gradescope reads (results.json).
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/trace"
)

// Text writes a report for people: a line per check as it finishes, then
// each failure in full, then the score and how to replay the run.
type Text struct {
	W       io.Writer
	Command string // how the grader was invoked, for the replay line: "socklab grade"
	Verbose bool   // also show the transcripts of failures in full
}

// Header is printed before the first check runs.
func (t *Text) Header(s *grader.Suite, dir string, seed uint64) {
	fmt.Fprintf(t.W, "grading %s (%s) in %s, seed %d\n\n", s.ID, s.Title, dir, seed)
}

// Line is printed as each check finishes.
func (t *Text) Line(r grader.Result) {
	mark := map[grader.Status]string{grader.Pass: "PASS ", grader.Fail: "FAIL ", grader.Error: "ERROR"}[r.Status]
	fmt.Fprintf(t.W, "%s %-44s %2d/%-2d %5.2fs  %s\n", mark, r.Check.ID, r.Score, r.Check.Points,
		r.Elapsed.Seconds(), r.Check.Name)
}

// Summary is printed after the last check: the build's outcome when it
// failed, every failure in full, and the score.
func (t *Text) Summary(rep *grader.Report) {
	w := t.W
	if rep.Build.Err != nil {
		fmt.Fprintf(w, "\nThe build failed: %v. Its output:\n%s\n", rep.Build.Err, indent(rep.Build.Output.String(), "    "))
	}
	for _, r := range rep.Failed() {
		if rep.Build.Err != nil && r.Status == grader.Fail {
			continue // one build failure, said once
		}
		fmt.Fprintf(w, "\n%s\n", rule(fmt.Sprintf("%s %s: %s", strings.ToUpper(r.Status.String()), r.Check.ID, r.Check.Name)))
		t.detail(rep, r)
	}
	score, max := rep.Score()
	fmt.Fprintf(w, "\nscore: %d/%d", score, max)
	if max > 0 {
		fmt.Fprintf(w, " (%.0f%%)", 100*float64(score)/float64(max))
	}
	fmt.Fprintf(w, " on %d checks in %.1f s, seed %d\n", len(rep.Results), rep.Elapsed.Seconds(), rep.Seed)
	if n := rep.Errors(); n > 0 {
		fmt.Fprintf(w, "%d check(s) could not be graded because the grader itself failed; they count neither for nor against you. Run again, and tell your TA if it persists.\n", n)
	}
}

// Detail renders one result that did not pass.
func (t *Text) detail(rep *grader.Report, r grader.Result) {
	w := t.W
	if r.Status == grader.Error {
		fmt.Fprintf(w, "The grader failed while running this check (not your fault):\n%s\n", indent(r.Err, "    "))
	}
	if r.Failure != nil {
		fmt.Fprintln(w, r.Failure.String())
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintf(w, "requirement: %s\n", r.Check.Requirement)
	if len(r.Transcript) > 0 {
		head, tail := 12, 8
		if t.Verbose {
			head, tail = len(r.Transcript), 0
		}
		fmt.Fprintf(w, "transcript (what crossed the wire, as the grader saw it):\n%s", indent(trace.Excerpt(r.Transcript, head, tail), "  "))
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "read: %s, %s\n", rep.Suite.Handout, r.Check.Handout)
	fmt.Fprintf(w, "replay: %s\n", Replay(t.Command, rep, r.Check.ID))
}

// Replay is the command that runs one check again exactly.
func Replay(command string, rep *grader.Report, checkID string) string {
	if command == "" {
		command = "socklab grade"
	}
	hidden := ""
	if rep.Hidden {
		hidden = " -hidden"
	}
	return fmt.Sprintf("%s -seed %d%s -run '^%s$' %s %s", command, rep.Seed, hidden, checkID, rep.Suite.ID, rep.Submission)
}

// Write renders a whole report at once, for a caller that did not print
// lines live.
func (t *Text) Write(rep *grader.Report) {
	t.Header(rep.Suite, rep.Submission, rep.Seed)
	for _, r := range rep.Results {
		t.Line(r)
	}
	t.Summary(rep)
}

func rule(title string) string {
	const width = 78
	s := "── " + title + " "
	if n := width - len([]rune(s)); n > 0 {
		s += strings.Repeat("─", n)
	}
	return s
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
