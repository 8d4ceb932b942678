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
