//go:build linux

package suites_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/udpecho"
	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/sandbox"
)

// A correct submission whose Makefile writes scripts that name its files
// by absolute path, $(CURDIR), as students' Makefiles do, scores full
// marks in the jail too: the jail hides the submission's folder but shows
// the submission itself back, read-only. What its client writes there
// is refused, and the student's directory is left as it was.
func TestAbsolutePathsScoreFull(t *testing.T) {
	skipHidden(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "reference", "udp-echo"))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "bin"))
	files := map[string]string{
		"go.mod": "module student\n\ngo 1.26\n",
		"Makefile": "build:\n\tgo build -o real-server ./server\n\tgo build -o real-client ./client\n\tmkdir -p bin\n" +
			"\tprintf '#!/bin/sh\\nexec $(CURDIR)/real-server \"$$@\"\\n' >bin/server\n" +
			"\tprintf '#!/bin/sh\\necho hi >$(CURDIR)/written 2>/dev/null; exec $(CURDIR)/real-client \"$$@\"\\n' >bin/client\n" +
			"\tchmod +x bin/server bin/client\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := gradertest.Grade(t, udpecho.Suite, dir)
	if score, max := rep.Score(); score != max || max != grader.Points(udpecho.Suite.Checks) {
		t.Errorf("scored %d/%d, want full marks; failed: %v", score, max, gradertest.Failed(rep))
	}
	if !sandbox.Current().Network || !proc.CanJail() {
		t.Skipf("no jail here (%s): the client's write to its own directory is not refused", sandbox.Current().Reason)
	}
	if _, err := os.Stat(filepath.Join(dir, "written")); err == nil {
		t.Error("the client wrote to the student's own directory, which the jail shows read-only")
	}
}
