package smtpclient_test

import (
	"os"
	"testing"

	"github.com/socklab/socklab/harness/sandbox"
)

// The tests grade as socklab grade does: in the sandbox, where the machine
// allows it (harness/sandbox), with the roles jailed when root.
func TestMain(m *testing.M) {
	sandbox.Enter()
	os.Exit(m.Run())
}
