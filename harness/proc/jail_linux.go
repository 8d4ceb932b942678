package proc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// CanJail says whether Start can jail a role: whether this process may
// make a mount namespace (CAP_SYS_ADMIN: root, or the sandbox's user
// namespace, which grants it there).
func CanJail() bool { return hasCap(capSysAdmin) }

// CanChangeUser says whether a jail can have a user of its own: only root
// can; in a user namespace that maps one user, there is no other.
func CanChangeUser() bool { return os.Geteuid() == 0 }

const capSysAdmin = 21

// hasCap says whether capability c is in this thread's effective set.
func hasCap(c uint) bool {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
			set, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err == nil && set&(1<<c) != 0
		}
	}
	return false
}

// jailAttr gives a jailed role's launcher the mount namespace it hides
// directories in.
func jailAttr(a *syscall.SysProcAttr, j *Jail) {
	if j != nil {
		a.Cloneflags |= syscall.CLONE_NEWNS
	}
}

// enterJail runs in the launcher, before the limits and the exec: it
// drops the capabilities the launcher inherited, hides the directories,
// then becomes the jail's user if it has one, for good (real, effective
// and saved IDs alike).
func enterJail(s launchSpec) error {
	// The sandbox's user namespace hands its grader capabilities as
	// ambient ones, which an exec would pass on: a role must not keep
	// them (it could bring loopback down, or uncover what is hidden).
	// The launch runs on the main thread, which init keeps it on, and
	// capabilities are the thread's.
	if err := clearAmbient(); err != nil {
		return fmt.Errorf("dropping the grader's capabilities: %v", err)
	}
	if !s.Jailed {
		return nil
	}
	if err := mountJail(s); err != nil {
		return err
	}
	if s.UID == 0 {
		return nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("dropping the grader's groups: %v", err)
	}
	if err := syscall.Setresgid(s.GID, s.GID, s.GID); err != nil {
		return fmt.Errorf("becoming group %d: %v", s.GID, err)
	}
	if err := syscall.Setresuid(s.UID, s.UID, s.UID); err != nil {
		return fmt.Errorf("becoming user %d: %v", s.UID, err)
	}
	return nil
}

// mountJail makes the role's view of the files: Hide covered by empty
// directories, an empty /tmp, /var/tmp and /dev/shm, Keep mounted back in
// as it is and Show read-only, each from a descriptor held open before
// anything was covered. A cover is a small tmpfs of the role's mount
// namespace, root's as root: what a role could write there (as the
// grader's user, unjailed by a user of its own) goes with the role.
func mountJail(s launchSpec) error {
	// Private first, so that nothing mounted here is seen outside.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making the role's mounts its own: %v", err)
	}
	keep, err := hold(s.Keep)
	defer closeAll(keep)
	if err != nil {
		return err
	}
	show, err := hold(s.Show)
	defer closeAll(show)
	if err != nil {
		return err
	}
	const cover = syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC
	for _, dir := range outermost(s.Hide) {
		err := syscall.Mount("socklab-hidden", dir, "tmpfs", cover, "size=64k,mode=0755")
		if err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("hiding %s from the role: %v", dir, err)
		}
	}
	for _, dir := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		err := syscall.Mount("socklab-tmp", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size=64m,mode=1777")
		if err != nil && !errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("giving the role a %s of its own: %v", dir, err)
		}
	}
	if err := bindBack(s.Keep, keep, false); err != nil {
		return err
	}
	if err := bindBack(s.Show, show, true); err != nil {
		return err
	}
	return nil
}

// outermost is dirs without those inside another of them: covering the
// outer one hides them already.
func outermost(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		inside := false
		for _, o := range dirs {
			if o != d && strings.HasPrefix(d, strings.TrimSuffix(o, "/")+"/") {
				inside = true
			}
		}
		if !inside && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// hold opens each directory of dirs, to mount it back from once the
// paths above it are covered.
func hold(dirs []string) ([]*os.File, error) {
	var held []*os.File
	for _, dir := range dirs {
		f, err := os.OpenFile(dir, oPath|syscall.O_DIRECTORY, 0)
		if err != nil {
			return held, fmt.Errorf("keeping %s for the role: %v", dir, err)
		}
		held = append(held, f)
	}
	return held, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// bindBack mounts each held directory at its path again, read-only if
// asked.
func bindBack(dirs []string, held []*os.File, readOnly bool) error {
	for i, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("keeping %s for the role: %v", dir, err)
		}
		src := fmt.Sprintf("/proc/self/fd/%d", held[i].Fd())
		// Not recursive: the mounts under the directory, the covers
		// among them (the directory itself may be one), stay out.
		if err := syscall.Mount(src, dir, "", syscall.MS_BIND, ""); err != nil {
			return fmt.Errorf("keeping %s for the role: %v", dir, err)
		}
		if !readOnly {
			continue
		}
		err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, "")
		if err != nil {
			return fmt.Errorf("keeping %s read-only for the role: %v", dir, err)
		}
	}
	return nil
}

// oPath is O_PATH, which package syscall does not name: a descriptor that
// only names a directory, enough to mount it from.
const oPath = 0x200000

// clearAmbient empties the thread's ambient capability set
// (PR_CAP_AMBIENT_CLEAR_ALL); a kernel without ambient capabilities has
// none to clear.
func clearAmbient() error {
	const prCapAmbient, prCapAmbientClearAll = 47, 4
	_, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prCapAmbient, prCapAmbientClearAll, 0, 0, 0, 0)
	if e != 0 && e != syscall.EINVAL {
		return e
	}
	return nil
}
