package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/socklab/socklab/grader"
)

// Gradescope is the results.json that Gradescope's autograder reads
// (https://gradescope-autograders.readthedocs.io, "Output format").
type Gradescope struct {
	Score            int              `json:"score"`
	MaxScore         int              `json:"max_score"` // not read by Gradescope; for other tools
	ExecutionTime    float64          `json:"execution_time"`
	Output           string           `json:"output"`
	OutputFormat     string           `json:"output_format"`      // of Output: "text", shown as is
	TestOutputFormat string           `json:"test_output_format"` // of each test's Output: "text", so transcripts line up
	Visibility       string           `json:"visibility"`
	Tests            []GradescopeTest `json:"tests"`
}

// GradescopeTest is one check in results.json.
type GradescopeTest struct {
	Name       string `json:"name"`
	Number     string `json:"number"`
	Score      int    `json:"score"`
	MaxScore   int    `json:"max_score"`
	Status     string `json:"status"` // "passed" or "failed"
	Output     string `json:"output"` // why it failed; for a pass, what it checked
	Visibility string `json:"visibility"`
}

// HiddenVisibility is what Gradescope shows students of a hidden check
// by default: "after_due_date"; "hidden" is the other choice
// (WriteGradescope).
const HiddenVisibility = "after_due_date"

// NewGradescope converts a report, hidden checks shown after the due date.
func NewGradescope(rep *grader.Report, command string) *Gradescope {
	return newGradescope(rep, command, HiddenVisibility)
}

func newGradescope(rep *grader.Report, command, hiddenAs string) *Gradescope {
	score, max := rep.Score()
	hidden := ""
	if rep.Hidden {
		hidden = " -hidden"
	}
	g := &Gradescope{
		Score:            score,
		MaxScore:         max,
		ExecutionTime:    rep.Elapsed.Round(time.Millisecond).Seconds(),
		OutputFormat:     "text",
		TestOutputFormat: "text",
		Visibility:       "visible",
		Output: fmt.Sprintf("%s graded with seed %d. To replay a check: %s -seed %d%s -run 'CHECK' %s .",
			rep.Suite.ID, rep.Seed, orDefault(command), rep.Seed, hidden, rep.Suite.ID),
	}
	if rep.Build.Err != nil {
		g.Output += "\n\n" + buildFailure(rep.Build)
	}
	if n := rep.Errors(); n > 0 {
		g.Output += "\n\n" + errorsNote(n)
	}
	for i, r := range rep.Results {
		gt := GradescopeTest{
			Name:       fmt.Sprintf("%s: %s", r.Check.ID, r.Check.Name),
			Number:     fmt.Sprint(i + 1),
			Score:      r.Score,
			MaxScore:   r.Check.Points,
			Status:     "passed",
			Visibility: "visible",
		}
		if r.Check.Visibility == grader.Hidden {
			gt.Visibility = hiddenAs
		}
		if r.Status == grader.Pass {
			gt.Output = wrap("requirement: "+r.Check.Requirement, width, "  ")
		} else {
			gt.Status = "failed"
			var b bytes.Buffer
			(&Text{W: &b, Command: command}).detail(rep, r)
			gt.Output = b.String()
		}
		if r.Status == grader.Error {
			gt.MaxScore = 0 // an errored check counts neither for nor against
		}
		g.Tests = append(g.Tests, gt)
	}
	return g
}

// WriteJSON writes the Gradescope results.json of rep.
func WriteJSON(w io.Writer, rep *grader.Report, command string) error {
	return WriteGradescope(w, rep, command, HiddenVisibility)
}

// WriteGradescope writes the results.json of rep, its hidden checks
// shown to students as hiddenAs says: "after_due_date" or "hidden".
func WriteGradescope(w io.Writer, rep *grader.Report, command, hiddenAs string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "<seq>" reads better than "\u003cseq\u003e"
	return enc.Encode(newGradescope(rep, command, hiddenAs))
}

func orDefault(command string) string {
	if command == "" {
		return "socklab grade"
	}
	return command
}
