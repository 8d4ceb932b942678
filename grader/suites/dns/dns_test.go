package dns_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/dns"
)

// These tests prove the checks right on whole submissions: the reference
// loses nothing, the starter scores low, and each broken server in
// testdata/broken, one realistic mistake apiece, loses exactly the checks
// its mistake breaks. Each broken server is the reference with one patch
// (its bug.patch, applied at build time through `go build -overlay`); the
// patch's header says what it breaks and why, from the handout's rules.

// root is the repository root, from this package's directory.
const root = "../../.."

func TestReference(t *testing.T) {
	t.Parallel()
	gradertest.ExpectLost(t, dns.Suite, root+"/reference/dns")
}

func TestStarterScoresLow(t *testing.T) {
	t.Parallel()
	gradertest.ExpectScoreBelow(t, dns.Suite, root+"/assignments/dns", 0.1)
}

// TestDeterministicUnderLoad grades the reference many times with one seed
// while other processes keep both CPUs busy: every run must get the same
// statuses and the same score.
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference 20 times")
	}
	gradertest.ExpectDeterministic(t, dns.Suite, root+"/reference/dns", 20, 4, 2)
}
