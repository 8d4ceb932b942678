package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// BuildResult is what `make build` did in a submission.
type BuildResult struct {
	Ran     bool          // false when the submission has no Makefile
	Output  Output        // stdout and stderr, interleaved
	Elapsed time.Duration //
	Err     error         // nil on success; wraps ErrBuild
}

// DefaultBuildTimeout bounds `make build`.
const DefaultBuildTimeout = 3 * time.Minute

// Builder, when set, runs every Build instead of RunBuild. The sandbox sets
// it: a grader in a network namespace of its own runs builds outside it.
var Builder func(ctx context.Context, dir string, timeout time.Duration) BuildResult

// Build builds the submission in dir: with Builder if it is set, otherwise
// with RunBuild.
func Build(ctx context.Context, dir string, timeout time.Duration) BuildResult {
	if Builder != nil {
		return Builder(ctx, dir, timeout)
	}
	return RunBuild(ctx, dir, timeout)
}

// RunBuild runs `make build` in dir if dir has a Makefile. The build runs in
// its own process group, with a marker in its environment; everything it
// started is killed when timeout passes or ctx is done, and when it ends.
func RunBuild(ctx context.Context, dir string, timeout time.Duration) BuildResult {
	if !hasMakefile(dir) {
		return BuildResult{}
	}
	if timeout <= 0 {
		timeout = DefaultBuildTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	marker := newMarker()
	out := newCapture(DefaultLimits.Output, tailSize)
	cmd := exec.CommandContext(ctx, "make", "build")
	cmd.Dir = dir
	cmd.Env = append(buildEnv(), markerEnv+"="+marker)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error {
		// The group, and what left it (a setsid'd daemon) but carries the
		// marker, so that nothing holds the output pipe open.
		killAll(cmd.Process.Pid, marker, nil)
		return nil
	}
	// A compiler daemon left holding the output pipe must not hold the grader.
	cmd.WaitDelay = 2 * time.Second

	start := time.Now()
	err := cmd.Run()
	r := BuildResult{Ran: true, Output: out.output(), Elapsed: time.Since(start)}
	if cmd.Process != nil {
		// Whatever the build left running goes too.
		killAll(cmd.Process.Pid, marker, nil)
	}
	var execErr *exec.Error
	switch {
	case err == nil:
	case errors.As(err, &execErr):
		r.Err = fmt.Errorf("%w: cannot run make: %v (install make, or build bin/ yourself and remove the Makefile)", ErrBuild, execErr.Err)
	case ctx.Err() == context.DeadlineExceeded:
		r.Err = fmt.Errorf("%w: `make build` did not finish within %s", ErrBuild, timeout)
	default:
		r.Err = fmt.Errorf("%w: `make build` failed (%v)", ErrBuild, err)
	}
	return r
}

func hasMakefile(dir string) bool {
	for _, name := range []string{"GNUmakefile", "makefile", "Makefile"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

// buildEnv is the grader's environment for the student's toolchain, less
// what an outer make (`make grade`) passed down (its job server is not
// ours), and less what looks like a secret: the Makefile is the student's
// code, as untrusted as the roles, and a CI job's tokens are not for it.
func buildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS", launchEnv, markerEnv:
			continue
		}
		if secretName(k) {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// secretName says whether an environment variable's name is that of a
// credential: GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, ACTIONS_RUNTIME_TOKEN,
// NPM_PASSWORD, SSH_PRIVATE_KEY...
func secretName(k string) bool {
	k = strings.ToUpper(k)
	for _, s := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "APIKEY", "API_KEY", "ACCESS_KEY"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return strings.HasSuffix(k, "_KEY") || strings.HasPrefix(k, "ACTIONS_")
}
