// Package proc runs the programs of a student's submission: it builds the
// submission, starts each role under limits in its own process group, keeps
// the head and tail of what the role prints, waits for it to be ready, and
// stops it and everything it started, leaving nothing behind.
//
// Student code is untrusted. A role may never bind, crash, print without
// end, fork without end, ignore SIGTERM, or start a daemon that outlives it;
// none of that may hang the grader or survive the check. See DESIGN.md,
// "Safety".
package proc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sentinel errors. They are wrapped with a message a student can act on.
var (
	// ErrNoProgram: the role's program does not exist in the submission.
	ErrNoProgram = errors.New("proc: no program")
	// ErrExited: the program exited while the grader still needed it.
	ErrExited = errors.New("proc: program exited")
	// ErrNotReady: the program never opened the port it was told to.
	ErrNotReady = errors.New("proc: program never got ready")
	// ErrBuild: `make build` failed or ran out of time.
	ErrBuild = errors.New("proc: build failed")
)

// Limits bound what one role may use. A zero field takes its default.
type Limits struct {
	CPUTime   time.Duration // CPU time, all threads (default 30s); SIGXCPU, then SIGKILL
	Memory    int64         // data segment, bytes (default 2 GiB): heap and anonymous maps
	Processes int           // processes and threads (default 512)
	FileSize  int64         // largest file it may write, bytes (default 64 MiB)
	OpenFiles int           // open file descriptors (default 4096)
	Output    int           // bytes kept of each of stdout and stderr: head (default 1 MiB); a 64 KiB tail is kept too
	Grace     time.Duration // between SIGTERM and SIGKILL when stopping (default 500ms)
}

// DefaultLimits are the limits a role gets unless a check says otherwise.
// The handouts quote them.
var DefaultLimits = Limits{
	CPUTime:   30 * time.Second,
	Memory:    2 << 30,
	Processes: 512,
	FileSize:  64 << 20,
	OpenFiles: 4096,
	Output:    1 << 20,
	Grace:     500 * time.Millisecond,
}

// tailSize is how much of the end of each output stream is kept.
const tailSize = 64 << 10

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.CPUTime > 0 {
		d.CPUTime = l.CPUTime
	}
	if l.Memory > 0 {
		d.Memory = l.Memory
	}
	if l.Processes > 0 {
		d.Processes = l.Processes
	}
	if l.FileSize > 0 {
		d.FileSize = l.FileSize
	}
	if l.OpenFiles > 0 {
		d.OpenFiles = l.OpenFiles
	}
	if l.Output > 0 {
		d.Output = l.Output
	}
	if l.Grace > 0 {
		d.Grace = l.Grace
	}
	return d
}

// Spec says how to run one role.
type Spec struct {
	Role  string    // "server", "client": the name used in messages
	Path  string    // the program
	Args  []string  // its arguments (flags), without argv[0]
	Dir   string    // working directory: the submission
	Env   []string  // extra environment, "KEY=value"
	Stdin io.Reader // nil: empty stdin
	Limits
}

// Process is one running role and everything it starts.
type Process struct {
	spec    Spec
	cmd     *exec.Cmd
	started time.Time
	marker  string // in the environment of the role and all it starts
	cg      *cgroup

	stdout, stderr *capture
	pipes          sync.WaitGroup // the goroutines draining stdout and stderr

	done chan struct{} // closed when the program has exited
	exit *Exit

	mu       sync.Mutex
	stopping bool
	stopOnce sync.Once
}

// markerEnv marks every process a role starts, so that the grader finds and
// stops even those that leave its process group.
const markerEnv = "SOCKLAB_RUN"

// Start starts the program of spec. The error is non-nil only when the
// program could not be started at all.
func Start(spec Spec) (*Process, error) {
	spec.Limits = spec.Limits.withDefaults()
	if err := checkProgram(spec.Path, spec.Role); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("proc: cannot find the grader's own executable to launch %s: %v", spec.Role, err)
	}
	p := &Process{
		spec:   spec,
		marker: newMarker(),
		stdout: newCapture(spec.Output, tailSize),
		stderr: newCapture(spec.Output, tailSize),
		done:   make(chan struct{}),
	}
	p.cg = newCgroup(p.marker, spec.Processes)

	ls := launchSpec{
		Path:   spec.Path,
		Argv:   append([]string{spec.Path}, spec.Args...),
		CPU:    uint64((spec.CPUTime + time.Second - 1) / time.Second),
		Data:   uint64(spec.Memory),
		FSize:  uint64(spec.FileSize),
		NProc:  nprocLimit(spec.Processes),
		NoFile: uint64(spec.OpenFiles),
	}
	if p.cg != nil {
		ls.Cgroup = p.cg.procsFile()
	}
	encoded, err := json.Marshal(ls)
	if err != nil {
		return nil, fmt.Errorf("proc: %v", err)
	}

	cmd := exec.Command(self)
	cmd.Dir = spec.Dir
	cmd.Env = append(roleEnv(p.marker, spec.Env), launchEnv+"="+string(encoded))
	cmd.Stdin = spec.Stdin
	cmd.SysProcAttr = sysProcAttr()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("proc: %v", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("proc: %v", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	p.cmd = cmd

	p.started = time.Now()
	err = cmd.Start()
	// The child has its own copies of the write ends now; closing ours lets
	// the readers see EOF when the last process holding them exits.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		p.cg.remove()
		return nil, fmt.Errorf("proc: starting %s: %v", spec.Role, err)
	}
	p.pipes.Add(2)
	go p.drain(outR, p.stdout)
	go p.drain(errR, p.stderr)
	go p.wait()
	return p, nil
}

