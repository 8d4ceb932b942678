package grader

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/sandbox"
)

// The roles of a submission run in a scratch copy of it, made once the
// build is done: what a program writes, deletes or leaves behind stays in
// the copy and goes with it, and the next grading (or the student's own
// files) never sees it. In the sandbox the roles run jailed (proc.Jail):
// the grader's files and the submission's neighbours are hidden, the
// submission itself shown read-only, /tmp their own; as root, the copy
// also belongs to a user of the submission's own, which the roles run as.

// maxScratch bounds the copy: a submission is source and a few programs.
const maxScratch = 256 << 20

// scratch is one grading's copy of a submission.
type scratch struct {
	root string     // the temporary directory that holds it all
	dir  string     // the copy, where roles run
	home string     // TMPDIR for the roles (and HOME, jailed as a user of their own)
	jail *proc.Jail // nil when the roles run unjailed
}

// newScratch copies the submission in dir, leaving out .git.
func newScratch(dir string) (*scratch, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "socklab-run-")
	if err != nil {
		return nil, fmt.Errorf("grader: making the scratch copy of your submission: %v", err)
	}
	s := &scratch{root: root, dir: filepath.Join(root, "submission"), home: filepath.Join(root, "home")}
	if sandbox.Current().Network && proc.CanJail() {
		s.jail = &proc.Jail{Hide: hidden(abs, root), Keep: []string{root}, Show: []string{abs}}
		if proc.CanChangeUser() {
			// IDs far above any real user's or container's, one per
			// grading, so that the kernel's per-user process count is
			// this one's.
			id := 1<<24 + rand.IntN(1<<29)
			s.jail.UID, s.jail.GID = id, id
		}
	}
	// A jailed role must get through root to its copy, without being able
	// to list it.
	if err := os.Chmod(root, 0o711); err == nil {
		err = s.copy(abs)
	}
	if err == nil {
		err = os.Mkdir(s.home, 0o700)
	}
	if err == nil {
		err = s.own(s.home)
	}
	if err != nil {
		s.remove()
		return nil, err
	}
	return s, nil
}

// copy copies the tree at src to s.dir: directories, regular files and
// symbolic links, each with its mode; anything else (a socket, a FIFO a
// program left) is left out.
func (s *scratch) copy(src string) error {
	var total int64
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("grader: reading your submission: %v", err)
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && d.Name() == ".git" && rel != "." {
			return filepath.SkipDir
		}
		dst := filepath.Join(s.dir, rel)
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("grader: reading your submission: %v", err)
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			err = os.Mkdir(dst, mode.Perm()|0o700)
		case mode&fs.ModeSymlink != 0:
			var target string
			if target, err = os.Readlink(path); err == nil {
				err = os.Symlink(target, dst)
			}
		case mode.IsRegular():
			if total += info.Size(); total > maxScratch {
				return fmt.Errorf("grader: your submission is over %d MiB (not counting .git): is a build's output or a data file in it?", maxScratch>>20)
			}
			err = copyFile(path, dst, mode.Perm())
		default:
			return nil
		}
		if err != nil {
			return fmt.Errorf("grader: making the scratch copy of your submission: %v", err)
		}
		return s.own(dst)
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// own gives path to the jail's user, if there is one.
func (s *scratch) own(path string) error {
	if s == nil || s.jail == nil || s.jail.UID == 0 {
		return nil
	}
	return os.Lchown(path, s.jail.UID, s.jail.GID)
}

// checkDir makes a directory for one check's files, in the scratch
// directory, where a jailed role sees it, and the role's to write.
func (s *scratch) checkDir() (string, error) {
	dir, err := os.MkdirTemp(s.root, "check-")
	if err == nil {
		err = s.own(dir)
	}
	return dir, err
}

// env is the environment the roles get on top of proc's: a TMPDIR of
// their own and, jailed (where the grader's HOME is not theirs to read), a
// HOME too. Unjailed they keep the grader's HOME, which on a student's own
// machine is theirs, with what they installed there.
func (s *scratch) env() []string {
	env := []string{"TMPDIR=" + s.home}
	if s.jail != nil && s.jail.UID != 0 {
		env = append(env, "HOME="+s.home)
	}
	return env
}

func (s *scratch) remove() { os.RemoveAll(s.root) }

// hidden lists what a jailed role must not see: the submission itself (it
// has its copy; the jail shows it back, read-only), the folder it sits in (a class's other submissions, in a
// batch), and the kit's own files (the grader, with its hidden checks),
// found from this program and the working directory. A directory that
// holds the system, the scratch copy or the temporary directory stays.
func hidden(sub, scratchRoot string) []string {
	var dirs []string
	add := func(dir string) {
		if dir == "" || !filepath.IsAbs(dir) || system(dir) ||
			within(scratchRoot, dir) || within(os.TempDir(), dir) {
			return
		}
		for _, d := range dirs {
			if d == dir {
				return
			}
		}
		dirs = append(dirs, dir)
	}
	add(sub)
	add(filepath.Dir(sub))
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil && !within(exe, os.TempDir()) {
			add(filepath.Dir(exe))
			add(kitRoot(filepath.Dir(exe)))
		}
	}
	if wd, err := os.Getwd(); err == nil {
		add(kitRoot(wd))
	}
	return dirs
}

// system says whether dir is one of the machine's own directories, or
// the root.
func system(dir string) bool {
	switch filepath.Clean(dir) {
	case "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
		"/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var":
		return true
	}
	return strings.HasPrefix(dir, "/usr/") || strings.HasPrefix(dir, "/proc/") || strings.HasPrefix(dir, "/sys/")
}

// within says whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// kitRoot is the directory at or above dir whose go.mod is the kit's, or "".
func kitRoot(dir string) string {
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/socklab/socklab\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
