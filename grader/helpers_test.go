package grader_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
)

// The engine is tested with small programs that play a student's roles.
// They are this test binary, run again with GRADER_TEST_HELPER naming the
// behaviour, from a bin/<role> script in a temporary submission:
//
//	#!/bin/sh
//	GRADER_TEST_HELPER=udp-echo exec '/tmp/go-build…/grader.test' "$@"

const helperEnv = "GRADER_TEST_HELPER"

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(runHelper(name, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runHelper is main for a helper program; it returns its exit status.
func runHelper(name string, args []string) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	port := fs.Int("port", 0, "UDP port to serve on")
	fs.Int("count", 0, "ignored: a client's flag")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch name {
	case "udp-echo":
		// A correct uppercase server, which exits with status 3 when a
		// datagram says "die".
		return udpEcho(*port)
	case "stubborn-echo":
		// udp-echo that ignores SIGTERM and leaves a child running.
		signal.Ignore(syscall.SIGTERM)
		if err := exec.Command("sleep", "300").Start(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		return udpEcho(*port)
	case "silent":
		time.Sleep(time.Hour)
		return 0
	case "exit-at-start":
		fmt.Fprintln(os.Stderr, "helper: cannot read config.txt")
		return 4
	case "slow-client":
		// Prints, closes its output (so the grader has read all of it),
		// then never finishes.
		fmt.Println("working on it")
		os.Stdout.Close()
		os.Stderr.Close()
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintf(os.Stderr, "helper: no helper %q\n", name)
	return 2
}

func udpEcho(port int) int {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			return 1
		}
		if string(buf[:n]) == "die" {
			fmt.Fprintln(os.Stderr, "helper: told to die")
			return 3
		}
		c.WriteToUDP(bytes.ToUpper(buf[:n]), from)
	}
}

// submission makes a submission directory whose bin/<role> runs the named
// helper, for each role in roles.
func submission(t *testing.T, roles map[string]string) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "bin"), 0o755))
	for role, helper := range roles {
		// GORACE: a race-enabled helper that exits 0 would sleep a second.
		script := fmt.Sprintf("#!/bin/sh\n%s=%s GORACE=atexit_sleep_ms=0 exec '%s' \"$@\"\n", helperEnv, helper, self)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", role), []byte(script), 0o755))
	}
	return dir
}

// neverBinds is a bin/server that says it starts and never opens a port.
// It is a shell script, which starts faster than a helper on a loaded
// machine: the check sees its output before it gives up on it.
const neverBinds = "#!/bin/sh\necho 'helper: starting up, but never binding' >&2\nexec sleep 3600\n"

// script adds bin/role to a submission directory, with the given text.
func script(t *testing.T, dir, role, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", role), []byte(text), 0o755))
}

// suite wraps checks in a suite that is never registered.
func suite(checks ...*grader.Check) *grader.Suite {
	return &grader.Suite{
		ID:      "engine-test",
		Title:   "the engine's own tests",
		Roles:   []string{"server", "client"},
		Handout: "handouts/engine-test.md",
		Checks:  checks,
	}
}

// check is a valid check of the test suite with the given name and body.
func check(name string, points int, run func(t *grader.T)) *grader.Check {
	return &grader.Check{
		ID:          "engine-test/topic/" + name,
		Name:        "the " + name + " check",
		Points:      points,
		Requirement: "what " + name + " requires",
		Handout:     "§1 Testing",
		Run:         run,
	}
}

// grade grades dir (an empty one when "") against checks, without a
// build, and fails the test if grading could not run.
func grade(t *testing.T, dir string, checks ...*grader.Check) *grader.Report {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	r := &grader.Runner{Suite: suite(checks...), Submission: grader.Submission{Dir: dir}, Seed: 1, NoBuild: true}
	rep, err := r.Grade(context.Background())
	require.NoError(t, err)
	require.Len(t, rep.Results, len(checks))
	return rep
}

// only is the one result of a report of one check.
func only(t *testing.T, rep *grader.Report) grader.Result {
	t.Helper()
	require.Len(t, rep.Results, 1)
	return rep.Results[0]
}

// requireFail asserts that res failed, and returns its failure.
func requireFail(t *testing.T, res grader.Result) *grader.Failure {
	t.Helper()
	require.Equal(t, grader.Fail, res.Status, "error: %s", res.Err)
	require.NotNil(t, res.Failure)
	return res.Failure
}

// portIn finds the port a server was started with in a message.
func portIn(t *testing.T, s string) string {
	t.Helper()
	m := regexp.MustCompile(`-port (\d+)`).FindStringSubmatch(s)
	require.NotNil(t, m, "no -port in %q", s)
	return m[1]
}

// noteText joins a result's notes and transcript, which is where the
// messages about the submission's programs go.
func noteText(res grader.Result) string {
	var b strings.Builder
	for _, n := range res.Notes {
		b.WriteString(n + "\n")
	}
	for _, e := range res.Transcript {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}
