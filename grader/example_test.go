package grader_test

import (
	"context"
	"fmt"
	"regexp"

	"github.com/socklab/socklab/grader"
)

func ExampleSuite_Select() {
	noop := func(*grader.T) {}
	s := &grader.Suite{ID: "udp-echo", Checks: []*grader.Check{
		{ID: "udp-echo/server/letters", Points: 2, Run: noop},
		{ID: "udp-echo/server/empty", Points: 1, Run: noop},
		{ID: "udp-echo/server/flood", Points: 3, Visibility: grader.Hidden, Run: noop},
		{ID: "udp-echo/client/loss", Points: 3, Run: noop},
	}}
	// What a student's `socklab grade -run server/` runs:
	for _, c := range s.Select(regexp.MustCompile("server/"), false) {
		fmt.Println(c.ID, c.Points)
	}
	// And what a TA's `socklab grade -hidden` is out of:
	fmt.Println("hidden too:", grader.Points(s.Select(nil, true)), "points")
	// Output:
	// udp-echo/server/letters 2
	// udp-echo/server/empty 1
	// hidden too: 9 points
}

// A check is data; its Run function judges with T. This one needs no
// program, so the submission directory may be any directory.
func ExampleRunner() {
	s := &grader.Suite{ID: "demo", Title: "a demonstration", Checks: []*grader.Check{{
		ID: "demo/arithmetic/sum", Name: "Sums add up", Points: 2,
		Requirement: "2 + 2 is 4", Handout: "§1",
		Run: func(t *grader.T) {
			t.Expect("the sum", 4, 2+3)
		},
	}}}
	r := &grader.Runner{Suite: s, Submission: grader.Submission{Dir: "."}, Seed: 1, NoBuild: true}
	rep, err := r.Grade(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	res := rep.Results[0]
	fmt.Println(res.Check.ID, res.Status)
	fmt.Println(res.Failure.Message)
	fmt.Println("expected", res.Failure.Expected, "actual", res.Failure.Actual)
	score, max := rep.Score()
	fmt.Printf("%d/%d\n", score, max)
	// Output:
	// demo/arithmetic/sum fail
	// the sum is wrong
	// expected 4 actual 5
	// 0/2
}
