// Package sockstat says what the kernel knows about a machine's sockets:
// which exist, in what state, with how many bytes queued, held by which
// process. It is what ss(8) and netstat(8) show, for the grader to watch a
// student's program without sending it anything.
//
// It reads two sources, both Linux's:
//
//   - sock_diag netlink (linux/sock_diag.h, linux/inet_diag.h), for the
//     grader's own network namespace: an exact lookup of one connection is
//     a hash probe, and it tells a listener's backlog and how many bytes a
//     connection has received;
//   - the /proc/net/{tcp,tcp6,udp,udp6} tables
//     (Documentation/networking/proc_net_tcp.rst), for any namespace through
//     /proc/<pid>/net, and for this one when netlink is unavailable (a
//     sandbox may forbid it). Reading a table walks the whole connection
//     hash table: milliseconds on a machine with many sockets.
//
// [LookupTCP] and [List] ask sock_diag first; [LookupTCPIn] and [ListIn]
// read the tables of a given /proc net directory. [Inodes] says which
// sockets a process holds. Elsewhere than on Linux the functions that ask
// the running kernel return [ErrUnsupported].
package sockstat

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
)

// Errors returned by this package. Test with errors.Is.
var (
	// ErrNotFound means the kernel has no socket with the address pair
	// asked for: it was never made, or it is closed and gone.
	ErrNotFound = errors.New("sockstat: no such socket")
	// ErrUnsupported means this system does not show the grader other
	// programs' sockets (it is not Linux). It wraps errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("sockstat: %w on %s", errors.ErrUnsupported, runtime.GOOS)
)

// A Socket is one TCP or UDP socket, as the kernel shows it.
type Socket struct {
	// Network is "tcp4", "tcp6", "udp4" or "udp6": the protocol and the
	// socket's address family, which for an IPv6 socket that accepts IPv4
	// (a dual-stack listener's connections) is IPv6.
	Network string
	// Local and Remote are the addresses as the kernel keeps them: an IPv6
	// socket's IPv4 peers are IPv4-mapped (::ffff:127.0.0.1). Remote is
	// the unspecified address, port 0, for a listener or an unconnected
	// UDP socket.
	Local, Remote netip.AddrPort
	State         State
	// RecvQ is the bytes the application has not read yet; SendQ, the
	// bytes the peer has not acknowledged yet. For a listener RecvQ is the
	// number of connections waiting to be accepted and SendQ its backlog
	// (the number given to listen), which only sock_diag shows: the /proc
	// tables say 0.
	RecvQ, SendQ int
	// Inode identifies the socket among a process's open files (see
	// [Inodes]); it is 0 for a connection no process has accepted yet.
	Inode uint64
	// BytesReceived counts the bytes a TCP connection has received since
	// it opened (tcp_info's tcpi_bytes_received); -1 where unknown: from
	// the /proc tables, and for UDP.
	BytesReceived int64
}

// A State is a socket's state, numbered as the kernel numbers them
// (include/net/tcp_states.h). UDP sockets use two: Close, unconnected, and
// Established, connected.
type State uint8

// The states.
const (
	Established State = 1 + iota
	SynSent
	SynRecv
	FinWait1
	FinWait2
	TimeWait
	Close
	CloseWait
	LastAck
	Listen
	Closing
	NewSynRecv
)

var stateNames = [...]string{
	Established: "ESTABLISHED", SynSent: "SYN_SENT", SynRecv: "SYN_RECV",
	FinWait1: "FIN_WAIT1", FinWait2: "FIN_WAIT2", TimeWait: "TIME_WAIT",
	Close: "CLOSE", CloseWait: "CLOSE_WAIT", LastAck: "LAST_ACK",
	Listen: "LISTEN", Closing: "CLOSING", NewSynRecv: "NEW_SYN_RECV",
}

// String returns the kernel's name of the state, as /proc and ss(8) users
// know it: "LISTEN", "TIME_WAIT".
func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// A Filter narrows a listing; its zero value keeps every socket. The kernel
// applies it where it can, so that a machine with many sockets does not
// send them all.
type Filter struct {
	Port   uint16  // the local port; 0 for any
	States []State // the states to keep; none for all
}

func (f Filter) keeps(s Socket) bool {
	return (f.Port == 0 || s.Local.Port() == f.Port) && (len(f.States) == 0 || slices.Contains(f.States, s.State))
}

// families says which tables, or netlink families, make up a network:
// "tcp" is both "tcp4" and "tcp6", and its IPv6 half may be missing.
func families(network string) (nets []string, optional6 bool, err error) {
	switch network {
	case "tcp", "udp":
		return []string{network + "4", network + "6"}, true, nil
	case "tcp4", "tcp6", "udp4", "udp6":
		return []string{network}, false, nil
	}
	return nil, false, fmt.Errorf("sockstat: unknown network %q (want tcp, tcp4, tcp6, udp, udp4 or udp6)", network)
}

// is says whether s is the connection local -> remote, IPv4-mapped or not,
// and not a listener (which an exact lookup falls back to, as an arriving
// SYN would).
func (s Socket) is(local, remote netip.AddrPort) bool {
	unmap := func(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }
	return s.State != Listen && unmap(s.Local) == unmap(local) && unmap(s.Remote) == unmap(remote)
}
