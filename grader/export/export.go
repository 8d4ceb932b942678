// Package export makes the repository a student clones for one
// assignment: the starter code, the handout as its README, a Makefile
// whose `make grade` runs the assignment's public checks, and the GitHub
// Classroom workflow that runs each check on every push and reports its
// points.
//
// The grader goes with it as source, in .socklab/: the engine, the
// harness, and the one assignment's suite, its dependencies vendored, so
// that it builds with nothing but Go, offline. Hidden checks (files built
// with the `hidden` tag), the references, the kit's own tests and the
// other assignments' checks stay behind.
package export

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/socklab/socklab/grader"
)

// Errors of an export.
var (
	// ErrNotEmpty: the directory to export to has files in it.
	ErrNotEmpty = errors.New("export: the directory is not empty")
	// ErrNoKit: the kit's repository (its go.mod, handouts, assignments)
	// is not where Options.Root says.
	ErrNoKit = errors.New("export: not the socklab repository")
)

// Options say what to export, from where, to where.
type Options struct {
	Root  string        // the kit's repository
	Suite *grader.Suite // the assignment
	Dir   string        // the student repository to make: absent or empty
}

// Export writes the student repository of o.Suite to o.Dir.
func Export(o Options) error {
	id := o.Suite.ID
	starter := filepath.Join(o.Root, "assignments", id)
	handout := filepath.Join(o.Root, o.Suite.Handout)
	for _, p := range []string{filepath.Join(o.Root, "go.mod"), starter, handout} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w: %v", ErrNoKit, err)
		}
	}
	if err := emptyDir(o.Dir); err != nil {
		return err
	}

	// The starter: its README is the starter's notes; the handout is the
	// repository's README.
	if err := copyTree(starter, o.Dir, func(rel string, d fs.DirEntry) bool {
		return !(d.IsDir() && (d.Name() == "bin" || d.Name() == "build"))
	}); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(o.Dir, "README.md"), filepath.Join(o.Dir, "STARTER.md")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	text, err := os.ReadFile(handout)
	if err != nil {
		return err
	}
	files := map[string]string{
		"README.md":                       preface(o.Suite) + string(text),
		".gitignore":                      "bin/\nbuild/\n.socklab/bin/\n",
		"go.mod":                          studentModule,
		".socklab/grade.sh":               gradeScript(id),
		".github/workflows/classroom.yml": Workflow(o.Suite),
	}
	mk, err := os.ReadFile(filepath.Join(starter, "Makefile"))
	if err != nil {
		return err
	}
	files["Makefile"] = string(mk) + gradeTarget
	for name, content := range files {
		if err := writeFile(filepath.Join(o.Dir, name), content); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(o.Dir, ".socklab/grade.sh"), 0o755); err != nil {
		return err
	}
	// The grader's reports say "read: handouts/ID.md, §N": the README.
	if err := os.MkdirAll(filepath.Join(o.Dir, "handouts"), 0o755); err != nil {
		return err
	}
	if err := os.Symlink("../README.md", filepath.Join(o.Dir, filepath.FromSlash(o.Suite.Handout))); err != nil {
		return err
	}
	if err := exportGrader(o.Root, filepath.Join(o.Dir, ".socklab"), o.Suite); err != nil {
		return err
	}
	return goMod(o.Dir, "tidy")
}

// studentModule is the go.mod of the student's repository: the starter
// in Go builds as a module of its own, outside the kit. Some starters use
// the kit's packages (dns's zone file reader): they come from .socklab/,
// a module apart with its own go.mod.
const studentModule = `module student

go ` + goVersion + `

require github.com/socklab/socklab v0.0.0

replace github.com/socklab/socklab => ./.socklab
`

// preface is what the README says before the handout.
func preface(s *grader.Suite) string {
	return fmt.Sprintf(`> **Your repository for the %s assignment (%s).** The assignment is
> below. Write your program here; STARTER.md says how the starter code
> is built, in Go or another language. `+"`make grade`"+` grades it with the
> assignment's public checks, as GitHub Classroom does on every push
> (.github/workflows/classroom.yml). Leave .socklab/, the grader, as it is.

`, s.ID, s.Title)
}

// gradeTarget is added to the starter's Makefile.
const gradeTarget = `
# make grade: the assignment's public checks, on this repository (the
# grader is in .socklab/). SEED=N replays another impairment pattern;
# GRADEFLAGS='-run CHECK -v' grades one check and shows its whole transcript.
SEED       ?= 1
GRADEFLAGS ?=
grade:
	@.socklab/grade.sh -seed $(SEED) $(GRADEFLAGS)

.PHONY: grade
`

