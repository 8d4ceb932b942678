package gradescope_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/gradescope"
	"github.com/socklab/socklab/grader/report"
)

// These tests run run_autograder with a stand-in for the grader, a
// shell script, so they need no Go build: the bundle with the real
// grader is tested in grader/cmd/socklab.

func TestWriteRecordsModes(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "socklab")
	require.NoError(t, os.WriteFile(bin, []byte("the grader"), 0o755))
	var b bytes.Buffer
	o := gradescope.Options{Assignment: "tcp-echo", Seed: 1}
	require.NoError(t, gradescope.Write(&b, o, bin))

	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	want := map[string]string{
		"setup.sh":       gradescope.SetupScript(o),
		"run_autograder": gradescope.RunScript(o),
		"socklab":        "the grader",
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		assert.Equal(t, os.FileMode(0o755), f.Mode(), f.Name)
		r, err := f.Open()
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, want[f.Name], string(got), f.Name)
	}
	assert.Equal(t, []string{"setup.sh", "run_autograder", "socklab"}, names, "all at the zip's root")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    gradescope.Options
		ok   bool
	}{
		{"defaults", gradescope.Options{Assignment: "udp-echo"}, true},
		{"hidden", gradescope.Options{Assignment: "udp-echo", HiddenVisibility: "hidden", Go: "go1.26.8"}, true},
		{"rc", gradescope.Options{Assignment: "udp-echo", Go: "go1.27rc1"}, true},
		{"no assignment", gradescope.Options{}, false},
		{"shell in the assignment", gradescope.Options{Assignment: "x; rm -rf /"}, false},
		{"visibility", gradescope.Options{Assignment: "dns", HiddenVisibility: "visible"}, false},
		{"go", gradescope.Options{Assignment: "dns", Go: "1.26"}, false},
		{"devel go", gradescope.Options{Assignment: "dns", Go: "devel go1.27-abc"}, false},
	}
	for _, tt := range tests {
		err := tt.o.Validate()
		if tt.ok {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorIs(t, err, gradescope.ErrOptions, tt.name)
		}
	}
}

func TestFindRoot(t *testing.T) {
	t.Parallel()
	root, err := gradescope.FindRoot(".")
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(root, "grader/cmd/socklab/main.go"))
	got, err := gradescope.FindRoot(filepath.Join(root, "grader/report"))
	require.NoError(t, err)
	assert.Equal(t, root, got)

	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644))
	_, err = gradescope.FindRoot(other)
	assert.ErrorIs(t, err, gradescope.ErrNoRepo, "another module's go.mod is not the kit's")
}

func TestScriptsParse(t *testing.T) {
	t.Parallel()
	for _, o := range []gradescope.Options{
		{Assignment: "dns", Seed: 3},
		{Assignment: "dns", SeedFromSubmission: true, HiddenVisibility: "hidden", Go: "go1.26.8"},
	} {
		for name, script := range map[string]string{"setup.sh": gradescope.SetupScript(o), "run_autograder": gradescope.RunScript(o)} {
			assert.True(t, strings.HasPrefix(script, "#!/bin/sh\n"), name)
			out, err := exec.Command("sh", "-n", "-c", script).CombinedOutput()
			assert.NoError(t, err, "%s does not parse: %s", name, out)
		}
	}
	setup := gradescope.SetupScript(gradescope.Options{Assignment: "dns", Go: "go1.26.8"})
	assert.Contains(t, setup, "apt-get update\n")
	assert.Contains(t, setup, "apt-get install -y --no-install-recommends make gcc libc6-dev python3 curl ca-certificates\n")
	assert.Contains(t, setup, "GO_VERSION=go1.26.8\n")
	assert.NotContains(t, gradescope.SetupScript(gradescope.Options{Assignment: "dns"}), "go.dev/dl")
}

// fakeGrader stands for socklab in source/: it records its arguments
// and the submission directory it was given, writes into that directory
// (as make build would), and writes results.json, a copy of
// source/canned.json, to the -o file. FAKE_EXIT and FAKE_STDERR make it
// fail instead.
const fakeGrader = `#!/bin/sh
here=$(dirname "$0")
printf '%s\n' "$@" >"$here/args"
out=""
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift ;;
	esac
	last=$1
	shift
done
ls -A "$last" >"$here/ls"
echo built >"$last/built-by-grader"
if [ -n "${FAKE_STDERR:-}" ]; then printf '%b' "$FAKE_STDERR" >&2; fi
if [ -n "${FAKE_NO_RESULTS:-}" ]; then exit "${FAKE_EXIT:-0}"; fi
cp "$here/canned.json" "$out"
exit "${FAKE_EXIT:-0}"
`

