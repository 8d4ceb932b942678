package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// A response comes as bytes, from a connection or here from a string;
// readResponse reads its head, and readBody copies its body out.
func Example_readResponse() {
	in := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain\r\n" +
		"Transfer-Encoding: chunked\r\n" +
		"\r\n" +
		"7;ext=ignored\r\nHello, \r\n" +
		"6\r\nworld\n\r\n" +
		"0\r\n" +
		"\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	r, err := readResponse(br, "GET")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.statusLine)
	fmt.Println(r.status, r.framing, r.keepAlive)
	if err := readBody(br, r, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// HTTP/1.1 200 OK
	// 200 chunked true
	// Hello, world
}
