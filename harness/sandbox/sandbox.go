// Package sandbox isolates a grading run's network: the grader and every
// program it starts run in a network namespace of their own, with only
// loopback, so a student's program can reach the grader's peers and
// nothing else: no other machine, and no other grading run's servers.
//
// A Go program cannot move itself into a new network namespace (the
// namespace belongs to each thread, and the runtime has many), so Enter
// starts the program again inside one and waits for it. That copy does
// the grading. Builds are the exception: `make build` is the student's own
// build, which may fetch what it needs as it would on their machine, so
// the sandboxed copy asks the first to run each build outside.
//
// The namespace is one per grading run, not one per role: the grader's
// own peers (echo servers, smtptest, the DNS world) must share loopback
// with the student's programs, and a namespace per role would need a
// proxy across namespaces in every check, for no isolation worth having,
// since a submission's roles are all one student's. socklab batch grades
// each student in a run, and so a namespace, of their own.
//
// What a role may do to files and processes is proc's: a mount namespace
// that hides the grader's files and other submissions, and, where the
// grader runs as root, a user of its own. The instructor guide's
// "Sandbox and limits" has the whole of it and its limits.
package sandbox

import (
	"os"
	"strings"
	"sync"
)

// Status says how the running grader is isolated.
type Status struct {
	// Network: this process runs in a network namespace of its own, with
	// only loopback.
	Network bool
	// Reason says why not, when Network is false: a sentence a TA can act
	// on.
	Reason string
}

// envName marks the copy that Enter started, and turns Enter off when it
// is "off" (to watch the grader's traffic with tcpdump, say).
const envName = "SOCKLAB_SANDBOX"

// insideValue is envName's value in the sandboxed copy.
const insideValue = "inside"

var (
	mu      sync.Mutex
	current = Status{Reason: "sandbox.Enter was not called"}
)

// Current is the status Enter left.
func Current() Status {
	mu.Lock()
	defer mu.Unlock()
	return current
}

func setCurrent(s Status) Status {
	mu.Lock()
	defer mu.Unlock()
	current = s
	return s
}

// Enter puts the running program in a network namespace of its own. In
// the program as it was started, Enter starts it again (the same
// executable, arguments, standard streams and environment) inside a new
// namespace, waits for it, and exits with its exit status: Enter returns
// only in the sandboxed copy, with Network true. Where no namespace can
// be made (not Linux; not root and no user namespaces; SOCKLAB_SANDBOX=off)
// Enter returns at once, in the program as it was, with the reason.
//
// Call it first in main (or TestMain), before anything else has started.
func Enter() Status {
	switch os.Getenv(envName) {
	case insideValue:
		return setCurrent(inside())
	case "off":
		return setCurrent(Status{Reason: "SOCKLAB_SANDBOX=off"})
	}
	if fuzzWorker() {
		return setCurrent(Status{Reason: "a fuzzing worker runs where its coordinator does"})
	}
	return setCurrent(reexec())
}

// fuzzWorker says whether this is a worker that `go test -fuzz` started:
// its coordinator, sandboxed or not, talks to it on descriptors 3 and 4,
// which a program started again would not have.
func fuzzWorker() bool {
	for _, a := range os.Args[1:] {
		if a == "-test.fuzzworker" || strings.HasPrefix(a, "-test.fuzzworker=") {
			return true
		}
	}
	return false
}
