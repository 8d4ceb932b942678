package grader_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/proc"
)

// echoCheck starts the server and checks one round trip.
func echoCheck(t *grader.T) {
	srv := t.StartServer("server", "udp")
	c := t.DialUDP(srv)
	c.Send([]byte("hello, world"))
	t.ExpectBytes("the reply", []byte("HELLO, WORLD"), c.Recv())
}

func TestStartServer(t *testing.T) {
	t.Parallel()
	rep := grade(t, submission(t, map[string]string{"server": "udp-echo"}), check("echo", 1, echoCheck))
	res := only(t, rep)
	assert.Equal(t, grader.Pass, res.Status, "%v %s", res.Failure, res.Err)
}

// A relative submission directory is relative to the grader's working
// directory, once: the program is not looked for in dir/dir/bin.
func TestStartServerRelativeDir(t *testing.T) {
	t.Parallel()
	abs := submission(t, map[string]string{"server": "udp-echo"})
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, abs)
	require.NoError(t, err)
	res := only(t, grade(t, rel, check("echo", 1, echoCheck)))
	assert.Equal(t, grader.Pass, res.Status, "%v %s", res.Failure, res.Err)
}

func TestStartServerCommand(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	require.NoError(t, err)
	sub := grader.Submission{
		Dir:      t.TempDir(), // no bin/: the command line is the program
		Commands: map[string]string{"server": helperEnv + "=udp-echo GORACE=atexit_sleep_ms=0 exec '" + self + "'"},
	}
	r := &grader.Runner{Suite: suite(check("echo", 1, echoCheck)), Submission: sub, NoBuild: true}
	rep, err := r.Grade(t.Context())
	require.NoError(t, err)
	res := only(t, rep)
	assert.Equal(t, grader.Pass, res.Status, "%v %s", res.Failure, res.Err)
}

func TestStartServerFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		helper string // "" for no bin/server at all
		err    error
		want   []string // in the message, in order
	}{
		{
			name:   "never-binds",
			helper: neverBinds,
			err:    proc.ErrNotReady,
			want: []string{
				"your server did not open UDP port ", " (it was started with -port ",
				"it has no UDP socket open",
				"Its last output:\n    helper: starting up, but never binding",
			},
		},
		{
			name:   "exits-at-start",
			helper: "exit-at-start",
			err:    proc.ErrExited,
			want: []string{
				"your server exited with status 4 after ",
				" before it opened UDP port ",
				"Its last output:\n    helper: cannot read config.txt",
			},
		},
		{
			name: "missing",
			err:  proc.ErrNoProgram,
			want: []string{"bin/server does not exist; `make build` must create it (or give -cmd server='...')"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			switch {
			case strings.HasPrefix(tt.helper, "#!"):
				script(t, dir, "server", tt.helper)
			case tt.helper != "":
				dir = submission(t, map[string]string{"server": tt.helper})
			}
			c := check(tt.name, 1, func(t *grader.T) {
				t.StartServer("server", "udp")
				t.Fatalf("StartServer returned")
			})
			// The startup wait ends with the check's time limit.
			c.TimeLimit = time.Second
			res := only(t, grade(t, dir, c))
			f := requireFail(t, res)
			assert.ErrorIs(t, f.Err, tt.err)
			assert.False(t, strings.HasPrefix(f.Message, "proc:"), "the message is for a student: %q", f.Message)
			rest := f.Message
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if !assert.GreaterOrEqual(t, i, 0, "%q not in %q", w, f.Message) {
					break
				}
				rest = rest[i+len(w):]
			}
			if tt.name == "never-binds" {
				// Both numbers are the port.
				assert.Contains(t, f.Message, "UDP port "+portIn(t, f.Message)+" (it was")
			}
			if tt.name == "missing" {
				assert.True(t, strings.HasPrefix(f.Message, "bin/server does not exist"), "the path as the student knows it: %q", f.Message)
			}
		})
	}
}

