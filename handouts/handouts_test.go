// Package handouts holds the assignments as students read them. Its test
// keeps each handout in step with its suite of checks: the rubric table is
// the one `socklab list -format markdown` prints, every check points at a
// section that exists, and every sentence a check quotes as its requirement
// is in the handout, word for word.
package handouts_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/grader"
	_ "github.com/socklab/socklab/grader/suites"
)

var update = flag.Bool("update", false, "rewrite the rubric tables in the handouts")

func handout(t *testing.T, s *grader.Suite) (path, text string) {
	t.Helper()
	path = strings.TrimPrefix(s.Handout, "handouts/")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("suite %s names handout %s: %v", s.ID, s.Handout, err)
	}
	return path, string(b)
}

func TestRubricMatchesList(t *testing.T) {
	for _, s := range grader.Suites() {
		t.Run(s.ID, func(t *testing.T) {
			path, text := handout(t, s)
			begin := strings.Index(text, grader.RubricBegin)
			end := strings.Index(text, grader.RubricEnd)
			if begin < 0 || end < begin {
				t.Fatalf("%s has no rubric markers:\n%s\n...\n%s", path, grader.RubricBegin, grader.RubricEnd)
			}
			begin += len(grader.RubricBegin) + 1
			got := text[begin:end]
			want := grader.Rubric(s, false)
			if got == want {
				return
			}
			if *update {
				text = text[:begin] + want + text[end:]
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			t.Errorf("the rubric in %s differs from `socklab list -format markdown %s` (run go test ./handouts -update):\n%s",
				path, s.ID, cmp.Diff(want, got))
		})
	}
}

func TestChecksPointAtSections(t *testing.T) {
	for _, s := range grader.Suites() {
		t.Run(s.ID, func(t *testing.T) {
			_, text := handout(t, s)
			for _, c := range s.Checks {
				if !strings.Contains(text, "\n## "+c.Handout+"\n") {
					t.Errorf("check %s points at %q, which is not a section (a line \"## %s\") of %s",
						c.ID, c.Handout, c.Handout, s.Handout)
				}
			}
		})
	}
}

var quoted = regexp.MustCompile(`"([^"]+)"`)

// normalize makes a sentence comparable across line breaks and markdown
// code marks.
func normalize(s string) string {
	s = strings.ReplaceAll(s, "`", "")
	return strings.Join(strings.Fields(s), " ")
}

func TestRequirementsQuoteTheHandout(t *testing.T) {
	for _, s := range grader.Suites() {
		t.Run(s.ID, func(t *testing.T) {
			_, text := handout(t, s)
			body := normalize(text)
			for _, c := range s.Checks {
				quotes := quoted.FindAllStringSubmatch(c.Requirement, -1)
				if len(quotes) == 0 {
					t.Errorf("check %s quotes nothing in its requirement: %s", c.ID, c.Requirement)
				}
				for _, q := range quotes {
					if !strings.Contains(body, normalize(q[1])) {
						t.Errorf("check %s quotes a sentence that is not in %s:\n  %q", c.ID, s.Handout, q[1])
					}
				}
			}
		})
	}
}
