// Package grader is socklab's engine: an assignment is a Suite of Checks, a
// check is data (an id, points, the requirement it tests, and a function),
// and a Runner grades one submission by running each check against fresh
// processes with its own ports, transcript and random stream.
//
// A check is to the grader what a test is to `go test`. Its function gets a
// *T, which starts the submission's programs, opens (impaired) links to
// them, records what crosses the wire, and fails the check with what was
// expected and what happened instead:
//
//	{ID: "udp-echo/server/letters", Points: 2, Visibility: grader.Public,
//	 Requirement: "Each letter a-z in a datagram is replaced by A-Z ...",
//	 Handout: "§2 The server",
//	 Run: func(t *grader.T) {
//		srv := t.StartServer("server", "udp")
//		c := t.DialUDP(srv)
//		c.Send([]byte("Hello, world"))
//		t.ExpectBytes("the reply", []byte("HELLO, WORLD"), c.Recv())
//	 }}
//
// A check passes, fails (the student's loss, with the reason), or errors:
// the grader itself broke, which never costs the student a point.
package grader

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Visibility says who sees a check.
type Visibility int

const (
	// Public checks ship with the starter code; students run them.
	Public Visibility = iota
	// Hidden checks live behind the `hidden` build tag: TAs and Gradescope
	// run them, exported student repositories never contain them.
	Hidden
)

func (v Visibility) String() string {
	if v == Hidden {
		return "hidden"
	}
	return "public"
}

// Check is one graded requirement.
type Check struct {
	ID          string        // "<assignment>/<topic>/<name>", e.g. "udp-echo/server/letters"
	Name        string        // a short sentence: "Letters are uppercased"
	Points      int           // all or nothing
	Visibility  Visibility    //
	Requirement string        // the RFC or handout sentence it tests, quoted
	Handout     string        // the handout section to read when it fails: "§2 The server"
	TimeLimit   time.Duration // default DefaultTimeLimit
	Run         func(t *T)
}

// DefaultTimeLimit bounds a check that does not set its own.
const DefaultTimeLimit = 10 * time.Second

func (c *Check) timeLimit() time.Duration {
	if c.TimeLimit > 0 {
		return c.TimeLimit
	}
	return DefaultTimeLimit
}

// Suite is one assignment: its roles and its checks, in rubric order.
type Suite struct {
	ID      string   // "udp-echo"
	Title   string   // "UDP uppercase server and pinger"
	Roles   []string // the programs a submission provides: "server", "client"
	Handout string   // path from the repository root: "handouts/udp-echo.md"
	Checks  []*Check
}

// Select returns the checks to run: public ones, hidden ones too when
// hidden is set, and of those only the ones whose ID matches run (nil: all).
func (s *Suite) Select(run *regexp.Regexp, hidden bool) []*Check {
	var out []*Check
	for _, c := range s.Checks {
		if c.Visibility == Hidden && !hidden {
			continue
		}
		if run != nil && !run.MatchString(c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Points is the most a submission can score on the given checks.
func Points(checks []*Check) int {
	n := 0
	for _, c := range checks {
		n += c.Points
	}
	return n
}

// Validate reports the mistakes a TA can make when adding a check: a
// duplicate or malformed ID, no points, no requirement, no function.
func (s *Suite) Validate() error {
	var errs []string
	seen := map[string]bool{}
	for i, c := range s.Checks {
		if c == nil {
			errs = append(errs, fmt.Sprintf("check %d: nil", i+1))
			continue
		}
		where := fmt.Sprintf("check %d (%s)", i+1, c.ID)
		switch {
		case !validID(s.ID, c.ID):
			errs = append(errs, where+": ID must be "+s.ID+"/<topic>/<name>, in lowercase letters, digits, '-', '_' and '.'")
		case seen[c.ID]:
			errs = append(errs, where+": duplicate ID")
		}
		seen[c.ID] = true
		if c.Name == "" || c.Points <= 0 || c.Requirement == "" || c.Handout == "" || c.Run == nil {
			errs = append(errs, where+": needs a Name, Points > 0, a Requirement, a Handout section and Run")
		}
		if c.TimeLimit < 0 {
			errs = append(errs, where+": TimeLimit must not be negative")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("grader: suite %s:\n  %s", s.ID, strings.Join(errs, "\n  "))
	}
	return nil
}

// validID says whether id is suite/<topic>/<name> with both parts
// non-empty and made of characters that need no quoting in a shell or a
// -run regular expression, so that the replay line in a report works.
func validID(suite, id string) bool {
	rest, ok := strings.CutPrefix(id, suite+"/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 2 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for _, r := range p {
			if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
	}
	return true
}

var registry struct {
	mu     sync.Mutex
	suites map[string]*Suite
}

// Register makes a suite known to the CLI. Suites call it from init; a
// `hidden` build adds checks to the same *Suite from its own init.
func Register(s *Suite) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.suites == nil {
		registry.suites = map[string]*Suite{}
	}
	if _, dup := registry.suites[s.ID]; dup {
		panic("grader: suite " + s.ID + " registered twice")
	}
	registry.suites[s.ID] = s
}

// Lookup finds a registered suite by its ID.
func Lookup(id string) (*Suite, bool) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	s, ok := registry.suites[id]
	return s, ok
}

// Suites lists the registered suites, ordered by ID.
func Suites() []*Suite {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	var out []*Suite
	for _, s := range registry.suites {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Suite) int { return strings.Compare(a.ID, b.ID) })
	return out
}
