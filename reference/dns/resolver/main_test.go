package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/reference/dns/message"
)

// The test binary doubles as the resolver: run with runMainEnv set, it
// runs main instead of the tests. So the tests below start the real
// program, flags, exit statuses and all, without building it first.
const runMainEnv = "DNS_RESOLVER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0) // not reached: main serves until killed
	}
	os.Exit(m.Run())
}

// resolverCmd returns the command that runs main with args.
func resolverCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	return cmd
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string // a part of it
	}{
		{"no flags", nil, "need -port"},
		{"no root", []string{"-port", "5353"}, "need -root"},
		{"no port", []string{"-root", "127.0.0.2"}, "need -port"},
		{"port 65536", []string{"-port", "65536", "-root", "127.0.0.2"}, "need -port"},
		{"upstream port 0", []string{"-port", "5353", "-root", "127.0.0.2", "-upstream-port", "0"}, "need -port"},
		{"port not a number", []string{"-port", "x", "-root", "127.0.0.2"}, "invalid value"},
		{"a root that is not an address", []string{"-port", "5353", "-root", "127.0.0.2,a.root-servers.net"}, `"a.root-servers.net" is not an IPv4 address`},
		{"an IPv6 root", []string{"-port", "5353", "-root", "::1"}, "not an IPv4 address"},
		{"unknown flag", []string{"-v"}, "not defined"},
		{"an argument", []string{"-port", "5353", "-root", "127.0.0.2", "extra"}, "no other arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := resolverCmd(tt.args...).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit: %v, want status 2\n%s", err, out)
			}
			if !strings.Contains(string(out), tt.stderr) {
				t.Errorf("stderr does not say %q:\n%s", tt.stderr, out)
			}
		})
	}
}

// freePort returns a port that is free for UDP and TCP on every address,
// as far as one can tell before someone else takes it.
func freePort(t *testing.T) int {
	for range 10 {
		udp, err := net.ListenUDP("udp", &net.UDPAddr{})
		if err != nil {
			t.Fatal(err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.ListenTCP("tcp", &net.TCPAddr{Port: port})
		udp.Close()
		if err == nil {
			tcp.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// The program says it is ready, then answers; with root servers that
// never answer (nothing listens on their port), SERVFAIL.
func TestServe(t *testing.T) {
	port, upstream := freePort(t), freePort(t)
	cmd := resolverCmd("-port", strconv.Itoa(port), "-root", "127.0.0.1", "-upstream-port", strconv.Itoa(upstream))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stderr).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		want := "resolver: serving on port " + strconv.Itoa(port) + " (udp, tcp), root hints 127.0.0.1, upstream port " + strconv.Itoa(upstream) + "\n"
		if line != want {
			t.Fatalf("first line on stderr %q, want %q", line, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the resolver did not say it was ready")
	}

	conn, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write(pack(t, stubQuery(0x5353, "www.example.org.", message.TypeA)))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	if h, err := message.ParseHeader(buf[:n]); err != nil || h.ID != 0x5353 || h.RCode != message.RCodeServFail {
		t.Errorf("reply %+v, %v; want SERVFAIL with ID 0x5353", h, err)
	}
}
