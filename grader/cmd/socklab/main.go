// Command socklab grades socket-programming assignments.
//
//	socklab list [ASSIGNMENT]          the assignments, or one's checks
//	socklab grade [flags] ASSIGNMENT [DIR]
//	socklab batch [flags] ASSIGNMENT SUBMISSIONS_DIR   a class, into a gradebook
//	socklab export ASSIGNMENT DIR      the student repository of an assignment
//	socklab gradescope [flags] ASSIGNMENT   Gradescope's autograder zip
//	socklab impair [flags]             the impairment proxy, by hand
//	socklab dnsworld [flags]           the dns resolver checks' world, by hand
//
// Run `socklab help COMMAND` for a command's flags. Exit status: 0 when
// grading ran and every check was judged (whatever the score), 1 when it
// could not run or a check could not be graded (batch: when a student was
// not graded, or the run was stopped), 2 for a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	_ "github.com/socklab/socklab/grader/suites"
	"github.com/socklab/socklab/harness/sandbox"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // grading could not run, or the grader failed on a check
	exitUsage = 2
)

// errUsage marks a usage error; its message is printed with the usage.
var errUsage = errors.New("usage")

type command struct {
	name  string
	args  string
	short string
	run   func(args []string, stdout, stderr io.Writer) error
	flags func() *flag.FlagSet // for help; nil when it has none
}

func commands() []command {
	base := []command{
		{"list", "[-format text|markdown] [-hidden] [ASSIGNMENT]", "list the assignments, or the checks of one", runList, listFlags},
		{"grade", "[flags] ASSIGNMENT [DIR]", "grade the submission in DIR (default .)", runGrade, func() *flag.FlagSet { return gradeFlags(new(gradeOptions)) }},
		{"batch", "[flags] ASSIGNMENT SUBMISSIONS_DIR", "grade a class, a folder per student, into a CSV gradebook", runBatch, func() *flag.FlagSet { return batchFlags(new(batchOptions)) }},
		{"impair", "-listen ADDR -to ADDR [flags]", "run the impairment proxy in front of your own program", runImpair, func() *flag.FlagSet { return impairFlags(new(impairOptions)) }},
		{"export", "[-repo DIR] ASSIGNMENT DIR", "write the student repository of an assignment: starter, handout, make grade, Classroom workflow", runExport, func() *flag.FlagSet { return exportFlags(new(exportOptions)) }},
		{"gradescope", "[-o autograder.zip] [flags] ASSIGNMENT", "build the autograder zip to upload to Gradescope (see -o for the steps)", runGradescope, func() *flag.FlagSet { return gradescopeFlags(new(gradescopeOptions)) }},
	}
	return append(base, assignmentCommands...)
}

// assignmentCommands are the commands that belong to one assignment
// (dnsworld, dns's), each registered by its own file, which a student
// repository exported for another assignment leaves out.
var assignmentCommands []command

func main() {
	if len(os.Args) > 1 && sandboxed[os.Args[1]] {
		if st := sandbox.Enter(); !st.Network {
			fmt.Fprintf(os.Stderr, "socklab: warning: grading unsandboxed: %s\n", st.Reason)
		}
	}
	studentProcesses = true
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// sandboxed are the commands that run students' programs, and so run in a
// network namespace of their own (harness/sandbox). impair and dnsworld
// run only the student's own programs, by hand, on their own network.
var sandboxed = map[string]bool{"grade": true, "batch": true}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" {
		if len(args) > 1 {
			return help(args[1], stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			help(name, stderr, stderr)
			return exitUsage
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "socklab %s: %v\n", name, err)
			fmt.Fprintf(stderr, "usage: socklab %s %s\n", c.name, c.args)
			return exitUsage
		case errors.Is(err, errGraded), errors.Is(err, errNotAllPassed):
			return exitError
		default:
			fmt.Fprintf(stderr, "socklab %s: %v\n", name, err)
			return exitError
		}
	}
	fmt.Fprintf(stderr, "socklab: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "socklab grades socket-programming assignments.")
	fmt.Fprintln(w, "\nusage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  socklab %-10s %-48s %s\n", c.name, c.args, c.short)
	}
	fmt.Fprintln(w, "\nRun 'socklab help COMMAND' for a command's flags.")
}

func help(name string, stdout, stderr io.Writer) int {
	for _, c := range commands() {
		if c.name == name {
			fmt.Fprintf(stdout, "usage: socklab %s %s\n\n%s.\n", c.name, c.args, c.short)
			if c.flags != nil {
				fs := c.flags()
				fs.SetOutput(stdout)
				fmt.Fprintln(stdout, "\nflags:")
				fs.PrintDefaults()
			}
			return exitOK
		}
	}
	fmt.Fprintf(stderr, "socklab: unknown command %q\n", name)
	return exitUsage
}
