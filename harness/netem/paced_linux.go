package netem

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"syscall"
	"unsafe"

	"github.com/socklab/socklab/harness/sockstat"
)

// pacingExact is true: Linux shows every socket's receive queue, through
// sock_diag netlink and in /proc/net/tcp{,6} (package sockstat).
const pacingExact = true

// A peerSocket finds the other end of a local connection: the socket whose
// local address is our remote address and whose remote address is our
// local one.
type peerSocket struct {
	local, remote netip.AddrPort // ours, IPv4-mapped addresses unmapped
	procNet       string         // where the peer's tables are, if not in this namespace
}

func newPeerSocket(c *net.TCPConn, procNet string) *peerSocket {
	s := &peerSocket{
		local:  unmap(c.LocalAddr().(*net.TCPAddr).AddrPort()),
		remote: unmap(c.RemoteAddr().(*net.TCPAddr).AddrPort()),
	}
	if filepath.Clean(procNet) != defaultProcNet {
		s.procNet = procNet
	}
	return s
}

// state looks at the peer socket: in this network namespace through
// sock_diag, which also counts the bytes it received (or its tables, when
// netlink is unavailable); elsewhere, in the tables in procNet.
func (s *peerSocket) state() (peerState, error) {
	var peer sockstat.Socket
	var err error
	where := "this network namespace"
	if s.procNet == "" {
		peer, err = sockstat.LookupTCP(s.remote, s.local)
	} else {
		peer, err = sockstat.LookupTCPIn(s.procNet, s.remote, s.local)
		where = filepath.Join(s.procNet, "tcp{,6}")
	}
	if errors.Is(err, sockstat.ErrNotFound) {
		return peerState{}, fmt.Errorf("%w: no socket %s -> %s in %s", ErrNoPeer, s.remote, s.local, where)
	}
	if err != nil {
		return peerState{}, fmt.Errorf("netem: paced: %w", err)
	}
	// TIME_WAIT: closed cleanly, having read whatever arrived before.
	return peerState{queued: peer.RecvQ, received: peer.BytesReceived, closed: peer.State == sockstat.TimeWait}, nil
}

// unackedBytes returns the bytes we sent that the peer's kernel has not
// acknowledged yet (SIOCOUTQ, which is TIOCOUTQ on Linux).
func unackedBytes(c *net.TCPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("netem: paced: %w", err)
	}
	var n int32
	var errno syscall.Errno
	err = rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
	})
	if err == nil && errno != 0 {
		err = errno
	}
	if err != nil {
		return 0, fmt.Errorf("netem: paced: SIOCOUTQ: %w", err)
	}
	return int(n), nil
}
