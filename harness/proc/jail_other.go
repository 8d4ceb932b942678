//go:build !linux

package proc

import "syscall"

// CanJail says whether Start can jail a role: not here.
func CanJail() bool { return false }

// CanChangeUser says whether a jail can have a user of its own: not here.
func CanChangeUser() bool { return false }

func jailAttr(a *syscall.SysProcAttr, j *Jail) {}
func enterJail(s launchSpec) error             { return nil }
