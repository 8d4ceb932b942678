package batch_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/batch"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with the file testdata/name in the directory dir,
// or rewrites it with -update.
func golden(t *testing.T, dir, name string, got []byte) {
	t.Helper()
	path := filepath.Join(dir, "testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./grader/batch -update")
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is right, run go test ./grader/batch -update:\n%s", path, diff)
	}
}

// fake is a suite whose checks run `bin/client NAME` and pass when it
// prints "ok"; when it prints "boom", the grader fails on the check.
var fake = &grader.Suite{
	ID:      "batch-test",
	Title:   "the batch's own tests",
	Roles:   []string{"client"},
	Handout: "handouts/batch-test.md",
	Checks:  []*grader.Check{fakeCheck("a", 1), fakeCheck("b", 2), fakeCheck("c", 3)},
}

func fakeCheck(name string, points int) *grader.Check {
	return &grader.Check{
		ID:          "batch-test/topic/" + name,
		Name:        "Check " + name + " passes",
		Points:      points,
		Requirement: "bin/client " + name + " prints ok",
		Handout:     "§1",
		TimeLimit:   time.Minute,
		Run: func(t *grader.T) {
			c := t.Start("client", name)
			c.Wait(time.Minute)
			out := string(c.Stdout())
			if out == "boom\n" {
				t.GraderErrorf("the grader broke on purpose")
			}
			t.Expect("what bin/client "+name+" prints", "ok\n", out)
		},
	}
}

// Students' bin/client.
const (
	allOK    = `echo ok`
	failsB   = `case "$1" in b) echo no ;; *) echo ok ;; esac`
	boomsC   = `case "$1" in c) echo boom ;; *) echo ok ;; esac`
	slowOnce = `if [ -e slow ]; then exec sleep 3600; fi; echo ok` // until the file slow is removed
)

// brokenMakefile is a submission's Makefile whose build fails.
const brokenMakefile = "build:\n\t@echo 'client.c:1: error: expected ;' >&2\n\t@exit 2\n"

// student adds a student's folder to the submissions directory dir, with
// a bin/client that runs the shell commands client.
func student(t *testing.T, dir, name, client string) string {
	t.Helper()
	sub := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Join(sub, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "bin", "client"), []byte("#!/bin/sh\n"+client+"\n"), 0o755))
	return sub
}

// class is a submissions directory: alice passes all, Bob fails b, carol's
// build fails, the grader fails on dave's c, and "Smith, Jo" (a name
// that needs quoting) passes all. A file and a hidden folder are no
// students.
func class(t *testing.T, dir string) {
	t.Helper()
	student(t, dir, "alice", allOK)
	student(t, dir, "Bob", failsB)
	carol := student(t, dir, "carol", allOK)
	require.NoError(t, os.WriteFile(filepath.Join(carol, "Makefile"), []byte(brokenMakefile), 0o644))
	student(t, dir, "dave", boomsC)
	student(t, dir, `Smith, Jo "JJ"`, allOK)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not a student"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
}

// grade opens r's gradebook, grades it, and closes it.
func grade(t *testing.T, ctx context.Context, r *batch.Runner) (*batch.Gradebook, []batch.Progress) {
	t.Helper()
	g, err := r.Open()
	require.NoError(t, err)
	defer g.Close()
	var done []batch.Progress
	on := r.OnGraded
	r.OnGraded = func(p batch.Progress) {
		done = append(done, p)
		if on != nil {
			on(p)
		}
	}
	require.NoError(t, r.Grade(ctx, g))
	r.OnGraded = on
	return g, done
}

func csvOf(t *testing.T, g *batch.Gradebook) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, g.WriteCSV(&b))
	return b.String()
}

func names(ps []batch.Progress) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Student)
	}
	return out
}

