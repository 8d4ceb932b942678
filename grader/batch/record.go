package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
)

// Record is one student's result, as the state directory keeps it in
// STUDENT.json. It carries how the student was graded (assignment, seed,
// -run, -hidden), so that a resume with other flags is refused instead of
// mixing two gradings in one gradebook.
type Record struct {
	Version    int           `json:"version"` // recordVersion
	Student    string        `json:"student"`
	Assignment string        `json:"assignment"`
	Seed       uint64        `json:"seed"`
	Hidden     bool          `json:"hidden"`
	Run        string        `json:"run,omitempty"`
	Score      int           `json:"score"`
	MaxScore   int           `json:"max_score"`             // less the checks that errored
	BuildError string        `json:"build_error,omitempty"` // why `make build` failed; "" when it did not
	BuildLog   string        `json:"build_log,omitempty"`   // then its output's file, in the state directory
	Elapsed    float64       `json:"elapsed_seconds"`       // build and checks
	Checks     []CheckRecord `json:"checks"`                // in rubric order
}

// CheckRecord is one check of a Record.
type CheckRecord struct {
	ID     string `json:"id"`
	Status string `json:"status"` // "pass", "fail", or "error": the grader failed on it
	Score  int    `json:"score"`
	Points int    `json:"points"`
}

// recordVersion is the Record format; a state directory of another is
// refused.
const recordVersion = 1

func newRecord(student string, rep *grader.Report) *Record {
	score, max := rep.Score()
	rec := &Record{
		Version:    recordVersion,
		Student:    student,
		Assignment: rep.Suite.ID,
		Seed:       rep.Seed,
		Hidden:     rep.Hidden,
		Run:        rep.Run,
		Score:      score,
		MaxScore:   max,
		Elapsed:    rep.Elapsed.Round(time.Millisecond).Seconds(),
	}
	if rep.Build.Err != nil {
		rec.BuildError = rep.Build.Err.Error()
		rec.BuildLog = student + ".build.log"
	}
	for _, r := range rep.Results {
		rec.Checks = append(rec.Checks, CheckRecord{ID: r.Check.ID, Status: r.Status.String(), Score: r.Score, Points: r.Check.Points})
	}
	return rec
}

// Errored lists the checks the grader failed on.
func (r *Record) Errored() []string {
	var ids []string
	for _, c := range r.Checks {
		if c.Status == grader.Error.String() {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Complete says whether every check was graded: a result that is not is
// graded again on the next run.
func (r *Record) Complete() bool { return len(r.Errored()) == 0 }

func recordPath(state, student string) string { return filepath.Join(state, student+".json") }

// readRecord reads a student's result; nil when there is none.
func readRecord(state, student string) (*Record, error) {
	name := recordPath(state, student)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("batch: %s: %v; remove it to grade %s again", name, err, student)
	}
	if rec.Version != recordVersion || rec.Student != student {
		return nil, fmt.Errorf("%w: %s is not a result of %s in format %d; remove it to grade %s again",
			ErrMismatch, name, student, recordVersion, student)
	}
	for _, c := range rec.Checks {
		switch c.Status {
		case grader.Pass.String(), grader.Fail.String(), grader.Error.String():
		default:
			return nil, fmt.Errorf("%w: %s: check %s has status %q; remove it to grade %s again",
				ErrMismatch, name, c.ID, c.Status, student)
		}
	}
	return &rec, nil
}

// newResult is what the state directory keeps of a student's report.
func newResult(student string, rep *grader.Report) *Result {
	res := &Result{Record: newRecord(student, rep)}
	if rep.Build.Err != nil {
		res.BuildLog = fmt.Sprintf("$ make build\n%s\n%s\n", rep.Build.Output.String(), rep.Build.Err)
	}
	var txt bytes.Buffer
	(&report.Text{W: &txt, Command: "socklab grade"}).Write(rep)
	res.Text = txt.String()
	return res
}

// saveResult writes a student's build log (or removes an old one), text
// report and, last, the record: a run killed before the record is written
// grades the student again.
func saveResult(state string, res *Result) error {
	rec := res.Record
	log := filepath.Join(state, rec.Student+".build.log")
	if res.BuildLog != "" {
		if err := writeFileAtomic(log, []byte(res.BuildLog)); err != nil {
			return err
		}
	} else if err := os.Remove(log); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := writeFileAtomic(filepath.Join(state, rec.Student+".txt"), []byte(res.Text)); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(recordPath(state, rec.Student), append(data, '\n'))
}

// tempPrefix starts the names of files being written; a killed run's are
// removed by the next.
const tempPrefix = ".tmp-"

// writeFileAtomic writes name through a temporary file renamed over it, so
// that name is either what it was or all of data, whenever the run dies.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), tempPrefix+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync() // data on disk before the name: a crash leaves no empty file
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644) // CreateTemp's 0600 is for nobody else
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func removeTemps(state string) {
	entries, _ := os.ReadDir(state)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			os.Remove(filepath.Join(state, e.Name()))
		}
	}
}

// stateLock is a state directory taken by a batch: in this process, by
// the set of directories taken; for other processes, by a lock on the
// file .lock in it. (A POSIX lock, not flock: a program the grader forks
// while the lock is held would share a flock, and hold it for a moment
// after it is given up.)
type stateLock struct {
	f   *os.File
	dir string // absolute
}

var taken struct {
	mu   sync.Mutex
	dirs map[string]bool
}

func lockState(state string) (*stateLock, error) {
	dir, err := filepath.Abs(state)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	taken.mu.Lock()
	defer taken.mu.Unlock()
	if taken.dirs[dir] {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, state)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0} // the whole file
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, state)
		}
		return nil, fmt.Errorf("batch: locking %s: %w", state, err)
	}
	if taken.dirs == nil {
		taken.dirs = map[string]bool{}
	}
	taken.dirs[dir] = true
	return &stateLock{f: f, dir: dir}, nil
}

// release gives the state directory up.
func (l *stateLock) release() error {
	taken.mu.Lock()
	defer taken.mu.Unlock()
	delete(taken.dirs, l.dir)
	return l.f.Close() // which drops the lock
}
