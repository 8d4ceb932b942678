package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
)

func TestGradeUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-dir")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no-args", nil, "want an assignment and, optionally, a submission directory"},
		{"three-args", []string{"cli-test", dir, dir}, "want an assignment and, optionally, a submission directory"},
		{"unknown-assignment", []string{"nope", dir}, `no assignment "nope"; there are [`},
		{"bad-format", []string{"-format", "xml", "cli-test", dir}, `-format must be text, json, junit or classroom, not "xml"`},
		{"seed-twice", []string{"-seed", "3", "-seed-from", "alice", "cli-test", dir}, "give -seed or -seed-from, not both"},
		{"repeat-zero", []string{"-repeat", "0", "cli-test", dir}, "-repeat must be 1 or more, not 0"},
		{"repeat-pcap", []string{"-repeat", "2", "-pcap", dir, "cli-test", dir}, "-repeat writes no pcap files"},
		{"repeat-json", []string{"-repeat", "2", "-format", "json", "cli-test", dir}, "-repeat reports pass rates as text; it takes no -format json"},
		{"bad-run", []string{"-run", "server/(", "cli-test", dir}, "-run: error parsing regexp: missing closing ): `server/(`"},
		{"run-matches-nothing", []string{"-run", "nothing", "cli-test", dir}, `grader: no check matches "nothing" in cli-test`},
		{"unknown-role", []string{"-cmd", "client=./client", "cli-test", dir}, `cli-test has no role "client" (its roles are [server])`},
		{"bad-cmd", []string{"-cmd", "server", "cli-test", dir}, "want ROLE='command line'"},
		{"missing-dir", []string{"cli-test", missing}, "the submission directory " + missing + " does not exist"},
		{"unknown-flag", []string{"cli-test", dir, "-bogus"}, "flag provided but not defined: -bogus"},
		{"flag-needs-value", []string{"cli-test", dir, "-seed"}, "flag needs an argument: -seed"},
		{"bad-seed", []string{"-seed", "x", "cli-test", dir}, `invalid value "x" for flag -seed`},
	}
	if !grader.HiddenChecksBuilt {
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"hidden", []string{"-hidden", "cli-test", dir}, "this socklab was built without hidden checks; build it with -tags hidden"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := socklab(append([]string{"grade"}, tt.args...)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tt.want)
			assert.True(t, strings.HasPrefix(r.stderr, "socklab grade: usage: "), r.stderr)
			assert.Contains(t, r.stderr, "\nusage: socklab grade [flags] ASSIGNMENT [DIR]\n")
		})
	}
}

func TestGradeFlagsAfterPositionals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := socklab("grade", "cli-test", dir, "-seed", "3", "-run", "passes")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "grading cli-test (the CLI's own tests) in "+dir+", seed 3\n\n"), r.stdout)
	assert.Contains(t, r.stdout, "PASS  cli-test/topic/passes ")
	assert.NotContains(t, r.stdout, "cli-test/topic/fails")
	assert.Contains(t, r.stdout, "score: 1/1 (100%) on 1 check in ")
	assert.Contains(t, r.stdout, ", seed 3\n")

	// Mixed, and = forms.
	r = socklab("grade", "-seed=4", "cli-test", "-run=passes", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "seed 4\n")
}

// "--" ends the flags: what follows is positional, even if it starts with
// a dash. Not parallel: it changes the working directory.
func TestGradeDoubleDash(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.Mkdir("-odd-name", 0o755))
	r := socklab("grade", "-run", "passes", "cli-test", "--", "-odd-name")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "in -odd-name, seed 1")

	r = socklab("grade", "-run", "passes", "--", "cli-test", "-odd-name")
	require.Equal(t, exitOK, r.code, r.stderr)

	// After "--", -seed is a third positional.
	r = socklab("grade", "cli-test", "--", "-odd-name", "-seed")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "want an assignment and, optionally, a submission directory")
}