// A class graded whole: a result file per student, a CSV row per student in
// name order, the build log of the one whose build failed, and the one the
// grader failed on left to grade again. Not parallel: it changes the
// working directory, so that the paths in the gradebook are the same in
// every run.
func TestGradeClass(t *testing.T) {
	pkg, err := os.Getwd()
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	class(t, "class")
	r := &batch.Runner{Suite: fake, Dir: "class", State: "grades.csv.d", Seed: 1, Jobs: 2}
	g, done := grade(t, context.Background(), r)

	assert.Equal(t, []string{"alice", "Bob", "carol", "dave", `Smith, Jo "JJ"`}, g.Students)
	assert.ElementsMatch(t, g.Students, names(done))
	for i, p := range done {
		assert.Equal(t, [2]int{i + 1, 5}, [2]int{p.N, p.Of}, "the progress of %s", p.Student)
		assert.NotNil(t, p.Record, p.Student)
	}
	assert.False(t, g.Interrupted)
	assert.Equal(t, []string{"dave"}, g.Pending(), "the grader failed on dave's check c")
	assert.Empty(t, g.Failed())

	bob := g.Record("Bob")
	require.NotNil(t, bob)
	assert.Equal(t, [2]int{4, 6}, [2]int{bob.Score, bob.MaxScore})
	assert.Equal(t, "fail", bob.Checks[1].Status)
	dave := g.Record("dave")
	assert.Equal(t, [2]int{3, 3}, [2]int{dave.Score, dave.MaxScore}, "an errored check counts in neither")
	assert.Equal(t, []string{"batch-test/topic/c"}, dave.Errored())

	log, err := os.ReadFile("grades.csv.d/carol.build.log")
	require.NoError(t, err)
	assert.Contains(t, string(log), "client.c:1: error: expected ;")
	assert.Contains(t, string(log), "`make build` failed (exit status 2)")
	for _, s := range g.Students {
		assert.FileExists(t, filepath.Join("grades.csv.d", s+".json"))
		assert.FileExists(t, filepath.Join("grades.csv.d", s+".txt"), "the feedback of %s", s)
	}
	report, err := os.ReadFile("grades.csv.d/Bob.txt")
	require.NoError(t, err)
	assert.Contains(t, string(report), "FAIL  batch-test/topic/b ")

	golden(t, pkg, "class.csv", []byte(csvOf(t, g)))
	var sum bytes.Buffer
	g.WriteSummary(&sum)
	golden(t, pkg, "class-summary.txt", sum.Bytes())

	// SaveCSV writes the same, and leaves no temporary file.
	require.NoError(t, g.SaveCSV("grades.csv"))
	data, err := os.ReadFile("grades.csv")
	require.NoError(t, err)
	assert.Equal(t, csvOf(t, g), string(data))
	left, _ := filepath.Glob("grades.csv.d/.tmp-*")
	assert.Empty(t, left)
}

// A second run grades only the students without a final result: the one
// whose result file was deleted, and the one the grader failed on. The
// gradebook comes out the same.
func TestResume(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "grades.csv.d")
	class(t, dir)
	r := &batch.Runner{Suite: fake, Dir: dir, State: state, Seed: 1, Jobs: 2}
	g, _ := grade(t, context.Background(), r)
	first := csvOf(t, g)
	// What a run killed while writing leaves behind.
	require.NoError(t, os.WriteFile(filepath.Join(state, ".tmp-alice.json-123"), []byte("{"), 0o644))

	require.NoError(t, os.Remove(filepath.Join(state, "Bob.json")))
	g, done := grade(t, context.Background(), r)
	assert.Equal(t, 3, g.Resumed, "alice, carol and Smith")
	assert.Equal(t, 1, g.Regrade, "dave")
	assert.ElementsMatch(t, []string{"Bob", "dave"}, names(done))
	for _, p := range done {
		assert.Greater(t, p.N, 3, "the resumed count as done")
	}
	assert.Equal(t, first, csvOf(t, g))
	left, _ := filepath.Glob(filepath.Join(state, ".tmp-*"))
	assert.Empty(t, left, "a killed run's temporary files are removed")

	// With dave fixed, a third run grades him alone, and he is final.
	student(t, dir, "dave", allOK)
	g, done = grade(t, context.Background(), r)
	assert.Equal(t, []string{"dave"}, names(done))
	assert.Empty(t, g.Pending())

	// A fourth has nothing to do, and still has the whole gradebook.
	g, done = grade(t, context.Background(), r)
	assert.Empty(t, done)
	assert.Equal(t, 5, g.Resumed)
	assert.Contains(t, csvOf(t, g), "\r\ndave,6,6,1,2,3,\r\n")
}

