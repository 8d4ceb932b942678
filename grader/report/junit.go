package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/socklab/socklab/grader"
)

// JUnit XML, the report most CI systems show as test results (Jenkins,
// GitLab, GitHub Actions through a reporter action). There is no
// standard; this is the common subset: a <testsuites> with one
// <testsuite> per assignment, one <testcase> per check, a <failure> for
// a failed check and an <error> for one the grader could not grade, and
// the seed and score as properties.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	// Classname groups checks by topic, as CI systems group classes:
	// "smtp-client.session" for "smtp-client/session/quit-waits".
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"` // readable as it is in the XML`
}

// WriteJUnit writes rep as JUnit XML. A failure's text is the text
// report's account of it, expected, actual and transcript; its message
// attribute the first line of that.
func WriteJUnit(w io.Writer, rep *grader.Report, command string) error {
	score, max := rep.Score()
	s := junitSuite{
		Name:  rep.Suite.ID,
		Tests: len(rep.Results),
		Time:  seconds(rep.Elapsed),
		Properties: []junitProperty{
			{"seed", fmt.Sprint(rep.Seed)},
			{"score", fmt.Sprint(score)},
			{"max_score", fmt.Sprint(max)},
			{"submission", rep.Submission},
		},
	}
	if rep.Build.Err != nil {
		s.SystemOut = buildFailure(rep.Build)
	}
	for _, r := range rep.Results {
		id := r.Check.ID
		class, name := id, id
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			class, name = strings.ReplaceAll(id[:i], "/", "."), id[i+1:]
		}
		c := junitCase{Classname: class, Name: fmt.Sprintf("%s (%d/%d): %s", name, r.Score, r.Check.Points, r.Check.Name), Time: seconds(r.Elapsed)}
		if r.Status != grader.Pass {
			var b bytes.Buffer
			(&Text{W: &b, Command: command}).detail(rep, r)
			p := &junitProblem{Message: oneLine(r), Type: r.Status.String(), Text: b.String()}
			if r.Status == grader.Error {
				c.Error = p
				s.Errors++
			} else {
				c.Failure = p
				s.Failures++
			}
		}
		s.Cases = append(s.Cases, c)
	}
	all := junitSuites{Name: "socklab", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// oneLine is why r did not pass, in a line.
func oneLine(r grader.Result) string {
	why := r.Err
	if r.Failure != nil {
		why = r.Failure.Message
	}
	first, _, _ := strings.Cut(why, "\n")
	return first
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