// Exit status 0 when grading ran, whatever the score; 1 when a check
// could not be graded.
func TestGradeExitStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := socklab("grade", "-run", "passes|fails", "cli-test", dir)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "FAIL  cli-test/topic/fails ")
	assert.Contains(t, r.stdout, "the answer is wrong\n  expected: 42\n  actual:   41\n")
	s, max := score(t, r.stdout)
	assert.Equal(t, [2]int{1, 3}, [2]int{s, max})

	r = socklab("grade", "cli-test", dir)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stdout, "ERROR cli-test/topic/errors ")
	assert.Contains(t, r.stdout, "the grader broke on purpose")
	assert.Contains(t, r.stdout, "1 check could not be graded")
	assert.Empty(t, r.stderr, "the report said it; run only sets the status")
	s, max = score(t, r.stdout)
	assert.Equal(t, [2]int{1, 3}, [2]int{s, max}, "the errored check counts for nothing")
}

func TestGradeJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "results.json")

	// To a file: the live lines still go to stdout.
	r := socklab("grade", "-format", "json", "-o", out, "-run", "passes|fails", "cli-test", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "PASS  cli-test/topic/passes ")
	assert.Contains(t, r.stdout, "FAIL  cli-test/topic/fails ")
	assert.Contains(t, r.stdout, "score: 1/3")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var g report.Gradescope
	require.NoError(t, json.Unmarshal(data, &g), "%s", data)
	assert.Equal(t, 1, g.Score)
	require.Len(t, g.Tests, 2)
	assert.Equal(t, "passed", g.Tests[0].Status)
	assert.Equal(t, "failed", g.Tests[1].Status)

	// To stdout: only the JSON.
	r = socklab("grade", "-format", "json", "cli-test", dir)
	assert.Equal(t, exitError, r.code)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &g), "stdout is not only JSON:\n%s", r.stdout)
	require.Len(t, g.Tests, 3)
	assert.Equal(t, 0, g.Tests[2].MaxScore, "an errored check is out of 0")
	assert.Contains(t, r.stderr, "1 of 3 checks could not be graded")

	// A text report to a file: the same report as the live one.
	txt := filepath.Join(t.TempDir(), "report.txt")
	r = socklab("grade", "-o", txt, "-run", "passes", "cli-test", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	data, err = os.ReadFile(txt)
	require.NoError(t, err)
	assert.Contains(t, string(data), "PASS  cli-test/topic/passes ")
	assert.Contains(t, string(data), "score: 1/1")
	assert.Contains(t, r.stdout, "score: 1/1")
}

func TestGradeOutputNotWritable(t *testing.T) {
	t.Parallel()
	r := socklab("grade", "-format", "json", "-o", filepath.Join(t.TempDir(), "no", "dir", "results.json"), "cli-test", t.TempDir())
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout, "nothing was graded")
	assert.Contains(t, r.stderr, "no such file or directory")
}

// The real udp-echo suite, end to end, on the reference (which scores
// 100%) and on the starter code (which does not).
func TestGradeUDPEcho(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the udp-echo reference and starter")
	}
	base := root(t)
	tests := []struct {
		name, dir, run string
		full           bool
	}{
		{"reference", "reference/udp-echo", "server/(letters|empty)$", true},
		{"starter", "assignments/udp-echo", "server/letters$", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(base, tt.dir)
			r := socklab("grade", "udp-echo", dir, "-run", tt.run)
			require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.True(t, strings.HasPrefix(r.stdout, "grading udp-echo (UDP uppercase server and pinger) in "+dir+", seed 1\n"), r.stdout)
			s, max := score(t, r.stdout)
			assert.Positive(t, max)
			if tt.full {
				assert.Equal(t, max, s, r.stdout)
			} else {
				assert.Less(t, s, max, r.stdout)
				assert.Contains(t, r.stdout, "FAIL  udp-echo/server/letters ")
				assert.Contains(t, r.stdout, "replay: socklab grade -seed 1 -run '^udp-echo/server/letters$' udp-echo "+dir)
			}
		})
	}
}
