package grader

import (
	"os"
	"path/filepath"
)

// Dir is a directory of the check's own, made on first use and removed
// when the check ends: for the files a student's program writes (an
// output file, a cache directory), or reads (see WriteFile).
func (t *T) Dir() string {
	t.mu.Lock()
	dir, made := t.dir, false
	var err error
	if dir == "" {
		if sc := t.sub.scratch; sc != nil {
			dir, err = sc.checkDir()
		} else {
			dir, err = os.MkdirTemp("", "socklab-check-")
		}
		t.dir, made = dir, err == nil
	}
	t.mu.Unlock()
	if err != nil {
		t.GraderErrorf("making a directory for the check's files: %v", err)
	}
	if made {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	return dir
}

// WriteFile writes data to a file named name in the check's directory
// (Dir) and returns the file's absolute path: a zone file or an input
// for a student's program, which reads it from its own working
// directory.
func (t *T) WriteFile(name string, data []byte) string {
	path := filepath.Join(t.Dir(), filepath.Base(name))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.GraderErrorf("writing %s: %v", path, err)
	}
	return path
}
