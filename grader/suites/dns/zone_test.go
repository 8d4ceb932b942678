package dns

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The grader's zones are real zone files: for many seeds, the template
// renders to a zone that the kit's parser reads and NSD's checker loads,
// with the sizes the truncation checks rely on.
func TestGraderZones(t *testing.T) {
	checker, _ := exec.LookPath("nsd-checkzone")
	for seed := range uint64(20) {
		v := newZoneValues(rand.New(rand.NewPCG(seed, 1)))
		text, z, err := renderZone(v)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, text)
		}
		if z.Origin != origin {
			t.Fatalf("seed %d: origin %s", seed, z.Origin)
		}
		if v.Minimum >= v.DefaultTTL {
			t.Errorf("seed %d: the SOA minimum %d must be below its TTL %d, or the negative TTL shows nothing", seed, v.Minimum, v.DefaultTTL)
		}
		if checker == "" {
			continue
		}
		path := filepath.Join(t.TempDir(), "example.org.zone")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(checker, "example.org", path).CombinedOutput(); err != nil {
			t.Fatalf("seed %d: nsd-checkzone: %v\n%s\n%s", seed, err, out, text)
		}
	}
	if checker == "" {
		t.Log("nsd-checkzone not installed (apt-get install nsd): checked with the kit's parser only")
	}
}
