package grader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socklab/socklab/harness/proc"
)

// Submission is a student's directory, per the contract in DESIGN.md: each
// role is the program bin/<role>, unless Commands gives a shell command
// line for it (`-cmd server='python3 server.py'`).
type Submission struct {
	Dir      string
	Commands map[string]string

	scratch *scratch // where the roles run: set by Runner.Grade
}

// program is how to run a role: its path and the arguments before the
// grader's flags.
func (s Submission) program(role string) (path string, pre []string) {
	if cmd, ok := s.Commands[role]; ok {
		// sh appends the grader's flags to the student's command line.
		return "/bin/sh", []string{"-c", cmd + ` "$@"`, role}
	}
	// Relative: proc takes it relative to Dir, where the role runs, so
	// that a relative Dir is not joined twice.
	return filepath.Join("bin", role), nil
}

// StartupTimeout bounds how long a server may take to open its port. An
// interpreter or a JVM starts in well under a second.
const StartupTimeout = 5 * time.Second

// Role is one running program of the submission.
type Role struct {
	t      *T
	name   string
	args   []string
	proc   *proc.Process
	server bool
	Port   int            // for a server: the port it was told to use
	Addr   netip.AddrPort // for a server: 127.0.0.1:Port
}

// StartOptions are the less common ways to start a role.
type StartOptions struct {
	Args   []string
	Stdin  []byte
	Limits proc.Limits
}

// Start starts a role with the given flags. A program that cannot be
// started (bin/client missing, say) fails the check with the reason.
func (t *T) Start(role string, args ...string) *Role {
	return t.StartWith(role, StartOptions{Args: args})
}

// StartWith starts a role with options.
func (t *T) StartWith(role string, o StartOptions) *Role {
	t.restartClock()
	path, pre := t.sub.program(role)
	spec := proc.Spec{
		Role:   role,
		Path:   path,
		Args:   append(pre, o.Args...),
		Dir:    t.sub.Dir,
		Limits: o.Limits,
	}
	if sc := t.sub.scratch; sc != nil {
		spec.Dir, spec.Env, spec.Jail = sc.dir, sc.env(), sc.jail
	}
	if o.Stdin != nil {
		spec.Stdin = bytes.NewReader(o.Stdin)
	}
	p, err := proc.Start(spec)
	if errors.Is(err, proc.ErrNoProgram) {
		msg := strings.TrimPrefix(err.Error(), proc.ErrNoProgram.Error()+": ")
		// The student knows the program as bin/server, not by the
		// grader's absolute path to their directory.
		if !filepath.IsAbs(path) {
			if dir, aerr := filepath.Abs(spec.Dir); aerr == nil {
				msg = strings.ReplaceAll(msg, filepath.Join(dir, path), path)
			}
		}
		t.Fail(Failure{Message: msg, Err: err})
	}
	if err != nil {
		t.GraderErrorf("starting your %s: %v", role, err)
	}
	r := &Role{t: t, name: role, args: o.Args, proc: p}
	t.mu.Lock()
	if t.finished {
		// The check was given up for stuck and has gone on: nothing may
		// outlive it.
		t.mu.Unlock()
		p.Stop()
		runtime.Goexit()
	}
	t.roles = append(t.roles, r)
	t.mu.Unlock()
	t.Logf("started %s (pid %d)", describeArgs(role, o.Args), p.Pid())
	return r
}

// StartServer starts a server role on a fresh port, `-port P` followed by
// args, and waits until it listens on every network in networks ("udp",
// "tcp", or "udp+tcp"). A server that exits or never opens its port fails
// the check, saying what it did instead.
func (t *T) StartServer(role, networks string, args ...string) *Role {
	port := t.Port()
	r := t.StartWith(role, StartOptions{Args: append([]string{"-port", strconv.Itoa(port)}, args...)})
	r.server = true
	r.Port = port
	r.Addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
	for _, nw := range strings.Split(networks, "+") {
		if err := t.waitListening(r, nw, port); err != nil {
			t.Fail(Failure{Message: strings.TrimPrefix(strings.TrimPrefix(err.Error(),
				proc.ErrNotReady.Error()+": "), proc.ErrExited.Error()+": "), Err: err})
		}
	}
	t.watchServer(r)
	return r
}

// waitListening gives a server StartupTimeout to open its port, and more,
// up to the check's own limit, while it is still busy starting (running,
// or waiting for a CPU or the disk): on a loaded machine an interpreter
// may take longer to start, and that is not the student's fault. A server
// that sleeps without opening its port fails after StartupTimeout.
func (t *T) waitListening(r *Role, network string, port int) error {
	for {
		ctx, cancel := t.timeoutCtx(StartupTimeout)
		err := r.proc.WaitListening(ctx, network, port)
		timedOut := ctx.Err() != nil && errors.Is(err, proc.ErrNotReady)
		cancel()
		if !timedOut || t.ctx.Err() != nil || !r.proc.Busy() || !t.extend(StartupTimeout) {
			return err
		}
		t.Logf("your %s is still starting after %s and busy doing so (the machine is loaded); the check waits %s more", r.name, StartupTimeout, StartupTimeout)
	}
}

