package proc

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cgroupSwitch guards cgroupsOff, which newCgroup reads in Start, so that
// parallel tests can start roles with and without a cgroup.
var cgroupSwitch sync.RWMutex

// startWithoutCgroup starts spec as on a machine without a pids cgroup.
func startWithoutCgroup(t *testing.T, spec Spec) *Process {
	t.Helper()
	cgroupSwitch.Lock()
	defer cgroupSwitch.Unlock()
	was := cgroupsOff.Swap(true)
	defer cgroupsOff.Store(was)
	return start(t, spec)
}

// startWithCgroup starts spec in its own pids cgroup, or skips the test
// where there is none.
func startWithCgroup(t *testing.T, spec Spec) *Process {
	t.Helper()
	cgroupSwitch.RLock()
	defer cgroupSwitch.RUnlock()
	if pidsRoot() == "" || cgroupsOff.Load() {
		t.Skip("no writable cgroup v1 pids hierarchy here (run as root with /sys/fs/cgroup/pids mounted)")
	}
	p := start(t, spec)
	if p.cg == nil {
		t.Fatal("the role has no cgroup")
	}
	return p
}

// alive says whether pid is a live process (not a zombie).
func alive(pid int) bool {
	st, ok := readStat(pid)
	return ok && st.alive()
}

// readPid waits for a program to write its pid into file.
func readPid(t *testing.T, file string) int {
	t.Helper()
	var pid int
	waitFor(t, "a pid in "+file, func() bool {
		b, err := os.ReadFile(file)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	return pid
}

func TestStopIgnoringSIGTERM(t *testing.T) {
	t.Parallel()
	spec := helper("ignore-term")
	spec.Grace = 200 * time.Millisecond
	p := start(t, spec)
	waitPrinted(t, p, "ready")
	began := time.Now()
	e := p.Stop()
	took := time.Since(began)
	if e.Signal != syscall.SIGKILL || !e.Stopped {
		t.Errorf("Exit = %+v, want Stopped by SIGKILL", e)
	}
	// The upper bound only catches a hang: on a loaded machine, with
	// other tests' hundreds of processes to scan, the kill takes a while.
	if took < spec.Grace || took > spec.Grace+20*time.Second {
		t.Errorf("Stop took %v; want the grace period, %v, and a little", took, spec.Grace)
	}
}

func TestStopTwice(t *testing.T) {
	t.Parallel()
	p := start(t, helper("sleep"))
	waitPrinted(t, p, "ready")
	var wg sync.WaitGroup
	exits := make([]*Exit, 4)
	for i := range exits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exits[i] = p.Stop()
		}()
	}
	wg.Wait()
	again := p.Stop()
	for _, e := range exits {
		if e != again || e == nil || !e.Stopped {
			t.Errorf("Stop returned %v and %v; want one Exit, Stopped", e, again)
		}
	}
}

func TestStopAfterExit(t *testing.T) {
	t.Parallel()
	p := start(t, helper("exit", "4", "", "bye\n"))
	e := waitExit(t, p)
	if got := p.Stop(); got != e || got.Stopped || got.Code != 4 {
		t.Errorf("Stop after exit = %+v, want the program's own exit, %+v", got, e)
	}
	if !strings.Contains(p.Describe(), "status 4") {
		t.Errorf("Describe() = %q", p.Describe())
	}
}

// daemonScript starts a daemon as daemons start: a double fork, setsid
// (out of the process group and session), its pid in daemon.pid; with
// clean, it clears its environment too, marker and all.
func daemonScript(t *testing.T, clean bool) Spec {
	env := ""
	if clean {
		env = "env -i "
	}
	return script(t, `
( `+env+`setsid /bin/sh -c 'echo $$ > daemon.pid; exec /bin/sleep 1000' & )
echo started
exec sleep 1000
`)
}

func testStopDaemon(t *testing.T, clean, cgroup bool) {
	t.Parallel()
	spec := daemonScript(t, clean)
	var p *Process
	if cgroup {
		p = startWithCgroup(t, spec)
	} else {
		p = startWithoutCgroup(t, spec)
	}
	waitPrinted(t, p, "started")
	daemon := readPid(t, filepath.Join(spec.Dir, "daemon.pid"))
	st, _ := readStat(daemon)
	if st.pgrp == p.Pid() {
		t.Fatalf("the daemon is still in the role's process group %d", p.Pid())
	}
	p.Stop()
	if alive(daemon) {
		syscall.Kill(daemon, syscall.SIGKILL)
		t.Errorf("the daemon %d outlived Stop", daemon)
	}
}