// A state directory graded with other flags is refused, not mixed in.
func TestResumeOtherFlags(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "grades.csv.d")
	student(t, dir, "alice", allOK)
	grade(t, context.Background(), &batch.Runner{Suite: fake, Dir: dir, State: state, Seed: 1})

	renamed := *fake
	renamed.ID = "batch-other"
	more := *fake
	more.Checks = append(fake.Checks[:3:3], fakeCheck("d", 1))
	tests := []struct {
		name string
		r    batch.Runner
		want string
	}{
		{"seed", batch.Runner{Suite: fake, Seed: 2}, "alice.json was graded with -seed 1, not -seed 2"},
		{"run", batch.Runner{Suite: fake, Seed: 1, Run: regexp.MustCompile("a|b")}, `alice.json was graded without -run, not with -run "a|b"`},
		{"hidden", batch.Runner{Suite: fake, Seed: 1, Hidden: true}, "alice.json was graded without hidden checks, not with"},
		{"assignment", batch.Runner{Suite: &renamed, Seed: 1}, "alice.json is a result of batch-test, not batch-other"},
		{"checks", batch.Runner{Suite: &more, Seed: 1}, "alice.json was graded on other checks than batch-test has now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.Dir, r.State = dir, state
			_, err := r.Open()
			require.ErrorIs(t, err, batch.ErrMismatch)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "resume with the flags it was graded with, or grade anew by removing "+state)
		})
	}

	// A result file that is not one is refused too, with what to do.
	require.NoError(t, os.WriteFile(filepath.Join(state, "alice.json"), []byte("{"), 0o644))
	_, err := (&batch.Runner{Suite: fake, Dir: dir, State: state, Seed: 1}).Open()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "remove it to grade alice again")
}

// ^C after the first result: no one else is started, the student being
// graded is stopped and nothing of theirs is written, and the next run
// grades the two that were not.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "grades.csv.d")
	student(t, dir, "alice", allOK)
	bob := student(t, dir, "bob", slowOnce)
	require.NoError(t, os.WriteFile(filepath.Join(bob, "slow"), nil, 0o644))
	student(t, dir, "carol", allOK)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &batch.Runner{Suite: fake, Dir: dir, State: state, Seed: 1, Jobs: 2,
		OnGraded: func(batch.Progress) { cancel() }}
	start := time.Now()
	g, done := grade(t, ctx, r)
	assert.Less(t, time.Since(start), 30*time.Second, "bob's checks were not stopped")
	assert.Equal(t, []string{"alice"}, names(done))
	assert.True(t, g.Interrupted)
	assert.Equal(t, []string{"bob", "carol"}, g.Pending())
	files, _ := filepath.Glob(filepath.Join(state, "[^.]*"))
	assert.Equal(t, []string{filepath.Join(state, "alice.json"), filepath.Join(state, "alice.txt")}, files)
	assert.Equal(t, "student,total,max,batch-test/topic/a,batch-test/topic/b,batch-test/topic/c,note\r\nalice,6,6,1,2,3,\r\n", csvOf(t, g))

	require.NoError(t, os.Remove(filepath.Join(bob, "slow")))
	r.OnGraded = nil
	g, done = grade(t, context.Background(), r)
	assert.Equal(t, 1, g.Resumed)
	assert.ElementsMatch(t, []string{"bob", "carol"}, names(done))
	assert.False(t, g.Interrupted)
	assert.Empty(t, g.Pending())
}

