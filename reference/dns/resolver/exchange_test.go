package main

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// replyTo returns the reply a server would send to query: its ID, QR=1,
// the question, and the answers given.
func replyTo(query *message.Message, answers ...message.Record) *message.Message {
	return &message.Message{
		Header:    message.Header{ID: query.ID, QR: true, AA: true},
		Questions: query.Questions,
		Answers:   answers,
	}
}

func pack(t *testing.T, m *message.Message) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// "A reply is accepted only if it comes from the address and port the
// query was sent to, has the query's ID, and has the query's question;
// any other datagram is ignored."
func TestAccept(t *testing.T) {
	server := netip.MustParseAddrPort("127.0.0.2:5300")
	q := message.Question{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassIN}
	query := &message.Message{Header: message.Header{ID: 0x1234}, Questions: []message.Question{q}}
	good := replyTo(query, rrA("www.example.org.", "192.0.2.1"))
	with := func(change func(m *message.Message)) []byte {
		m := *good
		m.Questions = []message.Question{q}
		change(&m)
		return pack(t, &m)
	}
	tests := []struct {
		name string
		b    []byte
		from string
		err  error // nil: accepted
	}{
		{"the reply", pack(t, good), "127.0.0.2:5300", nil},
		{"the reply, from an IPv4-mapped address", pack(t, good), "[::ffff:127.0.0.2]:5300", nil},
		{"the question in another case", with(func(m *message.Message) { m.Questions[0].Name = "WWW.example.ORG." }), "127.0.0.2:5300", nil},
		{"from another address", pack(t, good), "127.0.0.3:5300", errSource},
		{"from another port", pack(t, good), "127.0.0.2:5301", errSource},
		{"another ID", with(func(m *message.Message) { m.ID = 0x1235 }), "127.0.0.2:5300", errID},
		{"a query, not a response", with(func(m *message.Message) { m.QR = false }), "127.0.0.2:5300", errNotResponse},
		{"another name", with(func(m *message.Message) { m.Questions[0].Name = "www.bank.com." }), "127.0.0.2:5300", errQuestion},
		{"another type", with(func(m *message.Message) { m.Questions[0].Type = message.TypeAAAA }), "127.0.0.2:5300", errQuestion},
		{"another class", with(func(m *message.Message) { m.Questions[0].Class = message.ClassCH }), "127.0.0.2:5300", errQuestion},
		{"no question", with(func(m *message.Message) { m.Questions = nil }), "127.0.0.2:5300", errQuestion},
		{"two questions", with(func(m *message.Message) { m.Questions = append(m.Questions, q) }), "127.0.0.2:5300", errQuestion},
		{"shorter than a header", []byte{0x12, 0x34, 0x80}, "127.0.0.2:5300", errMalformed},
		{"cut short", pack(t, good)[:40], "127.0.0.2:5300", errMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := accept(tt.b, netip.MustParseAddrPort(tt.from), server, query.ID, q)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err == nil && len(m.Answers) != 1 {
				t.Errorf("accepted reply:\n%s", m)
			}
		})
	}
}

// listenUDP opens a UDP socket on 127.0.0.1, closed when the test ends.
func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// answerOnce reads one query on conn and calls reply with it, in a
// goroutine; the channel is closed once reply has returned.
func answerOnce(t *testing.T, conn *net.UDPConn, reply func(query *message.Message, from netip.AddrPort)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Error(err)
			return
		}
		query, err := message.Parse(buf[:n])
		if err != nil {
			t.Error(err)
			return
		}
		reply(query, from)
	}()
	return done
}

// send packs m and sends it from conn to to.
func send(conn *net.UDPConn, m *message.Message, to netip.AddrPort) {
	b, _ := m.Pack()
	conn.WriteToUDPAddrPort(b, to)
}

func addrOf(conn *net.UDPConn) netip.AddrPort { return conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// The resolver goes on waiting past forged datagrams, and takes the real
// reply that comes after them.
func TestExchangeIgnoresForgeries(t *testing.T) {
	server, forger := listenUDP(t), listenUDP(t)
	r := newResolver(nil, 0)
	q := message.Question{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassIN}
	done := answerOnce(t, server, func(query *message.Message, from netip.AddrPort) {
		poison := rrA("www.example.org.", "203.0.113.66")
		wrongID := replyTo(query, poison)
		wrongID.ID++
		wrongName := replyTo(query, poison)
		wrongName.Questions = []message.Question{{Name: "www.bank.com.", Type: message.TypeA, Class: message.ClassIN}}
		send(forger, replyTo(query, poison), from) // from another port
		send(server, wrongID, from)
		send(server, wrongName, from)
		server.WriteToUDPAddrPort([]byte("not DNS at all"), from)
		send(server, replyTo(query, rrA("www.example.org.", "192.0.2.1")), from)
	})
	defer func() { <-done }()
	reply, err := r.exchangeUDP(context.Background(), addrOf(server), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Answers) != 1 || reply.Answers[0].Data.String() != "192.0.2.1" {
		t.Errorf("accepted:\n%s", reply)
	}
}

// "Each query to a name server has a new random ID and is sent from a
// new random port." Also: RD=0, one question of class IN, no EDNS.
func TestQueries(t *testing.T) {
	server := listenUDP(t)
	r := newResolver(nil, 0)
	q := message.Question{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassIN}
	const n = 4
	ids, ports := make(map[uint16]bool), make(map[uint16]bool)
	for range n {
		var query *message.Message
		var from netip.AddrPort
		done := answerOnce(t, server, func(m *message.Message, f netip.AddrPort) {
			query, from = m, f
			send(server, replyTo(m), f)
		})
		_, err := r.exchangeUDP(context.Background(), addrOf(server), q)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		if query.RD || len(query.Questions) != 1 || query.Questions[0] != q || len(query.Additional) > 0 {
			t.Errorf("query:\n%s", query)
		}
		ids[query.ID], ports[from.Port()] = true, true
	}
	// The same ID four times comes once in 2^48 runs; the same port
	// hardly more often.
	if len(ids) == 1 || len(ports) == 1 {
		t.Errorf("%d queries, %d different IDs, from %d different ports", n, len(ids), len(ports))
	}
}

func TestExchangeTimeout(t *testing.T) {
	silent := listenUDP(t)
	r := newResolver(nil, 0)
	r.tryTimeout = 50 * time.Millisecond
	q := message.Question{Name: "www.example.org.", Type: message.TypeA, Class: message.ClassIN}
	if _, err := r.exchangeUDP(context.Background(), addrOf(silent), q); !errors.Is(err, errTimeout) {
		t.Errorf("error %v, want %v", err, errTimeout)
	}
}
