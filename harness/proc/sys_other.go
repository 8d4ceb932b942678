//go:build !linux

package proc

import "syscall"

// sysProcAttr puts the role in its own process group, so one signal reaches
// everything it starts.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
