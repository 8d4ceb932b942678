package export

import (
	"fmt"
	"strings"

	"github.com/socklab/socklab/grader"
)

// The GitHub Classroom workflow, in the form Classroom generates when a
// teacher adds tests in its web page: one education/autograding-command-
// grader step per test, each with its max-score, and
// education/autograding-grading-reporter at the end, which reads each
// step's result and posts the points.
//
// One step per check, not per group of checks: the command grader gives a
// step its max-score only if the command succeeds, so a step for a group
// would give nothing for a group with one failed check, where the rubric
// gives all but that check's points. Per check, Classroom's points are
// the rubric's. Each step grades one check, with the seed derived from
// the student's repository (-seed-from), and -must-pass makes its exit
// status the check's verdict.

// Workflow is .github/workflows/classroom.yml for s's public checks.
func Workflow(s *grader.Suite) string {
	var b strings.Builder
	b.WriteString(`name: Autograding Tests
'on':
- push
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
    - name: Checkout code
      uses: actions/checkout@v4
    - name: Set up Go
      uses: actions/setup-go@v5
      with:
        go-version: '` + goVersion + `'
`)
	var runners []string
	for _, c := range s.Select(nil, false) {
		id := stepID(c.ID, s.ID)
		runners = append(runners, id)
		fmt.Fprintf(&b, `    - name: %s
      id: %s
      uses: education/autograding-command-grader@v1
      with:
        test-name: %s
        setup-command: ''
        command: .socklab/grade.sh -must-pass -seed-from "$GITHUB_REPOSITORY" -run '^%s$'
        timeout: %d
        max-score: %d
`, yamlString(c.ID), id, yamlString(c.ID+": "+c.Name), c.ID, stepTimeout, c.Points)
	}
	b.WriteString(`    - name: Autograding Reporter
      uses: education/autograding-grading-reporter@v1
      env:
`)
	for _, id := range runners {
		fmt.Fprintf(&b, "        %s_RESULTS: \"${{steps.%s.outputs.result}}\"\n", strings.ToUpper(id), id)
	}
	fmt.Fprintf(&b, "      with:\n        runners: %s\n", strings.Join(runners, ","))
	return b.String()
}

// goVersion is the Go the workflow sets up: the kit's go.mod asks for
// 1.26.
const goVersion = "1.26"

// stepTimeout is each step's limit, in minutes (the command grader's
// unit): the first step also builds the grader and the submission.
const stepTimeout = 10

// stepID is a check's step id: "smtp-client/session/quit-waits" is
// session_quit_waits, a name GitHub accepts for a step and its
// <ID>_RESULTS environment variable.
func stepID(checkID, suite string) string {
	id := strings.TrimPrefix(checkID, suite+"/")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}

// yamlString quotes s for YAML, in single quotes, which need only their
// own doubling.
func yamlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
