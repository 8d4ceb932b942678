package smtpclient_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/smtpclient"
)

// These tests prove the checks right on whole submissions: the reference
// loses nothing, the starter scores low, each broken client in
// testdata/broken (the reference with one realistic mistake, made by its
// bug.patch at build time) loses exactly the checks its mistake breaks,
// and the reference keeps its score on a busy machine.

// root is the repository root, from this package's directory.
const root = "../../.."

func TestSuiteIsValid(t *testing.T) {
	if err := smtpclient.Suite.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	gradertest.ExpectLost(t, smtpclient.Suite, root+"/reference/smtp-client")
}

func TestStarterScoresLow(t *testing.T) {
	t.Parallel()
	gradertest.ExpectScoreBelow(t, smtpclient.Suite, root+"/assignments/smtp-client", 0.1)
}

// TestDeterministicUnderLoad grades the reference many times with one seed
// while other processes keep both CPUs busy: every run must pass every
// check.
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference 20 times")
	}
	gradertest.ExpectDeterministic(t, smtpclient.Suite, root+"/reference/smtp-client", 20, 4, 2)
}

// TestBroken grades each broken client in testdata/broken: each must lose
// exactly the checks its patch's header lists, and pass every other.
func TestBroken(t *testing.T) {
	const (
		greetingFirst = "smtp-client/session/greeting-first"
		slowGreeting  = "smtp-client/session/slow-greeting"
		heloFallback  = "smtp-client/session/helo-fallback"
		quitWaits     = "smtp-client/session/quit-waits"
		multiline     = "smtp-client/replies/multiline"
		oneByte       = "smtp-client/replies/one-byte-segments"
		codesNotText  = "smtp-client/replies/codes-not-text"
		someRejected  = "smtp-client/envelope/some-rejected"
		noneAccepted  = "smtp-client/envelope/none-accepted"
		bareLF        = "smtp-client/message/bare-lf"
		dotStuffing   = "smtp-client/message/dot-stuffing"
		lastLine      = "smtp-client/message/last-line"
		eightBit      = "smtp-client/message/8bit"
		mailRejected  = "smtp-client/errors/mail-rejected"
		dataRejected  = "smtp-client/errors/data-rejected"
		closing421    = "smtp-client/errors/421"
		greeting554   = "smtp-client/errors/greeting-554"
	)
	tests := []struct {
		name string
		lose []string
	}{
		// §2 The session.
		{"no-greeting-wait", []string{greetingFirst, multiline, greeting554, closing421}},
		{"short-timeout", []string{slowGreeting}},
		{"no-helo-fallback", []string{heloFallback}},
		{"closes-before-221", []string{quitWaits}},
		{"no-quit", []string{quitWaits, noneAccepted, eightBit, mailRejected, dataRejected, greeting554}},
		// §3 Replies.
		{"one-recv", []string{multiline, oneByte}},
		{"judges-by-text", []string{codesNotText}},
		// §4 The envelope.
		{"stops-at-first-rejected", []string{someRejected, noneAccepted, codesNotText}},
		{"data-without-recipients", []string{noneAccepted}},
		// §5 The message.
		{"no-dot-stuffing", []string{dotStuffing}},
		{"bare-lf", []string{bareLF, lastLine}},
		// §6 Errors and exit status.
		{"exit-0-on-rejected", []string{someRejected, codesNotText}},
		{"ignores-421", []string{closing421}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gradertest.ExpectLost(t, smtpclient.Suite, "testdata/broken/"+tt.name, tt.lose...)
		})
	}
}
