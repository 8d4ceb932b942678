package grader_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/proc"
)

func TestStatusesAndScore(t *testing.T) {
	t.Parallel()
	rep := grade(t, "",
		check("passes", 2, func(t *grader.T) {}),
		check("fails", 3, func(t *grader.T) { t.Fatalf("the reply is %d bytes too short", 4) }),
		check("errors", 5, func(t *grader.T) { t.GraderErrorf("cannot open a socket: %v", errors.New("no buffer space")) }),
		check("passes-too", 1, func(t *grader.T) { t.Expect("the count", 3, 3) }),
	)
	tests := []struct {
		status grader.Status
		score  int
		err    string
		msg    string
	}{
		{grader.Pass, 2, "", ""},
		{grader.Fail, 0, "", "the reply is 4 bytes too short"},
		{grader.Error, 0, "cannot open a socket: no buffer space", ""},
		{grader.Pass, 1, "", ""},
	}
	for i, want := range tests {
		res := rep.Results[i]
		assert.Equal(t, want.status, res.Status, res.Check.ID)
		assert.Equal(t, want.score, res.Score, res.Check.ID)
		assert.Equal(t, want.err, res.Err, res.Check.ID)
		if want.msg != "" {
			require.NotNil(t, res.Failure, res.Check.ID)
			assert.Equal(t, want.msg, res.Failure.Message)
		} else {
			assert.Nil(t, res.Failure, res.Check.ID)
		}
	}
	score, max := rep.Score()
	assert.Equal(t, 3, score)
	assert.Equal(t, 6, max, "the errored check's 5 points count neither for nor against")
	assert.Equal(t, 1, rep.Errors())
	assert.Len(t, rep.Failed(), 2)
	assert.Equal(t, uint64(1), rep.Seed)
}

func TestFatalfEndsTheCheck(t *testing.T) {
	t.Parallel()
	reached := false
	rep := grade(t, "", check("stops", 1, func(t *grader.T) {
		t.Fatalf("first")
		reached = true
	}))
	requireFail(t, only(t, rep))
	assert.False(t, reached, "code after Fatalf ran")
}

func TestPanicIsAnError(t *testing.T) {
	t.Parallel()
	rep := grade(t, "",
		check("panics", 2, func(t *grader.T) { panicInCheck() }),
		check("after", 1, func(t *grader.T) {}),
	)
	res := rep.Results[0]
	require.Equal(t, grader.Error, res.Status)
	assert.Contains(t, res.Err, "the check panicked: runtime error: index out of range")
	assert.Contains(t, res.Err, "grader_test.panicInCheck", "the stack says where")
	assert.Equal(t, grader.Pass, rep.Results[1].Status, "grading goes on after a panic")
	score, max := rep.Score()
	assert.Equal(t, [2]int{1, 1}, [2]int{score, max})
}

func panicInCheck() {
	var s []int
	_ = s[3]
}

func TestGradeErrors(t *testing.T) {
	t.Parallel()
	s := suite(check("a", 1, func(t *grader.T) {}))
	r := &grader.Runner{Suite: s, Submission: grader.Submission{Dir: t.TempDir()}, Run: regexp.MustCompile("nothing")}
	_, err := r.Grade(context.Background())
	assert.ErrorIs(t, err, grader.ErrNoChecks)

	missing := filepath.Join(t.TempDir(), "nope")
	r = &grader.Runner{Suite: s, Submission: grader.Submission{Dir: missing}}
	_, err = r.Grade(context.Background())
	assert.ErrorContains(t, err, missing+" is not a directory")
}

