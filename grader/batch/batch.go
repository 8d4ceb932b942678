// Package batch grades a whole class: every student's submission in one
// folder, a few at once, into a gradebook that a spreadsheet or Canvas
// imports.
//
// Each student's result is written to a state directory the moment it is
// known, so that a run that is killed resumes where it stopped, with
// nothing lost or counted twice:
//
//	grades.csv.d/
//		alice.json        the result: a Record (the commit point)
//		alice.txt         the text report, the feedback to hand back
//		carol.build.log   what `make build` printed, when it failed
//
// A student with a result file is not graded again, unless the grader
// failed on one of its checks (then the result is not final); deleting a
// student's result file regrades that student on the next run. Results
// graded with another seed, assignment, -run or -hidden are refused, not
// mixed into one gradebook.
//
// One batch at a time may use a state directory (Open takes its lock).
// Call order: Open, then Grade, then the Gradebook's SaveCSV and
// WriteSummary, then Close.
package batch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/socklab/socklab/grader"
)

// Errors.
var (
	// ErrMismatch: the state directory holds results graded with other
	// flags (seed, assignment, -run, -hidden) or on other checks.
	ErrMismatch = errors.New("batch: the state directory holds results graded otherwise")
	// ErrLocked: another batch is using the state directory.
	ErrLocked = errors.New("batch: another socklab batch is using the state directory")
	// ErrNoStudents: the submissions directory has no student folder.
	ErrNoStudents = errors.New("batch: no student folders")
)

// DefaultJobs is how many submissions are graded at once.
const DefaultJobs = 2

// Runner grades every submission in Dir with Suite.
//
// Runners grading at once in one process cannot clash on ports: every port
// a check gives a student's program comes from T.Port, that is from
// proc.ReservePort, whose pool is one per process (a mutex and an in-use
// set) and whose ports are also locked in a lock file that every grader
// on the machine shares; a port goes back only when its check ends. The
// grader's own sockets (peers, impairment proxies) listen on port 0 and
// get theirs from the kernel, above the range ReservePort hands out. So
// a grader.Runner per submission needs nothing of its own here. Each runs
// grader.DefaultParallel checks at once: Jobs times that in all.
type Runner struct {
	Suite  *grader.Suite
	Dir    string         // one folder per student, named by the student
	State  string         // the state directory, made if need be: a result per student
	Seed   uint64         // the impairments' seed, the same for every student
	Run    *regexp.Regexp // only checks whose ID matches; nil: all
	Hidden bool           // run hidden checks too
	Jobs   int            // submissions graded at once (default DefaultJobs)

	// OnGraded, if set, is called as each student's grading ends, one call
	// at a time, before the worker that graded the student takes the next.
	OnGraded func(Progress)

	// GradeOne, if set, grades each student in place of a grader.Runner
	// in this process: it returns what GradeResult returns for the
	// student, from wherever it graded them. socklab grades each student
	// in a process of their own, `socklab batch` again, so that every
	// submission has a network namespace of its own (harness/sandbox) and
	// none can reach another's programs or the grader's sockets for them.
	GradeOne func(ctx context.Context, student string) (*Result, error)
}

// Result is one student's grading as the state directory keeps it.
type Result struct {
	Record   *Record
	Text     string // the text report
	BuildLog string // the failed build's log; "" when the build did not fail
}

// Progress is one student's grading, done.
type Progress struct {
	Student string
	N, Of   int     // the Nth student of Of done, counting the resumed ones
	Record  *Record // nil when the student could not be graded
	Err     error   // why not
}

