package origin_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"time"

	"github.com/socklab/socklab/harness/origin"
)

// A server that answers with a chunked body cut into segments of 8
// bytes, and closes the connection after it; a raw client that asks for
// a page; and what the server saw of the request.
func Example() {
	body := []byte("hello, world\n")
	raw := append(origin.Build(200, "OK", nil, "Transfer-Encoding", "chunked", "Connection", "close"),
		origin.Chunked(body, origin.ChunkOptions{Sizes: []int{5}})...)
	s, err := origin.Start(origin.Config{Handler: func(r *origin.Request) origin.Response {
		return origin.Response{Raw: raw, Slice: 8, Close: true}
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c, err := net.Dial("tcp", s.HostPort())
	if err != nil {
		log.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /hello?lang=en HTTP/1.1\r\nHost: %s\r\nUser-Agent: example\r\n\r\n", s.HostPort())
	resp, err := io.ReadAll(c) // until the server's FIN
	if err != nil {
		log.Fatal(err)
	}
	c.Close()
	fmt.Printf("%q\n", resp)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		log.Fatal(err)
	}
	for _, r := range s.Requests() {
		host, _ := r.Get("host")
		fmt.Println(r.N, r.Method, r.Target, r.Proto, "Host is HostPort:", host == s.HostPort(), "CR LF:", !r.BareLF)
		for _, f := range r.Header {
			fmt.Printf("  %s = %s\n", f.Name, strconv.Quote(f.Value[:min(len(f.Value), 9)]))
		}
	}
	fmt.Println("connections:", len(s.Conns()), "closed by:", s.Conns()[0].ClosedBy())
	// Output:
	// "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n5\r\n, wor\r\n3\r\nld\n\r\n0\r\n\r\n"
	// 1 GET /hello?lang=en HTTP/1.1 Host is HostPort: true CR LF: true
	//   Host = "127.0.0.1"
	//   User-Agent = "example"
	// connections: 1 closed by: server
}
