package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
)

func TestGradescopeUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"gradescope"}, "want one assignment"},
		{[]string{"gradescope", "nope"}, `no assignment "nope"`},
		{[]string{"gradescope", "-hidden-visibility", "visible", "tcp-echo"}, "-hidden-visibility must be after_due_date or hidden"},
		{[]string{"gradescope", "-o", "", "tcp-echo"}, "-o must name the bundle's file"},
		{[]string{"gradescope", "-repo", t.TempDir(), "tcp-echo"}, "-repo: gradescope: not in the socklab repository"},
		{[]string{"gradescope", "-go", "1.26", "tcp-echo"}, `Go release "1.26" is not one like go1.26.8`},
	}
	for _, tt := range tests {
		r := socklab(tt.args...)
		assert.Equal(t, exitUsage, r.code, "%q: %s", tt.args, r.stderr)
		assert.Contains(t, r.stderr, tt.want, "%q", tt.args)
	}

	r := socklab("help", "gradescope")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "usage: socklab gradescope [-o autograder.zip] [flags] ASSIGNMENT\n"), r.stdout)
	for _, flag := range []string{"-o", "-hidden-visibility", "-seed", "-seed-from-submission", "-repo", "-go"} {
		assert.Regexp(t, `\n  `+flag+`[ \t\n]`, r.stdout, "help gradescope lists %s", flag)
	}
	for _, step := range []string{"Configure Autograder", "Ubuntu", "their repository", "a zip of it"} {
		assert.Contains(t, r.stdout, step, "the help says what a TA does")
	}
}

