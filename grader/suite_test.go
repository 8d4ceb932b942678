package grader_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
)

func ids(checks []*grader.Check) []string {
	var out []string
	for _, c := range checks {
		out = append(out, strings.TrimPrefix(c.ID, "engine-test/"))
	}
	return out
}

func TestSelect(t *testing.T) {
	t.Parallel()
	noop := func(*grader.T) {}
	hidden := check("z", 4, noop)
	hidden.ID = "engine-test/client/z"
	hidden.Visibility = grader.Hidden
	s := suite(check("x", 1, noop), check("y", 2, noop), hidden)
	tests := []struct {
		run    string
		hidden bool
		want   []string
		points int
	}{
		{"", false, []string{"topic/x", "topic/y"}, 3},
		{"", true, []string{"topic/x", "topic/y", "client/z"}, 7},
		{"y|z", false, []string{"topic/y"}, 2},
		{"y|z", true, []string{"topic/y", "client/z"}, 6},
		{"^engine-test/client/", false, nil, 0},
		{"^engine-test/client/", true, []string{"client/z"}, 4},
		{"nothing", true, nil, 0},
	}
	for _, tt := range tests {
		var re *regexp.Regexp
		if tt.run != "" {
			re = regexp.MustCompile(tt.run)
		}
		got := s.Select(re, tt.hidden)
		assert.Equal(t, tt.want, ids(got), "-run %q hidden=%v", tt.run, tt.hidden)
		assert.Equal(t, tt.points, grader.Points(got), "-run %q hidden=%v", tt.run, tt.hidden)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	noop := func(*grader.T) {}
	good := func() *grader.Check { return check("ok", 1, noop) }
	with := func(f func(c *grader.Check)) *grader.Check {
		c := good()
		f(c)
		return c
	}
	tests := []struct {
		name   string
		checks []*grader.Check
		want   string // "" for valid
	}{
		{"valid", []*grader.Check{good(), with(func(c *grader.Check) { c.ID = "engine-test/other/ok_2.v6" })}, ""},
		{"other-suite", []*grader.Check{with(func(c *grader.Check) { c.ID = "udp-echo/server/ok" })}, "check 1 (udp-echo/server/ok): ID must be engine-test/<topic>/<name>"},
		{"no-topic", []*grader.Check{with(func(c *grader.Check) { c.ID = "engine-test/ok" })}, "ID must be"},
		{"empty-topic", []*grader.Check{with(func(c *grader.Check) { c.ID = "engine-test//ok" })}, "ID must be"},
		{"too-deep", []*grader.Check{with(func(c *grader.Check) { c.ID = "engine-test/a/b/c" })}, "ID must be"},
		{"space", []*grader.Check{with(func(c *grader.Check) { c.ID = "engine-test/topic/two words" })}, "ID must be"},
		{"quote", []*grader.Check{with(func(c *grader.Check) { c.ID = "engine-test/topic/it's" })}, "ID must be"},
		{"duplicate", []*grader.Check{good(), good()}, "check 2 (engine-test/topic/ok): duplicate ID"},
		{"no-name", []*grader.Check{with(func(c *grader.Check) { c.Name = "" })}, "needs a Name, Points > 0"},
		{"no-points", []*grader.Check{with(func(c *grader.Check) { c.Points = 0 })}, "needs a Name, Points > 0"},
		{"no-requirement", []*grader.Check{with(func(c *grader.Check) { c.Requirement = "" })}, "a Requirement"},
		{"no-handout", []*grader.Check{with(func(c *grader.Check) { c.Handout = "" })}, "a Handout section"},
		{"no-run", []*grader.Check{with(func(c *grader.Check) { c.Run = nil })}, "and Run"},
		{"nil", []*grader.Check{good(), nil}, "check 2: nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := suite(tt.checks...).Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "grader: suite engine-test:")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	// Every mistake is reported, not just the first.
	err := suite(with(func(c *grader.Check) { c.ID = "x" }), with(func(c *grader.Check) { c.Points = 0 })).Validate()
	require.Error(t, err)
	assert.Equal(t, 2, strings.Count(err.Error(), "\n  "), err.Error())
}

// registered is registered once per test binary, as suites are from init.
var registered = &grader.Suite{ID: "engine-test-registry", Checks: []*grader.Check{check("a", 1, func(*grader.T) {})}}

func init() { grader.Register(registered) }

func TestRegistry(t *testing.T) {
	t.Parallel()
	s := registered
	got, ok := grader.Lookup("engine-test-registry")
	assert.True(t, ok)
	assert.Same(t, s, got)
	_, ok = grader.Lookup("no-such-assignment")
	assert.False(t, ok)
	var listed []string
	for _, s := range grader.Suites() {
		listed = append(listed, s.ID)
	}
	assert.Contains(t, listed, "engine-test-registry")
	assert.IsNonDecreasing(t, listed)
	assert.PanicsWithValue(t, "grader: suite engine-test-registry registered twice", func() { grader.Register(s) })
}

func TestRubric(t *testing.T) {
	t.Parallel()
	noop := func(*grader.T) {}
	a := check("a", 2, noop)
	a.Name = "Pipes | are escaped"
	h := check("h", 3, noop)
	h.Visibility = grader.Hidden
	s := suite(a, h)
	want := "| Check | Points | Requirement | Handout |\n" +
		"| --- | ---: | --- | --- |\n" +
		"| `engine-test/topic/a` | 2 | Pipes \\| are escaped | §1 Testing |\n" +
		"| **Total** | **2** | 1 checks | |\n"
	assert.Equal(t, want, grader.Rubric(s, false))
	assert.Contains(t, grader.Rubric(s, true), "| `engine-test/topic/h` | 3 | the h check (hidden) | §1 Testing |\n| **Total** | **5** | 2 checks | |\n")
}
