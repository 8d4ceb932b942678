package netem_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socklab/socklab/harness/netem"
)

func startTCPProxy(t *testing.T, cfg netem.TCPConfig) *netem.TCPProxy {
	t.Helper()
	p, err := netem.NewTCPProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func toxics(t *testing.T, text string) []netem.Toxic {
	t.Helper()
	chain, err := netem.ParseToxics(text)
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

// slowReader is the student whose recv() a grader wants to exercise: it
// pauses before every read, which without pacing would let several
// segments pile up in its socket and come back from one recv.
func slowReader(total int, got chan<- []string) func(c *net.TCPConn) {
	return func(c *net.TCPConn) {
		var reads []string
		buf := make([]byte, 1024)
		for n := 0; n < total; {
			time.Sleep(2 * time.Millisecond) // deliberate: not synchronization
			k, err := c.Read(buf)
			if err != nil {
				break
			}
			reads = append(reads, string(buf[:k]))
			n += k
		}
		got <- reads
	}
}

func TestTCPProxySlicedAndPaced(t *testing.T) {
	checkNoLeaks(t)
	got := make(chan []string, 1)
	target := startTCPServer(t, slowReader(6, got))
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name(), Up: toxics(t, "slice=1"), Paced: true})
	c := dialTCP(t, p.Addr())
	if _, err := c.Write([]byte("HELLO\n")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"H", "E", "L", "L", "O", "\n"}; !reflect.DeepEqual(<-got, want) {
		t.Errorf("server's reads were not one byte each")
	}
	var notes []string
	for _, ev := range only(netem.Up, p.Events()) {
		notes = append(notes, fmt.Sprintf("#%d %d %q: %s", ev.N, ev.Size, ev.Data, ev.Note))
	}
	want := []string{
		`#1 1 "H": segment 1 of "HELLO\n"`,
		`#2 1 "E": segment 2 of "HELLO\n"`,
		`#3 1 "L": segment 3 of "HELLO\n"`,
		`#4 1 "L": segment 4 of "HELLO\n"`,
		`#5 1 "O": segment 5 of "HELLO\n"`,
		`#6 1 "\n": segment 6 of "HELLO\n"`,
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("up events (-want +got):\n%s", diff)
	}
}

func TestPacedWriterWithoutProxy(t *testing.T) {
	got := make(chan []string, 1)
	server := startTCPServer(t, slowReader(6, got))
	c := dialTCP(t, server)
	w := netem.Chain(netem.NewSegmentWriter(c, netem.WriterOptions{Paced: true}), nil)
	start := time.Now()
	for _, seg := range []string{"hel", "lo\n"} {
		if err := w.WriteSegment([]byte(seg)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("two paced segments took %v", time.Since(start))
	if reads, want := <-got, []string{"hel", "lo\n"}; !reflect.DeepEqual(reads, want) {
		t.Errorf("server read %q, want %q", reads, want)
	}
}

// The /proc tables are what a paced writer reads for a peer in another
// network namespace; /proc/self/net is this one, reached that way.
func TestPacedWriterProcTables(t *testing.T) {
	got := make(chan []string, 1)
	server := startTCPServer(t, slowReader(4, got))
	c := dialTCP(t, server)
	w := netem.Chain(netem.NewSegmentWriter(c, netem.WriterOptions{Paced: true, ProcNet: "/proc/self/net"}), nil, netem.Slicer{Min: 1})
	if err := w.WriteSegment([]byte("abc\n")); err != nil {
		t.Fatal(err)
	}
	if reads, want := <-got, []string{"a", "b", "c", "\n"}; !reflect.DeepEqual(reads, want) {
		t.Errorf("server read %q, want %q", reads, want)
	}
}

func TestPacedWriterGivesUp(t *testing.T) {
	hold := make(chan struct{})
	server := startTCPServer(t, func(c *net.TCPConn) { <-hold }) // never reads
	defer close(hold)
	c := dialTCP(t, server)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	w := netem.NewSegmentWriter(c, netem.WriterOptions{Paced: true, Context: ctx})
	err := w.WriteSegment([]byte("hello"))
	if !errors.Is(err, netem.ErrNotRead) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want ErrNotRead and DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "5 of 5 bytes left unread") {
		t.Errorf("error %q does not say how much was left unread", err)
	}
}

func TestPacedWriterNeedsALocalPeer(t *testing.T) {
	hold := make(chan struct{})
	server := startTCPServer(t, func(c *net.TCPConn) { <-hold })
	defer close(hold)
	c := dialTCP(t, server)
	// An empty directory stands for another namespace's tables without the peer.
	w := netem.NewSegmentWriter(c, netem.WriterOptions{Paced: true, ProcNet: t.TempDir()})
	if err := w.WriteSegment([]byte("x")); !errors.Is(err, netem.ErrNoPeer) {
		t.Errorf("got %v, want ErrNoPeer", err)
	}
}

// echoLines answers each line with the same line, and closes its writing
// side when the client does.
func echoLines(c *net.TCPConn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c.CloseWrite()
			return
		}
		c.Write([]byte(line))
	}
}

