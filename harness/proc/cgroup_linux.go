package proc

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A pids cgroup, where the machine offers one the grader may write (cgroup
// v1's pids controller, as root). It holds a role's process count to a hard
// limit even when the grader runs as root, whom RLIMIT_NPROC does not bind,
// and it lists every process of the role, however it detached itself.
// Where there is none, the process group, the marker and RLIMIT_NPROC do
// the same work less strictly.

type cgroup struct {
	dir string
}

// noCgroupEnv turns the cgroup off, to test or use the fallback.
const noCgroupEnv = "SOCKLAB_NO_CGROUP"

// cgroupsOff makes newCgroup return nil, as on a machine without a pids
// cgroup; SOCKLAB_NO_CGROUP sets it, and tests switch it.
var cgroupsOff atomic.Bool

func init() { cgroupsOff.Store(os.Getenv(noCgroupEnv) != "") }

var pidsRoot = sync.OnceValue(findPidsRoot)

// findPidsRoot is the directory of the grader's own cgroup in a writable
// cgroup v1 pids hierarchy, or "".
func findPidsRoot() string {
	mount, mountRoot := "", ""
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "... mountpoint options - fstype source superoptions"
		left, right, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		rf, lf := strings.Fields(right), strings.Fields(left)
		if len(rf) >= 3 && rf[0] == "cgroup" && len(lf) >= 5 && hasOption(rf[2], "pids") {
			mountRoot, mount = lf[3], lf[4]
			break
		}
	}
	if mount == "" {
		return ""
	}
	own := ""
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && hasOption(parts[1], "pids") {
			own = parts[2]
		}
	}
	// /proc/self/cgroup names the cgroup from the hierarchy's root; the
	// mount may show only a subtree of it (a container's own cgroup).
	rel, ok := strings.CutPrefix(own, mountRoot)
	if !ok {
		return ""
	}
	dir := filepath.Join(mount, rel)
	probe := filepath.Join(dir, "socklab-probe-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil {
		return ""
	}
	os.Remove(probe)
	sweepStale(dir)
	return dir
}

// staleAge is how old an empty role cgroup must be before a grader removes
// it: far older than any check, so that it is never one in use.
const staleAge = 10 * time.Minute

// sweepStale removes the empty role cgroups that earlier graders could not
// (a zombie held them until PID 1 reaped it). rmdir refuses a cgroup that
// still holds a process, so nothing in use can go.
func sweepStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "socklab-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func hasOption(list, opt string) bool {
	for _, o := range strings.Split(list, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// newCgroup makes a pids cgroup for one role, or returns nil.
func newCgroup(name string, maxPids int) *cgroup {
	if cgroupsOff.Load() {
		return nil
	}
	root := pidsRoot()
	if root == "" {
		return nil
	}
	dir := filepath.Join(root, "socklab-"+name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(maxPids)), 0); err != nil {
		os.Remove(dir)
		return nil
	}
	return &cgroup{dir: dir}
}

func (c *cgroup) procsFile() string { return filepath.Join(c.dir, "cgroup.procs") }

// freezeForks sets the cgroup's process limit to what it holds, so no
// process in it can fork any more: what the grader kills stays killed.
func (c *cgroup) freezeForks() {
	if c == nil {
		return
	}
	os.WriteFile(filepath.Join(c.dir, "pids.max"), []byte("0"), 0)
}

// pids lists the processes in the cgroup; none for a nil cgroup.
func (c *cgroup) pids() []int {
	if c == nil {
		return nil
	}
	b, err := os.ReadFile(c.procsFile())
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// remove deletes the cgroup once the kernel has let go of its last process.
func (c *cgroup) remove() {
	if c == nil {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	for os.Remove(c.dir) != nil && time.Now().Before(deadline) {
		// Zombies keep the cgroup busy until their parent reaps them.
		time.Sleep(5 * time.Millisecond)
	}
}