// A server that dies while the check waits for its reply ends the wait at
// once, and the failure says how it died.
func TestServerDiesMidCheck(t *testing.T) {
	t.Parallel()
	var recvErr error
	var waited [2]time.Duration // how long each check's wait took
	rep := grade(t, submission(t, map[string]string{"server": "udp-echo"}),
		check("dies", 1, func(t *grader.T) {
			srv := t.StartServer("server", "udp")
			c := t.DialUDP(srv)
			c.Send([]byte("die"))
			start := time.Now()
			defer func() { waited[0] = time.Since(start) }() // runs as Recv fails the check
			c.Recv()
			t.Fatalf("Recv returned")
		}),
		check("try-recv", 1, func(t *grader.T) {
			srv := t.StartServer("server", "udp")
			c := t.DialUDP(srv)
			c.Send([]byte("die"))
			start := time.Now()
			_, recvErr = c.TryRecv(time.Minute)
			waited[1] = time.Since(start)
		}),
	)
	f := requireFail(t, rep.Results[0])
	assert.ErrorIs(t, f.Err, grader.ErrRoleExited)
	assert.True(t, strings.HasPrefix(f.Message, "no reply from your server within 2s: your server exited with status 3 after "), f.Message)
	assert.Contains(t, f.Message, "its last output:\n    helper: told to die")
	// Not the timeout: the wait ended when the server died.
	assert.Less(t, waited[0], grader.ReplyTimeout, "the wait did not end when the server died")

	assert.Equal(t, grader.Pass, rep.Results[1].Status)
	assert.ErrorIs(t, recvErr, grader.ErrRoleExited)
	assert.Less(t, waited[1], grader.ReplyTimeout, "a one-minute wait did not end when the server died")
}

// Failures keep the transcript: what the grader sent and the notes.
func TestTranscriptOfFailure(t *testing.T) {
	t.Parallel()
	rep := grade(t, submission(t, map[string]string{"server": "udp-echo"}),
		check("transcript", 1, func(t *grader.T) {
			srv := t.StartServer("server", "udp")
			c := t.DialUDP(srv)
			c.Send([]byte("abc"))
			got := c.Recv()
			t.Logf("a note from the check")
			t.ExpectBytes("the reply", []byte("abd"), got)
		}))
	res := only(t, rep)
	requireFail(t, res)
	text := noteText(res)
	for _, want := range []string{
		"note   started bin/server -port ",
		`grader → your server  udp     3 B "abc"`,
		`your server → grader  udp     3 B "ABC"`,
		"note   a note from the check",
	} {
		assert.Contains(t, text, want)
	}
}

// WaitWhileActive returns a program's exit, and nil for one that sleeps
// while nothing moves; a peer that keeps moving bytes keeps it waiting.
func TestWaitWhileActive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script(t, dir, "quick", "#!/bin/sh\nexit 3\n")
	script(t, dir, "sleeper", "#!/bin/sh\nexec sleep 3600\n")
	script(t, dir, "slow", "#!/bin/sh\nexec sleep 0.6\n")
	var exits []*proc.Exit
	var quietFor []time.Duration
	rep := grade(t, dir, check("wait", 1, func(t *grader.T) {
		exits = append(exits, t.Start("quick").WaitWhileActive(time.Second, nil))
		start := time.Now()
		exits = append(exits, t.Start("sleeper").WaitWhileActive(200*time.Millisecond, nil))
		quietFor = append(quietFor, time.Since(start))
		// A peer that saw bytes move a moment ago, every time it is
		// asked: the slow program is waited for past the limit.
		exits = append(exits, t.Start("slow").WaitWhileActive(200*time.Millisecond, func() time.Duration { return 0 }))
	}))
	assert.Equal(t, grader.Pass, only(t, rep).Status)
	require.Len(t, exits, 3)
	if assert.NotNil(t, exits[0]) {
		assert.Equal(t, 3, exits[0].Code)
	}
	assert.Nil(t, exits[1], "a program asleep with nothing moving is stuck")
	assert.GreaterOrEqual(t, quietFor[0], 200*time.Millisecond)
	if assert.NotNil(t, exits[2], "a program whose peer sees bytes move is not stuck") {
		assert.Equal(t, 0, exits[2].Code)
	}
}