func TestTCPProxyLatency(t *testing.T) {
	checkNoLeaks(t)
	p := startTCPProxy(t, netem.TCPConfig{Target: startTCPServer(t, echoLines).String(), Key: t.Name(), Down: toxics(t, "latency=30ms")})
	c := dialTCP(t, p.Addr())
	start := time.Now()
	fmt.Fprintf(c, "ping\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("reply after %v, want at least 30ms", elapsed)
	}
}

func TestTCPProxyEOF(t *testing.T) {
	checkNoLeaks(t)
	got := make(chan string, 1)
	target := startTCPServer(t, func(c *net.TCPConn) {
		data, err := readAll(c)
		if err != nil {
			t.Errorf("server: %v", err)
		}
		got <- data
		c.Write([]byte(strings.ToUpper(data)))
	})
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name(), Up: toxics(t, "slice=2")})
	c := dialTCP(t, p.Addr())
	c.Write([]byte("hello"))
	c.CloseWrite() // the server reads EOF only if the proxy passes the FIN on
	if data := <-got; data != "hello" {
		t.Errorf("server read %q", data)
	}
	reply, err := readAll(c)
	if reply != "HELLO" || err != nil {
		t.Errorf("client read %q, %v; want HELLO then EOF", reply, err)
	}
	var notes []string
	for _, ev := range p.Events() {
		if ev.Note == "FIN" || ev.Note == "RST" {
			notes = append(notes, ev.Dir.String()+" "+ev.Note)
		}
	}
	slices.Sort(notes)
	if want := []string{"down FIN", "up FIN"}; !reflect.DeepEqual(notes, want) {
		t.Errorf("FIN and RST events %q, want %q", notes, want)
	}
}

func TestTCPProxyReset(t *testing.T) {
	checkNoLeaks(t)
	type result struct {
		data string
		err  error
	}
	got := make(chan result, 1)
	target := startTCPServer(t, func(c *net.TCPConn) {
		data, err := readAll(c)
		got <- result{data, err}
	})
	// Paced, so that the server reads "HEL" before the RST arrives: a reset
	// may otherwise discard data the application has not read yet.
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name(), Up: toxics(t, "reset=3"), Paced: true})
	c := dialTCP(t, p.Addr())
	c.Write([]byte("HELLO"))
	r := <-got
	if r.data != "HEL" || !errors.Is(r.err, syscall.ECONNRESET) {
		t.Errorf("server read %q, %v; want HEL, then ECONNRESET", r.data, r.err)
	}
	if _, err := readAll(c); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("client: got %v, want ECONNRESET", err)
	}
}

func TestTCPProxyHalfClose(t *testing.T) {
	checkNoLeaks(t)
	got := make(chan string, 1)
	target := startTCPServer(t, func(c *net.TCPConn) {
		data, _ := readAll(c)
		got <- data
		c.Write([]byte("bye\n")) // the other direction still works
	})
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name(), Up: toxics(t, "halfclose=5")})
	c := dialTCP(t, p.Addr())
	c.Write([]byte("HELLO world"))
	if data := <-got; data != "HELLO" {
		t.Errorf("server read %q, want HELLO then EOF", data)
	}
	if reply, err := readAll(c); reply != "bye\n" || err != nil {
		t.Errorf("client read %q, %v; want bye then EOF", reply, err)
	}
}

