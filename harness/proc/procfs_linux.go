package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The process table, read from /proc. A role's processes are those in its
// process group, those in its cgroup, and those whose environment carries
// its marker: a daemon that calls setsid leaves the group but keeps the
// environment it was started with.

// procStat is what the grader needs of /proc/<pid>/stat.
type procStat struct {
	pid, ppid, pgrp int
	state           byte // 'R', 'S', 'Z' (zombie), ...
}

func (s procStat) alive() bool { return s.state != 'Z' && s.state != 'X' }

func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses,
	// so the fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 3 {
		return procStat{}, false
	}
	s := procStat{pid: pid, state: f[0][0]}
	s.ppid, _ = strconv.Atoi(f[1])
	s.pgrp, _ = strconv.Atoi(f[2])
	return s, true
}

func allPids() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func hasMarker(pid int, marker string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	want := []byte(markerEnv + "=" + marker + "\x00")
	return bytes.HasPrefix(b, want) || bytes.Contains(b, append([]byte{0}, want...))
}

// members lists the live processes that belong to a role. With marker set it
// also reads every process's environment, which costs more; the stop sequence
// does that, the readiness wait does not.
func members(pgid int, marker string, cg *cgroup) []int {
	self := os.Getpid()
	inCgroup := map[int]bool{}
	for _, pid := range cg.pids() {
		inCgroup[pid] = true
	}
	var found []int
	for _, pid := range allPids() {
		if pid == self {
			continue
		}
		st, ok := readStat(pid)
		if !ok || !st.alive() {
			continue
		}
		if st.pgrp == pgid || inCgroup[pid] || (marker != "" && hasMarker(pid, marker)) {
			found = append(found, pid)
		}
	}
	return found
}

// waitGone waits until the role's main program has exited, at most grace.
func waitGone(done <-chan struct{}, pgid int, grace time.Duration) {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// killAll sends SIGKILL to every process of the role until none is left,
// giving up after a few seconds (a process stuck in the kernel cannot be
// killed sooner; it is reported by Stray).
func killAll(pgid int, marker string, cg *cgroup) {
	deadline := time.Now().Add(3 * time.Second)
	pause := 200 * time.Microsecond
	for {
		victims := members(pgid, marker, cg)
		if len(victims) == 0 {
			return
		}
		for _, pid := range victims {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if time.Now().After(deadline) {
			return
		}
		// The kernel delivers SIGKILL asynchronously; look again shortly.
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// Stray lists the live processes still running from any role this grader
// started (their environment carries one of its markers). Tests use it to
// prove that grading leaves nothing behind.
func Stray() []int {
	self := os.Getpid()
	var found []int
	for _, pid := range allPids() {
		if pid == self {
			continue
		}
		st, ok := readStat(pid)
		if !ok || !st.alive() {
			continue
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(b, []byte{0}) {
			m, ok := bytes.CutPrefix(kv, []byte(markerEnv+"="))
			if ok && issued(string(m)) {
				found = append(found, pid)
				break
			}
		}
	}
	return found
}

// nprocLimit is the RLIMIT_NPROC to give a role allowed n processes. The
// kernel counts every process and thread of the user, not of the role, so
// the limit is what the user runs now plus n. Root is not held to
// RLIMIT_NPROC at all; there the pids cgroup does the work.
func nprocLimit(n int) uint64 {
	uid := os.Getuid()
	if uid == 0 {
		return 0
	}
	count := 0
	for _, pid := range allPids() {
		dir := "/proc/" + strconv.Itoa(pid)
		fi, err := os.Stat(dir)
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != uid {
			continue
		}
		tasks, err := os.ReadDir(dir + "/task")
		if err != nil {
			count++
			continue
		}
		count += len(tasks)
	}
	return uint64(count + n)
}
