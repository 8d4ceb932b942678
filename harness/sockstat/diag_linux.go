package sockstat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// sock_diag netlink (linux/sock_diag.h, linux/inet_diag.h), the interface
// behind ss(8): a request is an nlmsghdr and a struct inet_diag_req_v2; the
// reply, one struct inet_diag_msg per socket, each followed by attributes,
// and for a dump an NLMSG_DONE. Ports and addresses are in network byte
// order, everything else in host order.

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagInfo     = 2  // INET_DIAG_INFO: the attribute holding struct tcp_info

	diagReqLen = 56 // struct inet_diag_req_v2
	diagMsgLen = 72 // struct inet_diag_msg

	// Offset of tcpi_bytes_received in struct tcp_info (linux/tcp.h),
	// there since Linux 4.1.
	tcpiBytesReceived = 128
)

// LookupTCP returns the TCP connection whose local address is local and
// whose remote address is remote, in this process's network namespace, or
// ErrNotFound. An IPv4 pair also finds the end of a connection that a
// dual-stack listener accepted, an IPv6 socket with IPv4-mapped addresses.
//
// It asks sock_diag, and reads /proc/net/tcp{,6} instead when netlink is
// unavailable; BytesReceived is then -1.
func LookupTCP(local, remote netip.AddrPort) (Socket, error) {
	// The kernel looks an IPv4 pair up as an arriving IPv4 segment would
	// be, which finds the IPv6 sockets of dual-stack listeners too.
	network := "tcp6"
	if local.Addr().Unmap().Is4() {
		network = "tcp4"
	}
	socks, err := query(network, local, remote, Filter{}, false)
	switch {
	case errors.Is(err, syscall.ENOENT):
		return Socket{}, ErrNotFound
	case err == nil:
		for _, s := range socks {
			if s.is(local, remote) {
				return s, nil
			}
		}
		return Socket{}, ErrNotFound
	}
	s, perr := LookupTCPIn("/proc/net", local, remote)
	if perr != nil && !errors.Is(perr, ErrNotFound) {
		return Socket{}, fmt.Errorf("%w; and %w", err, perr)
	}
	return s, perr
}

// List returns the sockets of a network ("tcp", "tcp4", "tcp6", "udp",
// "udp4" or "udp6") in this process's network namespace that f keeps.
// For "tcp" and "udp", a system without IPv6 gives the IPv4 sockets.
//
// Listing listeners only is cheap; any other state makes the kernel walk
// its whole connection table, as reading /proc/net/tcp does. It asks
// sock_diag, and reads /proc/net instead when netlink is unavailable; a
// listener's SendQ (its backlog) is then 0.
func List(network string, f Filter) ([]Socket, error) {
	nets, optional6, err := families(network)
	if err != nil {
		return nil, err
	}
	var out []Socket
	for i, nw := range nets {
		socks, err := query(nw, netip.AddrPortFrom(netip.Addr{}, f.Port), netip.AddrPort{}, f, true)
		if err != nil && i > 0 && optional6 && (errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EAFNOSUPPORT)) {
			break // no IPv6
		}
		if err != nil {
			if socks, perr := ListIn("/proc/net", network, f); perr == nil {
				return socks, nil
			}
			return nil, err
		}
		for _, s := range socks {
			if f.keeps(s) { // the kernel's filter, and the same again
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// query asks for the socket local -> remote of network ("tcp4", ...,
// "udp6"), or for a dump of those f keeps, and returns the sockets of the
// reply.
func query(network string, local, remote netip.AddrPort, f Filter, dump bool) ([]Socket, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sockstat: sock_diag: %w", err)
	}
	defer syscall.Close(fd)
	// The kernel answers while handling sendto; the timeout only guards
	// against one that never does.
	tv := syscall.Timeval{Sec: 1}
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("sockstat: sock_diag: %w", err)
	}
	req := diagRequest(network, local, remote, f, dump)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("sockstat: sock_diag: %w", err)
	}
	// One message answers a lookup; a dump comes in as many datagrams as
	// it takes, none larger than the buffer the reads offer.
	size := 8 << 10
	if dump {
		size = 32 << 10
	}
	buf := make([]byte, size)
	var out []Socket
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("sockstat: sock_diag: %w", err)
		}
		socks, done, err := parseDiag(buf[:n], network[:3])
		if err != nil {
			return nil, err
		}
		out = append(out, socks...)
		if done || !dump {
			return out, nil
		}
	}
}

// diagRequest asks for the socket local -> remote of network ("tcp4",
// ..., "udp6"), and its tcp_info; for a dump, for the sockets on local's
// port in f's states.
func diagRequest(network string, local, remote netip.AddrPort, f Filter, dump bool) []byte {
	const total = syscall.SizeofNlMsghdr + diagReqLen
	b := make([]byte, total)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], total)
	ne.PutUint16(b[4:], sockDiagByFamily)
	flags := uint16(syscall.NLM_F_REQUEST)
	if dump {
		flags |= syscall.NLM_F_DUMP
	}
	ne.PutUint16(b[6:], flags)
	ne.PutUint32(b[8:], 1) // sequence number
	req := b[syscall.SizeofNlMsghdr:]
	req[0] = syscall.AF_INET
	if network[3] == '6' {
		req[0] = syscall.AF_INET6
	}
	req[1] = syscall.IPPROTO_TCP
	if network[:3] == "udp" {
		req[1] = syscall.IPPROTO_UDP
	}
	req[2] = 1 << (inetDiagInfo - 1) // the extensions wanted
	ne.PutUint32(req[4:], f.stateMask())
	id := req[8:]
	binary.BigEndian.PutUint16(id[0:], local.Port())
	binary.BigEndian.PutUint16(id[2:], remote.Port())
	putDiagAddr(id[4:20], req[0], local.Addr())
	putDiagAddr(id[20:36], req[0], remote.Addr())
	ne.PutUint32(id[40:], ^uint32(0)) // INET_DIAG_NOCOOKIE
	ne.PutUint32(id[44:], ^uint32(0))
	return b
}

