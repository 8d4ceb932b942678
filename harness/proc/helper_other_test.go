//go:build !linux

package proc

// leftOf cannot see processes without /proc.
func leftOf(p *Process) []int { return nil }

// leftoverCgroups: there are none without Linux.
func leftoverCgroups() []string { return nil }
