package grader

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestExtendMovesTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &Check{ID: "x/y/z"}
	tt := newT(ctx, &Suite{ID: "x"}, c, Submission{}, 1)
	tt.startClock(time.Hour, cancel)
	defer tt.stopClock()

	before := tt.Deadline()
	if !tt.extend(StartupTimeout) {
		t.Fatal("extend refused a first extension")
	}
	if got := tt.Deadline().Sub(before); got != StartupTimeout {
		t.Errorf("the deadline moved by %s, want %s", got, StartupTimeout)
	}
	for tt.extend(StartupTimeout) {
	}
	if tt.extended > maxExtension {
		t.Errorf("extended by %s in all, more than %s", tt.extended, maxExtension)
	}
	if ctx.Err() != nil {
		t.Error("extending cancelled the check")
	}

	// A clock that has run out is not brought back.
	tt.clock.Stop()
	tt.extended = 0
	if tt.extend(time.Second) {
		t.Error("extend revived a stopped clock")
	}
}

func TestTimeoutCtxEndsWithTheCheck(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tt := newT(ctx, &Suite{ID: "x"}, &Check{ID: "x/y/z"}, Submission{}, 1)
	tt.startClock(time.Minute, cancel)
	defer tt.stopClock()
	wctx, wcancel := tt.timeoutCtx(time.Hour)
	defer wcancel()
	// The check's time running out cancels its context, and so the wait.
	cancel()
	<-wctx.Done()
	if !errors.Is(wctx.Err(), context.Canceled) {
		t.Errorf("the wait ended with %v, want the check's cancellation", wctx.Err())
	}
}

func TestProgressMovesAnExpiringDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tt := newT(ctx, &Suite{ID: "x"}, &Check{ID: "x/y/z"}, Submission{}, 1)
	tt.startClock(time.Hour, cancel)
	defer tt.stopClock()

	// No progress yet: a clock that runs out ends the check.
	if tt.stillMoving() {
		t.Fatal("a check that never made progress was given more time")
	}
	before := tt.Deadline()
	tt.Progress()
	if !tt.stillMoving() {
		t.Fatal("a check that just made progress was not given more time")
	}
	if got := tt.Deadline().Sub(before); got != progressWindow {
		t.Errorf("the deadline moved by %s, want %s", got, progressWindow)
	}
	// Progress long ago does not count.
	tt.mu.Lock()
	tt.progress = time.Now().Add(-progressWindow)
	tt.mu.Unlock()
	if tt.stillMoving() {
		t.Error("progress older than the window moved the deadline")
	}
	// However much progress, the deadline moves maxExtension at most.
	for tt.Progress(); tt.stillMoving(); tt.Progress() {
	}
	if tt.extended > maxExtension {
		t.Errorf("extended by %s in all, more than %s", tt.extended, maxExtension)
	}
	if ctx.Err() != nil {
		t.Error("moving the deadline cancelled the check")
	}
}

// The check's time counts from its first program's start, once: the
// grader's own work before it does not use the student's time.
func TestFirstStartRestartsTheClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tt := newT(ctx, &Suite{ID: "x"}, &Check{ID: "x/y/z"}, Submission{}, 1)
	tt.startClock(time.Hour, cancel)
	defer tt.stopClock()
	began := time.Now()

	tt.restartClock()
	first := tt.Deadline()
	if first.Before(began.Add(time.Hour)) {
		t.Errorf("the first start left the deadline %s after the check began, want the whole hour from the start", first.Sub(began))
	}
	tt.restartClock()
	if got := tt.Deadline(); !got.Equal(first) {
		t.Errorf("a second start moved the deadline by %s", got.Sub(first))
	}

	// A clock that has run out is not brought back.
	tt2 := newT(ctx, &Suite{ID: "x"}, &Check{ID: "x/y/z"}, Submission{}, 1)
	tt2.startClock(time.Hour, cancel)
	tt2.clock.Stop()
	before := tt2.Deadline()
	tt2.restartClock()
	if !tt2.Deadline().Equal(before) {
		t.Error("restartClock revived a stopped clock")
	}
}
