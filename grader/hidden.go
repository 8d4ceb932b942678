//go:build hidden

package grader

func init() { HiddenChecksBuilt = true }
