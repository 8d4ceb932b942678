package proc

import (
	"bytes"
	"os"
	"slices"
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
	flags           uint64
}

func (s procStat) alive() bool { return s.state != 'Z' && s.state != 'X' }

// pfKthread is PF_KTHREAD in the stat flags: a kernel thread, which has no
// environment.
const pfKthread = 0x00200000

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
	if len(f) < 7 {
		return procStat{}, false
	}
	s := procStat{pid: pid, state: f[0][0]}
	s.ppid, _ = strconv.Atoi(f[1])
	s.pgrp, _ = strconv.Atoi(f[2])
	s.flags, _ = strconv.ParseUint(f[6], 10, 64)
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
	marked, _ := markerOf(pid, marker)
	return marked
}

// markerOf says whether pid's environment carries marker. It is unsure
// when the environment reads empty: a process in the middle of execve has
// none for a moment, and a daemon caught there must not be missed.
func markerOf(pid int, marker string) (marked, unsure bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false, false // gone, or another user's
	}
	if len(b) == 0 {
		return false, true
	}
	want := []byte(markerEnv + "=" + marker + "\x00")
	return bytes.HasPrefix(b, want) || bytes.Contains(b, append([]byte{0}, want...)), false
}

// members lists the live processes that belong to a role. With marker set it
// also reads every process's environment, which costs more; the stop sequence
// does that, the readiness wait does not. unsure lists the processes whose
// environment could not be read just now (see markerOf).
func members(pgid int, marker string, cg *cgroup) (found, unsure []int) {
	if cg != nil {
		// The cgroup holds every process the role started, however it
		// detached itself, so nothing else need be read. The role's first
		// process may not have joined yet (the launcher joins before it
		// execs the program), so it counts too.
		for _, pid := range append(cg.pids(), pgid) {
			if st, ok := readStat(pid); ok && st.alive() && !slices.Contains(found, pid) {
				found = append(found, pid)
			}
		}
		return found, nil
	}
	self := os.Getpid()
	for _, pid := range allPids() {
		if pid == self {
			continue
		}
		st, ok := readStat(pid)
		if !ok || !st.alive() {
			continue
		}
		if st.pgrp == pgid {
			found = append(found, pid)
			continue
		}
		if marker == "" || st.flags&pfKthread != 0 {
			continue
		}
		switch marked, uns := markerOf(pid, marker); {
		case marked:
			found = append(found, pid)
		case uns:
			unsure = append(unsure, pid)
		}
	}
	return found, unsure
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
// killed sooner; it is reported by Stray). With a cgroup, the role is first
// forbidden to fork, so that a fork bomb cannot outrun the kill.
func killAll(pgid int, marker string, cg *cgroup) {
	const execWindow = 100 * time.Millisecond // longer than an execve takes, even on a loaded machine
	cg.freezeForks()
	deadline := time.Now().Add(5 * time.Second)
	pause := 200 * time.Microsecond
	unsureSince := map[int]time.Time{}
	for {
		victims, unsure := members(pgid, marker, cg)
		// A process whose environment reads empty may be one of the
		// role's in the middle of an execve: look again until it has
		// read empty for longer than that takes (env -i leaves it empty
		// for good, and such a process is not the role's).
		waiting := false
		for _, pid := range unsure {
			since, seen := unsureSince[pid]
			if !seen {
				since = time.Now()
				unsureSince[pid] = since
			}
			waiting = waiting || time.Since(since) < execWindow
		}
		if len(victims) == 0 && !waiting {
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

// exitedOnItsOwn says whether the process has already exited (it is a
// zombie waiting to be reaped), before the grader signals it.
func exitedOnItsOwn(pid int) bool {
	st, ok := readStat(pid)
	return ok && !st.alive()
}

// selfExecutable is the grader's own program, for the launcher. The kernel's
// link to it stays right even if the file is replaced while grading runs
// (a TA rebuilding bin/socklab during a batch).
func selfExecutable() (string, error) { return "/proc/self/exe", nil }

// Busy says whether any process of the role is running or waiting for a CPU
// or a disk (state R or D): a program that is slow because the machine is
// busy, not one that sleeps without doing what it should.
func (p *Process) Busy() bool {
	found, _ := members(p.Pid(), "", p.cg)
	for _, pid := range found {
		if st, ok := readStat(pid); ok && (st.state == 'R' || st.state == 'D') {
			return true
		}
	}
	return false
}
