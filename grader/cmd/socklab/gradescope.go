package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/socklab/socklab/grader/gradescope"
	"github.com/socklab/socklab/grader/report"
)

type gradescopeOptions struct {
	out        string
	repo       string
	hiddenAs   string
	seed       uint64
	perStudent bool
	goVersion  string
}

func gradescopeFlags(o *gradescopeOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("gradescope", flag.ContinueOnError)
	fs.StringVar(&o.out, "o", "autograder.zip", "write the bundle to `FILE`, as in socklab gradescope -o autograder.zip smtp-client. Then, in Gradescope, on the assignment's Configure Autograder page, choose the Ubuntu base image and upload FILE. Students submit their repository (from GitHub) or a zip of it, which run_autograder grades with the hidden checks too")
	fs.StringVar(&o.hiddenAs, "hidden-visibility", report.HiddenVisibility, "what students see of a hidden check: after_due_date, or hidden (never shown to students)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the impairments, the same for every student (with -seed-from-submission: for a submission whose metadata names no one)")
	fs.BoolVar(&o.perStudent, "seed-from-submission", false, "give each student a seed of their own, derived from their email in Gradescope's submission_metadata.json (socklab grade -seed-from); results.json prints it")
	fs.StringVar(&o.repo, "repo", "", "the socklab repository to build the grader from (default: the one this directory is in, else the one this socklab was built from)")
	fs.StringVar(&o.goVersion, "go", "", "the Go `RELEASE` setup.sh installs for submissions in Go, as go1.26.8, or none (default: the release of the go that builds the grader)")
	return fs
}

// runGradescope builds the grader with the hidden checks for Gradescope's
// linux/amd64 and writes it, with setup.sh and run_autograder, to the zip
// that Gradescope's Configure Autograder page takes.
func runGradescope(args []string, stdout, stderr io.Writer) error {
	var o gradescopeOptions
	pos, err := parse(gradescopeFlags(&o), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want one assignment", errUsage)
	}
	s, err := lookup(pos[0])
	if err != nil {
		return err
	}
	if o.out == "" {
		return fmt.Errorf("%w: -o must name the bundle's file", errUsage)
	}
	if o.hiddenAs != "after_due_date" && o.hiddenAs != "hidden" {
		return fmt.Errorf("%w: -hidden-visibility must be after_due_date or hidden, not %q", errUsage, o.hiddenAs)
	}
	root := o.repo
	if root == "" {
		if root, err = gradescope.DefaultRoot(); err != nil {
			return fmt.Errorf("%w: %v; give -repo", errUsage, err)
		}
	} else if root, err = gradescope.FindRoot(root); err != nil {
		return fmt.Errorf("%w: -repo: %v", errUsage, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	goVersion := o.goVersion
	switch goVersion {
	case "none":
		goVersion = ""
	case "":
		if goVersion, err = gradescope.GoVersion(ctx, root); err != nil {
			return fmt.Errorf("%v (give -go go1.26.8, or -go none)", err)
		}
	}
	opts := gradescope.Options{
		Assignment:         s.ID,
		Seed:               o.seed,
		SeedFromSubmission: o.perStudent,
		HiddenVisibility:   o.hiddenAs,
		Go:                 goVersion,
	}
	if err := opts.Validate(); err != nil {
		if errors.Is(err, gradescope.ErrOptions) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
	fmt.Fprintf(stdout, "building the grader of %s (with hidden checks, linux/amd64)...\n", root)
	if err := gradescope.Make(ctx, root, opts, o.out); err != nil {
		return err
	}
	seed := fmt.Sprintf("seed %d", o.seed)
	if o.perStudent {
		seed = "a seed of each student's own"
	}
	fmt.Fprintf(stdout, "wrote %s: the %s autograder (%s; hidden checks shown %s). Upload it on the assignment's Configure Autograder page in Gradescope, with the Ubuntu base image.\n",
		o.out, s.ID, seed, o.hiddenAs)
	return nil
}
