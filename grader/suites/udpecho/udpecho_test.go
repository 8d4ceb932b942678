package udpecho_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/udpecho"
)

// These tests prove the checks right on whole submissions: the reference
// and an independent Python solution must lose nothing, and each broken
// submission in testdata/broken, one realistic mistake apiece, must lose
// exactly the checks its mistake breaks. The comment at the top of each
// broken program says what it does wrong and which checks it must lose,
// and why, from the handout's rules.

// root is the repository root, from this package's directory.
const root = "../../.."

// The checks, by ID, as `socklab list udp-echo` prints them.
const (
	letters            = "udp-echo/server/letters"
	otherBytes         = "udp-echo/server/other-bytes"
	empty              = "udp-echo/server/empty"
	maxSize            = "udp-echo/server/max-size"
	oneReplyEach       = "udp-echo/server/one-reply-each"
	interleavedClients = "udp-echo/server/interleaved-clients"
	survivesGarbage    = "udp-echo/server/survives-garbage"
	replies            = "udp-echo/client/replies"
	pingFormat         = "udp-echo/client/ping-format"
	loss               = "udp-echo/client/loss"
	duplicates         = "udp-echo/client/duplicates"
	lateReply          = "udp-echo/client/late-reply"
	statistics         = "udp-echo/client/statistics"
	rtt                = "udp-echo/client/rtt"
	waitsTimeout       = "udp-echo/client/waits-timeout"
	serverDown         = "udp-echo/client/server-down"
)

func TestSubmissions(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		lose []string // the checks it must fail; it must pass all others
	}{
		{"reference", root + "/reference/udp-echo", nil},
		{"python-correct", "testdata/python-correct", nil},

		// Servers (with the reference pinger).
		{"server-recv-2048", "testdata/broken/server-recv-2048", []string{maxSize}},
		{"server-decode-utf8", "testdata/broken/server-decode-utf8", []string{otherBytes, survivesGarbage}},
		{"server-latin1-upper", "testdata/broken/server-latin1-upper", []string{otherBytes, survivesGarbage}},
		{"server-bytes-toupper", "testdata/broken/server-bytes-toupper", []string{otherBytes}},
		{"server-strips", "testdata/broken/server-strips", []string{otherBytes}},
		{"server-skips-empty", "testdata/broken/server-skips-empty", []string{empty}},
		{"server-connects", "testdata/broken/server-connects", []string{interleavedClients}},
		{"server-replies-twice", "testdata/broken/server-replies-twice", []string{oneReplyEach}},
		{"server-no-loop", "testdata/broken/server-no-loop",
			[]string{letters, otherBytes, empty, oneReplyEach, interleavedClients, survivesGarbage}},

		// Pingers (with the reference server).
		{"client-no-timeout", "testdata/broken/client-no-timeout",
			[]string{loss, duplicates, lateReply, statistics, waitsTimeout, serverDown}},
		{"client-any-reply", "testdata/broken/client-any-reply", []string{duplicates, lateReply}},
		{"client-counts-duplicates", "testdata/broken/client-counts-duplicates", []string{duplicates}},
		{"client-rtt-seconds", "testdata/broken/client-rtt-seconds", []string{rtt}},
		{"client-fixed-timeout", "testdata/broken/client-fixed-timeout", []string{waitsTimeout}},
		{"client-textbook-timeout", "testdata/broken/client-textbook-timeout", []string{waitsTimeout}},
		{"client-ping-no-space", "testdata/broken/client-ping-no-space", []string{pingFormat}},
		{"client-avg-over-sent", "testdata/broken/client-avg-over-sent", []string{statistics}},
		{"client-exit-zero", "testdata/broken/client-exit-zero", []string{serverDown}},
		{"client-ping8-format", "testdata/broken/client-ping8-format",
			[]string{replies, loss, duplicates, lateReply, statistics, rtt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gradertest.ExpectLost(t, udpecho.Suite, tt.dir, tt.lose...)
		})
	}
}

func TestStarterScoresLow(t *testing.T) {
	t.Parallel()
	gradertest.ExpectScoreBelow(t, udpecho.Suite, root+"/assignments/udp-echo", 0.5)
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
	gradertest.ExpectDeterministic(t, udpecho.Suite, root+"/reference/udp-echo", 20, 4, 2)
}
