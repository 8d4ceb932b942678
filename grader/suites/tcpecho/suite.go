// Package tcpecho grades the tcp-echo assignment: the textbook's TCP
// uppercase server (Kurose & Ross, chapter 2, "Socket Programming with
// TCP"), made line-oriented and concurrent, and its client.
//
// The contract is handouts/tcp-echo.md. The server checks talk to the
// student's server over grader connections on loopback; where a check
// depends on how the server's reads split the data, it sends paced
// segments, each written only once the server has read the one before, so
// that "recv returns half a line" happens on every run. The client checks
// run the student's client against the grader's own echo server, directly
// or through the TCP impairment proxy.
//
// Every check judges what crossed the wire (each line answered once, in
// order, before the deadline), never how fast: the only clock is
// grader.ReplyTimeout, a thousand times a loopback round trip.
package tcpecho

import "github.com/socklab/socklab/grader"

// Suite is the tcp-echo assignment.
var Suite = &grader.Suite{
	ID:      "tcp-echo",
	Title:   "Concurrent TCP line uppercase server and its client",
	Roles:   []string{"server", "client"},
	Handout: "handouts/tcp-echo.md",
	Checks:  concat(serverChecks, concurrencyChecks, closingChecks, clientChecks),
}

func init() { grader.Register(Suite) }

// Handout sections, as titled in handouts/tcp-echo.md.
const (
	secServer      = "§2 The server"
	secClient      = "§3 The client"
	secConcurrency = "§4 Concurrency"
	secClosing     = "§5 Half close and errors"
)

func concat(tables ...[]*grader.Check) []*grader.Check {
	var out []*grader.Check
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

// upper is the handout's rule, written out: a-z become A-Z, every other
// byte is left alone.
func upper(p []byte) []byte {
	out := make([]byte, len(p))
	for i, c := range p {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// textBytes are what long lines are made of: readable in a diff, with
// letters of both cases so that a wrong rule shows.
const textBytes = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_'()"

// longLine is a line of n bytes, its '\n' included, drawn from the check's
// random stream and starting with a readable label.
func longLine(t *grader.T, label string, n int) []byte {
	line := make([]byte, n)
	for i := range line {
		line[i] = textBytes[t.Rand().IntN(len(textBytes))]
	}
	copy(line, label)
	line[n-1] = '\n'
	return line
}
