package proc

import "syscall"

// sysProcAttr puts the role in its own process group, so one signal reaches
// everything it starts, and has the kernel kill it if the grader dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// maxRSS is ru_maxrss in bytes; Linux counts kilobytes.
func maxRSS(ru *syscall.Rusage) int64 { return ru.Maxrss * 1024 }
