package proc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/harness/sockstat"
)

// reserve reserves a port for the test.
func reserve(t *testing.T) int {
	t.Helper()
	p, err := ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Release)
	return p.N
}

// listener is a helper that binds network on host:port and waits.
func listener(network, host string, port int) Spec {
	return helper("listen", network, netip.AddrPortFrom(netip.MustParseAddr(host), uint16(port)).String(),
		"-port", strconv.Itoa(port))
}

func TestWaitListeningReady(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "udp"} {
		for _, host := range []string{"0.0.0.0", "::", "127.0.0.1", "::ffff:127.0.0.1"} {
			t.Run(network+" "+host, func(t *testing.T) {
				t.Parallel()
				port := reserve(t)
				p := start(t, listener(network, host, port))
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := p.WaitListening(ctx, network, port); err != nil {
					t.Fatal(err)
				}
				// Ready means bound: a datagram or a connection would
				// have reached it. The helper says so too.
				waitPrinted(t, p, "bound")
			})
		}
	}
}

// TestWaitListeningUnreachable: a role bound where the grader cannot reach
// it is told so at once, with the address, not after the deadline.
func TestWaitListeningUnreachable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ network, host string }{
		{"tcp", "127.0.0.2"}, {"udp", "127.0.0.2"}, {"tcp", "::1"},
	} {
		t.Run(tt.network+" "+tt.host, func(t *testing.T) {
			t.Parallel()
			port := reserve(t)
			p := start(t, listener(tt.network, tt.host, port))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			began := time.Now()
			err := p.WaitListening(ctx, tt.network, port)
			if !errors.Is(err, ErrNotReady) {
				t.Fatalf("WaitListening = %v, want ErrNotReady", err)
			}
			want := fmt.Sprintf("your server bound %s port %d on address %s, which the grader cannot reach at 127.0.0.1",
				strings.ToUpper(tt.network), port, tt.host)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
			if took := time.Since(began); took > 20*time.Second {
				t.Errorf("took %v; want it at once", took)
			}
		})
	}
}

