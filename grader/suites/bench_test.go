package suites_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/proc"
)

// BenchmarkGradeReference measures what a student waits for: grading a
// reference solution, all public checks, with the default parallelism. The
// build is done once, outside the timing, as a student's rerun finds it
// done. Run it with
//
//	go test -run '^$' -bench GradeReference -benchtime 5x ./grader/suites/
//
// and read sec/op. A timed assertion would be a flaky test; the figure goes
// in the report instead.
func BenchmarkGradeReference(b *testing.B) {
	for _, s := range grader.Suites() {
		b.Run(s.ID, func(b *testing.B) {
			dir, err := filepath.Abs(filepath.Join("..", "..", "reference", s.ID))
			if err != nil {
				b.Fatal(err)
			}
			if br := proc.Build(context.Background(), dir, 0); br.Err != nil {
				b.Fatalf("building %s: %v\n%s", dir, br.Err, br.Output)
			}
			b.ResetTimer()
			for b.Loop() {
				r := &grader.Runner{Suite: s, Submission: grader.Submission{Dir: dir}, Seed: 1, NoBuild: true}
				rep, err := r.Grade(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if score, max := rep.Score(); score != max {
					b.Fatalf("%s reference scored %d/%d", s.ID, score, max)
				}
			}
		})
	}
}
