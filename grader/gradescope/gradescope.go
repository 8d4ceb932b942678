// Package gradescope builds the autograder bundle that Gradescope runs
// (https://gradescope-autograders.readthedocs.io): a zip with setup.sh,
// run_autograder and a prebuilt socklab at its root.
//
// Gradescope unpacks the zip to /autograder/source and runs setup.sh
// once, as root, on its Ubuntu image. Then, for each submission, it runs
// run_autograder with the student's files in /autograder/submission, and
// reads /autograder/results/results.json. Here run_autograder grades a
// copy of the submission with
//
//	socklab grade -hidden -format json -hidden-visibility V -seed N -o results.json ASSIGNMENT DIR
//
// and, when grading could not run at all, still writes a results.json
// that says so, so that Gradescope never shows "no results".
//
// What a TA does:
//
//	socklab gradescope -o autograder.zip smtp-client
//
// then, in Gradescope, on the assignment's "Configure Autograder" page,
// picks the Ubuntu base image and uploads autograder.zip. Students
// submit their repository (from GitHub) or a zip of it; a zip of the
// folder that holds the Makefile works too.
package gradescope

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// Module is the module path of the socklab repository.
const Module = "github.com/socklab/socklab"

// Errors.
var (
	// ErrOptions: an Options field is not one the bundle can carry.
	ErrOptions = errors.New("gradescope: bad options")
	// ErrNoRepo: no socklab repository at or above the directory.
	ErrNoRepo = errors.New("gradescope: not in the socklab repository")
)

// Options say what the bundle grades, and how.
type Options struct {
	Assignment string // the suite's ID: "smtp-client"

	// Seed is every student's seed of the impairments; with
	// SeedFromSubmission, the seed of a submission whose metadata names
	// no submitter.
	Seed uint64

	// SeedFromSubmission derives each student's seed from their email
	// in /autograder/submission_metadata.json (socklab grade -seed-from),
	// so each student has an impairment pattern of their own.
	SeedFromSubmission bool

	// HiddenVisibility is what Gradescope shows students of a hidden
	// check: "after_due_date" (the default, "") or "hidden".
	HiddenVisibility string

	// Go is the Go release setup.sh installs for submissions in Go, as
	// "go1.26.8"; "" installs none.
	Go string
}

var (
	assignmentRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	goRE         = regexp.MustCompile(`^go1\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?$`)
)

func (o Options) withDefaults() Options {
	if o.HiddenVisibility == "" {
		o.HiddenVisibility = "after_due_date"
	}
	return o
}

// Validate says whether the options can go into the bundle's scripts.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case !assignmentRE.MatchString(o.Assignment):
		return fmt.Errorf("%w: assignment %q is not an assignment's ID", ErrOptions, o.Assignment)
	case o.HiddenVisibility != "after_due_date" && o.HiddenVisibility != "hidden":
		return fmt.Errorf("%w: hidden visibility must be after_due_date or hidden, not %q", ErrOptions, o.HiddenVisibility)
	case o.Go != "" && !goRE.MatchString(o.Go):
		return fmt.Errorf("%w: Go release %q is not one like go1.26.8", ErrOptions, o.Go)
	}
	return nil
}

// FindRoot returns the socklab repository that dir is in: the nearest
// directory at or above it whose go.mod is the socklab module's.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if isRoot(d) {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%w: no go.mod of %s at or above %s", ErrNoRepo, Module, dir)
		}
		d = parent
	}
}

// DefaultRoot is the repository to build from when none is named: the
// one the current directory is in or, failing that, the one this program
// was built from (the source path compiled into it, when it was built
// without -trimpath and the repository is still there).
func DefaultRoot() (string, error) {
	root, err := FindRoot(".")
	if err == nil {
		return root, nil
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		if r, err := FindRoot(filepath.Dir(file)); err == nil {
			return r, nil
		}
	}
	return "", err
}

func isRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == Module
		}
	}
	return false
}

// GoVersion is the release of the go command that builds in root, as
// "go1.26.8": the Go that setup.sh installs by default.
func GoVersion(ctx context.Context, root string) (string, error) {
	out, err := goCommand(ctx, root, nil, "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(out)
	if !goRE.MatchString(v) {
		return "", fmt.Errorf("gradescope: go env GOVERSION is %q, not a release to download; name one", v)
	}
	return v, nil
}

// BuildGrader builds the socklab command of the repository at root, with
// the hidden checks, for Gradescope's linux/amd64 and without cgo, into
// the file dst.
func BuildGrader(ctx context.Context, root, dst string) error {
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}
	_, err := goCommand(ctx, root, env, "build", "-tags", "hidden", "-trimpath", "-o", dst, "./grader/cmd/socklab")
	return err
}

func goCommand(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("gradescope: go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.String(), nil
}

// Write writes the bundle to w: setup.sh, run_autograder, and the grader
// (the file at graderPath, as built by BuildGrader) as socklab, each
// with mode 0755.
func Write(w io.Writer, o Options, graderPath string) error {
	if err := o.Validate(); err != nil {
		return err
	}
	g, err := os.Open(graderPath)
	if err != nil {
		return err
	}
	defer g.Close()
	zw := zip.NewWriter(w)
	now := time.Now()
	files := []struct {
		name string
		r    io.Reader
	}{
		{"setup.sh", strings.NewReader(SetupScript(o))},
		{"run_autograder", strings.NewReader(RunScript(o))},
		{"socklab", g},
	}
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: now}
		h.SetMode(0o755) // sets the creator to Unix, so unzip keeps the mode
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(fw, f.r); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Make builds the grader of the repository at root and writes the bundle
// to the file out. A failed build leaves no file behind.
func Make(ctx context.Context, root string, o Options, out string) error {
	if err := o.Validate(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "socklab-gradescope-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "socklab")
	if err := BuildGrader(ctx, root, bin); err != nil {
		return err
	}
	// Written beside out and renamed into place: a reader never sees
	// half a zip.
	f, err := os.CreateTemp(filepath.Dir(out), ".autograder-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := Write(f, o, bin); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}
