package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
	"github.com/socklab/socklab/harness/trace"
)

// errGraded: grading ran, but a check could not be graded. The report
// already said so; run only sets the exit status.
var errGraded = errors.New("some checks could not be graded")

// errNotAllPassed: with -must-pass, grading ran and a check failed. The
// report already said which; run only sets the exit status.
var errNotAllPassed = errors.New("not every check passed")

type gradeOptions struct {
	format   string
	out      string
	seed     uint64
	run      string
	hidden   bool
	parallel int
	verbose  bool
	noBuild  bool
	cmds     roleCommands
	seedFrom string
	repeat   int
	mustPass bool
	hiddenAs string
	pcap     string
}

// formats are the report formats of -format besides text, each with
// its writer.
var formats = map[string]func(o gradeOptions, w io.Writer, rep *grader.Report) error{
	"json": func(o gradeOptions, w io.Writer, rep *grader.Report) error {
		return report.WriteGradescope(w, rep, "socklab grade", o.hiddenAs)
	},
	"junit": func(_ gradeOptions, w io.Writer, rep *grader.Report) error {
		return report.WriteJUnit(w, rep, "socklab grade")
	},
	"classroom": func(_ gradeOptions, w io.Writer, rep *grader.Report) error {
		return report.WriteClassroom(w, rep, "socklab grade")
	},
}

func gradeFlags(o *gradeOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.StringVar(&o.format, "format", "text", "report format: text; json (Gradescope's results.json); junit (JUnit XML, for any CI); classroom (the base64 result GitHub Classroom's grading reporter reads)")
	fs.StringVar(&o.out, "o", "", "write the report to this file instead of stdout")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the impairments; the same seed replays a run exactly")
	fs.StringVar(&o.seedFrom, "seed-from", "", "derive the seed from this `NAME` (a student's name or repository), so each student has an impairment pattern of their own; the report prints the seed")
	fs.StringVar(&o.pcap, "pcap", "", "write what crossed the wire in each check to `DIR`/CHECK.pcap, for Wireshark or tshark")
	fs.BoolVar(&o.mustPass, "must-pass", false, "exit with status 1 unless every check passes, for a CI step that passes or fails on it (GitHub Classroom's command grader)")
	fs.StringVar(&o.hiddenAs, "hidden-visibility", report.HiddenVisibility, "with -format json: what Gradescope shows students of a hidden check, after_due_date or hidden")
	fs.IntVar(&o.repeat, "repeat", 1, "grade `N` times, with seeds seed, seed+1, ..., and report each check's pass rate: a check that passes only sometimes is flaky")
	fs.StringVar(&o.run, "run", "", "grade only the checks whose ID matches this regular expression")
	fs.BoolVar(&o.hidden, "hidden", false, "run hidden checks too (needs a socklab built with -tags hidden)")
	fs.IntVar(&o.parallel, "j", 0, "checks to run at once (default 8)")
	fs.BoolVar(&o.verbose, "v", false, "show whole transcripts of failed checks")
	// No backquotes in a usage: flag would take `make build` for the
	// name of the flag's value.
	fs.BoolVar(&o.noBuild, "no-build", false, "do not run 'make build' first")
	o.cmds = roleCommands{}
	fs.Var(o.cmds, "cmd", "run a role with this shell command instead of bin/ROLE, as in -cmd server='python3 server.py' (repeatable)")
	return fs
}

