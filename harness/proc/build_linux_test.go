package proc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// submission makes a submission directory with the given Makefile ("" for
// none).
func submission(t *testing.T, makefile string) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	dir := t.TempDir()
	if makefile != "" {
		if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(makefile), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildNoMakefile(t *testing.T) {
	t.Parallel()
	r := Build(context.Background(), submission(t, ""), time.Minute)
	if r.Ran || r.Err != nil {
		t.Errorf("Build = %+v, want Ran false", r)
	}
}

func TestBuildSuccess(t *testing.T) {
	t.Parallel()
	dir := submission(t, "build:\n\techo compiling\n\tmkdir -p bin\n\tprintf '#!/bin/sh\\necho hi\\n' > bin/server\n\tchmod +x bin/server\n")
	r := Build(context.Background(), dir, time.Minute)
	if !r.Ran || r.Err != nil {
		t.Fatalf("Build: %+v", r)
	}
	if !strings.Contains(r.Output.String(), "compiling") {
		t.Errorf("Output = %q", r.Output)
	}
	p := start(t, Spec{Role: "server", Path: "bin/server", Dir: dir})
	if waitExit(t, p); p.Output().String() != "hi\n" {
		t.Errorf("the built server printed %q", p.Stdout())
	}
}

func TestBuildFailure(t *testing.T) {
	t.Parallel()
	dir := submission(t, "build:\n\techo 'server.c:3: error: expected ;' >&2\n\texit 3\n")
	r := Build(context.Background(), dir, time.Minute)
	if !r.Ran || !errors.Is(r.Err, ErrBuild) {
		t.Fatalf("Build: %+v, want ErrBuild", r)
	}
	if !strings.Contains(r.Output.String(), "server.c:3: error: expected ;") {
		t.Errorf("Output = %q, want the compiler's error", r.Output)
	}
}

// TestBuildTimeout: a build that hangs is killed at its timeout, with what
// it started, in its process group or not.
func TestBuildTimeout(t *testing.T) {
	t.Parallel()
	dir := submission(t, `build:
	sleep 100 & echo $$! > child.pid
	setsid sleep 100 & echo $$! > daemon.pid
	sleep 100
`)
	began := time.Now()
	r := Build(context.Background(), dir, 500*time.Millisecond)
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("a build with a 500ms timeout took %v", took)
	}
	if !errors.Is(r.Err, ErrBuild) || !strings.Contains(r.Err.Error(), "did not finish within 500ms") {
		t.Errorf("Err = %v", r.Err)
	}
	for _, name := range []string{"child.pid", "daemon.pid"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("the build did not get to start its children: %v", err)
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid > 0 && alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("%s: process %d outlived the build", name, pid)
		}
	}
}

// TestBuildEnvironment: an outer make's flags, and the grader's secrets,
// stay out of the student's build. Not parallel: it sets the environment.
func TestBuildEnvironment(t *testing.T) {
	t.Setenv("MAKEFLAGS", "-j7 --jobserver-auth=fifo:/nonexistent")
	t.Setenv("MAKELEVEL", "4")
	t.Setenv("GITHUB_TOKEN", "ghp_not_for_students")
	dir := submission(t, "build:\n\t@echo \"level=$$MAKELEVEL flags=[$$MAKEFLAGS] token=[$$GITHUB_TOKEN] path=$$PATH\"\n")
	r := Build(context.Background(), dir, time.Minute)
	if r.Err != nil {
		t.Fatalf("Build: %v\n%s", r.Err, r.Output)
	}
	out := r.Output.String()
	for _, want := range []string{"level=1 ", "flags=[]", "token=[]", "path=" + os.Getenv("PATH") + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the build printed %q; want %q in it", out, want)
		}
	}
}

func TestSecretName(t *testing.T) {
	for name, secret := range map[string]bool{
		"GITHUB_TOKEN": true, "ACTIONS_RUNTIME_TOKEN": true, "AWS_SECRET_ACCESS_KEY": true,
		"NPM_PASSWORD": true, "SSH_PRIVATE_KEY": true, "ACTIONS_CACHE_URL": true, "OPENAI_API_KEY": true,
		"PATH": false, "HOME": false, "GOPATH": false, "JAVA_HOME": false, "CC": false, "KEYBOARD": false,
	} {
		if secretName(name) != secret {
			t.Errorf("secretName(%s) = %v", name, !secret)
		}
	}
}