// stateMask is the kernel's bit set of the states f keeps.
func (f Filter) stateMask() uint32 {
	if len(f.States) == 0 {
		return ^uint32(0)
	}
	var m uint32
	for _, s := range f.States {
		m |= 1 << s
	}
	return m
}

func putDiagAddr(dst []byte, family byte, a netip.Addr) {
	switch {
	case !a.IsValid(): // any
	case family == syscall.AF_INET:
		a4 := a.Unmap().As4()
		copy(dst, a4[:])
	default:
		a16 := a.As16() // IPv4 becomes ::ffff:a.b.c.d
		copy(dst, a16[:])
	}
}

// parseDiag reads one datagram of the kernel's reply: the sockets in it,
// and done when the reply is complete (NLMSG_DONE, or after an error
// message, which it returns as a syscall.Errno: ENOENT from a lookup means
// no such socket). The sockets are of proto, "tcp" or "udp".
func parseDiag(b []byte, proto string) (socks []Socket, done bool, err error) {
	ne := binary.NativeEndian
	for len(b) > 0 {
		if len(b) < syscall.SizeofNlMsghdr {
			return nil, false, fmt.Errorf("sockstat: sock_diag: %d bytes left, too short for a message", len(b))
		}
		n := int(ne.Uint32(b[0:]))
		if n < syscall.SizeofNlMsghdr || n > len(b) {
			return nil, false, fmt.Errorf("sockstat: sock_diag: message of %d bytes in %d", n, len(b))
		}
		typ, data := ne.Uint16(b[4:]), b[syscall.SizeofNlMsghdr:n]
		b = b[min(nlmAlign(n), len(b)):]
		switch typ {
		case syscall.NLMSG_DONE:
			return socks, true, nil
		case syscall.NLMSG_ERROR:
			if len(data) < 4 {
				return nil, false, errors.New("sockstat: sock_diag: short error message")
			}
			if errno := -int32(ne.Uint32(data)); errno != 0 {
				return nil, true, fmt.Errorf("sockstat: sock_diag: %w", syscall.Errno(errno))
			}
			return socks, true, nil
		case sockDiagByFamily:
			s, err := parseDiagMsg(data, proto)
			if err != nil {
				return nil, false, err
			}
			socks = append(socks, s)
		}
	}
	return socks, false, nil
}

// parseDiagMsg reads a struct inet_diag_msg and its attributes, of which
// it reads one: tcp_info's count of bytes received.
func parseDiagMsg(m []byte, proto string) (Socket, error) {
	if len(m) < diagMsgLen {
		return Socket{}, fmt.Errorf("sockstat: sock_diag: message of %d bytes, want %d", len(m), diagMsgLen)
	}
	ne := binary.NativeEndian
	s := Socket{
		State:         State(m[1]),
		RecvQ:         int(ne.Uint32(m[56:])),
		SendQ:         int(ne.Uint32(m[60:])),
		Inode:         uint64(ne.Uint32(m[68:])),
		BytesReceived: -1,
	}
	id := m[4:]
	lport, rport := binary.BigEndian.Uint16(id[0:]), binary.BigEndian.Uint16(id[2:])
	switch m[0] {
	case syscall.AF_INET:
		s.Network = proto + "4"
		s.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(id[4:8])), lport)
		s.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(id[20:24])), rport)
	case syscall.AF_INET6:
		s.Network = proto + "6"
		s.Local = netip.AddrPortFrom(netip.AddrFrom16([16]byte(id[4:20])), lport)
		s.Remote = netip.AddrPortFrom(netip.AddrFrom16([16]byte(id[20:36])), rport)
	default:
		return Socket{}, fmt.Errorf("sockstat: sock_diag: address family %d", m[0])
	}
	for attrs := m[diagMsgLen:]; len(attrs) >= 4; {
		n, typ := int(ne.Uint16(attrs[0:])), ne.Uint16(attrs[2:])
		if n < 4 || n > len(attrs) {
			return Socket{}, fmt.Errorf("sockstat: sock_diag: attribute of %d bytes in %d", n, len(attrs))
		}
		if data := attrs[4:n]; typ == inetDiagInfo && len(data) >= tcpiBytesReceived+8 {
			s.BytesReceived = int64(ne.Uint64(data[tcpiBytesReceived:]))
		}
		attrs = attrs[min(nlmAlign(n), len(attrs)):]
	}
	return s, nil
}

// nlmAlign rounds n up to netlink's alignment, 4 bytes.
func nlmAlign(n int) int { return (n + 3) &^ 3 }
