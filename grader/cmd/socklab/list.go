package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/socklab/socklab/grader"
)

type listOptions struct {
	format string
	hidden bool
}

func listFlags() *flag.FlagSet { return listFlagSet(new(listOptions)) }

func listFlagSet(o *listOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.StringVar(&o.format, "format", "text", "text, or markdown: the rubric table the handouts carry")
	fs.BoolVar(&o.hidden, "hidden", false, "include hidden checks (needs a socklab built with -tags hidden)")
	return fs
}

func runList(args []string, stdout, stderr io.Writer) error {
	var o listOptions
	pos, err := parse(listFlagSet(&o), args)
	if err != nil {
		return err
	}
	if o.format != "text" && o.format != "markdown" {
		return fmt.Errorf("%w: -format must be text or markdown, not %q", errUsage, o.format)
	}
	if o.hidden && !grader.HiddenChecksBuilt {
		return fmt.Errorf("%w: this socklab was built without hidden checks; build it with -tags hidden", errUsage)
	}
	switch len(pos) {
	case 0:
		listSuites(stdout)
		return nil
	case 1:
		s, err := lookup(pos[0])
		if err != nil {
			return err
		}
		if o.format == "markdown" {
			fmt.Fprint(stdout, Rubric(s, o.hidden))
		} else {
			listChecks(stdout, s, o.hidden)
		}
		return nil
	}
	return fmt.Errorf("%w: list takes at most one assignment", errUsage)
}

func lookup(id string) (*grader.Suite, error) {
	if s, ok := grader.Lookup(id); ok {
		return s, nil
	}
	var ids []string
	for _, s := range grader.Suites() {
		ids = append(ids, s.ID)
	}
	return nil, fmt.Errorf("%w: no assignment %q; there are %v", errUsage, id, ids)
}

func listSuites(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSIGNMENT\tCHECKS\tPOINTS\tTITLE")
	for _, s := range grader.Suites() {
		checks := s.Select(nil, false)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", s.ID, len(checks), grader.Points(checks), s.Title)
	}
	tw.Flush()
}

func listChecks(w io.Writer, s *grader.Suite, hidden bool) {
	checks := s.Select(nil, hidden)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tPOINTS\tVISIBILITY\tNAME")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", c.ID, c.Points, c.Visibility, c.Name)
	}
	fmt.Fprintf(tw, "total\t%d\t\t%d checks\n", grader.Points(checks), len(checks))
	tw.Flush()
}

// Rubric is the markdown table of a suite's checks that each handout
// carries; a test keeps the handouts equal to it.
func Rubric(s *grader.Suite, hidden bool) string {
	return grader.Rubric(s, hidden)
}