// autograder lays out a directory like /autograder: source/ with the
// bundle's run_autograder and the fake grader, submission/ with the
// given files, results/.
func autograder(t *testing.T, o gradescope.Options, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{
		"source/run_autograder": gradescope.RunScript(o),
		"source/socklab":        fakeGrader,
		"source/canned.json":    canned(t),
	} {
		write(t, filepath.Join(root, name), content, 0o755)
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "submission"), 0o755))
	for name, content := range files {
		write(t, filepath.Join(root, "submission", name), content, 0o644)
	}
	return root
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
}

// canned is a results.json as socklab grade writes it.
func canned(t *testing.T) string {
	t.Helper()
	s := &grader.Suite{ID: "tcp-echo"}
	c := &grader.Check{ID: "tcp-echo/x/y", Name: "Y", Points: 2, Requirement: "y"}
	rep := &grader.Report{Suite: s, Seed: 1, Hidden: true, Results: []grader.Result{{Check: c, Status: grader.Pass, Score: 2}}}
	var b bytes.Buffer
	require.NoError(t, report.WriteGradescope(&b, rep, "socklab grade", "after_due_date"))
	return b.String()
}

// runAutograder runs the bundle's run_autograder in root, as Gradescope
// would in /autograder, and returns results.json and what it printed.
func runAutograder(t *testing.T, root string, env ...string) (report.Gradescope, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(root, "source/run_autograder"))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), append(env, "AUTOGRADER_ROOT="+root)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "run_autograder must exit 0 whatever happened:\n%s", out)
	b, err := os.ReadFile(filepath.Join(root, "results/results.json"))
	require.NoError(t, err, "no results.json; run_autograder said:\n%s", out)
	var g report.Gradescope
	require.NoError(t, json.Unmarshal(b, &g), "results.json is not JSON:\n%s", b)
	return g, string(out)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestRunAutograderCommandLine(t *testing.T) {
	t.Parallel()
	o := gradescope.Options{Assignment: "tcp-echo", Seed: 7, HiddenVisibility: "hidden"}
	root := autograder(t, o, map[string]string{"Makefile": "build:\n", "server/main.go": "package main\n"})
	g, _ := runAutograder(t, root)
	assert.Equal(t, 2, g.Score, "the grader's results.json is kept")

	args := readLines(t, filepath.Join(root, "source/args"))
	require.Len(t, args, 12, "%q", args)
	results := filepath.Join(root, "results/results.json")
	assert.Equal(t, []string{"grade", "-hidden", "-format", "json", "-hidden-visibility", "hidden", "-seed", "7", "-o", results, "tcp-echo"}, args[:11])
	dir := args[len(args)-1]
	assert.NotEqual(t, filepath.Join(root, "submission"), dir, "the grader gets a copy")
	assert.Equal(t, []string{"Makefile", "server"}, readLines(t, filepath.Join(root, "source/ls")))
	assert.NoFileExists(t, filepath.Join(root, "submission/built-by-grader"), "the submission stays as uploaded")
	assert.NoDirExists(t, dir, "the copy is removed")
}

// A zip of a folder unpacks to that folder: its inside is graded. A
// Mac's zip adds __MACOSX.
func TestRunAutograderFindsTheFolder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string // what the graded directory holds
	}{
		{"one folder", map[string]string{"lab1/Makefile": "build:\n", "lab1/bin/server": "", "__MACOSX/lab1/._Makefile": "", ".DS_Store": ""},
			[]string{"Makefile", "bin"}},
		{"Makefile at the top", map[string]string{"Makefile": "build:\n", "server/main.go": ""},
			[]string{"Makefile", "server"}},
		{"bin at the top", map[string]string{"bin/server": "", "src/server.py": ""},
			[]string{"bin", "src"}},
		{"two folders", map[string]string{"a/Makefile": "", "b/Makefile": ""},
			[]string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := autograder(t, gradescope.Options{Assignment: "tcp-echo"}, tt.files)
			runAutograder(t, root)
			assert.Equal(t, tt.want, readLines(t, filepath.Join(root, "source/ls")))
		})
	}
}

