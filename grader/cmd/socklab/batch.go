package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/batch"
)

type batchOptions struct {
	out    string
	jobs   int
	seed   uint64
	run    string
	hidden bool
}

func batchFlags(o *batchOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.StringVar(&o.out, "o", "grades.csv", "write the CSV gradebook to `FILE`; each student's result is kept in FILE.d as it is graded, and a run that was stopped resumes from there")
	fs.IntVar(&o.jobs, "j", batch.DefaultJobs, "grade `N` submissions at once")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the impairments, the same for every student; the same seed replays a run exactly")
	fs.StringVar(&o.run, "run", "", "grade only the checks whose ID matches this regular expression")
	fs.BoolVar(&o.hidden, "hidden", false, "run hidden checks too (needs a socklab built with -tags hidden)")
	return fs
}

func runBatch(args []string, stdout, stderr io.Writer) error {
	var o batchOptions
	pos, err := parse(batchFlags(&o), args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("%w: want an assignment and the directory of the submissions", errUsage)
	}
	s, err := lookup(pos[0])
	if err != nil {
		return err
	}
	dir := pos[1]
	if o.hidden && !grader.HiddenChecksBuilt {
		return fmt.Errorf("%w: this socklab was built without hidden checks; build it with -tags hidden", errUsage)
	}
	if o.jobs < 1 {
		return fmt.Errorf("%w: -j must be at least 1, not %d", errUsage, o.jobs)
	}
	if o.out == "" {
		return fmt.Errorf("%w: -o must name the gradebook's file", errUsage)
	}
	var re *regexp.Regexp
	if o.run != "" {
		if re, err = regexp.Compile(o.run); err != nil {
			return fmt.Errorf("%w: -run: %v", errUsage, err)
		}
	}
	if len(s.Select(re, o.hidden)) == 0 {
		return fmt.Errorf("%w: %v %q in %s", errUsage, grader.ErrNoChecks, o.run, s.ID)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: the submissions directory %s does not exist", errUsage, dir)
	}

	r := &batch.Runner{
		Suite:  s,
		Dir:    dir,
		State:  o.out + ".d",
		Seed:   o.seed,
		Run:    re,
		Hidden: o.hidden,
		Jobs:   o.jobs,
	}
	if student, ok := os.LookupEnv(batchStudentEnv); ok {
		return gradeStudent(r, student, stdout)
	}
	if studentProcesses {
		r.GradeOne = gradeInChild(args)
	}
	g, err := r.Open()
	switch {
	case errors.Is(err, batch.ErrMismatch), errors.Is(err, batch.ErrNoStudents):
		return fmt.Errorf("%w: %s", errUsage, strings.TrimPrefix(err.Error(), "batch: "))
	case err != nil:
		return err
	}
	defer g.Close()

	// Progress lines come one at a time, but the line said on ^C may come
	// at any moment.
	errOut := &lockedWriter{w: stderr}
	if g.Resumed > 0 {
		fmt.Fprintf(errOut, "resumed: %d already graded, in %s\n", g.Resumed, r.State)
	}
	if g.Regrade > 0 {
		fmt.Fprintf(errOut, "grading %s again: the grader failed on a check of theirs\n", plural(g.Regrade, "student"))
	}
	r.OnGraded = func(p batch.Progress) { fmt.Fprintln(errOut, progressLine(p, r.State)) }

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopping := context.AfterFunc(ctx, func() {
		fmt.Fprintln(errOut, "socklab batch: stopping: no one else is started, and the students being graded are stopped (their results are not kept)")
	})
	defer stopping()

	gradeErr := r.Grade(ctx, g)
	csvErr := g.SaveCSV(o.out)
	g.WriteSummary(stdout)
	if csvErr == nil {
		fmt.Fprintf(stdout, "gradebook: %s\n", o.out)
	}
	pending := g.Pending()
	switch {
	case gradeErr != nil:
		return gradeErr
	case csvErr != nil:
		return csvErr
	case g.Interrupted:
		return fmt.Errorf("interrupted with %d of %d students graded; the gradebook has them. To grade the other %d, run the same command again: what was graded is kept in %s",
			len(g.Students)-len(pending), len(g.Students), len(pending), r.State)
	case len(pending) > 0:
		return fmt.Errorf("%d of %d students have no final grade (the summary says why); run the same command again to grade them again",
			len(pending), len(g.Students))
	}
	return nil
}

// progressLine is what is said as a student's grading ends:
//
//	[12/40] alice 31/39 (2.3 s)
func progressLine(p batch.Progress, state string) string {
	head := fmt.Sprintf("[%d/%d] %s", p.N, p.Of, p.Student)
	rec := p.Record
	if rec == nil {
		return fmt.Sprintf("%s could not be graded: %v", head, p.Err)
	}
	line := fmt.Sprintf("%s %d/%d (%.1f s)", head, rec.Score, rec.MaxScore, rec.Elapsed)
	if rec.BuildError != "" {
		line += ", the build failed: " + filepath.Join(state, rec.BuildLog)
	}
	if ids := rec.Errored(); len(ids) > 0 {
		line += fmt.Sprintf(", not final: the grader failed on %s (%s)", plural(len(ids), "check"), strings.Join(ids, " "))
	}
	return line
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Each student is graded by a process of their own (see batch.Runner's
// GradeOne): `socklab batch` again, with the same arguments and the
// student's name in batchStudentEnv, which writes the result on stdout
// as JSON. The batch itself writes it to the state directory.

const batchStudentEnv = "SOCKLAB_BATCH_STUDENT"

// studentProcesses is set by main: a batch run as the socklab command
// grades each student in a process of their own. The tests that call run
// in their own process grade in it, as there is no socklab to start.
var studentProcesses bool

// gradeInChild grades a student with `socklab batch args...`.
func gradeInChild(args []string) func(context.Context, string) (*batch.Result, error) {
	return func(ctx context.Context, student string) (*batch.Result, error) {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find socklab itself to grade %s: %v", student, err)
		}
		cmd := exec.CommandContext(ctx, self, append([]string{"batch"}, args...)...)
		cmd.Env = append(os.Environ(), batchStudentEnv+"="+student)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		// Stopped, it stops its student's programs before it exits.
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 30 * time.Second
		err = cmd.Run()
		if ctx.Err() != nil {
			return nil, nil
		}
		if err != nil {
			msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(stderr.String()), "socklab: "))
			return nil, fmt.Errorf("grading %s (%v): %s", student, err, cmp.Or(msg, "it said nothing"))
		}
		var res batch.Result
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Record == nil {
			return nil, fmt.Errorf("grading %s: socklab's result is not one (%v)", student, err)
		}
		return &res, nil
	}
}

// gradeStudent is the process that grades one student: it writes the
// result on stdout, or nothing when it was stopped first.
func gradeStudent(r *batch.Runner, student string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := r.GradeResult(ctx, student)
	switch {
	case err != nil:
		return err
	case res == nil:
		return errors.New("stopped before " + student + " was graded")
	}
	return json.NewEncoder(stdout).Encode(res)
}