// drain copies one output stream into its capture until every process that
// holds the pipe has exited, or Stop gives up on them and closes it.
func (p *Process) drain(r *os.File, c *capture) {
	defer p.pipes.Done()
	defer r.Close()
	go func() {
		<-p.done
		// A daemon the role left behind may hold the pipe open forever; the
		// stop sequence kills it, and this bounds the wait if it survives.
		time.AfterFunc(p.spec.Grace+2*time.Second, func() { r.SetReadDeadline(time.Now()) })
	}()
	io.Copy(c, r)
}

func (p *Process) wait() {
	err := p.cmd.Wait()
	p.mu.Lock()
	stopped := p.stopping
	p.mu.Unlock()
	p.exit = newExit(p.cmd.ProcessState, err, time.Since(p.started), stopped, p.spec.Limits)
	close(p.done)
}

// Role is the role's name, as in Spec.
func (p *Process) Role() string { return p.spec.Role }

// Pid is the process ID of the role's program.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the program has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exit says how the program ended, or nil while it runs.
func (p *Process) Exit() *Exit {
	select {
	case <-p.done:
		return p.exit
	default:
		return nil
	}
}

// Wait waits for the program to exit, until ctx is done.
func (p *Process) Wait(ctx context.Context) (*Exit, error) {
	select {
	case <-p.done:
		return p.exit, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Stdout is what the program has printed on stdout so far.
func (p *Process) Stdout() Output { return p.stdout.output() }

// Stderr is what the program has printed on stderr so far.
func (p *Process) Stderr() Output { return p.stderr.output() }

// Output waits until both output streams are complete (the program exited
// and its pipes closed) and returns stdout. Call it after the program exited.
func (p *Process) Output() Output {
	p.pipes.Wait()
	return p.stdout.output()
}

// Stop ends the role: SIGTERM to its process group, then, after the grace
// period or at once if it is already gone, SIGKILL to every process it
// started, in its group or not. It returns how the program ended. Stop is
// safe to call more than once and from several goroutines.
func (p *Process) Stop() *Exit {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopping = true
		p.mu.Unlock()
		pgid := p.cmd.Process.Pid
		select {
		case <-p.done:
		default:
			syscall.Kill(-pgid, syscall.SIGTERM)
			waitGone(p.done, pgid, p.spec.Grace)
		}
		killAll(pgid, p.marker, p.cg)
		<-p.done
		p.pipes.Wait()
		p.cg.remove()
	})
	return p.exit
}

// Describe tells the student what became of the role, for a failure report:
// "your server exited with status 2 after 0.3 s; its last output: ...".
// It is empty while the role runs normally.
func (p *Process) Describe() string {
	e := p.Exit()
	if e == nil || e.Stopped {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "your %s %s", p.spec.Role, e)
	if last := lastOutput(p.Stderr(), p.Stdout()); last != "" {
		fmt.Fprintf(&b, "; its last output:\n%s", last)
	}
	return b.String()
}

// lastOutput is the last lines a program printed, stderr first because
// that is where errors and tracebacks go.
func lastOutput(stderr, stdout Output) string {
	const lines = 12
	for _, o := range []Output{stderr, stdout} {
		if o.Total > 0 {
			return indent(o.LastLines(lines), "    ")
		}
	}
	return ""
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// checkProgram gives a clear error for the common ways a role's program is
// missing or unusable, before anything is started.
func checkProgram(path, role string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist; `make build` must create it (or give -cmd %s='...')", ErrNoProgram, path, role)
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrNoProgram, path, err)
	case fi.IsDir():
		return fmt.Errorf("%w: %s is a directory, not a program", ErrNoProgram, path)
	case fi.Mode()&0o111 == 0:
		return fmt.Errorf("%w: %s is not executable; run chmod +x on it in your Makefile's build target", ErrNoProgram, path)
	}
	return nil
}

// roleEnv is the whole environment of a role: enough to run an interpreter,
// and none of the grader's secrets (a CI job's tokens, for one).
func roleEnv(marker string, extra []string) []string {
	env := []string{
		markerEnv + "=" + marker,
		"LANG=C.UTF-8",
		// Python buffers stdout when it is a pipe; a killed program would
		// lose the output the student needs to debug it.
		"PYTHONUNBUFFERED=1",
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "USER", "GOCACHE", "GOPATH", "JAVA_HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// markers holds every marker this grader has handed out, for Stray.
var markers sync.Map

func newMarker() string {
	var b [8]byte
	rand.Read(b[:])
	m := hex.EncodeToString(b[:])
	markers.Store(m, true)
	return m
}

func issued(marker string) bool {
	_, ok := markers.Load(marker)
	return ok
}
