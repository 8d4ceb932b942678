//go:build linux

package tcpecho

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// The kernel's TCP sockets, asked one at a time through NETLINK_SOCK_DIAG
// (what ss(8) uses). Reading /proc/net/tcp instead walks the whole
// connection hash table, every bucket of it, at every look: milliseconds on
// a machine with a large table, too slow for a check that waits on each of
// a hundred connections. A sock_diag lookup of one connection is a hash
// lookup.

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	diagReqLen       = 56 // struct inet_diag_req_v2
	diagMsgLen       = 72 // struct inet_diag_msg
)

// lookupTCP returns the socket whose local address is local and whose
// peer is remote, as the kernel sees it; found is false when there is no
// such connection (closed and gone, or never made).
func lookupTCP(local, remote netip.AddrPort) (row tcpRow, found bool, err error) {
	req := diagRequest(local, remote, 0)
	msgs, err := sockDiag(req, false)
	if errors.Is(err, syscall.ENOENT) {
		return tcpRow{}, false, nil
	}
	if err != nil {
		return tcpRow{}, false, err
	}
	for _, m := range msgs {
		// With no connection the kernel's lookup falls back to the
		// listening socket: that is not the connection.
		if r, ok := parseDiagMsg(m); ok && r.state != tcpListen {
			return r, true, nil
		}
	}
	return tcpRow{}, false, nil
}

// listeningTCP returns the listening TCP sockets, IPv4 and IPv6.
func listeningTCP() ([]tcpRow, error) {
	var rows []tcpRow
	for _, family := range []uint8{syscall.AF_INET, syscall.AF_INET6} {
		req := diagRequest(netip.AddrPort{}, netip.AddrPort{}, 1<<tcpListen)
		req[0] = family
		msgs, err := sockDiag(req, true)
		if err != nil {
			if family == syscall.AF_INET6 {
				continue // no IPv6
			}
			return nil, err
		}
		for _, m := range msgs {
			if r, ok := parseDiagMsg(m); ok {
				rows = append(rows, r)
			}
		}
	}
	return rows, nil
}

// openConnections says whether any TCP connection on local's port has an
// end there that is not closed yet: established (accepted or waiting to
// be), half-open, or closed by the other side only.
func openConnections(local netip.AddrPort) (bool, error) {
	req := diagRequest(netip.AddrPortFrom(netip.IPv4Unspecified(), local.Port()), netip.AddrPort{},
		1<<tcpEstablished|1<<tcpSynRecv|1<<tcpCloseWait)
	msgs, err := sockDiag(req, true) // the kernel keeps only those on the port
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if r, ok := parseDiagMsg(m); ok && r.local.Port() == local.Port() {
			return true, nil
		}
	}
	return false, nil
}

// diagRequest builds a struct inet_diag_req_v2 for TCP: the socket
// local -> remote, or, for a dump, every socket in the given states.
func diagRequest(local, remote netip.AddrPort, states uint32) []byte {
	b := make([]byte, diagReqLen)
	b[0] = syscall.AF_INET
	b[1] = syscall.IPPROTO_TCP
	binary.NativeEndian.PutUint32(b[4:], states)
	id := b[8:]
	binary.BigEndian.PutUint16(id[0:], local.Port())
	binary.BigEndian.PutUint16(id[2:], remote.Port())
	if local.Addr().Is4() {
		a := local.Addr().As4()
		copy(id[4:], a[:])
	}
	if remote.Addr().Is4() {
		a := remote.Addr().As4()
		copy(id[20:], a[:])
	}
	binary.NativeEndian.PutUint32(id[40:], ^uint32(0)) // INET_DIAG_NOCOOKIE
	binary.NativeEndian.PutUint32(id[44:], ^uint32(0))
	return b
}

// parseDiagMsg reads a struct inet_diag_msg.
func parseDiagMsg(m []byte) (tcpRow, bool) {
	if len(m) < diagMsgLen {
		return tcpRow{}, false
	}
	addr := func(port, ip []byte, family byte) netip.AddrPort {
		var a netip.Addr
		if family == syscall.AF_INET {
			a = netip.AddrFrom4([4]byte(ip[:4]))
		} else {
			a = netip.AddrFrom16([16]byte(ip[:16])).Unmap()
		}
		return netip.AddrPortFrom(a, binary.BigEndian.Uint16(port))
	}
	id := m[4:]
	return tcpRow{
		local:  addr(id[0:2], id[4:20], m[0]),
		remote: addr(id[2:4], id[20:36], m[0]),
		state:  int(m[1]),
		rqueue: int(binary.NativeEndian.Uint32(m[56:60])),
		wqueue: int(binary.NativeEndian.Uint32(m[60:64])),
		inode:  uint64(binary.NativeEndian.Uint32(m[68:72])),
	}, true
}

// sockDiag sends one request and returns the payloads of the replies.
func sockDiag(req []byte, dump bool) ([][]byte, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return nil, fmt.Errorf("tcpecho: sock_diag: %w", err)
	}
	defer syscall.Close(fd)
	flags := uint16(syscall.NLM_F_REQUEST)
	if dump {
		flags |= syscall.NLM_F_DUMP
	}
	msg := make([]byte, syscall.NLMSG_HDRLEN+len(req))
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], sockDiagByFamily)
	binary.NativeEndian.PutUint16(msg[6:], flags)
	binary.NativeEndian.PutUint32(msg[8:], 1) // sequence number
	copy(msg[syscall.NLMSG_HDRLEN:], req)
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("tcpecho: sock_diag: %w", err)
	}
	var out [][]byte
	buf := make([]byte, 64<<10)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("tcpecho: sock_diag: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("tcpecho: sock_diag: %w", err)
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case syscall.NLMSG_DONE:
				return out, nil
			case syscall.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
						return nil, syscall.Errno(-errno)
					}
				}
				return out, nil
			case sockDiagByFamily:
				out = append(out, append([]byte(nil), m.Data...))
			}
		}
		if !dump {
			return out, nil
		}
	}
}