// TestGradescopeBundle builds the tcp-echo bundle with the real grader,
// unpacks it into directories laid out like /autograder, and runs its
// run_autograder (not setup.sh, which would apt-get) on the reference,
// the starter, the reference zipped inside a folder, and with a grader
// that fails.
func TestGradescopeBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the grader and grades tcp-echo's reference and starter")
	}
	t.Parallel()
	base := root(t)
	dir := t.TempDir()
	fixed := filepath.Join(dir, "fixed.zip")
	r := socklab("gradescope", "-o", fixed, "-seed", "7", "-hidden-visibility", "hidden", "tcp-echo")
	require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "wrote "+fixed+": the tcp-echo autograder (seed 7; hidden checks shown hidden)")
	perStudent := filepath.Join(dir, "per-student.zip")
	r = socklab("gradescope", "tcp-echo", "-seed-from-submission", "-o", perStudent)
	require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)

	s, ok := grader.Lookup("tcp-echo")
	require.True(t, ok)
	public := map[string]bool{}
	for _, c := range s.Select(nil, false) {
		public[c.ID] = true
	}

	tests := []struct {
		name     string
		bundle   string
		sub      string // what to put in submission/, from the repository
		folder   string // the folder of a zip it is inside, if any
		metadata string // submission_metadata.json, if any
		full     bool
		seed     uint64
	}{
		{name: "reference", bundle: fixed, sub: "reference/tcp-echo", full: true, seed: 7},
		{name: "starter", bundle: fixed, sub: "assignments/tcp-echo", seed: 7},
		{name: "zip of a folder", bundle: fixed, sub: "reference/tcp-echo", folder: "tcp-echo-main", full: true, seed: 7},
		{name: "seed from submission", bundle: perStudent, sub: "reference/tcp-echo", full: true, seed: grader.SeedFrom("alice@example.edu"),
			metadata: `{"id": 1, "users": [{"email": "alice@example.edu", "id": 3, "name": "Alice"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ag := unpackBundle(t, tt.bundle)
			sub := filepath.Join(ag, "submission")
			if tt.folder != "" {
				require.NoError(t, os.MkdirAll(filepath.Join(sub, "__MACOSX", tt.folder), 0o755))
				sub = filepath.Join(sub, tt.folder)
			}
			copySubmission(t, filepath.Join(base, tt.sub), sub)
			if tt.metadata != "" {
				require.NoError(t, os.WriteFile(filepath.Join(ag, "submission_metadata.json"), []byte(tt.metadata), 0o644))
			}
			res, out := runBundle(t, ag)

			score, max := int(res["score"].(float64)), 0
			assert.Contains(t, res["output"], fmt.Sprintf("tcp-echo graded with seed %d.", tt.seed))
			tests, _ := res["tests"].([]any)
			require.NotEmpty(t, tests, "results.json has no tests; run_autograder said:\n%s", out)
			for _, v := range tests {
				test := v.(map[string]any)
				for _, key := range []string{"name", "score", "max_score", "status", "visibility"} {
					assert.Contains(t, test, key, "test %v", test["name"])
				}
				name, _ := test["name"].(string)
				id, _, _ := strings.Cut(name, ":")
				assert.Contains(t, []any{"passed", "failed"}, test["status"], name)
				if public[id] {
					assert.Equal(t, "visible", test["visibility"], name)
				} else {
					assert.Equal(t, "hidden", test["visibility"], "%s is a hidden check: shown as -hidden-visibility says", name)
				}
				max += int(test["max_score"].(float64))
			}
			assert.GreaterOrEqual(t, max, grader.Points(s.Select(nil, false)), "the public checks and any hidden ones")
			if tt.full {
				assert.Equal(t, max, score, "the reference scores 100%%:\n%s", out)
			} else {
				assert.Less(t, score, max/2, "the starter scores low")
			}
			assert.NoFileExists(t, filepath.Join(sub, "bin/server"), "the grader built in a copy, not in /autograder/submission")
		})
	}

	t.Run("grader fails", func(t *testing.T) {
		t.Parallel()
		ag := unpackBundle(t, fixed)
		copySubmission(t, filepath.Join(base, "reference/tcp-echo"), filepath.Join(ag, "submission"))
		broken := "#!/bin/sh\necho 'socklab: this grader is broken' >&2\nexit 2\n"
		require.NoError(t, os.WriteFile(filepath.Join(ag, "source/socklab"), []byte(broken), 0o755))
		res, _ := runBundle(t, ag)
		assert.Equal(t, 0.0, res["score"])
		assert.Empty(t, res["tests"])
		assert.Contains(t, res["output"], "exited with status 2")
		assert.Contains(t, res["output"], "socklab: this grader is broken")
	})

	// The choices are in run_autograder for a TA to read.
	ag := unpackBundle(t, fixed)
	script, err := os.ReadFile(filepath.Join(ag, "source/run_autograder"))
	require.NoError(t, err)
	for _, line := range []string{"ASSIGNMENT=tcp-echo\n", "VISIBILITY=hidden\n", "SEED=7\n", "SEED_FROM_SUBMISSION=0\n",
		`"$SOCKLAB" grade -hidden -format json -hidden-visibility "$VISIBILITY" "$@"`} {
		assert.Contains(t, string(script), line)
	}
}

// unpackBundle unpacks the bundle into source/ of a directory laid out
// like /autograder, with empty submission/ and results/, keeping the
// modes the zip records.
func unpackBundle(t *testing.T, bundle string) string {
	t.Helper()
	ag := t.TempDir()
	zr, err := zip.OpenReader(bundle)
	require.NoError(t, err)
	defer zr.Close()
	for _, d := range []string{"source", "submission", "results"} {
		require.NoError(t, os.MkdirAll(filepath.Join(ag, d), 0o755))
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		assert.Equal(t, fs.FileMode(0o755), f.Mode(), "%s's mode", f.Name)
		r, err := f.Open()
		require.NoError(t, err)
		dst, err := os.OpenFile(filepath.Join(ag, "source", f.Name), os.O_CREATE|os.O_WRONLY|os.O_EXCL, f.Mode())
		require.NoError(t, err)
		_, err = io.Copy(dst, r)
		require.NoError(t, err)
		require.NoError(t, dst.Close())
		r.Close()
	}
	assert.ElementsMatch(t, []string{"setup.sh", "run_autograder", "socklab"}, names)
	return ag
}

// runBundle runs run_autograder as Gradescope would, with ag standing for
// /autograder, and returns results.json and what run_autograder printed.
func runBundle(t *testing.T, ag string) (map[string]any, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(ag, "source/run_autograder"))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "AUTOGRADER_ROOT="+ag)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "run_autograder:\n%s", out)
	b, err := os.ReadFile(filepath.Join(ag, "results/results.json"))
	require.NoError(t, err, "no results.json; run_autograder said:\n%s", out)
	var res map[string]any
	require.NoError(t, json.Unmarshal(b, &res), "results.json is not JSON:\n%s", b)
	for _, key := range []string{"score", "output", "tests"} {
		require.Contains(t, res, key)
	}
	return res, string(out)
}
