package proc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLimitCPU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		spec   func(t *testing.T) Spec
		signal syscall.Signal
	}{
		// Go programs ignore SIGXCPU: the hard limit, a second later, kills.
		{"go ignores SIGXCPU", func(*testing.T) Spec { return helper("busy") }, syscall.SIGKILL},
		{"shell loop", func(t *testing.T) Spec { return script(t, "while :; do :; done\n") }, syscall.SIGXCPU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := tt.spec(t)
			spec.CPUTime = time.Second
			p := start(t, spec)
			e := waitExit(t, p)
			if e.Signal != tt.signal || e.Limit != "its CPU time limit (1s)" || e.Stopped {
				t.Errorf("Exit = %+v, want %v and the CPU time limit", e, tt.signal)
			}
			// Without the limit it would spin until waitExit gave up.
			// With it, it ends after 1 s of CPU (SIGXCPU) or 2 s (the
			// hard limit): a few seconds on an idle machine, more on a
			// loaded one, so it is CPU time that is checked.
			ps := p.cmd.ProcessState
			if cpu := ps.UserTime() + ps.SystemTime(); cpu > 3*time.Second {
				t.Errorf("a 1 s CPU limit let it use %v of CPU", cpu)
			}
			if d := p.Describe(); !strings.Contains(d, "ran into its CPU time limit (1s) and was killed") {
				t.Errorf("Describe() = %q", d)
			}
		})
	}
}

func TestLimitFileSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		code         int
		signal       syscall.Signal
		want         string
	}{
		{"killed", "exec head -c 4194304 /dev/zero > big\n", -1, syscall.SIGXFSZ,
			"ran into its file size limit (1 MiB) and was killed"},
		{"under a shell", "head -c 4194304 /dev/zero > big\nexit $?\n", 128 + int(syscall.SIGXFSZ), 0,
			"exited with status 153 after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := script(t, tt.script)
			spec.FileSize = 1 << 20
			p := start(t, spec)
			e := waitExit(t, p)
			if e.Code != tt.code || e.Signal != tt.signal || e.Limit != "its file size limit (1 MiB)" {
				t.Errorf("Exit = %+v, want status %d, signal %v, the file size limit", e, tt.code, tt.signal)
			}
			if d := p.Describe(); !strings.Contains(d, tt.want) || !strings.Contains(d, "file size limit (1 MiB)") {
				t.Errorf("Describe() = %q, want %q and the limit", d, tt.want)
			}
			if fi, err := os.Stat(filepath.Join(spec.Dir, "big")); err != nil || fi.Size() != 1<<20 {
				t.Errorf("the file is %v bytes (%v), want 1 MiB", fi.Size(), err)
			}
		})
	}
}

// TestLimitMemory: programs that want 1 GiB under a 128 MiB limit die, each
// in its language's way, and the message says it was memory.
func TestLimitMemory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec func(t *testing.T) Spec
		skip string
	}{
		// dash doubles a string until malloc fails, and crashes.
		{"shell", func(t *testing.T) Spec { return script(t, "s=x\nwhile :; do s=$s$s; done\n") }, ""},
		// perl says "Out of memory!".
		{"perl", func(t *testing.T) Spec { return script(t, "exec perl -e '$x = q(x) x (1<<30); print length $x'\n") }, lookPath("perl")},
		// Go says "fatal error: runtime: out of memory"; the race
		// detector's shadow memory alone is over the limit.
		{"go", func(*testing.T) Spec { return helper("alloc") }, map[bool]string{true: "the race detector needs more than 128 MiB"}[raceEnabled]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			t.Parallel()
			spec := tt.spec(t)
			spec.Memory = 128 << 20
			p := start(t, spec)
			e := waitExit(t, p)
			if e.Success() {
				t.Fatalf("it succeeded; stdout %q", p.Stdout())
			}
			d := p.Describe()
			t.Logf("Describe: %s", d)
			if !strings.Contains(d, "out of memory") || !strings.Contains(d, "128 MiB") {
				t.Errorf("Describe() = %q; want it to say it ran out of memory, and the limit", d)
			}
		})
	}
}

func lookPath(prog string) string {
	if _, err := exec.LookPath(prog); err != nil {
		return prog + " is not installed"
	}
	return ""
}

// forkScript forks n sleeps, the way a fork bomb does, but finitely.
func forkScript(t *testing.T, n int) Spec {
	return script(t, fmt.Sprintf(`i=0
while [ $i -lt %d ]; do sleep 1000 & i=$((i+1)); done
echo forked $i
`, n))
}

// TestLimitProcesses: with a pids cgroup, a role limited to 40 processes
// never has more than 40 alive at once, however it forks, and leaves none.
func TestLimitProcesses(t *testing.T) {
	t.Parallel()
	spec := forkScript(t, 1000)
	spec.Processes = 40
	p := startWithCgroup(t, spec)
	cgDir := p.cg.dir
	// dash gives up at the first fork the kernel refuses. (Its sleeps hold
	// stderr: it is complete only after Stop.)
	if e := waitExit(t, p); e.Success() {
		t.Errorf("the shell %v; want a fork to fail", e)
	}
	waitFor(t, "the shell to say it cannot fork", func() bool { return strings.Contains(p.Stderr().String(), "fork") })
	peak := readInt(t, filepath.Join(cgDir, "pids.peak"))
	if peak > 40 || peak < 20 {
		t.Errorf("at most %d processes were alive at once, want 40 (and more than a few)", peak)
	}
	if n := len(p.cg.pids()); n > 40 {
		t.Errorf("%d processes in the cgroup", n)
	}
	p.Stop()
	if _, err := os.Stat(cgDir); !os.IsNotExist(err) {
		t.Errorf("the cgroup %s is still there after Stop (%v)", cgDir, err)
	}
}

func readInt(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("cannot read %s: %v", file, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return n
}

// TestManyProcessesWithoutCgroup documents the fallback. Without a pids
// cgroup, as root, nothing limits how many processes a role starts
// (RLIMIT_NPROC does not bind root), but the process group and the marker
// still find and kill every one.
func TestManyProcessesWithoutCgroup(t *testing.T) {
	t.Parallel()
	spec := forkScript(t, 100)
	spec.Processes = 40
	p := startWithoutCgroup(t, spec)
	waitExit(t, p)
	if os.Getuid() == 0 {
		// The last may still be in the middle of exec'ing sleep, when
		// their environment, marker and all, cannot be read.
		waitFor(t, "all 100 sleeps to start: as root, without a cgroup, nothing stops them", func() bool {
			return len(leftOf(p)) == 100
		})
	}
	p.Stop()
}