// Checks finish in the opposite order of the rubric; OnResult still sees
// them in rubric order.
func TestOnResultInRubricOrder(t *testing.T) {
	t.Parallel()
	const n = 4
	var mu sync.Mutex
	var finished, reported []string
	// Check i waits until check i+1 is done: the last finishes first.
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	var checks []*grader.Check
	for i := range n {
		name := fmt.Sprintf("c%d", i+1)
		checks = append(checks, check(name, 1, func(t *grader.T) {
			if i+1 < n {
				select {
				case <-done[i+1]:
				case <-t.Context().Done():
					t.Fatalf("check %d never finished", i+2)
				}
			}
			mu.Lock()
			finished = append(finished, name)
			mu.Unlock()
			close(done[i])
		}))
	}
	r := &grader.Runner{
		Suite:      suite(checks...),
		Submission: grader.Submission{Dir: t.TempDir()},
		Parallel:   n,
		NoBuild:    true,
		OnResult: func(res grader.Result) {
			reported = append(reported, strings.TrimPrefix(res.Check.ID, "engine-test/topic/"))
		},
	}
	rep, err := r.Grade(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"c4", "c3", "c2", "c1"}, finished)
	assert.Equal(t, []string{"c1", "c2", "c3", "c4"}, reported)
	for _, res := range rep.Results {
		assert.Equal(t, grader.Pass, res.Status, res.Check.ID)
	}
}

func TestRandIsPerCheckAndSeed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	draws := map[string]uint64{}
	draw := func(t *grader.T) {
		mu.Lock()
		defer mu.Unlock()
		draws[fmt.Sprintf("%s@%d", t.ID(), t.Seed())] = t.Rand().Uint64()
	}
	checks := []*grader.Check{check("a", 1, draw), check("b", 1, draw), check("c", 1, draw)}
	run := func(seed uint64, only string) map[string]uint64 {
		mu.Lock()
		clear(draws)
		mu.Unlock()
		r := &grader.Runner{Suite: suite(checks...), Submission: grader.Submission{Dir: t.TempDir()},
			Seed: seed, NoBuild: true, Parallel: 3}
		if only != "" {
			r.Run = regexp.MustCompile(only)
		}
		_, err := r.Grade(context.Background())
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		return maps(draws)
	}
	first := run(7, "")
	require.Len(t, first, 3)
	assert.Equal(t, first, run(7, ""), "the same seed draws the same numbers")
	alone := run(7, "/b$")
	assert.Equal(t, first["engine-test/topic/b@7"], alone["engine-test/topic/b@7"], "whatever else runs")
	assert.NotEqual(t, first["engine-test/topic/a@7"], first["engine-test/topic/b@7"], "checks draw apart")
	assert.NotEqual(t, first["engine-test/topic/b@7"], first["engine-test/topic/c@7"], "checks draw apart")
	other := run(8, "")
	assert.NotEqual(t, first["engine-test/topic/a@7"], other["engine-test/topic/a@8"], "seeds draw apart")
}

func maps(m map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestBuildFailureFailsEveryCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	makefile := "build:\n\t@echo cc -o bin/server server.c\n\t@echo 'server.c:3:1: error: expected ; before }' >&2\n\t@exit 1\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Makefile"), []byte(makefile), 0o644))
	ran := false
	body := func(t *grader.T) { ran = true }
	r := &grader.Runner{Suite: suite(check("a", 2, body), check("b", 3, body)), Submission: grader.Submission{Dir: dir}}
	rep, err := r.Grade(context.Background())
	require.NoError(t, err)
	assert.False(t, ran, "no check runs without a build")
	require.ErrorIs(t, rep.Build.Err, proc.ErrBuild)
	assert.Contains(t, rep.Build.Output.String(), "server.c:3:1: error")
	for _, res := range rep.Results {
		f := requireFail(t, res)
		assert.ErrorIs(t, f.Err, proc.ErrBuild, res.Check.ID)
		assert.Contains(t, f.Message, "`make build` failed", res.Check.ID)
		assert.Contains(t, f.Message, "server.c:3:1: error: expected ; before }", res.Check.ID)
	}
	score, max := rep.Score()
	assert.Equal(t, [2]int{0, 5}, [2]int{score, max}, "a broken build is the student's loss")
}

func TestInterruptedChecksAreErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &grader.Runner{
		Suite: suite(
			check("interrupted", 1, func(t *grader.T) {
				cancel() // as Ctrl-C would
				<-t.Context().Done()
				t.Fatalf("nothing arrived")
			}),
			check("never-ran", 1, func(t *grader.T) { t.Fatalf("ran after the interruption") }),
		),
		Submission: grader.Submission{Dir: t.TempDir()},
		NoBuild:    true,
		Parallel:   1,
	}
	rep, err := r.Grade(ctx)
	require.NoError(t, err)
	assert.Equal(t, grader.Error, rep.Results[0].Status)
	assert.Equal(t, "grading was interrupted while this check ran", rep.Results[0].Err)
	assert.Equal(t, grader.Error, rep.Results[1].Status)
	assert.Equal(t, "grading was interrupted before this check ran", rep.Results[1].Err)
	score, max := rep.Score()
	assert.Equal(t, [2]int{0, 0}, [2]int{score, max})
}

// After Grade, nothing is left: not the server (which ignores SIGTERM),
// not its child, not the port, not the engine's goroutines. Not parallel:
// proc.Stray sees every test's processes.
func TestNothingLeftBehind(t *testing.T) {
	dir := submission(t, map[string]string{"server": "stubborn-echo"})
	var pid, port int
	var lockedDuring bool
	var during string // the engine's goroutines while the check ran
	engine := []string{"grader.(*UDPConn).read", "grader.(*T).watchServer", "grader.(*T).wrapTCP"}
	rep := grade(t, dir, check("leaves-nothing", 1, func(t *grader.T) {
		srv := t.StartServer("server", "udp")
		pid, port = srv.Process().Pid(), srv.Port
		lockedDuring = portLocked(port)
		c := t.DialUDP(srv)
		c.Send([]byte("still here?"))
		t.ExpectBytes("the reply", []byte("STILL HERE?"), c.Recv())

		// A TCP connection too, for its watcher goroutine.
		l := t.ListenTCP("peer")
		go func() {
			nc, err := l.Listener().Accept()
			if err == nil {
				nc.Write([]byte("hello\n"))
			}
		}()
		tc := t.DialTCPAddr(l.Addr(), "peer")
		t.ExpectBytes("the line", []byte("hello\n"), tc.ReadLine("a line"))
		during = goroutinesMatching(engine)
	}))
	res := only(t, rep)
	require.Equal(t, grader.Pass, res.Status, "%v %s", res.Failure, res.Err)

	assert.Empty(t, proc.Stray(), "processes left behind")
	assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the server still runs")
	assert.True(t, lockedDuring, "the port was not reserved while the check ran")
	assert.False(t, portLocked(port), "the port is still reserved")
	for _, network := range []string{"udp4", "tcp4"} {
		// As a student's server binds: every address, no SO_REUSEADDR.
		fd, err := syscall.Socket(syscall.AF_INET, map[string]int{"udp4": syscall.SOCK_DGRAM, "tcp4": syscall.SOCK_STREAM}[network], 0)
		require.NoError(t, err)
		assert.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Port: port}), "%s port %d is still bound", network, port)
		syscall.Close(fd)
	}
	// The engine's goroutines end once the sockets close and the check's
	// context is done; they need a moment to be scheduled.
	for _, f := range engine {
		require.Contains(t, during, f, "the test looks for a goroutine that does not exist")
	}
	if !assert.Eventually(t, func() bool { return goroutinesMatching(engine) == "" }, 5*time.Second, time.Millisecond) {
		t.Logf("goroutines left:\n%s", goroutinesMatching(engine))
	}
}

func goroutinesMatching(funcs []string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, f := range funcs {
			if strings.Contains(g, f) {
				out = append(out, g)
			}
		}
	}
	return strings.Join(out, "\n\n")
}

// portLocked says whether some process holds port n in the grader's port
// lock file. An open file description lock conflicts with the record lock
// that proc holds, even in the same process, so F_OFD_GETLK sees it.
func portLocked(n int) bool {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "socklab-ports.lock"), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	const fOFDGetlk = 36 // F_OFD_GETLK on Linux
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Start: int64(n), Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), fOFDGetlk, &lk); err != nil {
		return false
	}
	return lk.Type != syscall.F_UNLCK
}
