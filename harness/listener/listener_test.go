package listener

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
)

// listen listens on 127.0.0.1:0 and closes the listener when the test
// ends.
func listen(t *testing.T) *Listener {
	t.Helper()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// An acceptor runs an accept loop and logs the remote address of every
// connection Accept returned, before it calls Accept again, as a test
// server logs what it accepted.
type acceptor struct {
	mu    sync.Mutex
	from  []netip.AddrPort
	ended chan struct{} // closed when Accept returned an error
}

// accept starts an accept loop on l that lasts until l closes, at the
// latest when the test ends.
func accept(t *testing.T, l *Listener) *acceptor {
	a := &acceptor{ended: make(chan struct{})}
	go func() {
		defer close(a.ended)
		for {
			c, err := l.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Accept: %v", err)
				}
				return
			}
			a.mu.Lock()
			a.from = append(a.from, unmap(c.RemoteAddr().(*net.TCPAddr).AddrPort()))
			a.mu.Unlock()
			c.Close()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-a.ended
	})
	return a
}

func (a *acceptor) accepted() []netip.AddrPort {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]netip.AddrPort(nil), a.from...)
}

// dialClose opens a connection to l, writes to it and closes it, as a
// client in a hurry does, and returns its address.
func dialClose(t *testing.T, l *Listener) netip.AddrPort {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello\r\n")); err != nil {
		t.Fatal(err)
	}
	return unmap(c.LocalAddr().(*net.TCPAddr).AddrPort())
}

// flush calls l.Flush with a deadline that only a hang reaches.
func flush(t *testing.T, l *Listener) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// TestFlushCountsQueuedConnections: connections opened and closed
// before the accept loop started, still in the listen queue when Flush
// is called, have been accepted when it returns, in order, and the
// probe has not.
func TestFlushCountsQueuedConnections(t *testing.T) {
	const n = 20
	l := listen(t)
	var want []netip.AddrPort
	for range n {
		want = append(want, dialClose(t, l))
	}
	a := accept(t, l)
	flush(t, l)
	got := a.accepted()
	if len(got) != n {
		t.Fatalf("%d connections accepted after Flush, want %d", len(got), n)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("connection %d accepted from %v, want %v", i+1, got[i], want[i])
		}
	}
}

// TestFlushAddresses: Flush finds the listener on every address it may
// listen on, an unspecified one included, and Addr is unmapped.
func TestFlushAddresses(t *testing.T) {
	for _, tt := range []struct {
		name, network, address string
		want                   netip.Addr
	}{
		{"loopback", "tcp", "127.0.0.1:0", netip.MustParseAddr("127.0.0.1")},
		{"unspecified IPv4", "tcp4", "0.0.0.0:0", netip.IPv4Unspecified()},
		{"loopback IPv6", "tcp6", "[::1]:0", netip.IPv6Loopback()},
		{"unspecified", "tcp", ":0", netip.Addr{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Listen(tt.network, tt.address)
			if err != nil {
				t.Skipf("cannot listen on %s: %v", tt.address, err)
			}
			if tt.want.IsValid() && l.Addr().Addr() != tt.want {
				t.Errorf("Addr() = %v, want %v and a port", l.Addr(), tt.want)
			}
			if l.Addr().Port() == 0 {
				t.Errorf("Addr() = %v, without a port", l.Addr())
			}
			a := accept(t, l)
			flush(t, l)
			if got := a.accepted(); len(got) != 0 {
				t.Errorf("Accept returned %v, the probe", got)
			}
		})
	}
}

func TestListenNotTCP(t *testing.T) {
	if l, err := Listen("unix", t.TempDir()+"/sock"); err == nil {
		l.Close()
		t.Error(`Listen("unix") did not fail`)
	}
}

// TestFlushClosed: once the listener is closed nothing more is accepted,
// and Flush returns nil at once, even with a cancelled ctx.
func TestFlushClosed(t *testing.T) {
	l := listen(t)
	dialClose(t, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	flush(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Flush(ctx); err != nil {
		t.Errorf("Flush with a cancelled ctx after Close: %v, want nil", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
}

// TestFlushClosedWhileWaiting: a Flush waiting for an accept that will
// not come returns nil when the listener closes.
func TestFlushClosedWhileWaiting(t *testing.T) {
	l := listen(t)
	errc := make(chan error, 1)
	go func() { errc <- l.Flush(context.Background()) }()
	time.Sleep(20 * time.Millisecond) // Flush waits, or will
	l.Close()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Flush: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Flush did not return after Close")
	}
}

// TestFlushCancelled: Flush returns ctx's error when ctx is done before
// the probe is accepted, whether before or after its dial, and Accept
// still knows the probe left behind for what it is.
func TestFlushCancelled(t *testing.T) {
	l := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush with a cancelled ctx: %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush with nothing accepting: %v, want context.DeadlineExceeded", err)
	}
	from := dialClose(t, l)
	a := accept(t, l)
	flush(t, l)
	if got := a.accepted(); len(got) != 1 || got[0] != from {
		t.Errorf("accepted from %v, want only %v", got, from)
	}
}

// TestFlushConcurrent: Flushes racing each other and the clients all
// return, and no probe is taken for a client.
func TestFlushConcurrent(t *testing.T) {
	const n = 10
	l := listen(t)
	a := accept(t, l)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { dialClose(t, l) })
		wg.Go(func() { flush(t, l) })
	}
	wg.Wait()
	flush(t, l)
	if got := len(a.accepted()); got != n {
		t.Errorf("%d connections accepted, want %d", got, n)
	}
}

// Serve hands each connection to track, skipping probes, and stops when
// track refuses one, closing it; or when the listener closes.
func TestServe(t *testing.T) {
	l := listen(t)
	var got []*net.TCPConn
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Serve(context.Background(), func(c *net.TCPConn) bool {
			got = append(got, c)
			return len(got) < 2
		})
	}()
	// A probe first: Serve takes it, and does not hand it to track.
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	<-done
	if len(got) != 2 {
		t.Fatalf("track got %d connections, want 2", len(got))
	}
	got[0].Close()
	// The second, refused, was closed by Serve: a read sees EOF or a reset.
	got[1].SetReadDeadline(time.Now().Add(time.Second))
	if _, err := got[1].Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the refused connection was left open: %v", err)
	}

	// A closed listener ends Serve.
	l2 := listen(t)
	ended := make(chan struct{})
	go func() { l2.Serve(context.Background(), func(*net.TCPConn) bool { return true }); close(ended) }()
	l2.Close()
	<-ended
}
