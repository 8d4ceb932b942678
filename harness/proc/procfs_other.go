//go:build !linux

package proc

import (
	"os"
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

func exitedOnItsOwn(pid int) bool { return false }

func selfExecutable() (string, error) { return os.Executable() }

// Busy cannot tell without /proc; it says no.
func (p *Process) Busy() bool { return false }
