package grader

import (
	"os"
	"path/filepath"
)

// WriteFile writes data to a file named name in a directory of the
// check's own, removed when the check ends, and returns the file's
// absolute path: a zone file or an input for a student's program, which
// reads it from its own working directory.
func (t *T) WriteFile(name string, data []byte) string {
	t.mu.Lock()
	dir, made := t.dir, false
	var err error
	if dir == "" {
		dir, err = os.MkdirTemp("", "socklab-check-")
		t.dir, made = dir, err == nil
	}
	t.mu.Unlock()
	if err != nil {
		t.GraderErrorf("making a directory for the check's files: %v", err)
	}
	if made {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	path := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.GraderErrorf("writing %s: %v", path, err)
	}
	return path
}
