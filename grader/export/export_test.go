package export_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/export"
	_ "github.com/socklab/socklab/grader/suites"
)

const root = "../.."

func exportTo(t *testing.T, id string) string {
	t.Helper()
	s, ok := grader.Lookup(id)
	require.True(t, ok)
	dir := filepath.Join(t.TempDir(), id)
	require.NoError(t, export.Export(export.Options{Root: root, Suite: s, Dir: dir}))
	return dir
}

// TestExportedRepoGrades exports an assignment, copies the repository as
// a clone would have it, and runs its make grade there, offline: the
// starter scores low, on the public checks of that assignment only.
func TestExportedRepoGrades(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the exported grader")
	}
	t.Parallel()
	for _, id := range []string{"smtp-client", "dns"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			exportedRepoGrades(t, id)
		})
	}
}

func exportedRepoGrades(t *testing.T, id string) {
	dir := exportTo(t, id)
	clone := filepath.Join(t.TempDir(), "clone")
	require.NoError(t, exec.Command("cp", "-a", dir, clone).Run())

	cmd := exec.Command("make", "grade")
	if id == "dns" {
		// Its starter's resolver waits out every resolver check: part 1
		// says as much.
		cmd.Args = append(cmd.Args, "GRADEFLAGS=-run ^dns/header/")
	}
	cmd.Dir = clone
	// Offline, as a student's machine without the module proxy: the
	// grader's dependencies are vendored.
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s, _ := grader.Lookup(id)
	max := itoa(grader.Points(s.Select(nil, false)))
	assert.Contains(t, string(out), "grading "+id)
	assert.NotContains(t, string(out), "build failed", "the starter builds in its own repository")
	if id != "dns" {
		assert.Regexp(t, regexp.MustCompile(`score: [0-9]/`+max+` `), string(out), "the starter scores low")
	}

	// The exported grader gives the reference full marks: its checks,
	// and what they embed, went with it.
	ref, err := filepath.Abs(filepath.Join(root, "reference", id))
	require.NoError(t, err)
	exported := filepath.Join(clone, ".socklab/bin/socklab")
	gout, err := exec.Command(exported, "grade", id, ref).CombinedOutput()
	require.NoError(t, err, "%s", gout)
	assert.Contains(t, string(gout), "score: "+max+"/"+max+" ")

	// It knows this assignment alone.
	lout, err := exec.Command(exported, "list").CombinedOutput()
	require.NoError(t, err, "%s", lout)
	assert.Contains(t, string(lout), id)
	for _, other := range []string{"udp-echo", "tcp-echo", "dns", "http-client", "smtp-client"} {
		if other != id {
			assert.NotContains(t, string(lout), other+" ", "the exported grader lists %s", other)
		}
	}
}

// TestExportShipsNothingSecret walks an export: no hidden check, no
// reference, no test of the kit's, no other assignment's checks.
func TestExportShipsNothingSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("vendors the grader's dependencies")
	}
	t.Parallel()
	for _, id := range []string{"smtp-client", "dns"} {
		dir := exportTo(t, id)
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			require.NoError(t, err)
			rel, _ := filepath.Rel(dir, path)
			if d.IsDir() {
				assert.NotEqual(t, "reference", d.Name(), "%s: a reference in the export", rel)
				assert.NotEqual(t, "broken", d.Name(), "%s: the kit's broken submissions in the export", rel)
				if strings.HasPrefix(rel, ".socklab/grader/suites/") && strings.Count(rel, "/") == 3 {
					assert.Equal(t, strings.ReplaceAll(id, "-", ""), d.Name(), "%s: another assignment's checks", rel)
				}
				return nil
			}
			assert.False(t, strings.HasSuffix(rel, "_test.go"), "%s: a test in the export", rel)
			if strings.HasSuffix(rel, ".go") && !strings.HasPrefix(rel, ".socklab/vendor/") {
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.NotContains(t, string(b), "//go:build hidden\n", "%s: a hidden file in the export", rel)
			}
			return nil
		})
		require.NoError(t, err)
		for _, f := range []string{"README.md", "STARTER.md", "go.mod", "Makefile", ".gitignore", ".socklab/grade.sh", ".github/workflows/classroom.yml", ".socklab/vendor/modules.txt"} {
			assert.FileExists(t, filepath.Join(dir, f))
		}
		readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
		require.NoError(t, err)
		handout, err := os.ReadFile(filepath.Join(root, "handouts", id+".md"))
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(string(readme), string(handout)), "the README is the handout")
	}
}

// TestWorkflow reads the Classroom workflow as GitHub does, as YAML
// (with python3's yaml, where it is installed), and checks its form: a
// command-grader step per public check, each with the check's points,
// and the reporter reading every one.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	for _, s := range grader.Suites() {
		t.Run(s.ID, func(t *testing.T) {
			y := export.Workflow(s)
			checks := s.Select(nil, false)
			assert.Equal(t, len(checks), strings.Count(y, "uses: education/autograding-command-grader@v1"))
			assert.Equal(t, 1, strings.Count(y, "uses: education/autograding-grading-reporter@v1"))

			py := ""
			for _, p := range []string{"python3", "/usr/bin/python3"} {
				if exec.Command(p, "-c", "import yaml").Run() == nil {
					py = p
					break
				}
			}
			if py == "" {
				t.Skip("no python3 with yaml to read the workflow as YAML (apt-get install python3-yaml)")
			}
			cmd := exec.Command(py, "-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)")
			cmd.Stdin = strings.NewReader(y)
			out, err := cmd.Output()
			require.NoError(t, err, "not YAML:\n%s", y)
			var wf struct {
				On   []string `json:"on"`
				Jobs map[string]struct {
					Steps []struct {
						Name string            `json:"name"`
						ID   string            `json:"id"`
						Uses string            `json:"uses"`
						With map[string]any    `json:"with"`
						Env  map[string]string `json:"env"`
					} `json:"steps"`
				} `json:"jobs"`
			}
			require.NoError(t, json.Unmarshal(out, &wf))
			assert.Equal(t, []string{"push", "repository_dispatch"}, wf.On)
			job, ok := wf.Jobs["run-autograding-tests"]
			require.True(t, ok)
			var graders []string
			total := 0
			for _, st := range job.Steps {
				if st.Uses != "education/autograding-command-grader@v1" {
					continue
				}
				graders = append(graders, st.ID)
				require.Contains(t, st.With, "max-score")
				total += int(st.With["max-score"].(float64))
				assert.Contains(t, st.With["command"], ".socklab/grade.sh -must-pass")
				assert.Regexp(t, `^[A-Za-z_][A-Za-z0-9_]*$`, st.ID)
			}
			assert.Len(t, graders, len(checks))
			assert.Equal(t, grader.Points(checks), total, "the steps' max-scores are the rubric's points")
			last := job.Steps[len(job.Steps)-1]
			require.Equal(t, "education/autograding-grading-reporter@v1", last.Uses)
			assert.Equal(t, strings.Join(graders, ","), last.With["runners"])
			for _, id := range graders {
				assert.Equal(t, "${{steps."+id+".outputs.result}}", last.Env[strings.ToUpper(id)+"_RESULTS"])
			}
		})
	}
}

func TestExportRefusesAFullDirectory(t *testing.T) {
	s, _ := grader.Lookup("udp-echo")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
	err := export.Export(export.Options{Root: root, Suite: s, Dir: dir})
	assert.ErrorIs(t, err, export.ErrNotEmpty)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
