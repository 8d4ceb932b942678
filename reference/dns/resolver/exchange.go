package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// One query to one name server, and the wait for its reply: "try".
//
// Anyone on the network can send the resolver a datagram that claims to
// be a reply. An attacker who wants to poison the cache sends many, each
// with a guessed ID, hoping that one arrives before the real reply and is
// believed (RFC 5452 §3, §4). The defence is to make the guess hard, and to
// believe only a datagram that matches the query in every way it can:
//
//   - every query has a new random ID, 16 bits (RFC 5452 §9.2);
//   - every query leaves from a new socket, on a port the kernel picks at
//     random (RFC 5452 §9.2, RFC 6056), which adds about 15 more bits;
//   - a reply is accepted only if it comes from the address and port the
//     query went to, has the query's ID, and asks the query's question
//     (RFC 5452 §9.1). Any other datagram is ignored, and the resolver
//     goes on waiting for the real reply until the try's time is up.

// Why a datagram that came to a query's socket is not its reply.
var (
	errSource      = errors.New("not from the server asked")
	errID          = errors.New("wrong ID")
	errNotResponse = errors.New("not a response (QR=0)")
	errMalformed   = errors.New("malformed")
	errQuestion    = errors.New("wrong question")
)

// errTimeout: no reply came in the try's time.
var errTimeout = errors.New("no reply")

// newQuery is the query the resolver sends to a name server: a new random
// ID, RD=0, since the resolver follows the referrals itself ("iterative",
// RFC 1034 §4.3.1), the one question q (of class IN), and no EDNS, so the
// reply has 512 bytes at most and anything larger comes over TCP.
func newQuery(q message.Question) *message.Message {
	return &message.Message{
		Header:    message.Header{ID: newID()},
		Questions: []message.Question{q},
	}
}

// newID returns a random query ID from crypto/rand. The generator of
// math/rand is fast but its numbers can be predicted from earlier ones,
// and a predictable ID is the attack of RFC 5452 §4.2.
func newID() uint16 {
	var b [2]byte
	rand.Read(b[:]) // never fails (crypto/rand, since Go 1.24)
	return binary.BigEndian.Uint16(b[:])
}

// tryDeadline is when a try must end: tryTimeout from now, or sooner when
// the stub's deadline comes first.
func (r *resolver) tryDeadline(ctx context.Context) time.Time {
	d := time.Now().Add(r.tryTimeout)
	if stub, ok := ctx.Deadline(); ok && stub.Before(d) {
		return stub
	}
	return d
}

// exchangeUDP sends the query for q to server over UDP and returns the
// reply it accepts, or errTimeout.
func (r *resolver) exchangeUDP(ctx context.Context, server netip.AddrPort, q message.Question) (*message.Message, error) {
	query := newQuery(q)
	out, err := query.Pack()
	if err != nil {
		return nil, err // a name from a parsed message or record always packs
	}
	// Port 0: the kernel picks a free port at random. The socket is not
	// connected, so that it receives datagrams from anyone, and checking
	// where each one came from is ours to do (accept).
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(r.tryDeadline(ctx))
	if _, err := conn.WriteToUDPAddrPort(out, server); err != nil {
		return nil, err
	}
	buf := make([]byte, 65535) // a reply is 512 bytes at most, but a forger's datagram may be longer
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errTimeout
		}
		if err != nil {
			return nil, err
		}
		reply, err := accept(buf[:n], from, server, query.ID, q)
		if err != nil {
			r.logf("%s %v → %v: ignored a datagram from %v: %v", q.Name, q.Type, server.Addr(), from, err)
			continue
		}
		return reply, nil
	}
}

// exchangeTCP sends the query for q to server over TCP, its length in
// two bytes before it (RFC 1035 §4.2.2), and returns the reply. A reply
// that comes truncated over UDP is asked again this way (RFC 7766 §5),
// with a new ID. The connection itself says where the reply comes from;
// the ID and question are checked as over UDP.
func (r *resolver) exchangeTCP(ctx context.Context, server netip.AddrPort, q message.Question) (*message.Message, error) {
	query := newQuery(q)
	out, err := query.Pack()
	if err != nil {
		return nil, err
	}
	deadline := r.tryDeadline(ctx)
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, "tcp4", server.String())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	// The length and the message in one write, so they leave in one
	// segment (RFC 7766 §8).
	if _, err := conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...)); err != nil {
		return nil, err
	}
	var length [2]byte
	if _, err := io.ReadFull(conn, length[:]); err != nil {
		return nil, tcpError(err)
	}
	in := make([]byte, binary.BigEndian.Uint16(length[:]))
	if _, err := io.ReadFull(conn, in); err != nil {
		return nil, tcpError(err)
	}
	return accept(in, server, server, query.ID, q)
}

func tcpError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errTimeout
	}
	return fmt.Errorf("over TCP: %w", err)
}

// accept returns the reply in b, which came from the address from, if it
// is the reply to the query with ID id and question q sent to server; or
// else why not. The question must be the same: the same name, compared
// without regard to case (RFC 4343 §3), the same type and class.
func accept(b []byte, from, server netip.AddrPort, id uint16, q message.Question) (*message.Message, error) {
	// A socket of family udp4 gives IPv4 addresses, but one of udp6 may
	// give them mapped into IPv6 (::ffff:127.0.0.1): the same address.
	if from.Addr().Unmap() != server.Addr().Unmap() || from.Port() != server.Port() {
		return nil, errSource
	}
	h, err := message.ParseHeader(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if h.ID != id {
		return nil, fmt.Errorf("%w: %d, not %d", errID, h.ID, id)
	}
	if !h.QR {
		return nil, errNotResponse
	}
	m, err := message.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if len(m.Questions) != 1 {
		return nil, fmt.Errorf("%w: %d questions", errQuestion, len(m.Questions))
	}
	if got := m.Questions[0]; canonical(got.Name) != canonical(q.Name) || got.Type != q.Type || got.Class != q.Class {
		return nil, fmt.Errorf("%w: %s %v %v", errQuestion, got.Name, got.Class, got.Type)
	}
	return m, nil
}
