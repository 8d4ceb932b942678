//go:build !linux

package proc

import (
	"runtime"
	"syscall"
)

// sysProcAttr puts the role in its own process group, so one signal reaches
// everything it starts.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// maxRSS is ru_maxrss in bytes: macOS counts bytes, the BSDs kilobytes.
func maxRSS(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

// selfPeakRSS is 0: without vfork's shared memory, a child's ru_maxrss is
// its own.
func selfPeakRSS() int64 { return 0 }
