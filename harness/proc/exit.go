package proc

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// Exit says how a program ended.
type Exit struct {
	Code    int            // exit status; -1 when a signal ended it
	Signal  syscall.Signal // the signal that ended it, or 0
	Elapsed time.Duration  // from start to exit
	Stopped bool           // the grader stopped it (the check was over)
	Limit   string         // the limit it ran into, when that explains the end
	MaxRSS  int64          // the most memory it (or a child it waited for) had resident, bytes; 0 if unknown
}

// newExit reads how the program ended. inherited is the grader's own peak
// resident memory just after it started the program: Linux's ru_maxrss
// survives execve, and the launcher was started with vfork, sharing the
// grader's memory, so a figure not above inherited may be the grader's,
// and is not the program's to be told about.
func newExit(ps *os.ProcessState, waitErr error, elapsed time.Duration, stopped bool, l Limits, inherited int64) *Exit {
	e := &Exit{Code: -1, Elapsed: elapsed, Stopped: stopped}
	if ps == nil {
		e.Limit = fmt.Sprintf("could not be waited for: %v", waitErr)
		return e
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		if rss := maxRSS(ru); rss > inherited {
			e.MaxRSS = rss
		}
	}
	ws, _ := ps.Sys().(syscall.WaitStatus)
	switch {
	case ws.Exited():
		e.Code = ws.ExitStatus()
	case ws.Signaled():
		e.Signal = ws.Signal()
	}
	// A shell that runs the program as its child (no exec) reports the
	// child's death by signal N as status 128+N.
	sig := e.Signal
	if e.Code > 128 && e.Code < 128+65 {
		sig = syscall.Signal(e.Code - 128)
	}
	switch sig {
	case syscall.SIGXCPU:
		e.Limit = fmt.Sprintf("its CPU time limit (%s)", l.CPUTime)
	case syscall.SIGXFSZ:
		e.Limit = fmt.Sprintf("its file size limit (%s)", bytesString(l.FileSize))
	case syscall.SIGKILL:
		// A SIGKILL the grader did not send, after using up CPU time, is the
		// hard CPU limit (the soft one sends SIGXCPU first, which Go
		// programs, for one, ignore). The usage counts the children the
		// program waited for, as the limit does not: a hint, not proof.
		if !stopped && ps.UserTime()+ps.SystemTime() >= l.CPUTime {
			e.Limit = fmt.Sprintf("its CPU time limit (%s)", l.CPUTime)
		}
	}
	return e
}

// String says what happened in words a student understands:
// "exited with status 2 after 0.3 s", "was killed by signal SIGSEGV
// (segmentation fault) after 1.2 s".
func (e *Exit) String() string {
	after := fmt.Sprintf("after %.1f s", e.Elapsed.Seconds())
	switch {
	case e.Limit != "" && e.Signal != 0:
		return fmt.Sprintf("ran into %s and was killed %s", e.Limit, after)
	case e.Limit != "" && e.Code > 128:
		return fmt.Sprintf("exited with status %d %s: a program it ran (status %d = 128 + signal %s) ran into %s",
			e.Code, after, e.Code, signalName(syscall.Signal(e.Code-128)), e.Limit)
	case e.Limit != "":
		return fmt.Sprintf("%s %s", e.Limit, after)
	case e.Stopped:
		return "was stopped by the grader " + after
	case e.Signal != 0:
		return fmt.Sprintf("was killed by signal %s (%s) %s", signalName(e.Signal), e.Signal, after)
	default:
		return fmt.Sprintf("exited with status %d %s", e.Code, after)
	}
}

// Success says whether the program exited with status 0.
func (e *Exit) Success() bool { return e != nil && e.Code == 0 && e.Signal == 0 }

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
		syscall.SIGHUP: "SIGHUP", syscall.SIGILL: "SIGILL", syscall.SIGINT: "SIGINT",
		syscall.SIGKILL: "SIGKILL", syscall.SIGPIPE: "SIGPIPE", syscall.SIGQUIT: "SIGQUIT",
		syscall.SIGSEGV: "SIGSEGV", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
		syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGTRAP: "SIGTRAP",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("%d", int(s))
}

func bytesString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
