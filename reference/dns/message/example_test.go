package message_test

import (
	"fmt"
	"net/netip"

	"github.com/socklab/socklab/reference/dns/message"
)

// The query "dig www.example.com" sends: a question, and an OPT record
// that offers replies of up to 1232 bytes over UDP.
func ExampleParse() {
	query := []byte{
		0x1c, 0x2b, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1, // header: ID, flags, counts
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1, // type A, class IN
		0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0, // OPT: root, type 41, size 1232, TTL 0, no options
	}
	m, err := message.Parse(query)
	if err != nil {
		fmt.Println(err)
		return
	}
	q := m.Questions[0]
	fmt.Printf("ID %#04x, recursion desired %v\n", m.ID, m.RD)
	fmt.Printf("question: %s %s %s\n", q.Name, q.Class, q.Type)
	edns, _ := m.EDNS()
	fmt.Printf("EDNS version %d, replies up to %d bytes\n", edns.Version, edns.UDPSize)

	// One byte short, the OPT record is cut off.
	_, err = message.Parse(query[:len(query)-1])
	fmt.Println(err)
	// Output:
	// ID 0x1c2b, recursion desired true
	// question: www.example.com. IN A
	// EDNS version 0, replies up to 1232 bytes
	// message: too short (additional 1, at byte 33)
}

// The answer names www.example.com twice, but writes it once: the owner of
// the answer is a pointer to the name in the question, C0 0C (offset 12).
func ExampleMessage_Pack() {
	m := &message.Message{
		Header:    message.Header{ID: 0x1c2b, QR: true, AA: true, RD: true},
		Questions: []message.Question{{Name: "www.example.com.", Type: message.TypeA, Class: message.ClassIN}},
		Answers: []message.Record{{
			Name: "www.example.com.", Type: message.TypeA, Class: message.ClassIN, TTL: 300,
			Data: &message.A{Addr: netip.MustParseAddr("192.0.2.10")},
		}},
	}
	b, err := m.Pack()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("header   % x\n", b[:12])
	fmt.Printf("question % x\n", b[12:33])
	fmt.Printf("answer   % x\n", b[33:])
	// Output:
	// header   1c 2b 85 00 00 01 00 01 00 00 00 00
	// question 03 77 77 77 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01
	// answer   c0 0c 00 01 00 01 00 00 01 2c 00 04 c0 00 02 0a
}
