//go:build linux

package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/sandbox"
)

// The test binary runs itself in the sandbox, as socklab does.
func TestMain(m *testing.M) {
	if os.Getenv("SANDBOX_TEST_BREAK_LOOPBACK") == "1" {
		sandbox.BreakLoopback()
	}
	sandbox.Enter()
	os.Exit(m.Run())
}

// Where a namespace can be made but not used, the grader says why and
// grades unsandboxed, in the program as it was started.
func TestFallsBackWhenLoopbackFails(t *testing.T) {
	if os.Getenv("SANDBOX_TEST_BREAK_LOOPBACK") == "1" {
		st := sandbox.Current()
		fmt.Printf("network=%v reason=%s\n", st.Network, st.Reason)
		return
	}
	sandboxed(t)
	cmd := exec.Command("/proc/self/exe", "-test.run=^TestFallsBackWhenLoopbackFails$", "-test.v")
	cmd.Env = append(os.Environ(), "SANDBOX_TEST_BREAK_LOOPBACK=1", "SOCKLAB_SANDBOX=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "network=false reason=a network namespace was made, but its loopback cannot be brought up (operation not permitted (the test broke it))") {
		t.Fatalf("the program did not fall back, saying why:\n%s", out)
	}
}

func sandboxed(t *testing.T) {
	t.Helper()
	st := sandbox.Current()
	if st.Network {
		return
	}
	if os.Geteuid() == 0 && os.Getenv("SOCKLAB_SANDBOX") != "off" {
		t.Fatalf("running as root, yet unsandboxed: %s", st.Reason)
	}
	t.Skipf("unsandboxed: %s", st.Reason)
}

// Only loopback, and it is up.
func TestOnlyLoopback(t *testing.T) {
	sandboxed(t)
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	if len(ifs) != 1 || ifs[0].Name != "lo" || ifs[0].Flags&net.FlagUp == 0 {
		t.Fatalf("interfaces %v (flags %v), want lo alone, up", names, ifs[0].Flags)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("loopback: %v", err)
	}
	c.Close()
}

// An address off the machine is unreachable at once: there is no route.
func TestNoWayOut(t *testing.T) {
	sandboxed(t)
	for _, addr := range []string{"192.0.2.1:80", "[2001:db8::1]:80", "8.8.8.8:53"} {
		start := time.Now()
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err == nil {
			c.Close()
			t.Fatalf("dialed %s from inside the sandbox", addr)
		}
		if !errors.Is(err, syscall.ENETUNREACH) {
			t.Errorf("dialing %s: %v, want network unreachable", addr, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("dialing %s took %s: it should fail at once", addr, d)
		}
	}
}

// A build runs outside the sandbox: in the network namespace the test
// binary was started in, not this one.
func TestBuildOutside(t *testing.T) {
	sandboxed(t)
	if proc.Builder == nil {
		t.Fatal("proc.Builder is not set inside the sandbox")
	}
	dir := t.TempDir()
	mk := "build:\n\treadlink /proc/self/ns/net > ns\n\t@echo built\n"
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(mk), 0o644); err != nil {
		t.Fatal(err)
	}
	r := proc.Build(context.Background(), dir, time.Minute)
	if r.Err != nil || !r.Ran || !strings.Contains(r.Output.String(), "built") {
		t.Fatalf("build: ran %v, err %v, output %q", r.Ran, r.Err, r.Output)
	}
	theirs, err := os.ReadFile(filepath.Join(dir, "ns"))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(theirs)) == ours {
		t.Fatalf("the build ran in the sandbox's network namespace %s", ours)
	}
}

// A failed build comes back as one, with its output and message.
func TestBuildFails(t *testing.T) {
	sandboxed(t)
	dir := t.TempDir()
	mk := "build:\n\t@echo oops >&2; exit 3\n"
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(mk), 0o644); err != nil {
		t.Fatal(err)
	}
	r := proc.Build(context.Background(), dir, time.Minute)
	if !errors.Is(r.Err, proc.ErrBuild) || !strings.Contains(r.Err.Error(), "`make build` failed") {
		t.Fatalf("err %v, want a failed build", r.Err)
	}
	if !strings.Contains(r.Output.String(), "oops") {
		t.Fatalf("output %q, want the build's", r.Output)
	}
}

// Interrupting a build stops it at once, outside too.
func TestBuildInterrupted(t *testing.T) {
	sandboxed(t)
	dir := t.TempDir()
	mk := "build:\n\tsleep 60\n"
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(mk), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	r := proc.Build(ctx, dir, time.Minute)
	if r.Err == nil {
		t.Fatal("an interrupted build succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the interrupted build took %s", d)
	}
	if !strings.Contains(r.Err.Error(), "interrupted") {
		t.Errorf("err %v, want it to say the build was interrupted", r.Err)
	}
}

// The sandboxed grader is not dumpable: a role of the same user cannot
// read its /proc entries (the binary, with its hidden checks).
func TestGraderNotDumpable(t *testing.T) {
	sandboxed(t)
	const prGetDumpable = 3
	r, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prGetDumpable, 0, 0)
	if e != 0 || r != 0 {
		t.Fatalf("PR_GET_DUMPABLE = %d (%v), want 0", r, e)
	}
}
