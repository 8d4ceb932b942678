package udpecho_test

import (
	"testing"

	"github.com/socklab/socklab/grader/gradertest"
)

// The tests grade as socklab grade does: in the sandbox.
func TestMain(m *testing.M) { gradertest.Main(m) }
