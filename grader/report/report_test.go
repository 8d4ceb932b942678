package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/report"
	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/trace"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test ./grader/report -update", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is right, run go test ./grader/report -update:\n%s", path, diff)
	}
}

var udpEcho = &grader.Suite{
	ID:      "udp-echo",
	Title:   "UDP uppercase server and pinger",
	Roles:   []string{"server", "client"},
	Handout: "handouts/udp-echo.md",
	Checks: []*grader.Check{
		{ID: "udp-echo/server/letters", Name: "Letters are uppercased", Points: 2,
			Requirement: `"Each ASCII letter a-z is replaced by A-Z." (handout §2)`, Handout: "§2 The server"},
		{ID: "udp-echo/server/max-size", Name: "A 4096-byte datagram is answered whole", Points: 2,
			Requirement: `"The server answers each datagram with one datagram of the same length, in which each ASCII letter a-z is replaced by A-Z; datagrams of up to 4096 bytes must be answered whole." (handout §2)`,
			Handout:     "§2 The server"},
		{ID: "udp-echo/client/loss", Name: "Lost pings and replies time out", Points: 3,
			Requirement: `"If no reply arrives within the timeout, print Request timed out: seq=N." (handout §3)`,
			Handout:     "§3 The client (UDP pinger)"},
		{ID: "udp-echo/server/flood", Name: "A flood of datagrams does not stop the server", Points: 4,
			Visibility: grader.Hidden, Requirement: `"No datagram may stop the server." (handout §2)`,
			Handout: "§2 The server"},
	},
}

var (
	server = netip.MustParseAddrPort("127.0.0.1:23777")
	client = netip.MustParseAddrPort("127.0.0.1:41000")
)

// transcript is a failing check's record, with fixed times.
func transcript(n int) []trace.Event {
	events := []trace.Event{
		{At: 1 * time.Millisecond, Kind: trace.Note, Text: "started bin/server -port 23777 (pid 4242)"},
		{At: 20 * time.Millisecond, Kind: trace.Send, Proto: "udp", From: "grader", To: "your server",
			Src: client, Dst: server, Size: 4096, Data: []byte("the textbook's recvfrom(2048) cuts this short: ")},
		{At: 21 * time.Millisecond, Kind: trace.Recv, Proto: "udp", From: "your server", To: "grader",
			Src: server, Dst: client, Size: 2048, Data: []byte("THE TEXTBOOK'S RECVFROM(2048) CUTS THIS SHORT: ")},
		{At: 22 * time.Millisecond, Kind: trace.Fate, Proto: "udp", Text: `up #1: dropped (script) "PING 1"`},
	}
	for i := len(events); i < n; i++ {
		events = append(events, trace.Event{At: time.Duration(30+i) * time.Millisecond, Kind: trace.Note,
			Text: fmt.Sprintf("note %d", i+1)})
	}
	return events
}

// sample is a report with a pass, a failure with a diff and a transcript,
// an error and a hidden pass.
func sample() *grader.Report {
	c := udpEcho.Checks
	return &grader.Report{
		Suite:      udpEcho,
		Submission: "submissions/ada lovelace",
		Seed:       42,
		Hidden:     true,
		Started:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Elapsed:    3250 * time.Millisecond,
		Results: []grader.Result{
			{Check: c[0], Status: grader.Pass, Score: 2, Elapsed: 20 * time.Millisecond},
			{Check: c[1], Status: grader.Fail, Elapsed: 40 * time.Millisecond,
				Failure: &grader.Failure{
					Message:  "the reply to a 4096-byte datagram is wrong (4096 bytes expected, 2048 received); the first difference is at byte 2048",
					Expected: `"THE TEXTBOOK'S RECVFROM(2048) CUTS THIS SHORT: \xf3…" (4096 bytes)`,
					Actual:   `"THE TEXTBOOK'S RECVFROM(2048) CUTS THIS SHORT: \xf3…" (2048 bytes)`,
					Diff:     "  []uint8{\n  \t... // 2048 identical elements\n- \t0x41, 0x42,\n  }\n",
				},
				Notes:      []string{"your server printed on stderr:\n    server: buffer of 2048 bytes"},
				Transcript: transcript(25),
			},
			{Check: c[2], Status: grader.Error, Elapsed: 5 * time.Millisecond,
				Err:        "starting the impairment proxy: listen udp 127.0.0.1:0: socket: too many open files",
				Transcript: transcript(1),
			},
			{Check: c[3], Status: grader.Pass, Score: 4, Elapsed: 1500 * time.Millisecond},
		},
	}
}

