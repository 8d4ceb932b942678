package sockstat

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// connect makes a connection to a listener on listenAddr and returns the
// server's end, accepted, and the client's.
func connect(t *testing.T, listenAddr string) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", listenAddr, err)
	}
	t.Cleanup(func() { ln.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := net.DialTCP("tcp", nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*net.TCPConn), c
}

func ends(c *net.TCPConn) (local, remote netip.AddrPort) {
	return c.LocalAddr().(*net.TCPAddr).AddrPort(), c.RemoteAddr().(*net.TCPAddr).AddrPort()
}

// TestLookupTCP checks the lookup, and the tcp_info offset of the received
// count, against connections whose history the test knows: to a listener
// on IPv4, and to a dual-stack one, whose end is IPv6 with IPv4-mapped
// addresses.
func TestLookupTCP(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "[::]:0"} {
		t.Run(listen, func(t *testing.T) {
			s, c := connect(t, listen)
			c.Write([]byte("hello, world"))
			s.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := s.Read(make([]byte, 5)); err != nil {
				t.Fatal(err)
			}
			// The read returned, so all 12 bytes are in: 5 read, 7 queued.
			local, remote := ends(s)
			unmapped := netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
			got, err := LookupTCP(unmapped, remote)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != Established || got.RecvQ != 7 || got.BytesReceived != 12 || got.Local.Port() != local.Port() || got.Inode == 0 {
				t.Errorf("got %+v; want ESTABLISHED, RecvQ 7, received 12, an inode", got)
			}
			// The tables say the same, but for the count.
			fromProc, err := LookupTCPIn("/proc/self/net", unmapped, remote)
			got.BytesReceived = -1
			if err != nil || fromProc != got {
				t.Errorf("LookupTCPIn = %+v, %v; want %+v", fromProc, err, got)
			}
			if c, err := LookupTCP(remote, unmapped); err != nil || c.Local.Port() != remote.Port() || c.Inode == got.Inode {
				t.Errorf("LookupTCP(the client's end) = %+v, %v", c, err)
			}
			// Nobody: the kernel falls back to the listener, which is no answer.
			if s, err := LookupTCP(unmapped, netip.AddrPortFrom(remote.Addr(), remote.Port()+1)); !errors.Is(err, ErrNotFound) {
				t.Errorf("LookupTCP(nobody) = %+v, %v; want ErrNotFound", s, err)
			}
		})
	}
}

// TestListListener: a listener's RecvQ is its accept queue, its SendQ its
// backlog.
func TestListListener(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 3); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	port := sa.(*syscall.SockaddrInet4).Port
	for range 2 {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	socks, err := List("tcp", Filter{Port: uint16(port), States: []State{Listen}})
	if err != nil {
		t.Fatal(err)
	}
	if len(socks) != 1 || socks[0].RecvQ != 2 || socks[0].SendQ != 3 || socks[0].Network != "tcp4" {
		t.Fatalf("List = %+v; want one listener, 2 waiting, backlog 3", socks)
	}
	held, err := Inodes(os.Getpid())
	if err != nil || !slices.Contains(held, socks[0].Inode) {
		t.Errorf("Inodes(self) = %v, %v; want it to hold %d", held, err, socks[0].Inode)
	}
	conns, err := List("tcp", Filter{Port: uint16(port), States: []State{Established}})
	if err != nil || len(conns) != 2 || conns[0].Inode != 0 {
		t.Errorf("List(established) = %+v, %v; want the 2 connections, not accepted", conns, err)
	}
}

func TestListUDP(t *testing.T) {
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	port := uint16(u.LocalAddr().(*net.UDPAddr).Port)
	socks, err := List("udp", Filter{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	want := Socket{Network: "udp4", Local: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port),
		Remote: netip.MustParseAddrPort("0.0.0.0:0"), State: Close, BytesReceived: -1}
	if len(socks) != 1 || socks[0].Inode == 0 {
		t.Fatalf("List(udp) = %+v; want %+v", socks, want)
	}
	socks[0].Inode = 0
	if socks[0] != want {
		t.Errorf("List(udp) = %+v; want %+v", socks[0], want)
	}
	if _, err := List("tcp5", Filter{}); err == nil {
		t.Error("List(tcp5) did not fail")
	}
}

func TestInodesGone(t *testing.T) {
	if _, err := Inodes(-1); err == nil {
		t.Error("Inodes(-1) did not fail")
	}
}
