//go:build !linux

package sockstat

import "net/netip"

// Elsewhere than on Linux there is no sock_diag and no /proc: the grader
// cannot see other programs' sockets. ListIn and LookupTCPIn still read
// tables copied from a Linux machine.

// LookupTCP returns ErrUnsupported.
func LookupTCP(local, remote netip.AddrPort) (Socket, error) { return Socket{}, ErrUnsupported }

// List returns ErrUnsupported.
func List(network string, f Filter) ([]Socket, error) { return nil, ErrUnsupported }

// Inodes returns ErrUnsupported.
func Inodes(pid int) ([]uint64, error) { return nil, ErrUnsupported }
