package netem_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/netem"
)

// checkNoLeaks fails the test if goroutines of package netem are still
// running once the test's other cleanups (closing proxies) have run. Like
// go.uber.org/goleak it retries for a while, because a goroutine that has
// signalled a WaitGroup can still be on its way out.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for wait := 100 * time.Microsecond; ; wait = min(2*wait, 50*time.Millisecond) {
			leaked := netemGoroutines()
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines of package netem still running:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(wait)
		}
	})
}

func netemGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var leaked []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "socklab/harness/netem.") {
			leaked = append(leaked, g)
		}
	}
	return leaked
}

// startUDPEcho starts a UDP server that sends every datagram back.
func startUDPEcho(t *testing.T) netip.AddrPort {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			c.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// udpClient sends datagrams to addr and reads the replies.
type udpClient struct {
	t *testing.T
	c *net.UDPConn
}

func newUDPClient(t *testing.T, addr netip.AddrPort) *udpClient {
	t.Helper()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{t, c}
}

func (u *udpClient) send(msgs ...string) {
	u.t.Helper()
	for _, m := range msgs {
		if _, err := u.c.Write([]byte(m)); err != nil {
			u.t.Fatal(err)
		}
	}
}

// readUntil reads replies up to and including the first one equal to last.
func (u *udpClient) readUntil(last string) []string {
	u.t.Helper()
	u.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []string
	buf := make([]byte, 64<<10)
	for {
		n, err := u.c.Read(buf)
		if err != nil {
			u.t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, string(buf[:n]))
		if string(buf[:n]) == last {
			return got
		}
	}
}

// eventLog collects a proxy's events through OnEvent and lets a test wait,
// with a deadline, until they satisfy a condition.
type eventLog struct {
	mu     sync.Mutex
	events []netem.Event
	more   chan struct{} // a token after each new event
}

func newEventLog() *eventLog { return &eventLog{more: make(chan struct{}, 1)} }

func (l *eventLog) on(ev netem.Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
	select {
	case l.more <- struct{}{}:
	default:
	}
}

func (l *eventLog) waitFor(t *testing.T, what string, done func([]netem.Event) bool) []netem.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		evs := slices.Clone(l.events)
		l.mu.Unlock()
		if done(evs) {
			return evs
		}
		select {
		case <-l.more:
		case <-timeout:
			t.Fatalf("timed out waiting for %s; events:\n%s", what, eventLines(evs))
		}
	}
}

// count returns a condition: at least n events in direction dir.
func count(dir netem.Direction, n int) func([]netem.Event) bool {
	return func(evs []netem.Event) bool { return len(only(dir, evs)) >= n }
}

func only(dir netem.Direction, evs []netem.Event) []netem.Event {
	var out []netem.Event
	for _, ev := range evs {
		if ev.Dir == dir {
			out = append(out, ev)
		}
	}
	return out
}

func eventLines(evs []netem.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString(ev.String() + "\n")
	}
	return b.String()
}

// startTCPServer starts a TCP server that runs handle for each connection
// and waits for the handlers at cleanup.
func startTCPServer(t *testing.T, handle func(c *net.TCPConn)) netip.AddrPort {
	t.Helper()
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func dialTCP(t *testing.T, addr netip.AddrPort) *net.TCPConn {
	t.Helper()
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// readAll reads c until EOF or an error, and returns what arrived and the
// error (nil for EOF).
func readAll(c net.Conn) (string, error) {
	var b bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		b.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
	}
}
