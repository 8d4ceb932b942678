package netem

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// A /proc/net/tcp6 table from a little-endian host: a dual-stack server on
// port 8080 with one IPv4 client (port 54321), and its listener; and a
// connection from port 54322 that the server closed (TIME_WAIT).
const tcp6Table = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000001 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01 00000000:00000005 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1
   2: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D432 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
`

// TestPeerSocketInTables: a peer in another namespace is found in the
// tables of ProcNet (the socket list itself is sockstat's, and tested
// there).
func TestPeerSocketInTables(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the table is from a little-endian machine")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tcp"), []byte("  sl  local_address rem_address   st\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tcp6"), []byte(tcp6Table), 0o644); err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort("127.0.0.1:8080")
	for _, tt := range []struct {
		name   string
		client string // the writer's own address
		want   peerState
	}{
		{"5 bytes unread", "127.0.0.1:54321", peerState{queued: 5, received: -1}},
		{"closed cleanly", "127.0.0.1:54322", peerState{received: -1, closed: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &peerSocket{local: netip.MustParseAddrPort(tt.client), remote: server, procNet: dir}
			if got, err := s.state(); err != nil || got != tt.want {
				t.Errorf("state = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	s := &peerSocket{local: netip.MustParseAddrPort("127.0.0.1:54323"), remote: server, procNet: dir}
	if _, err := s.state(); !errors.Is(err, ErrNoPeer) {
		t.Errorf("state of a peer not in the tables: %v, want ErrNoPeer", err)
	}
}
