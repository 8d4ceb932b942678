package main

import (
	"bufio"
	"fmt"
	"strings"
)

// A reply comes as bytes, from a connection or here from a string;
// readReply reads one, and leaves the next in the reader.
func Example_readReply() {
	in := "250-mx.hamburger.edu\r\n" +
		"250-SIZE 10240000\r\n" +
		"250-8BITMIME\r\n" +
		"250 SMTPUTF8\r\n" +
		"550 5.1.1 no such user\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	for range 2 {
		r, err := readReply(br)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r, len(r.Lines), r.Positive(), r.Permanent())
		if r.Positive() {
			fmt.Println(extensions(r))
		}
	}
	// Output:
	// 250 mx.hamburger.edu 4 true false
	// map[8BITMIME:true SIZE:true SMTPUTF8:true]
	// 550 5.1.1 no such user 1 false true
}

// prepareMessage gives every line a CRLF, and an extra dot to every line
// that begins with one.
func Example_prepareMessage() {
	m, err := prepareMessage([]byte("Subject: dots\n\n.\n.signature\r\nend"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %v\n", m.data, m.eightBit)
	// Output:
	// "Subject: dots\r\n\r\n..\r\n..signature\r\nend\r\n" false
}