// TestStopDaemon: a daemon that left the process group is killed, found by
// the cgroup and, without one, by the marker in its environment.
func TestStopDaemon(t *testing.T) {
	t.Parallel()
	t.Run("cgroup", func(t *testing.T) { testStopDaemon(t, false, true) })
	t.Run("marker", func(t *testing.T) { testStopDaemon(t, false, false) })
	t.Run("cgroup, clean environment", func(t *testing.T) { testStopDaemon(t, true, true) })
}

// TestStopEscapedDaemon: without a cgroup, a daemon that both leaves the
// process group and clears its environment cannot be found, and it holds
// the role's stdout. Stop must still return, a bounded time later. The
// test kills the daemon itself.
func TestStopEscapedDaemon(t *testing.T) {
	t.Parallel()
	spec := daemonScript(t, true)
	spec.Grace = 100 * time.Millisecond
	p := startWithoutCgroup(t, spec)
	waitPrinted(t, p, "started")
	daemon := readPid(t, filepath.Join(spec.Dir, "daemon.pid"))
	defer syscall.Kill(daemon, syscall.SIGKILL)
	began := time.Now()
	p.Stop()
	if took, bound := time.Since(began), spec.Grace+lingerAfterExit+3*time.Second; took > bound {
		t.Errorf("Stop took %v, want at most %v", took, bound)
	}
	if alive(daemon) {
		t.Logf("as documented, without a cgroup the escaped daemon %d survived Stop", daemon)
	}
}

// TestOutputWithGrandchild: a program that exits leaving a child with its
// stdout does not make Output wait for that child.
func TestOutputWithGrandchild(t *testing.T) {
	t.Parallel()
	spec := script(t, "sleep 1000 &\necho bye\n")
	spec.Grace = 100 * time.Millisecond
	p := start(t, spec)
	waitExit(t, p)
	began := time.Now()
	out := p.Output()
	if took, bound := time.Since(began), spec.Grace+lingerAfterExit+3*time.Second; took > bound {
		t.Errorf("Output took %v, want at most %v", took, bound)
	}
	if out.String() != "bye\n" {
		t.Errorf("Output() = %q", out)
	}
	if len(leftOf(p)) != 1 {
		t.Errorf("want the sleep still running until Stop, have %v", leftOf(p))
	}
}

// TestStdinNeverClosed: a check that hands the role a pipe and never
// closes it must not keep the grader from seeing the role exit.
func TestStdinNeverClosed(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close() // releases the goroutine that feeds stdin
	spec := script(t, "read line\necho \"got $line\"\n")
	spec.Stdin = r
	p := start(t, spec)
	go w.Write([]byte("hello\n"))
	e := waitExit(t, p)
	if !e.Success() || p.Output().String() != "got hello\n" {
		t.Errorf("Exit %v, stdout %q", e, p.Stdout())
	}
	done := make(chan struct{})
	go func() { p.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop hangs")
	}
}

func TestStdinCopied(t *testing.T) {
	t.Parallel()
	in := pattern(1 << 20) // more than a pipe holds
	spec := script(t, "exec cat\n")
	spec.Stdin = strings.NewReader(string(in))
	p := start(t, spec)
	waitExit(t, p)
	if got := p.Output(); got.Total != int64(len(in)) || !strings.HasSuffix(got.String(), string(in[len(in)-100:])) {
		t.Errorf("cat printed %d bytes, ending %q; want %d", got.Total, got.Tail[max(0, len(got.Tail)-20):], len(in))
	}
}

// TestNoGoroutineLeak: when a role has ended and been stopped, the
// goroutines that fed and drained it are gone too. Not parallel: it
// counts goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, spec := range []Spec{
		helper("exit", "0", "out", "err"),
		func() Spec { s := script(t, "exec cat\n"); s.Stdin = strings.NewReader("stdin"); return s }(),
		helper("sleep"),
	} {
		p, err := Start(spec)
		if err != nil {
			t.Fatal(err)
		}
		p.Stop()
	}
	waitFor(t, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}