// Open lists the students in r.Dir, takes the state directory (one batch
// at a time may use it) and reads the results already in it. Close the
// gradebook when done.
func (r *Runner) Open() (*Gradebook, error) {
	checks := r.Suite.Select(r.Run, r.Hidden)
	if len(checks) == 0 {
		return nil, fmt.Errorf("%w %q in %s", grader.ErrNoChecks, r.runString(), r.Suite.ID)
	}
	if err := os.MkdirAll(r.State, 0o755); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	lock, err := lockState(r.State)
	if err != nil {
		return nil, err
	}
	g := &Gradebook{
		Suite:   r.Suite,
		Seed:    r.Seed,
		Checks:  checks,
		State:   r.State,
		lock:    lock,
		records: map[string]*Record{},
		failed:  map[string]error{},
	}
	if err := r.open(g); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

func (r *Runner) open(g *Gradebook) error {
	var err error
	if g.Students, err = students(r.Dir, r.State); err != nil {
		return err
	}
	if len(g.Students) == 0 {
		return fmt.Errorf("%w in %s", ErrNoStudents, r.Dir)
	}
	removeTemps(r.State) // what a killed run was writing
	for _, s := range g.Students {
		rec, err := readRecord(r.State, s)
		if err != nil {
			return err
		}
		if rec == nil {
			continue
		}
		if why := r.mismatch(rec, g.Checks); why != "" {
			return fmt.Errorf("%w: %s %s; resume with the flags it was graded with, or grade anew by removing %s or writing the gradebook elsewhere",
				ErrMismatch, recordPath(r.State, s), why, r.State)
		}
		g.records[s] = rec
		if rec.Complete() {
			g.Resumed++
		} else {
			g.Regrade++
		}
	}
	g.n = g.Resumed
	return nil
}

// mismatch says how rec was graded otherwise than r would grade, "" if not.
func (r *Runner) mismatch(rec *Record, checks []*grader.Check) string {
	onOff := map[bool]string{false: "without", true: "with"}
	switch {
	case rec.Assignment != r.Suite.ID:
		return fmt.Sprintf("is a result of %s, not %s", rec.Assignment, r.Suite.ID)
	case rec.Seed != r.Seed:
		return fmt.Sprintf("was graded with -seed %d, not -seed %d", rec.Seed, r.Seed)
	case rec.Hidden != r.Hidden:
		return fmt.Sprintf("was graded %s hidden checks, not %s", onOff[rec.Hidden], onOff[r.Hidden])
	case rec.Run != r.runString():
		return fmt.Sprintf("was graded %s, not %s", runFlag(rec.Run), runFlag(r.runString()))
	case !slices.EqualFunc(rec.Checks, checks, func(c CheckRecord, k *grader.Check) bool { return c.ID == k.ID }):
		return fmt.Sprintf("was graded on other checks than %s has now (the grader changed since)", r.Suite.ID)
	}
	return ""
}

func runFlag(run string) string {
	if run == "" {
		return "without -run"
	}
	return fmt.Sprintf("with -run %q", run)
}

func (r *Runner) runString() string {
	if r.Run == nil {
		return ""
	}
	return r.Run.String()
}

func (r *Runner) jobs() int {
	if r.Jobs > 0 {
		return r.Jobs
	}
	return DefaultJobs
}

// Grade grades the students of g that have no final result, r.Jobs at a
// time, in g.Students' order, and writes each result as it is known. When
// ctx is done it starts no one else; the students being graded are
// stopped, and their results are not written (the next run grades them).
// Its error is one that stops the batch: a result that cannot be written.
func (r *Runner) Grade(ctx context.Context, g *Gradebook) error {
	todo := g.Pending()
	// A write error stops the other workers too, through ctx.
	work, stop := context.WithCancel(ctx)
	defer stop()
	var (
		fatal     error
		fatalOnce sync.Once
		jobs      = make(chan string)
		wg        sync.WaitGroup
	)
	for range min(r.jobs(), len(todo)) {
		wg.Go(func() {
			for s := range jobs {
				if work.Err() != nil {
					continue // drain: no one new once stopped
				}
				rec, err := r.grade(work, s)
				var werr writeError
				switch {
				case errors.As(err, &werr):
					fatalOnce.Do(func() { fatal = err; stop() })
				case rec == nil && err == nil:
					// Stopped midway: nothing was written.
				default:
					g.done(s, rec, err, r.OnGraded)
				}
			}
		})
	}
feed:
	for _, s := range todo {
		select {
		case jobs <- s:
		case <-work.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	g.Interrupted = ctx.Err() != nil && len(g.Pending()) > 0
	return fatal
}

// grade grades one student and writes the result: a grading error is the
// student's (the grader could not run on the submission), a writeError
// the batch's. It returns neither result nor error when ctx was done
// before the result was known: the checks cut short are not the student's.
func (r *Runner) grade(ctx context.Context, student string) (*Record, error) {
	gradeOne := r.GradeOne
	if gradeOne == nil {
		gradeOne = r.GradeResult
	}
	res, err := gradeOne(ctx, student)
	if err != nil || ctx.Err() != nil || res == nil {
		return nil, err
	}
	if err := saveResult(r.State, res); err != nil {
		return nil, writeError{err}
	}
	return res.Record, nil
}

// GradeResult grades one student with a grader.Runner in this process. It
// returns neither result nor error when ctx was done before the result was
// known.
func (r *Runner) GradeResult(ctx context.Context, student string) (*Result, error) {
	dir := filepath.Join(r.Dir, student)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	gr := &grader.Runner{
		Suite:      r.Suite,
		Submission: grader.Submission{Dir: abs},
		Seed:       r.Seed,
		Run:        r.Run,
		Hidden:     r.Hidden,
	}
	rep, err := gr.Grade(ctx)
	if err != nil || ctx.Err() != nil {
		return nil, err
	}
	rep.Submission = dir // as the TA named it, for the report's replay line
	return newResult(student, rep), nil
}

// writeError is a result that could not be written: it stops the batch.
type writeError struct{ err error }

func (e writeError) Error() string { return "batch: " + e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// students lists the student folders in dir: its directories (or links to
// directories), not its files, not hidden ones, and not the state
// directory, sorted by name as a gradebook is.
func students(dir, state string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	stateInfo, _ := os.Stat(state)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, e.Name())) // through a link
		if err != nil || !fi.IsDir() || (stateInfo != nil && os.SameFile(fi, stateInfo)) {
			continue
		}
		out = append(out, e.Name())
	}
	slices.SortFunc(out, compareNames)
	return out, nil
}

// compareNames orders students as a person would: Bob after alice.
func compareNames(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}
