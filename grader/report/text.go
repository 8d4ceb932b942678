// Package report renders a graded submission: as text for a student at a
// terminal, and as the JSON that Gradescope reads (results.json).
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/trace"
)

// Text writes a report for people: a line per check as it finishes, then
// each failure in full, then the score and how to replay the run.
type Text struct {
	W       io.Writer
	Command string // how the grader was invoked, for the replay line: "socklab grade"
	Verbose bool   // also show the transcripts of failures in full
	PcapDir string // where -pcap wrote each check's traffic, named by PcapName; "" for none
}

// PcapName is the name of a check's pcap file: its ID, / made _.
func PcapName(checkID string) string { return strings.ReplaceAll(checkID, "/", "_") + ".pcap" }

// Header is printed before the first check runs.
func (t *Text) Header(s *grader.Suite, dir string, seed uint64) {
	title := ""
	if s.Title != "" {
		title = " (" + s.Title + ")"
	}
	fmt.Fprintf(t.W, "grading %s%s in %s, seed %d\n\n", s.ID, title, dir, seed)
}

// Line is printed as each check finishes.
func (t *Text) Line(r grader.Result) {
	mark := map[grader.Status]string{grader.Pass: "PASS ", grader.Fail: "FAIL ", grader.Error: "ERROR"}[r.Status]
	fmt.Fprintf(t.W, "%s %-44s %2d/%-2d %5.2fs  %s\n", mark, r.Check.ID, r.Score, r.Check.Points,
		r.Elapsed.Seconds(), r.Check.Name)
}

// Summary is printed after the last check: the build's outcome when it
// failed, every failure in full, and the score.
func (t *Text) Summary(rep *grader.Report) {
	w := t.W
	if rep.Build.Err != nil {
		fmt.Fprintf(w, "\n%s\n", buildFailure(rep.Build))
	}
	for _, r := range rep.Failed() {
		if rep.Build.Err != nil && r.Status == grader.Fail {
			continue // one build failure, said once
		}
		fmt.Fprintf(w, "\n%s\n", rule(fmt.Sprintf("%s %s: %s", strings.ToUpper(r.Status.String()), r.Check.ID, r.Check.Name)))
		t.detail(rep, r)
	}
	score, max := rep.Score()
	fmt.Fprintf(w, "\nscore: %d/%d", score, max)
	if max > 0 {
		fmt.Fprintf(w, " (%.0f%%)", 100*float64(score)/float64(max))
	}
	fmt.Fprintf(w, " on %s in %.1f s, seed %d\n", plural(len(rep.Results), "check"), rep.Elapsed.Seconds(), rep.Seed)
	if n := rep.Errors(); n > 0 {
		fmt.Fprintln(w, wrap(errorsNote(n)+" Run again, and tell your TA if it persists.", width, ""))
	}
}

// errorsNote says that n checks errored, and what that means for the score.
func errorsNote(n int) string {
	return plural(n, "check") + " could not be graded because the grader itself failed, which counts neither for nor against you."
}

// plural is "1 check", "2 checks".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Detail renders one result that did not pass.
func (t *Text) detail(rep *grader.Report, r grader.Result) {
	w := t.W
	if r.Status == grader.Error {
		why := r.Err
		if why == "" {
			why = "(it gave no reason)"
		}
		fmt.Fprintf(w, "The grader failed while running this check (not your fault):\n%s\n", indent(why, "    "))
	}
	if r.Failure != nil {
		// The message is a sentence; what follows it is data, kept as is.
		msg, data, _ := strings.Cut(r.Failure.String(), "\n")
		fmt.Fprintln(w, wrap(msg, width, ""))
		if data != "" {
			fmt.Fprintln(w, data)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	if r.Check.Requirement != "" {
		fmt.Fprintln(w, wrap("requirement: "+r.Check.Requirement, width, "  "))
	}
	if len(r.Transcript) > 0 {
		head, tail := 12, 8
		if t.Verbose {
			head, tail = len(r.Transcript), 0
		}
		fmt.Fprintf(w, "transcript (what crossed the wire, as the grader saw it):\n%s", indent(trace.Excerpt(r.Transcript, head, tail), "  "))
		fmt.Fprintln(w)
	}
	if read := joinNonEmpty(rep.Suite.Handout, r.Check.Handout); read != "" {
		fmt.Fprintf(w, "read: %s\n", read)
	}
	fmt.Fprintf(w, "replay: %s\n", Replay(t.Command, rep, r.Check.ID))
	if t.PcapDir != "" && len(r.Transcript) > 0 {
		fmt.Fprintf(w, "pcap: %s (open it in Wireshark, or: tshark -r FILE)\n", filepath.Join(t.PcapDir, PcapName(r.Check.ID)))
	}
}

// Replay is the command that runs one check again exactly.
func Replay(command string, rep *grader.Report, checkID string) string {
	if command == "" {
		command = "socklab grade"
	}
	hidden := ""
	if rep.Hidden {
		hidden = " -hidden"
	}
	return fmt.Sprintf("%s -seed %d%s -run '^%s$' %s %s", command, rep.Seed, hidden, checkID, rep.Suite.ID, shellQuote(rep.Submission))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// buildFailure says that the build failed, and what it printed.
func buildFailure(b proc.BuildResult) string {
	why := strings.TrimPrefix(b.Err.Error(), proc.ErrBuild.Error()+": ")
	if b.Output.Total == 0 {
		return fmt.Sprintf("The build failed: %s. It printed nothing.", why)
	}
	return fmt.Sprintf("The build failed: %s. Its output:\n%s", why, indent(b.Output.String(), "    "))
}

// Write renders a whole report at once, for a caller that did not print
// lines live.
func (t *Text) Write(rep *grader.Report) {
	t.Header(rep.Suite, rep.Submission, rep.Seed)
	for _, r := range rep.Results {
		t.Line(r)
	}
	t.Summary(rep)
}

// width is the width of a terminal the text report is written for.
const width = 78

// rule is a title in a horizontal line, width wide unless the title is
// longer.
func rule(title string) string {
	s := "── " + title
	if n := width - 1 - utf8.RuneCountInString(s); n > 0 {
		s += " " + strings.Repeat("─", n)
	}
	return s
}

// wrap breaks the lines of s longer than width at spaces, continuing
// each with its own indentation plus cont. Shorter lines are kept as they
// are. It is for prose: a requirement, a failure's message.
func wrap(s string, width int, cont string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if utf8.RuneCountInString(line) <= width {
			out = append(out, line)
			continue
		}
		lead := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		cur := ""
		for _, word := range strings.Fields(line) {
			switch {
			case cur == "":
				cur = lead + word
			case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) > width:
				out = append(out, cur)
				cur = lead + cont + word
			default:
				cur += " " + word
			}
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
