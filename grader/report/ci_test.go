package report_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
)

func TestJUnitGolden(t *testing.T) {
	for name, rep := range map[string]*grader.Report{"junit.golden": sample(), "junit-build.golden": buildFailed()} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.WriteJUnit(&b, rep, "socklab grade"); err != nil {
				t.Fatal(err)
			}
			golden(t, name, b.Bytes())
		})
	}
}

// TestJUnitReads reads the XML back as a CI system does: one testcase a
// check, failures and errors counted and marked, the seed a property.
func TestJUnitReads(t *testing.T) {
	rep := sample()
	var b bytes.Buffer
	if err := report.WriteJUnit(&b, rep, ""); err != nil {
		t.Fatal(err)
	}
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	var doc struct {
		Suites []struct {
			Tests    int        `xml:"tests,attr"`
			Failures int        `xml:"failures,attr"`
			Errors   int        `xml:"errors,attr"`
			Props    []property `xml:"properties>property"`
			Cases    []struct {
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Error     *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != len(rep.Results) || len(s.Cases) != len(rep.Results) || s.Failures != 1 || s.Errors != 1 {
		t.Errorf("tests %d (%d cases), failures %d, errors %d; want %d, 1, 1", s.Tests, len(s.Cases), s.Failures, s.Errors, len(rep.Results))
	}
	for i, r := range rep.Results {
		c := s.Cases[i]
		if got := c.Failure != nil; got != (r.Status == grader.Fail) {
			t.Errorf("%s: <failure> %v, status %v", r.Check.ID, got, r.Status)
		}
		if got := c.Error != nil; got != (r.Status == grader.Error) {
			t.Errorf("%s: <error> %v, status %v", r.Check.ID, got, r.Status)
		}
		if !strings.HasPrefix(r.Check.ID, strings.ReplaceAll(c.Classname, ".", "/")+"/") {
			t.Errorf("%s has classname %q", r.Check.ID, c.Classname)
		}
	}
	if !slices.Contains(s.Props, property{"seed", "42"}) {
		t.Errorf("no seed property: %+v", s.Props)
	}
}

func TestClassroomGolden(t *testing.T) {
	for name, rep := range map[string]*grader.Report{"classroom.golden": sample(), "classroom-build.golden": buildFailed()} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.WriteClassroom(&b, rep, "socklab grade"); err != nil {
				t.Fatal(err)
			}
			// The golden file is the decoded JSON, which a reader can
			// review; the test checks the encoding separately.
			golden(t, name, decodeClassroom(t, b.Bytes()))
		})
	}
}

func decodeClassroom(t *testing.T, out []byte) []byte {
	t.Helper()
	if bytes.Count(out, []byte("\n")) != 1 || !bytes.HasSuffix(out, []byte("\n")) {
		t.Fatalf("the classroom result is not one line: %q", out)
	}
	j, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("not base64: %v", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, j, "", "  "); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return append(pretty.Bytes(), '\n')
}

// TestClassroomFormat reads the result as the grading reporter does:
// untyped JSON, the tests' scores summed against max_score, "status" of
// each test "pass" or something else.
func TestClassroomFormat(t *testing.T) {
	rep := sample()
	var b bytes.Buffer
	if err := report.WriteClassroom(&b, rep, ""); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(decodeClassroom(t, b.Bytes()), &res); err != nil {
		t.Fatal(err)
	}
	if res["version"] != 1.0 || res["status"] != "error" {
		t.Errorf("version %v, status %v; want 1, error (a check errored)", res["version"], res["status"])
	}
	tests, _ := res["tests"].([]any)
	if len(tests) != len(rep.Results) {
		t.Fatalf("%d tests, want %d", len(tests), len(rep.Results))
	}
	total := 0.0
	for i, x := range tests {
		tt := x.(map[string]any)
		for _, k := range []string{"name", "status", "score"} {
			if _, ok := tt[k]; !ok {
				t.Errorf("test %d has no %q", i, k)
			}
		}
		total += tt["score"].(float64)
		want := map[grader.Status]string{grader.Pass: "pass", grader.Fail: "fail", grader.Error: "error"}[rep.Results[i].Status]
		if tt["status"] != want {
			t.Errorf("test %d status %v, want %s", i, tt["status"], want)
		}
		if want != "pass" && tt["message"] == "" {
			t.Errorf("test %d failed without a message", i)
		}
	}
	score, _ := rep.Score()
	if int(total) != score {
		t.Errorf("the tests' scores add up to %v, the report's score is %d", total, score)
	}
	// The errored check's points leave max_score, as in results.json.
	want := 0
	for _, r := range rep.Results {
		if r.Status != grader.Error {
			want += r.Check.Points
		}
	}
	if res["max_score"] != float64(want) {
		t.Errorf("max_score %v, want %d", res["max_score"], want)
	}
}
