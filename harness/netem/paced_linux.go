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

// pacingExact is true: Linux shows every socket's receive queue in
// /proc/net/tcp and /proc/net/tcp6.
const pacingExact = true

// A peerSocket finds the other end of a loopback connection in the kernel's
// socket tables: the entry whose local address is our remote address and
// whose remote address is our local one.
type peerSocket struct {
	local, remote netip.AddrPort // ours, IPv4-mapped addresses unmapped
	procNet       string
	table         string // "tcp" or "tcp6" once the peer was found in it
}

func newPeerSocket(c *net.TCPConn, procNet string) *peerSocket {
	return &peerSocket{
		local:   unmap(c.LocalAddr().(*net.TCPAddr).AddrPort()),
		remote:  unmap(c.RemoteAddr().(*net.TCPAddr).AddrPort()),
		procNet: procNet,
	}
}

// queued returns the bytes waiting in the peer socket's receive queue.
func (s *peerSocket) queued() (int, error) {
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
	return 0, fmt.Errorf("%w: no socket %s -> %s in %s/tcp{,6}", ErrNoPeer, s.remote, s.local, s.procNet)
}

// TCP states in the socket tables that are not a connection's end.
const stateListen = "0A"

// findPeer scans a /proc/net/tcp table, whose lines read
//
//	sl  local_address rem_address   st tx_queue:rx_queue ...
//	 0: 0100007F:1F90 0100007F:D431 01 00000000:00000005 ...
//
// for the socket local -> remote as seen from its side (so local here is the
// peer's address) and returns its rx_queue. Addresses are hex words in host
// byte order; the port and the queues are plain hex numbers.
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

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
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
