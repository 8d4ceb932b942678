package dns

import (
	"encoding/binary"
	"fmt"

	"github.com/socklab/socklab/grader"
)

// A server is the student's name server, started for one check with the
// check's zone, and the grader's sockets to it.
type server struct {
	t    *grader.T
	role *grader.Role
	zone *testZone
	udp  *grader.UDPConn
}

// startServer starts `bin/server -port P -zone FILE` and waits until it
// listens on networks: "udp", or "udp+tcp" for checks that need TCP, so
// that a server without TCP loses only those.
func startServer(t *grader.T, networks string) *server {
	z := newZone(t)
	role := t.StartServer("server", networks, "-zone", z.path)
	return &server{t: t, role: role, zone: z, udp: t.DialUDP(role)}
}

// ask sends q over UDP and returns the reply.
func (s *server) ask(q query) *reply {
	return s.askRaw(q.String(), q.pack())
}

// askRaw sends a message over UDP and returns the next datagram back,
// parsed: the check's socket has one query outstanding at a time, so the
// reply need not carry the right ID to be found (that is another check's
// business).
func (s *server) askRaw(what string, msg []byte) *reply {
	s.udp.Send(msg)
	return parseReply(s.t, what, s.udp.Recv())
}

// tcpConn is one TCP connection to the server.
type tcpConn struct {
	s *server
	c *grader.TCPConn
}

func (s *server) dialTCP() *tcpConn {
	return &tcpConn{s: s, c: s.t.DialTCP(s.role)}
}

// send writes q with its length prefix, in one segment.
func (c *tcpConn) send(q query) { c.c.Write(frame(q.pack())) }

// read reads one length-prefixed reply (RFC 1035 §4.2.2).
func (c *tcpConn) read(what string) *reply {
	n := binary.BigEndian.Uint16(c.c.ReadN(2, fmt.Sprintf("the length of your reply to %s over TCP", what)))
	raw := c.c.ReadN(int(n), fmt.Sprintf("your %d-byte reply to %s over TCP", n, what))
	r := parseReply(c.s.t, what+" over TCP", raw)
	r.tcp = true
	return r
}

// askTCP sends q over a new TCP connection and returns the reply.
func (s *server) askTCP(q query) *reply {
	c := s.dialTCP()
	defer c.c.Close()
	c.send(q)
	return c.read(q.String())
}
