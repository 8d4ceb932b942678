package sockstat_test

import (
	"errors"
	"fmt"
	"log"
	"net"

	"github.com/socklab/socklab/harness/sockstat"
)

// The listeners of a network namespace, from its tables: "/proc/net" for
// the grader's own, "/proc/<pid>/net" for a process's. These were captured
// from a machine with a listener whose two connections wait to be
// accepted.
func ExampleListIn() {
	socks, err := sockstat.ListIn("testdata/procnet", "tcp", sockstat.Filter{States: []sockstat.State{sockstat.Listen}})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range socks {
		fmt.Println(s.Network, s.Local, s.State, "waiting to be accepted:", s.RecvQ)
	}
	// Output:
	// tcp4 127.0.0.1:58945 LISTEN waiting to be accepted: 2
	// tcp6 [::]:41729 LISTEN waiting to be accepted: 0
}

// The other end of a connection to a program on this machine: how much of
// what was sent the program has not read yet.
func ExampleLookupTCP() {
	c, err := net.Dial("tcp", "127.0.0.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "hello\n")
	local, remote := c.LocalAddr().(*net.TCPAddr).AddrPort(), c.RemoteAddr().(*net.TCPAddr).AddrPort()
	peer, err := sockstat.LookupTCP(remote, local) // the peer's local address is our remote one
	switch {
	case errors.Is(err, sockstat.ErrNotFound):
		fmt.Println("the peer has closed the connection")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Printf("%s: %d bytes unread of %d received\n", peer.State, peer.RecvQ, peer.BytesReceived)
	}
}
