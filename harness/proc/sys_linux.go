package proc

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts the role in its own process group, so one signal reaches
// everything it starts, and has the kernel kill it if the grader dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// maxRSS is ru_maxrss in bytes; Linux counts kilobytes.
func maxRSS(ru *syscall.Rusage) int64 { return ru.Maxrss * 1024 }

// selfPeakRSS is this process's peak resident memory (VmHWM), in bytes, or
// 0 if /proc does not say.
func selfPeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
