package grader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/trace"
)

// ReplyTimeout is how long a check waits for a reply that a correct program
// sends at once (a loopback round trip takes well under a millisecond). The
// handouts quote it: it is part of the contract, not a tuning knob.
const ReplyTimeout = 2 * time.Second

// T is the state of one running check. Its methods that end the check
// (Fatalf, Fail, the Expect family, and the waits that fail when nothing
// comes) must be called from the check's own goroutine, as with testing.T.
type T struct {
	ctx   context.Context
	check *Check
	suite *Suite
	sub   Submission
	seed  uint64
	rand  *rand.Rand
	trace *trace.Transcript
	ports *portSet

	mu       sync.Mutex
	finished bool          // finish ran: what a late check starts is undone at once
	deadline time.Time     // when the check's time runs out
	clock    *time.Timer   // cancels the check's context at deadline
	limit    time.Duration // the check's time limit, from its first program's start
	started  bool          // a program of the check has been started
	extended time.Duration // how far the deadline moved: at most maxExtension
	progress time.Time     // when the check last made progress
	roles    []*Role
	cleanups []func()
	failure  *Failure
	gerr     error
	down     chan struct{} // closed when a server role exits on its own
	downOnce sync.Once
	dir      string // WriteFile's directory, made on first use
}

func newT(ctx context.Context, s *Suite, c *Check, sub Submission, seed uint64) *T {
	return &T{
		ctx:   ctx,
		check: c,
		suite: s,
		sub:   sub,
		seed:  seed,
		rand:  rand.New(rand.NewPCG(seed, hashString(c.ID))),
		trace: trace.New(),
		ports: &portSet{},
		down:  make(chan struct{}),
	}
}

// SeedFrom is the seed for name, a student's name or repository
// ("alice", "course/smtp-client-alice"): each student gets an impairment
// pattern of their own, the same on every run, which a TA replays with
// -seed and the seed the report prints. Spaces around name do not count.
func SeedFrom(name string) uint64 { return hashString(strings.TrimSpace(name)) }

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// Context is done when the check's time limit is reached.
func (t *T) Context() context.Context { return t.ctx }

// Rand is the check's own random stream: the same for the same seed and
// check, whatever else runs.
func (t *T) Rand() *rand.Rand { return t.rand }

// Seed is the run's seed.
func (t *T) Seed() uint64 { return t.seed }

// ID is the check's ID; impairment streams are keyed by it.
func (t *T) ID() string { return t.check.ID }

// Transcript is the check's record of what crossed the wire.
func (t *T) Transcript() *trace.Transcript { return t.trace }

// Logf adds a note to the transcript, for the student reading a failure.
func (t *T) Logf(format string, args ...any) { t.trace.Notef(format, args...) }

// Cleanup registers f to run when the check ends, last registered first.
func (t *T) Cleanup(f func()) {
	t.mu.Lock()
	if t.finished {
		// A check given up for stuck goes on after the end: what it
		// opens is closed at once.
		t.mu.Unlock()
		f()
		return
	}
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// Deadline is when the check's time limit runs out.
func (t *T) Deadline() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.deadline
}

// startClock starts the check's time limit: when it runs out, expire is
// called (it cancels the check's context), unless the check is still
// making progress (see Progress).
func (t *T) startClock(limit time.Duration, expire func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limit = limit
	t.deadline = time.Now().Add(limit)
	t.clock = time.AfterFunc(limit, func() {
		if !t.stillMoving() {
			expire()
		}
	})
}

// restartClock gives the check its whole time limit again when it starts
// its first program. The limit is the submission's time: what the grader
// did before (drawing a 4 MiB body, starting its own server) is the
// grader's, which a loaded machine may make slow, and must not count
// against the student.
func (t *T) restartClock() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started {
		return
	}
	t.started = true
	if t.clock == nil || !t.clock.Stop() {
		return // no clock (a test's T), or it has run out already
	}
	t.deadline = time.Now().Add(t.limit)
	t.clock.Reset(t.limit)
}

