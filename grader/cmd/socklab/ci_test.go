package main

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
)

// cliFlaky is a suite whose one check fails with odd seeds: a flaky
// submission, as -repeat must show it.
var cliFlaky = &grader.Suite{
	ID:      "cli-flaky",
	Title:   "a flaky check",
	Roles:   []string{"server"},
	Handout: "handouts/cli-test.md",
	Checks: []*grader.Check{
		{ID: "cli-flaky/topic/steady", Name: "It passes", Points: 1, Requirement: "nothing", Handout: "§1",
			Run: func(t *grader.T) {}},
		{ID: "cli-flaky/topic/odd", Name: "It fails with odd seeds", Points: 1, Requirement: "an even seed", Handout: "§1",
			Run: func(t *grader.T) { t.Expect("the seed's parity", uint64(0), t.Seed()%2) }},
	},
}

func init() { grader.Register(cliFlaky) }

func TestGradeJUnit(t *testing.T) {
	t.Parallel()
	r := socklab("grade", "-format", "junit", "-run", "passes|fails", "cli-test", t.TempDir())
	require.Equal(t, exitOK, r.code, r.stderr)
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(r.stdout), &doc), "stdout is not only XML:\n%s", r.stdout)
	require.Len(t, doc.Suites, 1)
	assert.Equal(t, "cli-test", doc.Suites[0].Name)
	assert.Equal(t, 2, doc.Suites[0].Tests)
	assert.Equal(t, 1, doc.Suites[0].Failures)
}

func TestGradeClassroom(t *testing.T) {
	t.Parallel()
	r := socklab("grade", "-format", "classroom", "-run", "passes|fails", "cli-test", t.TempDir())
	require.Equal(t, exitOK, r.code, r.stderr)
	j, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.stdout))
	require.NoError(t, err, "stdout is not only base64:\n%s", r.stdout)
	var c report.Classroom
	require.NoError(t, json.Unmarshal(j, &c))
	assert.Equal(t, 1, c.Version)
	assert.Equal(t, "fail", c.Status)
	assert.Equal(t, 3, c.MaxScore)
	require.Len(t, c.Tests, 2)
	assert.Equal(t, "pass", c.Tests[0].Status)
	assert.Equal(t, 1, c.Tests[0].Score)
	assert.Equal(t, "fail", c.Tests[1].Status)
	assert.Contains(t, c.Tests[1].Message, "the answer")
}

// Each student's own seed, printed for the TA to replay.
func TestGradeSeedFrom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seeds := map[string]uint64{}
	for _, name := range []string{"alice", "bob"} {
		r := socklab("grade", "-seed-from", name, "-run", "passes", "cli-test", dir)
		require.Equal(t, exitOK, r.code, r.stderr)
		seeds[name] = grader.SeedFrom(name)
		assert.Contains(t, r.stdout, fmt.Sprintf("seed %d", grader.SeedFrom(name)))
	}
	assert.NotEqual(t, seeds["alice"], seeds["bob"])
	assert.Equal(t, seeds["alice"], grader.SeedFrom(" alice "), "spaces around the name do not count")
}

func TestGradeRepeat(t *testing.T) {
	t.Parallel()
	r := socklab("grade", "-repeat", "4", "-seed", "1", "cli-flaky", t.TempDir())
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, want := range []string{
		"run 1 of 4, seed 1: 1/2",
		"run 2 of 4, seed 2: 2/2",
		"4/4   cli-flaky/topic/steady\n",
		"2/4   cli-flaky/topic/odd ",
		"FLAKY: failed with seed 1 and 3; replay: socklab grade -seed 1 -run '^cli-flaky/topic/odd$' cli-flaky ",
		"1 checks passed every time, 0 failed every time, 1 are flaky",
	} {
		assert.Contains(t, r.stdout, want)
	}
}

// -must-pass: a CI step fails unless every check passed.
func TestGradeMustPass(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	assert.Equal(t, exitOK, socklab("grade", "-must-pass", "-run", "passes", "cli-test", dir).code)
	r := socklab("grade", "-must-pass", "-run", "passes|fails", "cli-test", dir)
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stdout, "score: 1/3")
	assert.Empty(t, r.stderr, "the report says what failed; nothing more on stderr")
}

func TestGradeHiddenVisibility(t *testing.T) {
	r := socklab("grade", "-hidden-visibility", "later", "cli-test", t.TempDir())
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `-hidden-visibility must be after_due_date or hidden, not "later"`)
}

// -pcap writes each check's traffic as a pcap file, a passed check's
// too, and the report of a failed one names its file.
func TestGradePcap(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the udp-echo starter")
	}
	dir := t.TempDir()
	r := socklab("grade", "-pcap", dir, "-run", "server/letters$", "udp-echo", filepath.Join(root(t), "assignments/udp-echo"))
	require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	file := filepath.Join(dir, "udp-echo_server_letters.pcap")
	assert.Contains(t, r.stdout, "pcap: "+file)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Greater(t, len(b), 24, "a pcap file header and at least one packet")
	assert.Equal(t, []byte{0xd4, 0xc3, 0xb2, 0xa1}, b[:4], "the pcap magic number, little-endian")
}
