package proc

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// The launcher.
//
// Limits must be in force before the student's program runs its first
// instruction: a program that forks in its first millisecond must already be
// counted. Go's os/exec cannot set resource limits between fork and exec, so
// the grader starts itself again (os.Executable) with a launch spec in the
// environment. That second copy never reaches main: the init function below
// sees the spec, sets the limits, joins the role's cgroup, and replaces
// itself with the student's program by execve. Every binary that imports
// this package (the socklab CLI, the kit's test binaries) can launch.

// launchEnv names the variable that carries the launch spec.
const launchEnv = "SOCKLAB_LAUNCH_SPEC"

// launchSpec is what the launcher needs to start one role.
type launchSpec struct {
	Path   string   // the program to exec
	Argv   []string // its argv, argv[0] included
	CPU    uint64   // RLIMIT_CPU, seconds
	Data   uint64   // RLIMIT_DATA, bytes
	FSize  uint64   // RLIMIT_FSIZE, bytes
	NProc  uint64   // RLIMIT_NPROC; 0 leaves it alone (root ignores it anyway)
	NoFile uint64   // RLIMIT_NOFILE
	Cgroup string   // a cgroup.procs file to join, or ""
	Jailed bool     // the role runs in a jail: the fields below
	UID    int      // the jail's user, or 0 for none
	GID    int      // the jail's group
	Hide   []string // the directories the jail hides
	Keep   []string // the directories under /tmp it keeps
	Show   []string // the directories it shows, read-only
}

// exitLaunchFailed is the status the launcher exits with when it cannot
// start the program; the message on stderr says why.
const exitLaunchFailed = 127

func init() {
	spec, ok := os.LookupEnv(launchEnv)
	if !ok {
		return
	}
	os.Unsetenv(launchEnv)
	err := launch(spec)
	// launch returns only on failure. The message goes to the program's own
	// stderr, which the grader captures and shows the student. The launcher
	// leaves at once, running nothing of the grader's exit path (a race
	// detector's, for one, sleeps a second).
	fmt.Fprintf(os.Stderr, "socklab: %v\n", err)
	syscall.Exit(exitLaunchFailed)
}

func launch(encoded string) error {
	var s launchSpec
	if err := json.Unmarshal([]byte(encoded), &s); err != nil {
		return fmt.Errorf("bad launch spec: %v", err)
	}
	if s.Cgroup != "" {
		// Joining is best effort: the pids cgroup only sharpens a limit the
		// process-group kill already enforces. It comes before the limits,
		// which could leave the launcher itself short of memory.
		_ = os.WriteFile(s.Cgroup, []byte(fmt.Sprint(os.Getpid())), 0)
	}
	// The jail before the limits: hiding directories and changing user
	// are root's, and the process limit counts the jail's user.
	if err := enterJail(s); err != nil {
		return err
	}
	if err := setLimits(s); err != nil {
		return err
	}
	env := os.Environ()
	for tries := 0; ; tries++ {
		err := syscall.Exec(s.Path, s.Argv, env)
		// ETXTBSY: another thread of whatever wrote the program (a
		// build, the grader writing a script) still held it open for
		// writing when it forked; that copy closes when its child execs.
		if err != syscall.ETXTBSY || tries == 100 {
			return execError(s.Path, err)
		}
		time.Sleep(time.Duration(tries+1) * time.Millisecond)
	}
}

// execError explains the ways execve fails on a student's program.
func execError(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOEXEC):
		return fmt.Errorf("cannot run %s: it is not a program; a script needs a first line such as #!/bin/sh", path)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("cannot run %s: permission denied (is it executable? chmod +x)", path)
	case errors.Is(err, syscall.ENOENT):
		interp, ok := interpreter(path)
		switch {
		case !ok:
			return fmt.Errorf("cannot run %s: it does not exist", path)
		case strings.HasSuffix(interp, "\r"):
			return fmt.Errorf("cannot run %s: its #! line ends in a carriage return (Windows line endings), so the interpreter %q does not exist; save it with Unix line endings", path, interp)
		case interp != "":
			return fmt.Errorf("cannot run %s: the interpreter on its #! line, %s, does not exist", path, interp)
		}
		if loader := elfInterpreter(path); loader != "" {
			return fmt.Errorf("cannot run %s: it needs the dynamic loader %s, which this machine does not have; build it on this machine (in your Makefile) or link it statically", path, loader)
		}
		return fmt.Errorf("cannot run %s: it, or the interpreter named on its #! line, does not exist", path)
	default:
		return fmt.Errorf("cannot run %s: %v", path, err)
	}
}

// interpreter is the program named on the #! line of the file at path, ""
// if it has none; ok is false when the file cannot be read.
func interpreter(path string) (interp string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	b := make([]byte, 256)
	n, _ := io.ReadFull(f, b)
	line, _, _ := strings.Cut(string(b[:n]), "\n")
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return "", true
	}
	rest = strings.TrimLeft(rest, " \t")
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}

// elfInterpreter is the dynamic loader an ELF program asks for (a musl
// build's /lib/ld-musl-x86_64.so.1), or "".
func elfInterpreter(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(io.LimitReader(prog.Open(), 4096))
			return strings.TrimRight(string(b), "\x00")
		}
	}
	return ""
}

func setLimits(s launchSpec) error {
	limits := []struct {
		name     string
		resource int
		value    uint64
		slack    uint64 // hard limit above soft, so a signal comes first
	}{
		{"CPU time", syscall.RLIMIT_CPU, s.CPU, 1},
		{"data size", syscall.RLIMIT_DATA, s.Data, 0},
		{"file size", syscall.RLIMIT_FSIZE, s.FSize, 0},
		{"open files", syscall.RLIMIT_NOFILE, s.NoFile, 0},
		{"core size", syscall.RLIMIT_CORE, 0, 0},
	}
	for _, l := range limits {
		if l.value == 0 && l.resource != syscall.RLIMIT_CORE {
			continue
		}
		if err := setrlimit(l.resource, l.value, l.value+l.slack); err != nil {
			return fmt.Errorf("setting the %s limit: %v", l.name, err)
		}
	}
	if s.NProc > 0 {
		if err := setrlimit(rlimitNProc, s.NProc, s.NProc); err != nil {
			return fmt.Errorf("setting the process limit: %v", err)
		}
	}
	return nil
}

// setrlimit lowers a limit, never raising it above what the grader itself
// was given.
func setrlimit(resource int, soft, hard uint64) error {
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(resource, &cur); err != nil {
		return err
	}
	if hard > cur.Max {
		hard = cur.Max
	}
	if soft > hard {
		soft = hard
	}
	return syscall.Setrlimit(resource, &syscall.Rlimit{Cur: soft, Max: hard})
}
