package proc

import (
	"bufio"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestReservePortConcurrent: 200 reservations at once get 200 ports, each
// free for a server to bind with TCP and UDP.
func TestReservePortConcurrent(t *testing.T) {
	t.Parallel()
	const n = 200
	got := make([]*Port, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = ReservePort()
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, p := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		defer p.Release()
		if seen[p.N] {
			t.Errorf("port %d handed out twice", p.N)
		}
		seen[p.N] = true
		if p.N < portLow || p.N >= portHigh {
			t.Errorf("port %d is outside %d-%d", p.N, portLow, portHigh-1)
		}
		if err := bindBoth(p.N); err != nil {
			t.Errorf("reserved port %d: %v", p.N, err)
		}
	}
}

// bindBoth binds port as a C server does (IPv4) and as a Go one does
// (dual-stack), TCP and UDP. It holds off forks meanwhile, as ReservePort's
// probe does: a program other tests start now would get a copy of each
// socket, and keep the port bound after Close until it execs.
func bindBoth(port int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	for _, nw := range []string{"tcp4", "tcp", "udp4", "udp"} {
		var c io.Closer
		var err error
		if strings.HasPrefix(nw, "tcp") {
			c, err = net.Listen(nw, net.JoinHostPort("", strconv.Itoa(port)))
		} else {
			c, err = net.ListenPacket(nw, net.JoinHostPort("", strconv.Itoa(port)))
		}
		if err != nil {
			return err
		}
		c.Close()
	}
	return nil
}

// TestReleasePort: a reserved port is skipped until it is released, and
// then handed out again when the cursor comes round to it.
func TestReleasePort(t *testing.T) {
	t.Parallel()
	p, err := ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	setCursor(p.N)
	q, err := ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Release()
	if q.N == p.N {
		t.Fatalf("port %d reserved twice", p.N)
	}
	p.Release()
	p.Release() // harmless
	setCursor(p.N)
	r, err := ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	// Another test may reserve between setCursor and ReservePort; then
	// the port has gone to it, which is as good.
	if r.N != p.N && !reservedHere(p.N) {
		t.Errorf("after Release, port %d was not handed out again (got %d)", p.N, r.N)
	}
}

func reservedHere(n int) bool {
	ports.mu.Lock()
	defer ports.mu.Unlock()
	return ports.inUse[n]
}

// TestReservePortAcrossProcesses: two graders on one machine, starting at
// the same place in the range, never hold the same port at once: the lock
// file says which are taken.
func TestReservePortAcrossProcesses(t *testing.T) {
	t.Parallel()
	const n = 100
	first, err := ReservePort() // opens the lock file
	if err != nil {
		t.Fatal(err)
	}
	first.Release()
	if ports.lock == nil {
		t.Skip("no lock file; ports are unique within one grader only")
	}
	cursor := first.N + 1
	if cursor+3*n >= portHigh {
		cursor = portLow
	}

	// The other grader reserves n ports while this one does.
	stdin, hold, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	defer hold.Close()
	spec := helper("reserve", strconv.Itoa(n), strconv.Itoa(cursor))
	spec.Stdin = stdin
	p := start(t, spec)
	setCursor(cursor)
	mine := map[int]bool{}
	for i := 0; i < n; i++ {
		port, err := ReservePort()
		if err != nil {
			t.Fatal(err)
		}
		defer port.Release()
		mine[port.N] = true
	}
	waitPrinted(t, p, "held")
	sc := bufio.NewScanner(strings.NewReader(p.Stdout().String()))
	theirs := 0
	for sc.Scan() {
		port, err := strconv.Atoi(sc.Text())
		if err != nil {
			continue
		}
		theirs++
		if mine[port] {
			t.Errorf("port %d is held by both graders", port)
		}
	}
	if theirs != n {
		t.Errorf("the other grader reserved %d ports, want %d; stderr:\n%s", theirs, n, p.Stderr())
	}
	hold.Close()
	if e := waitExit(t, p); !e.Success() {
		t.Errorf("the other grader %s", p.Describe())
	}
}

// TestReservePortLeaksNoSocket: the sockets that test whether a port is
// free are never inherited by a role started meanwhile, which would hold
// the port for as long as it ran.
func TestReservePortLeaksNoSocket(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if p, err := ReservePort(); err == nil {
				p.Release()
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for i := 0; i < 5; i++ {
		p := start(t, helper("sockets"))
		waitExit(t, p)
		if out := p.Output().String(); out != "" {
			t.Fatalf("the role was born with sockets:\n%s", out)
		}
	}
}
