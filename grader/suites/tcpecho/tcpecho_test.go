package tcpecho_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/tcpecho"
)

// These tests prove the checks right on whole submissions: the reference
// and independent solutions in Python and C must lose nothing, each broken
// submission in testdata/broken, one realistic mistake apiece, must lose
// exactly the checks its mistake breaks, the starter must score low, and
// the reference must keep its score when graded many times on a busy
// machine. The comment at the top of each broken program says what it does
// wrong and which checks it must lose, and why, from the handout's rules.

// root is the repository root, from this package's directory.
const root = "../../.."

func TestSuiteIsValid(t *testing.T) {
	if err := tcpecho.Suite.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The checks, by ID, as `socklab list tcp-echo` prints them.
const (
	oneLine           = "tcp-echo/server/one-line"
	otherBytes        = "tcp-echo/server/other-bytes"
	manyLines         = "tcp-echo/server/many-lines"
	oneByteSegments   = "tcp-echo/server/one-byte-segments"
	splitAndCoalesced = "tcp-echo/server/split-and-coalesced"
	longLine          = "tcp-echo/server/long-line"
	veryLongLine      = "tcp-echo/server/very-long-line"
	concurrentClients = "tcp-echo/server/concurrent-clients"
	stalledClient     = "tcp-echo/server/stalled-client"
	halfClose         = "tcp-echo/server/half-close"
	reset             = "tcp-echo/server/reset"
	clientLines       = "tcp-echo/client/lines"
	slicedDelayed     = "tcp-echo/client/sliced-delayed-server"
	clientLongLine    = "tcp-echo/client/long-line"
	clientLargeInput  = "tcp-echo/client/large-input"
	clientServerDown  = "tcp-echo/client/server-down"
)

func TestSubmissions(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		lose []string // the checks it must fail; it must pass all others
	}{
		{"reference", root + "/reference/tcp-echo", nil},
		{"python-correct", "testdata/python-correct", nil},
		{"c-correct", "testdata/c-correct", nil},
		{"c-fork-correct", "testdata/c-fork-correct", nil},

		// Servers (with the reference client).
		{"server-textbook", "testdata/broken/server-textbook", []string{otherBytes, manyLines, oneByteSegments,
			splitAndCoalesced, longLine, veryLongLine, concurrentClients, stalledClient, halfClose, reset}},
		{"server-iterative", "testdata/broken/server-iterative", []string{concurrentClients, stalledClient}},
		{"server-decode-utf8", "testdata/broken/server-decode-utf8", []string{otherBytes}},
		{"server-recv-is-a-line", "testdata/broken/server-recv-is-a-line",
			[]string{oneByteSegments, splitAndCoalesced, longLine, veryLongLine, stalledClient}},
		{"server-64k-buffer", "testdata/broken/server-64k-buffer", []string{veryLongLine}},
		{"server-no-close", "testdata/broken/server-no-close", []string{halfClose}},
		{"server-dies-on-reset", "testdata/broken/server-dies-on-reset", []string{reset}},
		{"server-sigpipe", "testdata/broken/server-sigpipe", []string{reset}},

		// Clients (with the reference server).
		{"client-textbook", "testdata/broken/client-textbook", []string{slicedDelayed, clientLongLine, clientLargeInput}},
		{"client-print-lines", "testdata/broken/client-print-lines", []string{clientLines, slicedDelayed, clientLongLine, clientLargeInput}},
		{"client-no-half-close", "testdata/broken/client-no-half-close", []string{clientLines, slicedDelayed, clientLongLine, clientLargeInput}},
		{"client-decode-chunks", "testdata/broken/client-decode-chunks", []string{slicedDelayed}},
		{"client-sends-all-first", "testdata/broken/client-sends-all-first", []string{clientLargeInput}},
		{"client-exit-zero", "testdata/broken/client-exit-zero", []string{clientServerDown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gradertest.ExpectLost(t, tcpecho.Suite, tt.dir, tt.lose...)
		})
	}
}

func TestStarterScoresLow(t *testing.T) {
	t.Parallel()
	gradertest.ExpectScoreBelow(t, tcpecho.Suite, root+"/assignments/tcp-echo", 0.25)
}

// TestDeterministicUnderLoad grades the reference many times with one seed
// while other processes keep both CPUs busy: every check must pass every
// time, so every run gets the same statuses and the same score. A check
// that judges by the clock instead of by what crossed the wire shows here
// as a check that fails, or errors, now and then.
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference 20 times")
	}
	gradertest.ExpectDeterministic(t, tcpecho.Suite, root+"/reference/tcp-echo", 20, 4, 2)
}
