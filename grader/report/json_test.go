package report_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
)

func TestGradescopeGolden(t *testing.T) {
	tests := []struct {
		name string
		rep  *grader.Report
	}{
		{"gradescope.golden", sample()},
		{"gradescope-build.golden", buildFailed()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.WriteJSON(&b, tt.rep, "socklab grade"); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

// The keys Gradescope documents for results.json
// (https://gradescope-autograders.readthedocs.io/en/latest/specs/), and
// max_score, which DESIGN.md adds for other tools.
var (
	topKeys = []string{"score", "max_score", "execution_time", "output", "output_format", "test_output_format",
		"test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
	testKeys = []string{"score", "max_score", "status", "name", "name_format", "number", "output",
		"output_format", "tags", "visibility", "extra_data"}
	formats      = []string{"text", "html", "simple_format", "md", "ansi"}
	visibilities = []string{"visible", "after_due_date", "after_published", "hidden"}
)

// TestGradescopeFormat checks results.json against Gradescope's format,
// reading it as Gradescope does: as untyped JSON.
func TestGradescopeFormat(t *testing.T) {
	for _, hiddenAs := range []string{"after_due_date", "hidden"} {
		for name, rep := range map[string]*grader.Report{"sample": sample(), "build": buildFailed()} {
			t.Run(name+"/"+hiddenAs, func(t *testing.T) {
				var b bytes.Buffer
				if err := report.WriteGradescope(&b, rep, "", hiddenAs); err != nil {
					t.Fatal(err)
				}
				checkGradescope(t, b.Bytes(), rep, hiddenAs)
			})
		}
	}
}

func checkGradescope(t *testing.T, data []byte, rep *grader.Report, hiddenAs string) {
	t.Helper()
	var top map[string]any
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for k := range top {
		if !slices.Contains(topKeys, k) {
			t.Errorf("top level: key %q is not Gradescope's", k)
		}
	}
	number(t, top, "score")
	number(t, top, "execution_time")
	str(t, top, "output")
	oneOf(t, top, "output_format", formats)
	oneOf(t, top, "test_output_format", formats)
	oneOf(t, top, "visibility", visibilities)
	tests, ok := top["tests"].([]any)
	if !ok || len(tests) != len(rep.Results) {
		t.Fatalf("tests: %T of %d, want an array of %d", top["tests"], len(tests), len(rep.Results))
	}
	var sum, sumMax float64
	for i, x := range tests {
		test, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("tests[%d] is %T", i, x)
		}
		for k := range test {
			if !slices.Contains(testKeys, k) {
				t.Errorf("tests[%d]: key %q is not Gradescope's", i, k)
			}
		}
		res := rep.Results[i]
		name := str(t, test, "name")
		if name != res.Check.ID+": "+res.Check.Name {
			t.Errorf("tests[%d].name = %q", i, name)
		}
		str(t, test, "number")
		score, max := number(t, test, "score"), number(t, test, "max_score")
		status := oneOf(t, test, "status", []string{"passed", "failed"})
		output := str(t, test, "output")
		vis := oneOf(t, test, "visibility", visibilities)
		sum += score
		sumMax += max

		wantVis := "visible"
		if res.Check.Visibility == grader.Hidden {
			wantVis = hiddenAs
		}
		if vis != wantVis {
			t.Errorf("tests[%d].visibility = %q, want %q", i, vis, wantVis)
		}
		switch res.Status {
		case grader.Pass:
			if status != "passed" || score != float64(res.Check.Points) || max != score {
				t.Errorf("tests[%d]: a pass is %s %g/%g", i, status, score, max)
			}
		case grader.Fail:
			if status != "failed" || score != 0 || max != float64(res.Check.Points) || output == "" {
				t.Errorf("tests[%d]: a failure is %s %g/%g with output %q", i, status, score, max, output)
			}
		case grader.Error:
			if status != "failed" || score != 0 || max != 0 || output == "" {
				t.Errorf("tests[%d]: an error is %s %g/%g with output %q; it must count for nothing", i, status, score, max, output)
			}
		}
	}
	score, max := rep.Score()
	if top["score"] != float64(score) || sum != float64(score) {
		t.Errorf("score %v, tests add up to %g, report says %d", top["score"], sum, score)
	}
	if top["max_score"] != float64(max) || sumMax != float64(max) {
		t.Errorf("max_score %v, tests add up to %g, report says %d", top["max_score"], sumMax, max)
	}
}

func number(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Errorf("%s: %T, want a number", key, m[key])
	}
	return v
}

func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	v, ok := m[key].(string)
	if !ok {
		t.Errorf("%s: %T, want a string", key, m[key])
	}
	return v
}

func oneOf(t *testing.T, m map[string]any, key string, allowed []string) string {
	t.Helper()
	v := str(t, m, key)
	if !slices.Contains(allowed, v) {
		t.Errorf("%s: %q, want one of %q", key, v, allowed)
	}
	return v
}