// Progress tells the check's clock that the submission is at work: bytes
// moved between it and the grader. A time limit that runs out less than
// progressWindow after the last progress is moved by progressWindow, up to
// maxExtension in all: a correct program on a loaded machine, still moving
// bytes, is slow because the machine is, and a check must not fail it for
// that. A program that is stuck makes no progress, and its check ends on
// time.
func (t *T) Progress() {
	t.mu.Lock()
	t.progress = time.Now()
	t.mu.Unlock()
}

// progressWindow is how recent progress must be to move a time limit, and
// how far it moves it each time.
const progressWindow = ReplyTimeout

// stillMoving runs when the check's clock runs out: it moves the deadline
// and says true if the check made progress lately and may still run
// longer.
func (t *T) stillMoving() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.progress) >= progressWindow || t.extended+progressWindow > maxExtension {
		return false
	}
	t.extended += progressWindow
	t.deadline = t.deadline.Add(progressWindow)
	t.clock.Reset(time.Until(t.deadline))
	return true
}

func (t *T) stopClock() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clock != nil {
		t.clock.Stop()
	}
}

// extend moves the check's deadline by d, at most up to maxExtension in
// all. The grader does it when the machine, not the submission, used the
// check's time: a server that took longer than StartupTimeout to start
// while it was busy starting.
func (t *T) extend(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clock == nil || t.extended+d > maxExtension || !t.clock.Stop() {
		return false // no clock (a test's T), spent, or already expired
	}
	t.extended += d
	t.deadline = t.deadline.Add(d)
	t.clock.Reset(time.Until(t.deadline))
	return true
}

// maxExtension bounds how much longer a check may run than its limit on a
// busy machine.
const maxExtension = 30 * time.Second

// Fail ends the check as failed.
func (t *T) Fail(f Failure) {
	t.mu.Lock()
	if t.failure == nil && t.gerr == nil {
		t.failure = &f
	}
	t.mu.Unlock()
	runtime.Goexit()
}

// Fatalf ends the check as failed with a message.
func (t *T) Fatalf(format string, args ...any) {
	t.Fail(Failure{Message: fmt.Sprintf(format, args...)})
}

// GraderErrorf ends the check as errored: the grader itself broke (a port
// it could not open, a peer that would not start). It never costs the
// student points.
func (t *T) GraderErrorf(format string, args ...any) {
	t.mu.Lock()
	if t.failure == nil && t.gerr == nil {
		t.gerr = fmt.Errorf(format, args...)
	}
	t.mu.Unlock()
	runtime.Goexit()
}

// Expect fails the check unless got equals want (by go-cmp), showing both
// and their difference. what names the thing compared: "the reply".
func (t *T) Expect(what string, want, got any, opts ...cmp.Option) {
	if cmp.Equal(want, got, opts...) {
		return
	}
	t.Fail(Failure{
		Message:  what + " is wrong",
		Expected: render(want),
		Actual:   render(got),
		Diff:     cmp.Diff(want, got, opts...),
	})
}

// render shows a value in a failure: strings quoted, so that an empty one
// or a trailing space shows; bytes as Quote shows them; the rest with %v.
func render(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []byte:
		return Quote(v)
	}
	return fmt.Sprintf("%v", v)
}

// ExpectBytes is Expect for payloads: it quotes text, dumps binary in hex,
// and diffs line by line.
func (t *T) ExpectBytes(what string, want, got []byte) {
	if string(want) == string(got) {
		return
	}
	f := Failure{
		Message:  fmt.Sprintf("%s is wrong (%s expected, %d received)", what, byteCount(len(want)), len(got)),
		Expected: Quote(want),
		Actual:   Quote(got),
	}
	i := firstDifference(want, got)
	f.Message += fmt.Sprintf("; the first difference is at byte %d", i)
	if i > 40 {
		// The quoted heads agree; show where the payloads part ways.
		f.Expected += "\n    at the first difference, " + window(want, i)
		f.Actual += "\n    at the first difference, " + window(got, i)
	}
	if len(want) <= 4096 && len(got) <= 4096 {
		f.Diff = diffBytes(want, got)
	}
	t.Fail(f)
}