// buildFailed is a report of a submission whose build failed.
func buildFailed() *grader.Report {
	out := "cc -Wall -o bin/server server.c\nserver.c:12:5: error: expected ';' before 'return'\nmake: *** [Makefile:2: build] Error 1\n"
	b := proc.BuildResult{
		Ran:     true,
		Output:  proc.Output{Head: []byte(out), Total: int64(len(out))},
		Elapsed: 300 * time.Millisecond,
		Err:     fmt.Errorf("%w: `make build` failed (exit status 2)", proc.ErrBuild),
	}
	rep := &grader.Report{Suite: udpEcho, Submission: ".", Seed: 1, Build: b, Elapsed: 310 * time.Millisecond}
	for _, c := range udpEcho.Checks[:3] {
		rep.Results = append(rep.Results, grader.Result{Check: c, Status: grader.Fail,
			Failure: &grader.Failure{Err: proc.ErrBuild,
				Message: "`make build` failed (exit status 2), so this check could not run; the build's last output:\n" +
					"    server.c:12:5: error: expected ';' before 'return'\n    make: *** [Makefile:2: build] Error 1"}})
	}
	return rep
}

func TestTextGolden(t *testing.T) {
	tests := []struct {
		name    string
		rep     *grader.Report
		verbose bool
	}{
		{"text.golden", sample(), false},
		{"text-verbose.golden", sample(), true},
		{"text-build.golden", buildFailed(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			(&report.Text{W: &b, Command: "socklab grade", Verbose: tt.verbose}).Write(tt.rep)
			golden(t, tt.name, b.Bytes())
		})
	}
}

// Write is the live report's parts in order: a CLI that prints lines as
// checks finish prints the same.
func TestTextWriteIsLive(t *testing.T) {
	rep := sample()
	var whole, live bytes.Buffer
	(&report.Text{W: &whole}).Write(rep)
	tx := &report.Text{W: &live}
	tx.Header(rep.Suite, rep.Submission, rep.Seed)
	for _, r := range rep.Results {
		tx.Line(r)
	}
	tx.Summary(rep)
	if diff := cmp.Diff(whole.String(), live.String()); diff != "" {
		t.Error(diff)
	}
}

func TestReplay(t *testing.T) {
	rep := sample()
	tests := []struct {
		command, dir string
		hidden       bool
		want         string
	}{
		{"", ".", false, "socklab grade -seed 42 -run '^udp-echo/server/letters$' udp-echo ."},
		{"go run ./grader/cmd/socklab grade", "reference/udp-echo", true,
			"go run ./grader/cmd/socklab grade -seed 42 -hidden -run '^udp-echo/server/letters$' udp-echo reference/udp-echo"},
		{"socklab grade", "ada lovelace", false, "socklab grade -seed 42 -run '^udp-echo/server/letters$' udp-echo 'ada lovelace'"},
		{"socklab grade", "it's", false, `socklab grade -seed 42 -run '^udp-echo/server/letters$' udp-echo 'it'\''s'`},
	}
	for _, tt := range tests {
		rep.Submission, rep.Hidden = tt.dir, tt.hidden
		if got := report.Replay(tt.command, rep, "udp-echo/server/letters"); got != tt.want {
			t.Errorf("Replay(%q, %q) = %s\nwant %s", tt.command, tt.dir, got, tt.want)
		}
	}
}