func TestWaitListeningExited(t *testing.T) {
	t.Parallel()
	port := reserve(t)
	p := start(t, helper("exit", "3", "", "listen udp :99999: invalid port\n"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := p.WaitListening(ctx, "udp", port)
	if !errors.Is(err, ErrExited) {
		t.Fatalf("WaitListening = %v, want ErrExited", err)
	}
	for _, want := range []string{
		"your server exited with status 3 after",
		fmt.Sprintf("before it opened UDP port %d. Its last output:\n    listen udp :99999: invalid port", port),
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestWaitListeningWrongPort: at the deadline, the error says what the
// role bound instead.
func TestWaitListeningWrongPort(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ bound, want, what string }{
		{"tcp", "tcp", "TCP port %d (listening on 0.0.0.0) instead. Does it read the -port flag?"},
		{"udp", "udp", "UDP port %d (bound on 0.0.0.0) instead. Does it read the -port flag?"},
		{"udp", "tcp", "UDP port %d (bound on 0.0.0.0) instead. Does it read the -port flag?"},
	} {
		t.Run(tt.bound+" for "+tt.want, func(t *testing.T) {
			t.Parallel()
			told, other := reserve(t), reserve(t)
			p := start(t, listener(tt.bound, "0.0.0.0", other))
			waitPrinted(t, p, "bound")
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			err := p.WaitListening(ctx, tt.want, told)
			if !errors.Is(err, ErrNotReady) {
				t.Fatalf("WaitListening = %v, want ErrNotReady", err)
			}
			want := fmt.Sprintf("your server did not open %s port %d (it was started with -port %d): it has "+tt.what,
				strings.ToUpper(tt.want), told, told, other)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

// TestWaitListeningOtherProtocol: a server on the right port with only
// the other protocol hears that it must serve both.
func TestWaitListeningOtherProtocol(t *testing.T) {
	t.Parallel()
	port := reserve(t)
	p := start(t, listener("udp", "0.0.0.0", port))
	waitPrinted(t, p, "bound")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := p.WaitListening(ctx, "tcp", port)
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("WaitListening = %v, want ErrNotReady", err)
	}
	want := fmt.Sprintf("it has UDP port %d (bound on 0.0.0.0), but no TCP socket on that port: this check needs your server to serve TCP too.", port)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestWaitListeningNothingBound(t *testing.T) {
	t.Parallel()
	port := reserve(t)
	p := start(t, helper("sleep"))
	waitPrinted(t, p, "ready")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := p.WaitListening(ctx, "udp", port)
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("WaitListening = %v, want ErrNotReady", err)
	}
	for _, want := range []string{"it has no UDP socket open. Does it read the -port flag and bind?", "Its last output:\n    ready"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestWaitListeningBadNetwork(t *testing.T) {
	t.Parallel()
	p := start(t, helper("sleep"))
	if err := p.WaitListening(context.Background(), "tcp4", 1); err == nil || errors.Is(err, ErrNotReady) {
		t.Errorf("WaitListening(tcp4) = %v, want an error of the grader's", err)
	}
}

// TestWaitListeningThroughShell: a role that is a shell script, exec'ing
// its program or running it as a child, is ready when the program is: the
// socket tables are those of the network namespace, not of one process.
func TestWaitListeningThroughShell(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, script string }{
		{"exec", `exec "$0" "$@"`},
		{"child", `"$0" "$@"; exit $?`},
	} {
		for _, network := range []string{"tcp", "udp"} {
			t.Run(tt.name+" "+network, func(t *testing.T) {
				t.Parallel()
				port, other := reserve(t), reserve(t)
				spec := listener(network, "0.0.0.0", port)
				spec.Args = append([]string{"-c", tt.script, spec.Path}, spec.Args...)
				spec.Path = "/bin/sh"
				p := start(t, spec)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := p.WaitListening(ctx, network, port); err != nil {
					t.Fatal(err)
				}
				// And the hint finds the child's socket.
				short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				defer cancel()
				err := p.WaitListening(short, network, other)
				if want := fmt.Sprintf("it has %s port %d", strings.ToUpper(network), port); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("WaitListening(other port) = %v; want it to say %q", err, want)
				}
			})
		}
	}
}

func TestListening(t *testing.T) {
	sock := func(local string, state sockstat.State) sockstat.Socket {
		return sockstat.Socket{Local: netip.MustParseAddrPort(local), State: state}
	}
	tests := []struct {
		name      string
		network   string
		socks     []sockstat.Socket
		ready     bool
		elsewhere string
	}{
		{"none", "tcp", nil, false, ""},
		{"listening", "tcp", []sockstat.Socket{sock("0.0.0.0:80", sockstat.Listen)}, true, ""},
		{"connected, not listening", "tcp", []sockstat.Socket{sock("0.0.0.0:80", sockstat.Established)}, false, ""},
		{"udp bound", "udp", []sockstat.Socket{sock("127.0.0.1:80", sockstat.Close)}, true, ""},
		{"other port", "tcp", []sockstat.Socket{sock("0.0.0.0:81", sockstat.Listen)}, false, ""},
		{"unreachable", "tcp", []sockstat.Socket{sock("127.0.0.2:80", sockstat.Listen)}, false, "127.0.0.2"},
		// A role may bind a port on several addresses; one reachable will do.
		{"unreachable, then reachable", "udp", []sockstat.Socket{sock("127.0.0.2:80", sockstat.Close), sock("0.0.0.0:80", sockstat.Close)}, true, ""},
		{"mapped loopback", "tcp", []sockstat.Socket{sock("[::ffff:127.0.0.1]:80", sockstat.Listen)}, true, ""},
	}
	for _, tt := range tests {
		ready, elsewhere := listening(tt.socks, tt.network, 80)
		if ready != tt.ready || (elsewhere.IsValid() && elsewhere.String() != tt.elsewhere) || (!elsewhere.IsValid() && tt.elsewhere != "") {
			t.Errorf("%s: listening = %v, %v; want %v, %q", tt.name, ready, elsewhere, tt.ready, tt.elsewhere)
		}
	}
}
