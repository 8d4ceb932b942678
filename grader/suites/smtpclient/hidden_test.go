//go:build hidden

package smtpclient_test

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/smtpclient"
)

// TestHiddenChecks grades the hidden checks (make test runs it with
// -tags hidden): the reference and smtplib pass them, and a client that
// does not dot-stuff fails the large message.
func TestHiddenChecks(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		pass bool
	}{
		{root + "/reference/smtp-client", true},
		{"testdata/smtplib", true},
		{"testdata/broken/no-dot-stuffing", false},
	} {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			t.Parallel()
			gradertest.Build(t, tt.dir)
			dir, _ := filepath.Abs(tt.dir)
			r := &grader.Runner{Suite: smtpclient.Suite, Submission: grader.Submission{Dir: dir}, Seed: gradertest.Seed,
				Run: regexp.MustCompile(`^smtp-client/message/large$`), Hidden: true, NoBuild: true}
			rep, err := r.Grade(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 1 {
				t.Fatalf("%d hidden checks graded, want 1", len(rep.Results))
			}
			if got := rep.Results[0].Status == grader.Pass; got != tt.pass {
				t.Errorf("passed %v, want %v\n%s", got, tt.pass, gradertest.Text(rep))
			}
		})
	}
}
