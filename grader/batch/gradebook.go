package batch

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/socklab/socklab/grader"
)

// Gradebook is a class's results: those the state directory held when it
// was opened, and those graded since.
type Gradebook struct {
	Suite       *grader.Suite
	Seed        uint64
	Checks      []*grader.Check // the gradebook's columns, in rubric order
	Students    []string        // every student folder, sorted by name
	State       string          // the state directory
	Resumed     int             // final results Open found: those students are not graded again
	Regrade     int             // results Open found that were not final: graded again
	Interrupted bool            // Grade was stopped before every student was graded

	lock *stateLock // the state directory's

	mu      sync.Mutex
	records map[string]*Record
	failed  map[string]error // students the grader could not run on, in this run
	n       int              // students done, for Progress: the resumed ones, and since
}

// done records a student's grading, and reports it.
func (g *Gradebook) done(student string, rec *Record, err error, report func(Progress)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if rec != nil {
		g.records[student] = rec
		delete(g.failed, student)
	} else {
		g.failed[student] = err
	}
	g.n++
	if report != nil {
		report(Progress{Student: student, N: g.n, Of: len(g.Students), Record: rec, Err: err})
	}
}

// Record is a student's result; nil when the student has none.
func (g *Gradebook) Record(student string) *Record {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.records[student]
}

// Pending lists the students without a final result: not graded yet, or
// the grader failed on one of their checks, or on their submission.
func (g *Gradebook) Pending() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, s := range g.Students {
		if rec := g.records[s]; rec == nil || !rec.Complete() {
			out = append(out, s)
		}
	}
	return out
}

// Failed is why the grader could not run on a student's submission, for
// each student it could not, in the last Grade.
func (g *Gradebook) Failed() map[string]error {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]error{}
	for s, err := range g.failed {
		out[s] = err
	}
	return out
}

// Close gives up the state directory, for another batch to use.
func (g *Gradebook) Close() error {
	if g.lock == nil {
		return nil
	}
	err := g.lock.release()
	g.lock = nil
	return err
}

// WriteCSV writes the gradebook: a header `student,total,max,<check
// ID>...,note`, then a row per student with a result, in name order, with
// the points of each check. A check the grader failed on has an empty
// cell; the note says why a row is 0 (the build failed, and where its log
// is) or not final. Fields are quoted as RFC 4180 says, lines end in CRLF.
func (g *Gradebook) WriteCSV(w io.Writer) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := []string{"student", "total", "max"}
	for _, c := range g.Checks {
		header = append(header, c.ID)
	}
	cw.Write(append(header, "note"))
	for _, s := range g.Students {
		rec := g.records[s]
		if rec == nil {
			continue
		}
		row := []string{s, strconv.Itoa(rec.Score), strconv.Itoa(rec.MaxScore)}
		for _, c := range rec.Checks {
			if c.Status == grader.Error.String() {
				row = append(row, "")
			} else {
				row = append(row, strconv.Itoa(c.Score))
			}
		}
		cw.Write(append(row, g.note(rec)))
	}
	cw.Flush()
	return cw.Error()
}

