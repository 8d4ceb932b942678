package netem

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"
)

// pacingExact is true: Linux shows every socket's receive queue, through
// sock_diag netlink and in /proc/net/tcp{,6}.
const pacingExact = true

// A peerSocket finds the other end of a local connection: the socket whose
// local address is our remote address and whose remote address is our
// local one.
type peerSocket struct {
	local, remote netip.AddrPort // ours, IPv4-mapped addresses unmapped
	procNet       string
	diag          bool   // ask sock_diag; false after it failed, or for another namespace
	table         string // "tcp" or "tcp6" once the peer was found in it
}

func newPeerSocket(c *net.TCPConn, procNet string) *peerSocket {
	return &peerSocket{
		local:   unmap(c.LocalAddr().(*net.TCPAddr).AddrPort()),
		remote:  unmap(c.RemoteAddr().(*net.TCPAddr).AddrPort()),
		procNet: procNet,
		diag:    filepath.Clean(procNet) == defaultProcNet,
	}
}

// state looks at the peer socket.
func (s *peerSocket) state() (peerState, error) {
	if s.diag {
		st, err := diagLookup(s.remote, s.local)
		if err == nil {
			return st, nil
		}
		if errors.Is(err, errDiagNotFound) {
			return peerState{}, s.notFound("this network namespace")
		}
		// No sock_diag here (a sandbox may forbid netlink): use /proc.
		s.diag = false
	}
	rx, err := s.procQueued()
	return peerState{queued: rx, received: -1}, err
}

func (s *peerSocket) notFound(where string) error {
	return fmt.Errorf("%w: no socket %s -> %s in %s", ErrNoPeer, s.remote, s.local, where)
}

// procQueued reads the peer's receive queue from /proc/net/tcp or tcp6.
func (s *peerSocket) procQueued() (int, error) {
	// A peer socket bound to an IPv6 wildcard shows an IPv4 connection in
	// tcp6, with mapped addresses; a plain IPv4 socket shows it in tcp.
	tables := []string{"tcp", "tcp6"}
	if s.table != "" {
		tables = []string{s.table}
	}
	for _, table := range tables {
		data, err := os.ReadFile(filepath.Join(s.procNet, table))
		if errors.Is(err, fs.ErrNotExist) {
			continue // tcp6 is missing when IPv6 is disabled
		}
		if err != nil {
			return 0, fmt.Errorf("netem: paced: %w", err)
		}
		if rx, ok := findPeer(data, s.local, s.remote, binary.NativeEndian); ok {
			s.table = table
			return rx, nil
		}
	}
	return 0, s.notFound(filepath.Join(s.procNet, "tcp{,6}"))
}

// stateListen is TCP_LISTEN in the tables: a listener's rx_queue counts
// connections, not bytes, and it is never a connection's peer anyway.
const stateListen = "0A"

// findPeer scans a /proc/net/tcp table, whose lines read
//
//	sl  local_address rem_address   st tx_queue:rx_queue ...
//	 0: 0100007F:1F90 0100007F:D431 01 00000000:00000005 ...
//
// for the socket whose own address is ourRemote and whose remote address is
// ourLocal, and returns its rx_queue. Addresses are hex words in host byte
// order; the port and the queues are plain hex numbers.
func findPeer(table []byte, ourLocal, ourRemote netip.AddrPort, order binary.ByteOrder) (int, bool) {
	for line := range bytes.Lines(table) {
		f := bytes.Fields(line)
		if len(f) < 5 || string(f[3]) == stateListen {
			continue
		}
		local, err1 := parseProcAddr(string(f[1]), order)
		remote, err2 := parseProcAddr(string(f[2]), order)
		if err1 != nil || err2 != nil || local != ourRemote || remote != ourLocal {
			continue
		}
		_, rx, ok := bytes.Cut(f[4], []byte(":"))
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(string(rx), 16, 32)
		if err != nil {
			continue
		}
		return int(n), true
	}
	return 0, false
}

// parseProcAddr parses "0100007F:1F90" or
// "0000000000000000FFFF00000100007F:1F90" (both 127.0.0.1:8080 on a
// little-endian host), unmapping IPv4-mapped IPv6 addresses.
func parseProcAddr(s string, order binary.ByteOrder) (netip.AddrPort, error) {
	host, port, ok := bytes.Cut([]byte(s), []byte(":"))
	if !ok || (len(host) != 8 && len(host) != 32) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	ip := make([]byte, len(host)/2)
	for i := 0; i < len(host); i += 8 {
		w, err := strconv.ParseUint(string(host[i:i+8]), 16, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
		}
		order.PutUint32(ip[i/2:], uint32(w))
	}
	p, err := strconv.ParseUint(string(port), 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port in %q", s)
	}
	addr, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(addr.Unmap(), uint16(p)), nil
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

// The rest of this file asks the kernel about one TCP socket through
// sock_diag netlink, the interface behind ss(8). Pacing polls the peer
// socket many times per segment; reading /proc/net/tcp walks the whole
// connection hash table (milliseconds per read on a host with a large
// table), while an exact sock_diag lookup is a hash probe. It also reports
// how many bytes the socket has received, which proves that a segment
// arrived without waiting for the peer's ACK, which Linux delays by tens of
// milliseconds in interactive mode.

// sock_diag constants (linux/sock_diag.h, linux/inet_diag.h).
const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagInfo     = 2  // INET_DIAG_INFO: the attribute holding struct tcp_info

	diagReqLen = 56 // struct inet_diag_req_v2
	diagMsgLen = 72 // struct inet_diag_msg

	// Offset of tcpi_bytes_received in struct tcp_info (linux/tcp.h),
	// there since Linux 4.1.
	tcpiBytesReceived = 128
)

