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