// SaveCSV writes the gradebook to the file name, atomically: a reader sees
// the old gradebook or the new one.
func (g *Gradebook) SaveCSV(name string) error {
	var b bytes.Buffer
	if err := g.WriteCSV(&b); err != nil {
		return err
	}
	if err := writeFileAtomic(name, b.Bytes()); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

func (g *Gradebook) note(rec *Record) string {
	if rec.BuildError != "" {
		return "build failed: " + filepath.Join(g.State, rec.BuildLog)
	}
	if ids := rec.Errored(); len(ids) > 0 {
		return fmt.Sprintf("not final: the grader failed on %s (%s), graded again on the next run",
			plural(len(ids), "check"), strings.Join(ids, " "))
	}
	return ""
}

// hardest is how many of the class to name the most failed checks of.
const hardest = 10

// WriteSummary writes what a TA reads at the end: how many students were
// graded, the class's mean and median, who could not be graded and why,
// and the checks the class fails most.
func (g *Gradebook) WriteSummary(w io.Writer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var final, built []*Record
	var buildFailed, notFinal []string
	for _, s := range g.Students {
		rec := g.records[s]
		switch {
		case rec == nil:
		case !rec.Complete():
			notFinal = append(notFinal, s)
		case rec.BuildError != "":
			final = append(final, rec)
			buildFailed = append(buildFailed, s)
		default:
			final = append(final, rec)
			built = append(built, rec)
		}
	}
	fmt.Fprintf(w, "%s, seed %d: %d of %d students graded", g.Suite.ID, g.Seed, len(final), len(g.Students))
	if g.Resumed > 0 {
		fmt.Fprintf(w, " (%d resumed from %s)", g.Resumed, g.State)
	}
	fmt.Fprintln(w)
	if len(final) > 0 {
		max := grader.Points(g.Checks)
		mean, median := stats(final)
		fmt.Fprintf(w, "points: mean %s/%d (%.0f%%), median %s/%d\n", number(mean), max, 100*mean/float64(max), number(median), max)
	}
	switch len(buildFailed) {
	case 0:
	case 1:
		fmt.Fprintf(w, "build failed, 0 points: %s (its log: %s)\n",
			buildFailed[0], filepath.Join(g.State, g.records[buildFailed[0]].BuildLog))
	default:
		fmt.Fprintf(w, "build failed, 0 points: %s (their logs: %s)\n",
			names(buildFailed), filepath.Join(g.State, "STUDENT.build.log"))
	}
	if len(notFinal) > 0 {
		fmt.Fprintf(w, "not final, the grader failed on a check: %s\n", names(notFinal))
	}
	var failed []string
	for _, s := range g.Students {
		if err, ok := g.failed[s]; ok {
			failed = append(failed, fmt.Sprintf("%s (%v)", s, err))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "could not be graded: %s\n", strings.Join(failed, ", "))
	}
	if n := len(g.Students) - len(final) - len(notFinal) - len(failed); n > 0 {
		fmt.Fprintf(w, "not graded yet: %s\n", plural(n, "student"))
	}
	g.writeHardest(w, built)
}

// writeHardest names the checks failed by the most students whose
// submission built (one that did not fails every check, which says
// nothing of any one).
func (g *Gradebook) writeHardest(w io.Writer, built []*Record) {
	if len(built) == 0 {
		return
	}
	type count struct {
		check  *grader.Check
		failed int
	}
	var counts []count
	for i, c := range g.Checks {
		n := 0
		for _, rec := range built {
			if rec.Checks[i].Status == grader.Fail.String() {
				n++
			}
		}
		if n > 0 {
			counts = append(counts, count{c, n})
		}
	}
	if len(counts) == 0 {
		fmt.Fprintf(w, "every check passed, for all %s whose submission built\n", plural(len(built), "student"))
		return
	}
	slices.SortStableFunc(counts, func(a, b count) int { return cmp.Compare(b.failed, a.failed) })
	counts = counts[:min(len(counts), hardest)]
	fmt.Fprintf(w, "the checks failed most, by the %s whose submission built:\n", plural(len(built), "student"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range counts {
		fmt.Fprintf(tw, "  %d of %d\t%s\t%s\n", c.failed, len(built), c.check.ID, c.check.Name)
	}
	tw.Flush()
}

// stats is the mean and median score.
func stats(recs []*Record) (mean, median float64) {
	scores := make([]int, len(recs))
	sum := 0
	for i, r := range recs {
		scores[i] = r.Score
		sum += r.Score
	}
	slices.Sort(scores)
	mid := len(scores) / 2
	median = float64(scores[mid])
	if len(scores)%2 == 0 {
		median = float64(scores[mid-1]+scores[mid]) / 2
	}
	return float64(sum) / float64(len(scores)), median
}

// number is x to one decimal, without a trailing ".0".
func number(x float64) string {
	return strconv.FormatFloat(float64(int64(x*10+0.5))/10, 'f', -1, 64)
}

// names lists students, the first few by name.
func names(students []string) string {
	const shown = 10
	if len(students) <= shown {
		return strings.Join(students, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(students[:shown], ", "), len(students)-shown)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
