package sockstat

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The /proc/net tables (Documentation/networking/proc_net_tcp.rst). Each
// holds a header and a row per socket:
//
//	  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	   0: 0100007F:1F90 0100007F:D431 01 00000000:00000005 00:00000000 00000000  1000        0 12346 ...
//
// Addresses are hex 32-bit words in host byte order, ports, states and
// queues plain hex numbers, the inode a decimal one. udp and udp6 rows
// have the same columns.

// ListIn returns the sockets of a network ("tcp", "tcp4", "tcp6", "udp",
// "udp4" or "udp6") that f keeps, from the tables in procNet: "/proc/net"
// for this network namespace, "/proc/<pid>/net" for that of process pid.
// For "tcp" and "udp" a missing IPv6 table (IPv6 disabled) holds no
// sockets; any other missing table is an error wrapping fs.ErrNotExist.
// Damaged rows are skipped, so that one does not hide the rest.
func ListIn(procNet, network string, f Filter) ([]Socket, error) {
	nets, optional6, err := families(network)
	if err != nil {
		return nil, err
	}
	var out []Socket
	for _, nw := range nets {
		file, err := os.Open(filepath.Join(procNet, tableName(nw)))
		if errors.Is(err, fs.ErrNotExist) && optional6 && strings.HasSuffix(nw, "6") {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sockstat: %w", err)
		}
		out, err = parseTable(out, file, nw, f)
		file.Close()
		if err != nil {
			return nil, fmt.Errorf("sockstat: %s: %w", file.Name(), err)
		}
	}
	return out, nil
}

// LookupTCPIn returns the TCP connection local -> remote from the tables
// in procNet, as [LookupTCP] does from the kernel, or ErrNotFound. Tables
// that do not exist hold no sockets.
func LookupTCPIn(procNet string, local, remote netip.AddrPort) (Socket, error) {
	// An IPv4 connection is in tcp, or, IPv4-mapped, in tcp6 when a
	// dual-stack listener accepted it.
	nets := []string{"tcp6"}
	if local.Addr().Unmap().Is4() {
		nets = []string{"tcp4", "tcp6"}
	}
	for _, nw := range nets {
		socks, err := ListIn(procNet, nw, Filter{Port: local.Port()})
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Socket{}, err
		}
		for _, s := range socks {
			if s.is(local, remote) {
				return s, nil
			}
		}
	}
	return Socket{}, ErrNotFound
}

// tableName is the file in /proc/net that holds a network's sockets.
func tableName(network string) string {
	return strings.TrimSuffix(network, "4")
}

// parseTable appends to out the sockets of a table of network's that f
// keeps, skipping the header and any row that does not parse.
func parseTable(out []Socket, r io.Reader, network string, f Filter) ([]Socket, error) {
	sc := bufio.NewScanner(r)
	sc.Scan() // the header
	for sc.Scan() {
		if s, err := parseRow(sc.Text(), network); err == nil && f.keeps(s) {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

// parseRow parses one row of a table of network's sockets.
func parseRow(line, network string) (Socket, error) {
	f := strings.Fields(line)
	if len(f) < 10 {
		return Socket{}, fmt.Errorf("sockstat: %d columns in %q, want 10 or more", len(f), line)
	}
	local, err := parseHexAddr(f[1])
	if err != nil {
		return Socket{}, err
	}
	remote, err := parseHexAddr(f[2])
	if err != nil {
		return Socket{}, err
	}
	if local.Addr().Is4() != remote.Addr().Is4() || local.Addr().Is4() != strings.HasSuffix(network, "4") {
		return Socket{}, fmt.Errorf("sockstat: addresses %s and %s in a %s table", local, remote, network)
	}
	state, err1 := strconv.ParseUint(f[3], 16, 8)
	tx, rx, ok := strings.Cut(f[4], ":")
	sendQ, err2 := strconv.ParseUint(tx, 16, 32)
	recvQ, err3 := strconv.ParseUint(rx, 16, 32)
	inode, err4 := strconv.ParseUint(f[9], 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil || !ok {
		return Socket{}, fmt.Errorf("sockstat: bad row %q", line)
	}
	return Socket{
		Network: network, Local: local, Remote: remote, State: State(state),
		RecvQ: int(recvQ), SendQ: int(sendQ), Inode: inode, BytesReceived: -1,
	}, nil
}

// parseHexAddr parses the kernel's "0100007F:1F90": the address as 32-bit
// words in host byte order (little-endian on amd64 and arm64), the port as
// a plain hex number.
func parseHexAddr(s string) (netip.AddrPort, error) {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("sockstat: no port in %q", s)
	}
	raw, err := hex.DecodeString(host)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("sockstat: bad address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.NativeEndian.Uint32(raw[i:]))
	}
	n, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sockstat: bad port %q", s)
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr, uint16(n)), nil
}
