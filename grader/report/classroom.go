package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/socklab/socklab/grader"
)

// GitHub Classroom's autograding: a workflow step runs the grader and
// hands its result to education/autograding-grading-reporter, which reads
// it from the environment variable <RUNNER>_RESULTS as base64-encoded
// JSON, prints each test, sums the tests' scores against max_score, and
// posts the points to Classroom. This is that JSON.

// Classroom is the result a grading runner passes to the reporter.
type Classroom struct {
	Version  int             `json:"version"`
	Status   string          `json:"status"` // "pass", "fail" or "error"
	MaxScore int             `json:"max_score"`
	Tests    []ClassroomTest `json:"tests"`
}

// ClassroomTest is one check, as the reporter prints it.
type ClassroomTest struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // "pass", "fail" or "error"
	Score    int    `json:"score"`
	Message  string `json:"message,omitempty"`   // why it failed: the reporter prints it under the name
	TestCode string `json:"test_code,omitempty"` // what the check tests, for the reader
	Filename string `json:"filename"`
	LineNo   int    `json:"line_no"`
	Duration int64  `json:"duration"` // milliseconds
}

// NewClassroom converts a report. An errored check (the grader failed,
// not the student) counts neither for nor against: its points leave
// max_score, as in results.json.
func NewClassroom(rep *grader.Report, command string) *Classroom {
	c := &Classroom{Version: 1, Status: "pass"}
	for _, r := range rep.Results {
		t := ClassroomTest{
			Name:     fmt.Sprintf("%s: %s", r.Check.ID, r.Check.Name),
			Status:   "pass",
			Score:    r.Score,
			TestCode: r.Check.Requirement,
			Duration: r.Elapsed.Milliseconds(),
		}
		switch r.Status {
		case grader.Fail:
			t.Status = "fail"
			if c.Status == "pass" {
				c.Status = "fail"
			}
		case grader.Error:
			t.Status = "error"
			c.Status = "error"
		}
		if r.Status != grader.Pass {
			var b bytes.Buffer
			(&Text{W: &b, Command: command}).detail(rep, r)
			t.Message = b.String()
		}
		if r.Status != grader.Error {
			c.MaxScore += r.Check.Points
		}
		c.Tests = append(c.Tests, t)
	}
	if rep.Build.Err != nil && c.Status == "pass" {
		c.Status = "fail"
	}
	return c
}

// WriteClassroom writes rep as the reporter reads it: the JSON, base64
// encoded, on one line.
func WriteClassroom(w io.Writer, rep *grader.Report, command string) error {
	j, err := json.Marshal(NewClassroom(rep, command))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, base64.StdEncoding.EncodeToString(j))
	return err
}