func runGrade(args []string, stdout, stderr io.Writer) error {
	var o gradeOptions
	fs := gradeFlags(&o)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	switch {
	case o.seedFrom != "" && seedSet:
		return fmt.Errorf("%w: give -seed or -seed-from, not both", errUsage)
	case o.seedFrom != "":
		o.seed = grader.SeedFrom(o.seedFrom)
	}
	if o.hiddenAs != "after_due_date" && o.hiddenAs != "hidden" {
		return fmt.Errorf("%w: -hidden-visibility must be after_due_date or hidden, not %q", errUsage, o.hiddenAs)
	}
	if o.repeat < 1 {
		return fmt.Errorf("%w: -repeat must be 1 or more, not %d", errUsage, o.repeat)
	}
	if len(pos) < 1 || len(pos) > 2 {
		return fmt.Errorf("%w: want an assignment and, optionally, a submission directory", errUsage)
	}
	s, err := lookup(pos[0])
	if err != nil {
		return err
	}
	dir := "."
	if len(pos) == 2 {
		dir = pos[1]
	}
	if _, ok := formats[o.format]; !ok && o.format != "text" {
		return fmt.Errorf("%w: -format must be text, json, junit or classroom, not %q", errUsage, o.format)
	}
	if o.repeat > 1 && o.format != "text" {
		return fmt.Errorf("%w: -repeat reports pass rates as text; it takes no -format %s", errUsage, o.format)
	}
	if o.repeat > 1 && o.pcap != "" {
		return fmt.Errorf("%w: -repeat writes no pcap files: replay the seed that failed with -pcap", errUsage)
	}
	if o.hidden && !grader.HiddenChecksBuilt {
		return fmt.Errorf("%w: this socklab was built without hidden checks; build it with -tags hidden", errUsage)
	}
	for role := range o.cmds {
		if !hasRole(s, role) {
			return fmt.Errorf("%w: %s has no role %q (its roles are %v)", errUsage, s.ID, role, s.Roles)
		}
	}
	var re *regexp.Regexp
	if o.run != "" {
		if re, err = regexp.Compile(o.run); err != nil {
			return fmt.Errorf("%w: -run: %v", errUsage, err)
		}
	}
	if len(s.Select(re, o.hidden)) == 0 {
		// Said before the report's header, not after it.
		return fmt.Errorf("%w: %v %q in %s", errUsage, grader.ErrNoChecks, o.run, s.ID)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: the submission directory %s does not exist", errUsage, dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}

	// The report file is created first: a path that cannot be written is
	// better said before grading than after.
	var out *os.File
	if o.out != "" {
		if out, err = os.Create(o.out); err != nil {
			return err
		}
		defer out.Close()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.repeat > 1 {
		return repeatGrade(ctx, o, s, re, abs, dir, stdout, out)
	}

	// The live text report goes to stdout unless stdout is taken by
	// another format.
	live := &report.Text{W: stdout, Command: "socklab grade", Verbose: o.verbose}
	showLive := o.format == "text" || o.out != ""
	r := o.runner(s, re, abs, o.seed)
	if showLive {
		live.Header(s, dir, o.seed)
		r.OnResult = live.Line
	}
	rep, err := r.Grade(ctx)
	if err != nil {
		if out != nil {
			out.Close()
			os.Remove(o.out)
		}
		if errors.Is(err, grader.ErrNoChecks) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
	rep.Submission = dir
	if o.pcap != "" {
		if err := writePcaps(o.pcap, rep); err != nil {
			return err
		}
		live.PcapDir = o.pcap
	}

	var w io.Writer = stdout
	if out != nil {
		w = out
	}
	switch {
	case o.format != "text":
		if err := formats[o.format](o, w, rep); err != nil {
			return err
		}
		if showLive {
			live.Summary(rep)
		}
	case out != nil:
		(&report.Text{W: w, Command: "socklab grade", Verbose: o.verbose}).Write(rep)
		live.Summary(rep)
	default:
		live.Summary(rep)
	}
	if out != nil {
		if err := out.Close(); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted; the report covers what ran")
	}
	if n := rep.Errors(); n > 0 {
		if !showLive {
			// stdout is the JSON; the summary that says so is not printed.
			fmt.Fprintf(stderr, "socklab grade: %d of %d checks could not be graded; the grader failed on them\n", n, len(rep.Results))
		}
		return errGraded
	}
	if score, max := rep.Score(); o.mustPass && score < max {
		return errNotAllPassed
	}
	return nil
}

func hasRole(s *grader.Suite, role string) bool {
	for _, r := range s.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// writePcaps writes each check's transcript to dir/CHECK.pcap.
func writePcaps(dir string, rep *grader.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, r := range rep.Results {
		if len(r.Transcript) == 0 {
			continue
		}
		f, err := os.Create(filepath.Join(dir, report.PcapName(r.Check.ID)))
		if err != nil {
			return err
		}
		err = trace.WritePcap(f, r.Transcript)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing the pcap of %s: %w", r.Check.ID, err)
		}
	}
	return nil
}

// runner is the Runner o asks for, of s on the submission in abs, with
// seed.
func (o gradeOptions) runner(s *grader.Suite, re *regexp.Regexp, abs string, seed uint64) *grader.Runner {
	return &grader.Runner{
		Suite:      s,
		Submission: grader.Submission{Dir: abs, Commands: o.cmds},
		Seed:       seed,
		Run:        re,
		Hidden:     o.hidden,
		Parallel:   o.parallel,
		NoBuild:    o.noBuild,

		KeepTranscripts: o.pcap != "",
	}
}