// watchServer closes t.down if the server exits before the check stops it.
func (t *T) watchServer(r *Role) {
	go func() {
		select {
		case <-r.proc.Done():
			if e := r.proc.Exit(); e != nil && !e.Stopped {
				t.Logf("your %s %s", r.name, e)
				t.downOnce.Do(func() { close(t.down) })
			}
		case <-t.ctx.Done():
		}
	}()
}

// Port reserves a fresh port for a program the check starts; it is
// released when the check ends.
func (t *T) Port() int {
	p, err := proc.ReservePort()
	if err != nil {
		t.GraderErrorf("%v", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		// A check given up for stuck has gone on: it keeps no port.
		p.Release()
		runtime.Goexit()
	}
	t.ports.add(p)
	return p.N
}

// Name is the role's name: "server", "client".
func (r *Role) Name() string { return r.name }

// Process is the role's process, for what Role does not wrap.
func (r *Role) Process() *proc.Process { return r.proc }

// Wait waits for the role to exit, at most d (and never past the check's
// time limit). A role still running then fails the check, with what it
// printed so far.
func (r *Role) Wait(d time.Duration) *proc.Exit {
	start := time.Now()
	ctx, cancel := r.t.timeoutCtx(d)
	defer cancel()
	e, err := r.proc.Wait(ctx)
	if err != nil {
		// The check's own time limit may have come first.
		waited := time.Since(start)
		r.t.Fail(Failure{
			Message: fmt.Sprintf("your %s did not finish within %.1f s (%s)%s", r.name, waited.Seconds(),
				describeArgs(r.name, r.args), printedSoFar(r.proc.Stdout())),
			Err: ErrTimeout,
		})
	}
	return e
}

// WaitWhileActive waits for the role to exit for as long as it is doing
// something, and returns its exit; nil if it is stuck, for the check to
// say why. If the check's time runs out first, it fails the check. A role is stuck once nothing has
// moved between it and the check's peer for limit, quiet() being how long
// ago the peer last saw a byte move (nil: it never does), and it is not
// busy on a CPU either: it waits for something that will not come. The
// limit counts from the last byte that moved, so that a peer's replies
// crawling one byte per segment on a loaded machine are not taken for a
// program that hangs, and a program still running (or waiting for a CPU)
// is given more time.
func (r *Role) WaitWhileActive(limit time.Duration, quiet func() time.Duration) *proc.Exit {
	started := time.Now()
	idle := func() time.Duration {
		d := time.Since(started)
		if quiet != nil {
			d = min(d, quiet())
		}
		return d
	}
	for {
		ctx, cancel := context.WithTimeout(r.t.Context(), limit-idle())
		e, err := r.proc.Wait(ctx)
		cancel()
		switch {
		case err == nil:
			return e
		case r.t.Context().Err() != nil:
			r.t.Fail(Failure{
				Message: fmt.Sprintf("your %s was still running when the check's time ran out (%s)%s", r.name,
					describeArgs(r.name, r.args), printedSoFar(r.proc.Stdout())),
				Err: ErrTimeout,
			})
		case idle() < limit:
			continue
		case !r.proc.Busy():
			return nil
		}
		started = time.Now()
		r.t.Progress()
	}
}

func printedSoFar(o proc.Output) string {
	if o.Total == 0 {
		return "; it printed nothing on stdout"
	}
	return "; its stdout so far:\n" + indent(o.LastLines(10), "    ")
}

// Stdout is everything the role printed on stdout; call it after Wait. Its
// head is kept when it printed more than the output limit.
func (r *Role) Stdout() []byte { return r.proc.Output().Bytes() }

// Stderr is the end of what the role printed on stderr: so far while it
// runs, and all of it once it has exited (after Wait, say).
func (r *Role) Stderr() string {
	if r.proc.Exit() != nil {
		// Exited is not yet read to the end: wait until both streams are.
		r.proc.Output()
	}
	return r.proc.Stderr().String()
}

// Stop stops the role now (the check's end stops it anyway).
func (r *Role) Stop() *proc.Exit { return r.proc.Stop() }

// portSet holds the ports a check reserved.
type portSet struct {
	mu    sync.Mutex
	ports []*proc.Port
}

func (s *portSet) add(p *proc.Port) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ports = append(s.ports, p)
}

func (s *portSet) releaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.ports {
		p.Release()
	}
	s.ports = nil
}
