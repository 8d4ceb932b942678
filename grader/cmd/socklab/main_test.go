package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
)

// cliTest is a suite registered for these tests only: it grades any
// directory without starting a program, and one of its checks errors.
var cliTest = &grader.Suite{
	ID:      "cli-test",
	Title:   "the CLI's own tests",
	Roles:   []string{"server"},
	Handout: "handouts/cli-test.md",
	Checks: []*grader.Check{
		{ID: "cli-test/topic/passes", Name: "It passes", Points: 1, Requirement: "nothing", Handout: "§1",
			Run: func(t *grader.T) {}},
		{ID: "cli-test/topic/fails", Name: "It fails", Points: 2, Requirement: "the impossible", Handout: "§1",
			Run: func(t *grader.T) { t.Expect("the answer", 42, 41) }},
		{ID: "cli-test/topic/errors", Name: "The grader breaks", Points: 3, Requirement: "a working grader", Handout: "§1",
			Run: func(t *grader.T) { t.GraderErrorf("the grader broke on purpose") }},
	},
}

func init() { grader.Register(cliTest) }

// result is what one run of the CLI did.
type result struct {
	code           int
	stdout, stderr string
}

func socklab(args ...string) result {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// root is the repository's root, found from the test's directory.
func root(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test's directory")
		dir = parent
	}
}

// score reads "score: X/Y" from a text report.
func score(t *testing.T, out string) (int, int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^score: (\d+)/(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, "no score in:\n%s", out)
	s, _ := strconv.Atoi(m[1])
	max, _ := strconv.Atoi(m[2])
	return s, max
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		code   int
		stdout string // "" when stdout must be empty
		stderr string
	}{
		{nil, exitUsage, "", "socklab grades socket-programming assignments."},
		{[]string{"-h"}, exitUsage, "", "Run 'socklab help COMMAND'"},
		{[]string{"frobnicate"}, exitUsage, "", `socklab: unknown command "frobnicate"`},
		{[]string{"help"}, exitOK, "socklab grade      [flags] ASSIGNMENT [DIR]", ""},
		{[]string{"help", "nope"}, exitUsage, "", `socklab: unknown command "nope"`},
	}
	for _, tt := range tests {
		r := socklab(tt.args...)
		assert.Equal(t, tt.code, r.code, "%q", tt.args)
		if tt.stdout == "" {
			assert.Empty(t, r.stdout, "%q", tt.args)
		} else {
			assert.Contains(t, r.stdout, tt.stdout, "%q", tt.args)
		}
		if tt.stderr == "" {
			assert.Empty(t, r.stderr, "%q", tt.args)
		} else {
			assert.Contains(t, r.stderr, tt.stderr, "%q", tt.args)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := socklab("help", "grade")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "usage: socklab grade [flags] ASSIGNMENT [DIR]\n"), r.stdout)
	for _, flag := range []string{"-format", "-o", "-seed", "-run", "-hidden", "-j", "-v", "-no-build", "-cmd"} {
		assert.Regexp(t, `\n  `+flag+`[ \t\n]`, r.stdout, "help grade lists %s", flag)
	}
	assert.Contains(t, r.stdout, "\n  -no-build\n", "a backquote in a usage names the flag's value")
	// -h is help too, on stderr, as a usage error.
	r = socklab("grade", "-h")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "-seed")

	r = socklab("help", "impair")
	require.Equal(t, exitOK, r.code)
	for _, flag := range []string{"-listen", "-to", "-tcp", "-loss", "-script", "-toxics", "-dir", "-for", "-q"} {
		assert.Regexp(t, `\n  `+flag+`[ \t\n]`, r.stdout, "help impair lists %s", flag)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	r := socklab("list")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 1+len(grader.Suites()))
	assert.Equal(t, []string{"ASSIGNMENT", "CHECKS", "POINTS", "TITLE"}, strings.Fields(lines[0]))
	for i, s := range grader.Suites() {
		checks := s.Select(nil, false)
		want := append([]string{s.ID, strconv.Itoa(len(checks)), strconv.Itoa(grader.Points(checks))}, strings.Fields(s.Title)...)
		assert.Equal(t, want, strings.Fields(lines[i+1]))
	}
	assert.Contains(t, r.stdout, "\nudp-echo ")
}

func TestListSuite(t *testing.T) {
	t.Parallel()
	s, ok := grader.Lookup("udp-echo")
	require.True(t, ok, "the udp-echo suite is registered by the CLI's import")
	r := socklab("list", "udp-echo")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	checks := s.Select(nil, false)
	require.Len(t, lines, len(checks)+2)
	assert.Equal(t, []string{"CHECK", "POINTS", "VISIBILITY", "NAME"}, strings.Fields(lines[0]))
	for i, c := range checks {
		assert.Equal(t, append([]string{c.ID, strconv.Itoa(c.Points), "public"}, strings.Fields(c.Name)...),
			strings.Fields(lines[i+1]))
	}
	assert.Equal(t, []string{"total", strconv.Itoa(grader.Points(checks)), strconv.Itoa(len(checks)), "checks"},
		strings.Fields(lines[len(lines)-1]))

	for _, args := range [][]string{
		{"list", "-format", "markdown", "udp-echo"},
		{"list", "udp-echo", "-format", "markdown"},
	} {
		r := socklab(args...)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Equal(t, grader.Rubric(s, false), r.stdout, "%q", args)
	}
}

func TestListErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "nope"}, `no assignment "nope"; there are [`},
		{[]string{"list", "udp-echo", "tcp-echo"}, "list takes at most one assignment"},
		{[]string{"list", "-format", "html"}, `-format must be text or markdown, not "html"`},
		{[]string{"list", "-bogus"}, "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		r := socklab(tt.args...)
		assert.Equal(t, exitUsage, r.code, "%q", tt.args)
		assert.Empty(t, r.stdout, "%q", tt.args)
		assert.Contains(t, r.stderr, "socklab list: usage: "+tt.want, "%q", tt.args)
		assert.Contains(t, r.stderr, "\nusage: socklab list ", "%q", tt.args)
	}
	// The unknown assignment's message lists the known ones.
	r := socklab("list", "nope")
	for _, s := range grader.Suites() {
		assert.Contains(t, r.stderr, s.ID)
	}
	if !grader.HiddenChecksBuilt {
		r := socklab("list", "-hidden", "udp-echo")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "built without hidden checks")
	}
}

// Every suite the CLI carries passes Validate: a TA's mistake in a new
// check shows here, not in a student's report.
func TestSuitesValid(t *testing.T) {
	t.Parallel()
	for _, s := range grader.Suites() {
		assert.NoError(t, s.Validate())
	}
}

// copySubmission copies a submission from the repository as a student
// would hand it in: its source, with its files' modes, without what it
// built, and with the go.mod its Go needs outside the kit's module (other
// tests build the originals in place).
func copySubmission(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == "bin" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dst, "go.mod"), []byte("module submission\n\ngo 1.26\n"), 0o644))
}