// ExpectStream is ExpectBytes for long streams (a file, megabytes of
// replies), where a diff would bury the point: a want of more than 512
// bytes is shown from a little before the first difference, from the
// start of its line, or 40 bytes before it in a long line.
func (t *T) ExpectStream(what string, want, got []byte) {
	if len(want) <= 512 {
		t.ExpectBytes(what, want, got)
		return
	}
	if bytes.Equal(want, got) {
		return
	}
	i := firstDifference(want, got)
	from := max(bytes.LastIndexByte(want[:i], '\n')+1, i-40)
	f := Failure{
		Message: fmt.Sprintf("%s is wrong (%d bytes expected, %d received); the first difference is at byte %d, in line %d",
			what, len(want), len(got), i, bytes.Count(want[:i], []byte("\n"))+1),
		Expected: Quote(want[from:]),
		Actual:   Quote(got[from:]),
	}
	if from > 0 {
		f.Message += fmt.Sprintf("; the %d bytes before are right, and both are shown from byte %d on", from, from)
	}
	t.Fail(f)
}

func byteCount(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// serverDown is closed when a server role exits before the check ends it;
// waits select on it so that a crash is reported at once, with its output,
// instead of as a timeout.
func (t *T) serverDown() <-chan struct{} { return t.down }

// failWait ends the check after a wait that did not end well: the reason
// is the server's exit if one died, else the timeout or the error.
func (t *T) failWait(what string, err error) {
	if r := t.deadServer(); r != nil {
		t.Fail(Failure{Message: what + ": " + r.proc.Describe(), Err: ErrRoleExited})
	}
	if errors.Is(err, ErrTimeout) {
		t.Fail(Failure{Message: what, Err: ErrTimeout})
	}
	t.Fail(Failure{Message: fmt.Sprintf("%s: %v", what, err), Err: err})
}

func (t *T) deadServer() *Role {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.roles {
		if r.server && r.proc.Exit() != nil && !r.proc.Exit().Stopped {
			return r
		}
	}
	return nil
}

// timeoutCtx is the context for one wait: ReplyTimeout-like d, and no
// longer than the check, whose context ends when its time does. The
// check's deadline is not copied in: it may move while the wait runs
// (Progress, extend).
func (t *T) timeoutCtx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.ctx, d)
}

// finish runs the cleanups and stops every role. It is called by the
// runner after the check's function returned or gave up.
func (t *T) finish() {
	t.mu.Lock()
	t.finished = true
	cleanups := t.cleanups
	t.cleanups = nil
	roles := t.roles
	t.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	var wg sync.WaitGroup
	for _, r := range roles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.proc.Stop()
		}()
	}
	wg.Wait()
	t.ports.releaseAll()
}

// roleNotes describes each role for a failure report: how it ended, if it
// ended on its own, and the end of what it printed on stderr.
//
// A role whose end the failure message already tells is left out, so that
// a traceback is not shown twice.
func (t *T) roleNotes(failure *Failure) []string {
	t.mu.Lock()
	roles := append([]*Role(nil), t.roles...)
	t.mu.Unlock()
	var notes []string
	for _, r := range roles {
		if d := r.proc.Describe(); d != "" {
			first, _, _ := strings.Cut(d, ";")
			if failure == nil || !strings.Contains(failure.Message, first) {
				notes = append(notes, d)
			}
			continue
		}
		for _, o := range []struct {
			name string
			out  proc.Output
		}{{"stderr", r.proc.Stderr()}, {"stdout", r.proc.Stdout()}} {
			if o.out.Total == 0 {
				continue
			}
			note := fmt.Sprintf("your %s printed on %s", r.name, o.name)
			if o.out.Cut() > 0 {
				note += fmt.Sprintf(" (%s in all, of which %s not kept; the end of it)", size(o.out.Total), size(o.out.Cut()))
			}
			notes = append(notes, note+":\n"+indent(o.out.LastLines(8), "    "))
			break // stdout only when stderr is empty
		}
	}
	return notes
}

// describeArgs renders a command line for messages.
func describeArgs(role string, args []string) string {
	return strings.TrimSpace("bin/" + role + " " + strings.Join(args, " "))
}