// Students graded at once, each with checks at once, never hold one port
// at the same time: the port pool is the process's, not a Runner's.
func TestPortsAcrossStudents(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		inUse  = map[int]string{}
		clash  []string
		chosen = map[int]bool{}
	)
	portCheck := func(name string) *grader.Check {
		c := fakeCheck(name, 1)
		c.Run = func(t *grader.T) {
			p := t.Port()
			mu.Lock()
			if who, ok := inUse[p]; ok {
				clash = append(clash, who+" and "+t.ID())
			}
			inUse[p] = t.ID()
			chosen[p] = true
			mu.Unlock()
			prog := t.Start("client", "-port", "0")
			prog.Wait(time.Minute) // the port stays reserved while a program runs
			mu.Lock()
			delete(inUse, p) // before T releases it, when the check ends
			mu.Unlock()
		}
		return c
	}
	s := &grader.Suite{ID: "batch-test", Roles: []string{"client"}, Checks: []*grader.Check{
		portCheck("a"), portCheck("b"), portCheck("c"), portCheck("d")}}
	dir := t.TempDir()
	const students = 8
	for i := range students {
		student(t, dir, string(rune('a'+i)), "sleep 0.2")
	}
	g, done := grade(t, context.Background(), &batch.Runner{Suite: s, Dir: dir, State: filepath.Join(t.TempDir(), "state"), Jobs: 4})
	assert.Len(t, done, students)
	assert.Empty(t, g.Pending())
	assert.Empty(t, clash, "ports held by two checks at once")
	assert.Len(t, chosen, students*len(s.Checks), "every check had a port of its own")
}

// A submission the grader cannot run on (it went away after Open) is
// counted, said, and left to grade again: not scored.
func TestStudentGone(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "grades.csv.d")
	student(t, dir, "alice", allOK)
	student(t, dir, "bob", allOK)
	r := &batch.Runner{Suite: fake, Dir: dir, State: state, Seed: 1}
	g, err := r.Open()
	require.NoError(t, err)
	defer g.Close()
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "bob")))
	var done []batch.Progress
	r.OnGraded = func(p batch.Progress) { done = append(done, p) }
	require.NoError(t, r.Grade(context.Background(), g))
	require.Len(t, done, 2)
	gone := done[slices.IndexFunc(done, func(p batch.Progress) bool { return p.Student == "bob" })]
	assert.Nil(t, gone.Record)
	assert.ErrorContains(t, gone.Err, "is not a directory")
	assert.Equal(t, []string{"bob"}, g.Pending())
	assert.Contains(t, g.Failed(), "bob")
	assert.NoFileExists(t, filepath.Join(state, "bob.json"))
	var sum bytes.Buffer
	g.WriteSummary(&sum)
	assert.Contains(t, sum.String(), "could not be graded: bob (grader: submission "+filepath.Join(dir, "bob")+" is not a directory)")
}

// Students are the folders, and links to folders, that are not hidden and
// not the state directory; one batch at a time uses a state directory.
func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	student(t, dir, "zoe", allOK)
	student(t, dir, "Adam", allOK)
	elsewhere := student(t, t.TempDir(), "linked", allOK)
	require.NoError(t, os.Symlink(elsewhere, filepath.Join(dir, "linked")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "grades.csv"), nil, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".hidden"), 0o755))
	state := filepath.Join(dir, "grades.csv.d") // the gradebook is written in the class's folder

	r := &batch.Runner{Suite: fake, Dir: dir, State: state}
	g, err := r.Open()
	require.NoError(t, err)
	assert.Equal(t, []string{"Adam", "linked", "zoe"}, g.Students)

	_, err = r.Open()
	require.ErrorIs(t, err, batch.ErrLocked)
	require.NoError(t, g.Close())
	g, err = r.Open()
	require.NoError(t, err, "Close gives the state directory up")
	g.Close()

	_, err = (&batch.Runner{Suite: fake, Dir: t.TempDir(), State: filepath.Join(t.TempDir(), "s")}).Open()
	require.ErrorIs(t, err, batch.ErrNoStudents)
	_, err = (&batch.Runner{Suite: fake, Dir: dir, State: state, Run: regexp.MustCompile("nothing")}).Open()
	require.ErrorIs(t, err, grader.ErrNoChecks)
}
