package listener_test

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/socklab/socklab/harness/listener"
)

// A client connects and exits before the server's accept loop has begun;
// Flush returns once the loop has accepted its connection.
func ExampleListener_Flush() {
	l, err := listener.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	c.Close()

	var accepted atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	if err := l.Flush(context.Background()); err != nil {
		panic(err)
	}
	fmt.Println("accepted:", accepted.Load())
	// Output: accepted: 1
}
