//go:build !linux

package proc

import "syscall"

// CanJail says whether Start can jail a role: not here.
func CanJail() bool { return false }

func jailAttr(a *syscall.SysProcAttr, j *Jail) {}
func enterJail(s launchSpec) error             { return nil }
