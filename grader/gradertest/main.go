package gradertest

import (
	"os"
	"testing"

	"github.com/socklab/socklab/harness/sandbox"
)

// Main is the TestMain of a package whose tests grade: it runs the tests as
// socklab grade runs, in the sandbox where the machine allows it
// (harness/sandbox), with the roles jailed when root.
//
//	func TestMain(m *testing.M) { gradertest.Main(m) }
func Main(m *testing.M) {
	sandbox.Enter()
	os.Exit(m.Run())
}
