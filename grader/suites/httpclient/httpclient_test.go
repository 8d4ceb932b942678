package httpclient_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/httpclient"
)

// These tests prove the checks right on whole submissions: the reference
// loses nothing, the starter scores low, each broken client in
// testdata/broken (the reference with one realistic mistake, made by its
// bug.patch at build time) loses exactly the checks its mistake breaks,
// and the reference keeps its score on a busy machine.

// root is the repository root, from this package's directory.
const root = "../../.."

func TestSuiteIsValid(t *testing.T) {
	if err := httpclient.Suite.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	gradertest.ExpectLost(t, httpclient.Suite, root+"/reference/http-client")
}

func TestStarterScoresLow(t *testing.T) {
	t.Parallel()
	gradertest.ExpectScoreBelow(t, httpclient.Suite, root+"/assignments/http-client", 0.1)
}

// TestDeterministicUnderLoad grades the reference many times with one seed
// while other processes keep both CPUs busy: every run must pass every
// check.
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference 20 times")
	}
	gradertest.ExpectDeterministic(t, httpclient.Suite, root+"/reference/http-client", 20, 4, 2)
}

// TestBroken grades each broken client in testdata/broken: each must lose
// exactly the checks its patch's header lists, and pass every other.
func TestBroken(t *testing.T) {
	const (
		requestHost   = "http-client/request/host"
		requestCRLF   = "http-client/request/crlf"
		chunked       = "http-client/body/chunked"
		chunkExts     = "http-client/body/chunk-extensions"
		head          = "http-client/body/head"
		interim       = "http-client/body/interim"
		binary        = "http-client/body/binary"
		oneByte       = "http-client/body/one-byte-segments"
		splitLines    = "http-client/body/split-lines"
		reuse         = "http-client/conn/reuse"
		connClose     = "http-client/conn/close"
		serverClosed  = "http-client/conn/server-closed"
		redirectLoop  = "http-client/redirect/loop"
		conditional   = "http-client/cache/conditional-get"
		jarFile       = "http-client/cookie/jar-file"
		statusErrors  = "http-client/status/errors"
		closedInChunk = "http-client/errors/closed-mid-chunk"
	)
	tests := []struct {
		name string
		lose []string
	}{
		// §2 Messages.
		{"no-host", []string{requestHost}},
		{"bare-lf", []string{requestCRLF}},
		// §3 How long is the body.
		{"one-recv", []string{binary, oneByte, splitLines}},
		{"ignores-chunked", []string{chunked, chunkExts, splitLines, closedInChunk}},
		{"body-after-head", []string{head}},
		{"interim-as-final", []string{interim}},
		// §4 Persistent connections.
		{"connection-per-url", []string{reuse}},
		{"ignores-connection-close", []string{connClose}},
		{"no-retry", []string{serverClosed}},
		// §5, §6, §7, §8.
		{"redirects-forever", []string{redirectLoop}},
		{"ignores-304", []string{conditional}},
		{"forgets-cookies", []string{jarFile}},
		{"error-status-success", []string{statusErrors}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gradertest.ExpectLost(t, httpclient.Suite, "testdata/broken/"+tt.name, tt.lose...)
		})
	}
}
