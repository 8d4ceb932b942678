//go:build !linux

package proc

import (
	"syscall"
	"time"
)

// Without /proc, a role's processes are its process group.

func waitGone(done <-chan struct{}, pgid int, grace time.Duration) {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

func killAll(pgid int, marker string, cg *cgroup) {
	syscall.Kill(-pgid, syscall.SIGKILL)
}

// Stray cannot see processes without /proc; it reports none.
func Stray() []int { return nil }

func nprocLimit(n int) uint64 { return 0 }
