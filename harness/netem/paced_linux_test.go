package netem

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"
)

// A /proc/net/tcp6 table from a little-endian host: a dual-stack server on
// port 8080 with one IPv4 client (port 54321), and its listener.
const tcp6Table = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000001 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01 00000000:00000005 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1
`

func TestFindPeer(t *testing.T) {
	client := netip.MustParseAddrPort("127.0.0.1:54321")
	server := netip.MustParseAddrPort("127.0.0.1:8080")
	for _, tt := range []struct {
		name          string
		local, remote netip.AddrPort // the writer's own addresses
		wantRx        int
		wantOK        bool
	}{
		{"client writing to the server", client, server, 5, true},
		{"nobody on that pair", client, netip.MustParseAddrPort("127.0.0.1:8081"), 0, false},
		{"the server's own entry is not its peer", server, client, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rx, ok := findPeer([]byte(tcp6Table), tt.local, tt.remote, binary.LittleEndian)
			if rx != tt.wantRx || ok != tt.wantOK {
				t.Errorf("got %d, %v; want %d, %v", rx, ok, tt.wantRx, tt.wantOK)
			}
		})
	}
}

func TestParseProcAddr(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"0100007F:1F90", "127.0.0.1:8080"},
		{"0000000000000000FFFF00000100007F:1F90", "127.0.0.1:8080"},
		{"00000000000000000000000001000000:0035", "[::1]:53"},
	} {
		got, err := parseProcAddr(tt.in, binary.LittleEndian)
		if err != nil || got.String() != tt.want {
			t.Errorf("parseProcAddr(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "0100007F", "0100007:1F90", "0100007F:XYZ", "0100007F:10000"} {
		if _, err := parseProcAddr(bad, binary.LittleEndian); err == nil {
			t.Errorf("parseProcAddr(%q) did not fail", bad)
		}
	}
}

// TestDiagCountsBytes checks the tcp_info offset used for the received
// count against a socket whose history the test knows.
func TestDiagCountsBytes(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.Write([]byte("hello, world"))
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 5)
	if _, err := s.Read(buf); err != nil {
		t.Fatal(err)
	}
	// The read returned, so all 12 bytes are in: 5 read, 7 queued.
	server := unmap(s.LocalAddr().(*net.TCPAddr).AddrPort())
	client := unmap(s.RemoteAddr().(*net.TCPAddr).AddrPort())
	st, err := diagLookup(server, client)
	if err != nil {
		t.Skipf("no sock_diag here: %v", err)
	}
	if st.received != 12 || st.queued != 7 {
		t.Errorf("got %+v, want received 12, queued 7", st)
	}
	if _, err := diagLookup(server, netip.AddrPortFrom(client.Addr(), client.Port()+1)); err != errDiagNotFound {
		t.Errorf("lookup of a socket that does not exist: %v", err)
	}
}