// TCP states (include/net/tcp_states.h).
const (
	tcpTimeWait = 6  // closed cleanly, having read whatever arrived before
	tcpListen   = 10 // a listener, not a connection
)

// errDiagNotFound means the kernel has no socket with that address pair.
var errDiagNotFound = errors.New("no such socket")

// diagLookup returns the state of the TCP socket local -> remote in this
// process's network namespace. An IPv4 pair is looked up as AF_INET and then
// as IPv4-mapped AF_INET6, for a peer that listens on an IPv6 wildcard.
func diagLookup(local, remote netip.AddrPort) (peerState, error) {
	families := []uint8{syscall.AF_INET6}
	if local.Addr().Is4() {
		families = []uint8{syscall.AF_INET, syscall.AF_INET6}
	}
	var err error
	for _, fam := range families {
		var info peerState
		info, err = diagQuery(fam, local, remote)
		if !errors.Is(err, errDiagNotFound) {
			return info, err
		}
	}
	return peerState{}, err
}

func diagQuery(family uint8, local, remote netip.AddrPort) (peerState, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return peerState{}, fmt.Errorf("sock_diag: %w", err)
	}
	defer syscall.Close(fd)
	// The kernel answers an exact lookup while handling sendto; the timeout
	// only guards against a kernel that never does.
	tv := syscall.Timeval{Sec: 1}
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return peerState{}, fmt.Errorf("sock_diag: %w", err)
	}
	if err := syscall.Sendto(fd, diagRequest(family, local, remote), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return peerState{}, fmt.Errorf("sock_diag: %w", err)
	}
	buf := make([]byte, 8192)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return peerState{}, fmt.Errorf("sock_diag: %w", err)
	}
	return parseDiagReply(buf[:n], remote.Port())
}

// diagRequest builds an nlmsghdr and an inet_diag_req_v2 asking for one
// socket and its tcp_info. Ports and addresses are in network byte order,
// the rest in host order.
func diagRequest(family uint8, local, remote netip.AddrPort) []byte {
	const total = syscall.SizeofNlMsghdr + diagReqLen
	b := make([]byte, total)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], total)
	ne.PutUint16(b[4:], sockDiagByFamily)
	ne.PutUint16(b[6:], syscall.NLM_F_REQUEST)
	req := b[syscall.SizeofNlMsghdr:]
	req[0] = family
	req[1] = syscall.IPPROTO_TCP
	req[2] = 1 << (inetDiagInfo - 1)  // extensions wanted
	ne.PutUint32(req[4:], ^uint32(0)) // any state
	id := req[8:]
	binary.BigEndian.PutUint16(id[0:], local.Port())
	binary.BigEndian.PutUint16(id[2:], remote.Port())
	putDiagAddr(id[4:20], family, local.Addr())
	putDiagAddr(id[20:36], family, remote.Addr())
	ne.PutUint32(id[40:], ^uint32(0)) // INET_DIAG_NOCOOKIE
	ne.PutUint32(id[44:], ^uint32(0))
	return b
}

func putDiagAddr(dst []byte, family uint8, a netip.Addr) {
	if family == syscall.AF_INET {
		a4 := a.Unmap().As4()
		copy(dst, a4[:])
		return
	}
	a16 := a.As16() // IPv4 becomes ::ffff:a.b.c.d
	copy(dst, a16[:])
}

// parseDiagReply reads the answer: an inet_diag_msg followed by attributes,
// or an error message. An exact lookup that finds no connection falls back
// to a listener on the local address, like an arriving SYN would; such an
// answer, or any other socket than the one asked for, means not found.
func parseDiagReply(b []byte, remotePort uint16) (peerState, error) {
	ne := binary.NativeEndian
	if len(b) < syscall.SizeofNlMsghdr {
		return peerState{}, errors.New("sock_diag: short reply")
	}
	msgLen := min(int(ne.Uint32(b[0:])), len(b))
	switch ne.Uint16(b[4:]) {
	case syscall.NLMSG_ERROR:
		if len(b) < syscall.SizeofNlMsghdr+4 {
			return peerState{}, errors.New("sock_diag: short error")
		}
		errno := syscall.Errno(-int32(ne.Uint32(b[syscall.SizeofNlMsghdr:])))
		if errno == syscall.ENOENT {
			return peerState{}, errDiagNotFound
		}
		return peerState{}, fmt.Errorf("sock_diag: %w", errno)
	case sockDiagByFamily:
	default:
		return peerState{}, fmt.Errorf("sock_diag: unexpected message type %d", ne.Uint16(b[4:]))
	}
	msg := b[syscall.SizeofNlMsghdr:msgLen]
	if len(msg) < diagMsgLen {
		return peerState{}, errors.New("sock_diag: short message")
	}
	if msg[1] == tcpListen || binary.BigEndian.Uint16(msg[6:]) != remotePort {
		return peerState{}, errDiagNotFound
	}
	info := peerState{queued: int(ne.Uint32(msg[56:])), received: -1}
	if msg[1] == tcpTimeWait {
		info.closed = true
		return info, nil
	}
	for attrs := msg[diagMsgLen:]; len(attrs) >= 4; {
		n, typ := int(ne.Uint16(attrs[0:])), ne.Uint16(attrs[2:])
		if n < 4 || n > len(attrs) {
			break
		}
		if data := attrs[4:n]; typ == inetDiagInfo && len(data) >= tcpiBytesReceived+8 {
			info.received = int64(ne.Uint64(data[tcpiBytesReceived:]))
		}
		attrs = attrs[min((n+3)&^3, len(attrs)):]
	}
	return info, nil
}