// gradeScript builds the grader kept in .socklab, and grades the
// repository with it, passing its arguments on.
func gradeScript(id string) string {
	return `#!/bin/sh
# Builds the grader kept in .socklab/ (Go, no network: its dependencies
# are vendored) and grades this repository for the ` + id + ` assignment
# with it. Arguments go to 'socklab grade': -seed N, -run REGEX, -v,
# -format json|junit|classroom, -must-pass.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
(cd "$root/.socklab" && GOFLAGS=-mod=vendor go build -o bin/socklab ./grader/cmd/socklab)
cd "$root"
exec .socklab/bin/socklab grade "$@" ` + id + ` .
`
}

// emptyDir makes dir, or checks that it is empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	return nil
}

// copyTree copies the regular files under src to dst, keeping their
// modes, for the entries keep says yes to (a directory it refuses is
// skipped whole).
func copyTree(src, dst string, keep func(rel string, d fs.DirEntry) bool) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel != "." && !keep(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, fi.Mode().Perm())
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// exportGrader copies into dir the grader's source that grading s needs,
// and vendors its dependencies.
func exportGrader(root, dir string, s *grader.Suite) error {
	for _, f := range []string{"go.mod", "go.sum"} {
		if err := copyFile(filepath.Join(root, f), filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	suite := suitePackage(s.ID)
	for _, top := range []string{"grader", "harness"} {
		err := copyTree(filepath.Join(root, top), filepath.Join(dir, top), func(rel string, d fs.DirEntry) bool {
			return shipped(filepath.ToSlash(filepath.Join(top, rel)), filepath.Join(root, top, rel), d, suite)
		})
		if err != nil {
			return err
		}
	}
	// The suites the grader registers: this one only.
	imports := fmt.Sprintf(`// Package suites registers the %s assignment's checks with the
// grader; import it for its side effect. (Exported for one assignment:
// the kit's own registers them all.)
package suites

import _ "github.com/socklab/socklab/grader/suites/%s"
`, s.ID, suite)
	if err := writeFile(filepath.Join(dir, "grader/suites/suites.go"), imports); err != nil {
		return err
	}
	return goMod(dir, "vendor")
}

// suitePackage is the directory of a suite's package under
// grader/suites: "smtp-client" is smtpclient.
func suitePackage(id string) string { return strings.ReplaceAll(id, "-", "") }

// shipped says whether the grader's file at path (slash-separated, from
// the kit's root; file is where it is) goes into a student's repository
// when suite is the assignment's package.
func shipped(path, file string, d fs.DirEntry, suite string) bool {
	parts := strings.Split(path, "/")
	if d.IsDir() {
		switch {
		case d.Name() == "bin" || d.Name() == "build":
			return false
		case path == "grader/gradertest": // the suites' own tests' helpers
			return false
		case len(parts) == 3 && parts[1] == "suites" && parts[2] != "testdata":
			return parts[2] == suite // the other assignments' checks stay behind
		case d.Name() == "testdata":
			// What a suite embeds (zone templates) ships; the kit's
			// test submissions and golden files do not.
			return len(parts) == 4 && parts[1] == "suites" && parts[2] == suite
		case len(parts) >= 5 && parts[1] == "suites" && parts[3] == "testdata":
			// The kit's test submissions, which have a Makefile, stay.
			return parts[4] != "broken" && !fileExists(filepath.Join(file, "Makefile"))
		}
		return true
	}
	if strings.HasSuffix(path, "_test.go") {
		return false
	}
	if path == "grader/cmd/socklab/dnsworld.go" {
		return suite == "dns" // the dns assignment's command, which needs its suite
	}
	if strings.HasSuffix(path, ".go") {
		return !hiddenFile(file)
	}
	// Other files: only what a suite's testdata holds (embedded).
	return len(parts) >= 4 && parts[1] == "suites" && parts[3] == "testdata"
}

// hiddenFile says whether the Go file at path is built only with the
// hidden tag: hidden checks never leave the kit.
func hiddenFile(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("//go:build ")) {
			expr := strings.Fields(strings.TrimPrefix(string(line), "//go:build "))
			return len(expr) == 1 && expr[0] == "hidden"
		}
		if bytes.HasPrefix(line, []byte("package ")) {
			return false
		}
	}
	return false
}

// goMod runs `go mod verb` in dir, from what the kit's module cache has:
// vendor, so that the grader builds offline; tidy, so that the student's
// module lists what it needs of the kit's.
func goMod(dir, verb string) error {
	cmd := exec.Command("go", "mod", verb)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("export: go mod %s: %v\n%s", verb, err, out)
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