func TestTCPProxyLimit(t *testing.T) {
	checkNoLeaks(t)
	got := make(chan error, 1)
	target := startTCPServer(t, func(c *net.TCPConn) {
		c.Write([]byte("abcdefgh"))
		_, err := readAll(c) // EOF: closed both ways
		got <- err
	})
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name(), Down: toxics(t, "limit=4")})
	c := dialTCP(t, p.Addr())
	if data, err := readAll(c); data != "abcd" || err != nil {
		t.Errorf("client read %q, %v; want abcd then EOF", data, err)
	}
	if err := <-got; err != nil {
		t.Errorf("server: got %v, want EOF", err)
	}
}

// Segment sizes are drawn from (seed, key, direction, connection): the same
// on every run, different for another seed or another connection.
func TestTCPProxySegmentSizesAreReproducible(t *testing.T) {
	checkNoLeaks(t)
	msg := strings.Repeat("0123456789", 20)
	target := startTCPServer(t, func(c *net.TCPConn) { readAll(c) })
	sizes := func(seed uint64, conns int) [][]int {
		log := newEventLog()
		p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Seed: seed, Key: "tcp-echo/partial", Up: toxics(t, "slice=1-7"), OnEvent: log.on})
		var out [][]int
		for conn := 1; conn <= conns; conn++ {
			c := dialTCP(t, p.Addr())
			c.Write([]byte(msg))
			c.Close()
			evs := log.waitFor(t, "the message through", func(evs []netem.Event) bool {
				total := 0
				for _, ev := range evs {
					if ev.Conn == conn && ev.Dir == netem.Up {
						total += ev.Size
					}
				}
				return total == len(msg)
			})
			var s []int
			for _, ev := range evs {
				if ev.Conn == conn && ev.Dir == netem.Up && ev.Size > 0 {
					s = append(s, ev.Size)
				}
			}
			out = append(out, s)
		}
		p.Close()
		return out
	}
	first, again, other := sizes(1, 2), sizes(1, 1), sizes(2, 1)
	if !reflect.DeepEqual(first[0], again[0]) {
		t.Errorf("same seed, different sizes:\n%v\n%v", first[0], again[0])
	}
	if reflect.DeepEqual(first[0], other[0]) {
		t.Errorf("seeds 1 and 2 cut the same way: %v", first[0])
	}
	if reflect.DeepEqual(first[0], first[1]) {
		t.Errorf("connections 1 and 2 cut the same way: %v", first[0])
	}
}

func TestTCPProxyCloseResetsConnections(t *testing.T) {
	checkNoLeaks(t)
	hold := make(chan struct{})
	target := startTCPServer(t, func(c *net.TCPConn) {
		<-hold
		readAll(c)
	})
	defer close(hold)
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name(), Up: toxics(t, "latency=1h"), Paced: true})
	c := dialTCP(t, p.Addr())
	c.Write([]byte("stuck in latency"))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(c); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("client after Close: got %v, want ECONNRESET", err)
	}
}

func TestTCPProxyPassesResetOn(t *testing.T) {
	checkNoLeaks(t)
	got := make(chan error, 1)
	target := startTCPServer(t, func(c *net.TCPConn) {
		_, err := readAll(c)
		got <- err
	})
	p := startTCPProxy(t, netem.TCPConfig{Target: target.String(), Key: t.Name()})
	c := dialTCP(t, p.Addr())
	c.Write([]byte("hi"))
	c.SetLinger(0)
	c.Close() // RST
	if err := <-got; !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("server: got %v, want ECONNRESET", err)
	}
}

func TestTCPProxyTargetDown(t *testing.T) {
	checkNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	ln.Close()
	log := newEventLog()
	p := startTCPProxy(t, netem.TCPConfig{Target: gone, Key: t.Name(), OnEvent: log.on})
	// The reset may come before the client's connect returns, or after.
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(p.Addr()))
	if err == nil {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = readAll(c)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("client: got %v, want ECONNRESET", err)
	}
	evs := log.waitFor(t, "the dial to fail", func(evs []netem.Event) bool { return len(evs) > 0 })
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Note, "dial target: ") {
		t.Errorf("events %v, want one that says the dial failed", evs)
	}
}
