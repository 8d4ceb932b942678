package grader

import (
	"time"

	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/trace"
)

// Status is the outcome of one check.
type Status int

const (
	Pass  Status = iota // the submission meets the requirement
	Fail                // it does not; Result.Failure says why
	Error               // the grader broke; the check counts neither for nor against
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	default:
		return "error"
	}
}

// Result is one graded check.
type Result struct {
	Check      *Check
	Status     Status
	Score      int           // Check.Points on Pass, else 0
	Failure    *Failure      // on Fail
	Err        string        // on Error: what broke in the grader
	Notes      []string      // what became of the submission's programs
	Transcript []trace.Event // what crossed the wire; kept when the check did not pass
	Elapsed    time.Duration
}

// Report is a graded submission.
type Report struct {
	Suite      *Suite
	Submission string // the directory, as given
	Seed       uint64
	Hidden     bool // hidden checks were run
	Run        string
	Build      proc.BuildResult
	Results    []Result
	Started    time.Time
	Elapsed    time.Duration
}

// Score is the points earned and the points possible. A check that errored
// counts in neither: the grader's failure is never the student's loss.
func (r *Report) Score() (score, max int) {
	for _, res := range r.Results {
		if res.Status == Error {
			continue
		}
		score += res.Score
		max += res.Check.Points
	}
	return score, max
}

// Errors counts the checks that could not be graded.
func (r *Report) Errors() int {
	n := 0
	for _, res := range r.Results {
		if res.Status == Error {
			n++
		}
	}
	return n
}

// Failed lists the results that did not pass.
func (r *Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status != Pass {
			out = append(out, res)
		}
	}
	return out
}