func TestRunAutograderSeedFromSubmission(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("run_autograder reads the metadata with python3, which setup.sh installs")
	}
	o := gradescope.Options{Assignment: "tcp-echo", Seed: 5, SeedFromSubmission: true}
	seedArgs := func(root string) []string {
		args := readLines(t, filepath.Join(root, "source/args"))
		return args[6:8]
	}

	// Gradescope's format, a group of two: the seed does not depend on
	// who uploaded.
	root := autograder(t, o, map[string]string{"Makefile": ""})
	write(t, filepath.Join(root, "submission_metadata.json"), `{
  "id": 123456,
  "assignment": {"id": 25828, "title": "Lab 1"},
  "users": [
    {"email": "zoe@example.edu", "id": 2, "name": "Zoe"},
    {"email": "adam@example.edu", "id": 1, "name": "Adam"}
  ],
  "previous_submissions": []
}`, 0o644)
	g, _ := runAutograder(t, root)
	assert.Equal(t, []string{"-seed-from", "adam@example.edu,zoe@example.edu"}, seedArgs(root))
	assert.NotContains(t, g.Output, "submission_metadata.json")

	// No email: the name.
	root = autograder(t, o, map[string]string{"Makefile": ""})
	write(t, filepath.Join(root, "submission_metadata.json"), `{"users": [{"name": "Ada Lovelace", "id": 9}]}`, 0o644)
	runAutograder(t, root)
	assert.Equal(t, []string{"-seed-from", "Ada Lovelace"}, seedArgs(root))

	// No metadata, or none that names anyone: the fixed seed, and the
	// report says so.
	for _, metadata := range []string{"", "not json", `{"users": []}`} {
		root = autograder(t, o, map[string]string{"Makefile": ""})
		if metadata != "" {
			write(t, filepath.Join(root, "submission_metadata.json"), metadata, 0o644)
		}
		g, out := runAutograder(t, root)
		assert.Equal(t, []string{"-seed", "5"}, seedArgs(root), "metadata %q", metadata)
		note := "submission_metadata.json names no submitter, so this was graded with the course's seed 5, not with one of the student's own.\n\n"
		assert.True(t, strings.HasPrefix(g.Output, note+"tcp-echo graded with seed 1."), "output: %q", g.Output)
		assert.Equal(t, 2, g.Score, "the note changes nothing else")
		require.Len(t, g.Tests, 1)
		assert.Contains(t, out, "names no submitter")
	}
}

// When grading could not run, results.json still says so, with the
// grader's stderr, so Gradescope never shows "no results".
func TestRunAutograderCouldNotGrade(t *testing.T) {
	t.Parallel()
	stderr := `socklab grade: "quoted" back\\slash` + "\\ttab\\r\\nline 2 caf\\0303\\0251 \\001bell\\n"
	tests := []struct {
		name   string
		env    []string
		status string
	}{
		{"usage error", []string{"FAKE_EXIT=2", "FAKE_STDERR=" + stderr}, "status 2"},
		{"a panic", []string{"FAKE_EXIT=2", "FAKE_NO_RESULTS=1", "FAKE_STDERR=" + stderr}, "status 2"},
		{"could not run, no report", []string{"FAKE_EXIT=1", "FAKE_NO_RESULTS=1", "FAKE_STDERR=" + stderr}, "status 1"},
		{"killed", []string{"FAKE_EXIT=137", "FAKE_STDERR=" + stderr}, "status 137"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := autograder(t, gradescope.Options{Assignment: "tcp-echo"}, map[string]string{"Makefile": ""})
			g, out := runAutograder(t, root, tt.env...)
			assert.Equal(t, 0, g.Score)
			assert.Empty(t, g.Tests)
			assert.Equal(t, "visible", g.Visibility)
			assert.Contains(t, g.Output, "The autograder could not grade this submission: the grader failed (socklab grade exited with "+tt.status+")")
			assert.Contains(t, g.Output, "tell your TA")
			assert.Contains(t, g.Output, `socklab grade: "quoted" back\slash tab`+"\nline 2 caf?? bell", "the grader's stderr, as valid JSON")
			assert.Contains(t, out, `socklab grade: "quoted"`, "and in the autograder's own output")
		})
	}

	// A grade that ran but could not judge a check exits 1 with its
	// report: the report stands.
	root := autograder(t, gradescope.Options{Assignment: "tcp-echo"}, map[string]string{"Makefile": ""})
	g, _ := runAutograder(t, root, "FAKE_EXIT=1")
	assert.Equal(t, 2, g.Score)

	// A grader that lost its mode in the unzip: it cannot even start.
	root = autograder(t, gradescope.Options{Assignment: "tcp-echo"}, map[string]string{"Makefile": ""})
	require.NoError(t, os.Chmod(filepath.Join(root, "source/socklab"), 0o644))
	g, _ = runAutograder(t, root)
	assert.Equal(t, 0, g.Score)
	assert.Contains(t, g.Output, "exited with status 126")
}
