package sandbox

// BreakLoopback makes the sandboxed copy fail to bring loopback up, as a
// machine whose policy forbids it does.
func BreakLoopback() {
	loopbackUp = func() error { return errBroken }
}

type brokenError struct{}

func (brokenError) Error() string { return "operation not permitted (the test broke it)" }

var errBroken error = brokenError{}
