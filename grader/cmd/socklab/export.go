package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/socklab/socklab/grader/export"
)

type exportOptions struct {
	repo string
}

func exportFlags(o *exportOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.StringVar(&o.repo, "repo", "", "the socklab repository to export from (default: the one this directory is in)")
	return fs
}

// runExport writes the student repository of an assignment: the starter,
// the handout as README, make grade, the Classroom workflow, and the
// grader with the public checks only.
func runExport(args []string, stdout, stderr io.Writer) error {
	var o exportOptions
	pos, err := parse(exportFlags(&o), args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("%w: want an assignment and the directory to write its student repository to", errUsage)
	}
	s, err := lookup(pos[0])
	if err != nil {
		return err
	}
	root := o.repo
	if root == "" {
		if root, err = kitRoot(); err != nil {
			return err
		}
	}
	if err := export.Export(export.Options{Root: root, Suite: s, Dir: pos[1]}); err != nil {
		if errors.Is(err, export.ErrNotEmpty) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
	fmt.Fprintf(stdout, "wrote the %s student repository to %s: push it to GitHub as the Classroom assignment's template; its make grade runs %d public checks\n",
		s.ID, pos[1], len(s.Select(nil, false)))
	return nil
}

// kitRoot is the socklab repository this directory is in: the nearest
// directory above with a go.mod and an assignments directory.
func kitRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) && fileExists(filepath.Join(dir, "assignments")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: not inside the socklab repository; give -repo", errUsage)
		}
		dir = parent
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
