//go:build !linux

package tcpecho

import "net/netip"

// Elsewhere than on Linux the grader cannot ask the kernel about another
// program's sockets; the waits built on these return at once.

func lookupTCP(local, remote netip.AddrPort) (tcpRow, bool, error) {
	return tcpRow{}, false, errNoKernelView
}

func listeningTCP() ([]tcpRow, error) { return nil, errNoKernelView }

func openConnections(local netip.AddrPort) (bool, error) { return false, errNoKernelView }
