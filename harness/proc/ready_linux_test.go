package proc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
		fmt.Sprintf("before it opened UDP port %d; its last output:\n    listen udp :99999: invalid port", port),
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
		{"tcp", "tcp", "TCP port %d (listening on 0.0.0.0) instead; does it read the -port flag?"},
		{"udp", "udp", "UDP port %d (bound on 0.0.0.0) instead; does it read the -port flag?"},
		{"udp", "tcp", "UDP port %d (bound on 0.0.0.0) instead; does it read the -port flag?"},
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
			want := fmt.Sprintf("your server did not open %s port %d (it was started with -port %d); it has "+tt.what,
				strings.ToUpper(tt.want), told, told, other)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
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
	for _, want := range []string{"it has no UDP socket open; does it read the -port flag and bind?", "its last output:\n    ready"} {
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

// Rows of /proc/net/{tcp,tcp6,udp6}, as captured on Linux 6.x (amd64); the
// 127.0.0.2 and link-local rows are edited from captured ones.
const (
	tcpHeader  = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	tcp6Header = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	tcpListen4 = "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1574 1 000000009a91c37b 100 0 0 10 0\n"
	tcpLocal4  = "   1: 0200007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2231 1 0000000000000000 100 0 0 10 0\n"
	tcp6Any    = "   0: 00000000000000000000000000000000:90D7 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 33757 1 00000000c2dff296 100 0 0 10 0\n"
	tcp6Mapped = "   1: 0000000000000000FFFF00000100007F:90D7 0000000000000000FFFF00000100007F:8252 01 00000000:00000000 00:00000000 00000000     0        0 33759 1 00000000d11dd27a 20 0 0 10 -1\n"
	udp6Local  = " 9756: 00000000000000000000000001000000:8A13 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 33760 2 00000000fbfe0895 0\n"
	tcp6Link   = "   2: 000080FE00000000FF00545090ACB6FE:0016 000080FE00000000FF00545001F2B3FE:D431 01 00000000:00000000 02:000A7C2B 00000000     0        0 40013 2 0000000000000000 20 4 30 10 -1\n"
)

func TestParseHexAddr(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for an error
	}{
		{"0100007F:1F90", "127.0.0.1:8080"},
		{"00000000:07E8", "0.0.0.0:2024"},
		{"0200007F:0035", "127.0.0.2:53"},
		{"00000000000000000000000000000000:90D7", "[::]:37079"},
		{"00000000000000000000000001000000:8A13", "[::1]:35347"},
		{"0000000000000000FFFF00000100007F:8252", "[::ffff:127.0.0.1]:33362"},
		{"000080FE00000000FF00545090ACB6FE:0016", "[fe80::5054:ff:feb6:ac90]:22"},
		{"0100007f:1f90", "127.0.0.1:8080"},
		{"0100007F", ""},
		{"0100007F:", ""},
		{"0100007F:10000", ""},
		{"0100007G:1F90", ""},
		{"01007F:1F90", ""},
		{"0100007F0:1F90", ""},
		{":1F90", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := parseHexAddr(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("parseHexAddr(%q) = %v, want an error", tt.in, got)
		case tt.want != "" && err != nil:
			t.Errorf("parseHexAddr(%q): %v", tt.in, err)
		case tt.want != "" && got.String() != tt.want:
			t.Errorf("parseHexAddr(%q) = %v, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseSocketTable(t *testing.T) {
	sock := func(local, remote string, state int, inode string) socket {
		return socket{netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote), state, inode}
	}
	tests := []struct {
		name, table string
		want        []socket
	}{
		{"tcp", tcpHeader + tcpListen4 + tcpLocal4, []socket{
			sock("0.0.0.0:2024", "0.0.0.0:0", tcpListen, "1574"),
			sock("127.0.0.2:8080", "0.0.0.0:0", tcpListen, "2231"),
		}},
		{"tcp6", tcp6Header + tcp6Any + tcp6Mapped + tcp6Link, []socket{
			sock("[::]:37079", "[::]:0", tcpListen, "33757"),
			sock("[::ffff:127.0.0.1]:37079", "[::ffff:127.0.0.1]:33362", 1, "33759"),
			sock("[fe80::5054:ff:feb6:ac90]:22", "[fe80::5054:ff:feb3:f201]:54321", 1, "40013"),
		}},
		{"udp6", tcp6Header + udp6Local, []socket{sock("[::1]:35347", "[::]:0", 7, "33760")}},
		{"header only", tcpHeader, nil},
		{"empty", "", nil},
		{"damaged rows skipped", tcpHeader + "   0: 0100007F:1F90 garbage\n" + "   1: XX:1F90 00000000:0000 0A 0 0 0 0 0 99\n" + tcpListen4,
			[]socket{sock("0.0.0.0:2024", "0.0.0.0:0", tcpListen, "1574")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tcp")
			if err := os.WriteFile(path, []byte(tt.table), 0o644); err != nil {
				t.Fatal(err)
			}
			got := parseSocketTable(path)
			if len(got) != len(tt.want) {
				t.Fatalf("parseSocketTable = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
	if got := parseSocketTable("/nonexistent"); got != nil {
		t.Errorf("a missing table gives %v", got)
	}
}

func TestListening(t *testing.T) {
	sock := func(local string, state int) socket {
		return socket{local: netip.MustParseAddrPort(local), state: state}
	}
	tests := []struct {
		name      string
		network   string
		socks     []socket
		ready     bool
		elsewhere string
	}{
		{"none", "tcp", nil, false, ""},
		{"listening", "tcp", []socket{sock("0.0.0.0:80", tcpListen)}, true, ""},
		{"connected, not listening", "tcp", []socket{sock("0.0.0.0:80", 1)}, false, ""},
		{"udp bound", "udp", []socket{sock("127.0.0.1:80", 7)}, true, ""},
		{"other port", "tcp", []socket{sock("0.0.0.0:81", tcpListen)}, false, ""},
		{"unreachable", "tcp", []socket{sock("127.0.0.2:80", tcpListen)}, false, "127.0.0.2"},
		// A role may bind a port on several addresses; one reachable will do.
		{"unreachable, then reachable", "udp", []socket{sock("127.0.0.2:80", 7), sock("0.0.0.0:80", 7)}, true, ""},
		{"mapped loopback", "tcp", []socket{sock("[::ffff:127.0.0.1]:80", tcpListen)}, true, ""},
	}
	for _, tt := range tests {
		ready, elsewhere := listening(tt.socks, tt.network, 80)
		if ready != tt.ready || (elsewhere.IsValid() && elsewhere.String() != tt.elsewhere) || (!elsewhere.IsValid() && tt.elsewhere != "") {
			t.Errorf("%s: listening = %v, %v; want %v, %q", tt.name, ready, elsewhere, tt.ready, tt.elsewhere)
		}
	}
}

// FuzzParseHexAddr: no input panics, and what parses formats back to what
// parses the same.
func FuzzParseHexAddr(f *testing.F) {
	for _, s := range []string{"0100007F:1F90", "00000000000000000000000001000000:8A13",
		"0000000000000000FFFF00000100007F:8252", "0100007F:", ":", "0:0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ap, err := parseHexAddr(s)
		if err != nil {
			return
		}
		again, err := parseHexAddr(formatHexAddr(ap))
		if err != nil || again != ap {
			t.Errorf("%q parses as %v, formatted %q, which parses as %v, %v", s, ap, formatHexAddr(ap), again, err)
		}
	})
}

// formatHexAddr is the kernel's side of parseHexAddr (on little-endian
// machines, as the fuzz test runs).
func formatHexAddr(ap netip.AddrPort) string {
	raw := ap.Addr().AsSlice()
	var b strings.Builder
	for i := 0; i < len(raw); i += 4 {
		fmt.Fprintf(&b, "%02X%02X%02X%02X", raw[i+3], raw[i+2], raw[i+1], raw[i])
	}
	fmt.Fprintf(&b, ":%04X", ap.Port())
	return b.String()
}
