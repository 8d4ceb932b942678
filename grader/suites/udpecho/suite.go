// Package udpecho grades the udp-echo assignment: the textbook's UDP
// uppercase server and its UDP pinger client (Kurose & Ross, chapter 2,
// "Socket Programming with UDP" and the UDP Pinger lab).
//
// The contract is handouts/udp-echo.md. The server checks talk to the
// student's server directly; the client checks run the student's pinger
// against the grader's own echo server behind the seeded impairment proxy,
// and judge each ping's line by the fates the proxy dealt, not by timing.
package udpecho

import "github.com/socklab/socklab/grader"

// Suite is the udp-echo assignment.
var Suite = &grader.Suite{
	ID:      "udp-echo",
	Title:   "UDP uppercase server and pinger",
	Roles:   []string{"server", "client"},
	Handout: "handouts/udp-echo.md",
	Checks:  append(append([]*grader.Check(nil), serverChecks...), clientChecks...),
}

func init() { grader.Register(Suite) }

// Handout sections, as titled in handouts/udp-echo.md.
const (
	secServer = "§2 The server"
	secClient = "§3 The client (UDP pinger)"
	secOutput = "§4 Output format and exit status"
)

// maxDatagram is the largest datagram the handout says a server must
// answer whole.
const maxDatagram = 4096
