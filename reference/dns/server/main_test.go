package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the server: run with runMainEnv set, it runs
// main instead of the tests. So the tests below start the real program,
// flags, exit statuses and all, without building it first.
const runMainEnv = "DNS_SERVER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0) // not reached: main serves until killed
	}
	os.Exit(m.Run())
}

// serverCmd returns the command that runs main with args.
func serverCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	return cmd
}

func TestExitStatus(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.zone")
	if err := os.WriteFile(bad, []byte("$ORIGIN example.org.\n@ IN SOA ns1 hostmaster 1 2 3 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string // a part of it
	}{
		{"no flags", nil, 2, "need -port"},
		{"no zone", []string{"-port", "5300"}, 2, "need -port"},
		{"port 0", []string{"-port", "0", "-zone", "x"}, 2, "need -port"},
		{"port 65536", []string{"-port", "65536", "-zone", "x"}, 2, "need -port"},
		{"port not a number", []string{"-port", "x", "-zone", "x"}, 2, "invalid value"},
		{"unknown flag", []string{"-v"}, 2, "not defined"},
		{"an argument", []string{"-port", "5300", "-zone", "x", "extra"}, 2, "need -port"},
		{"missing zone file", []string{"-port", "5300", "-zone", "testdata/missing.zone"}, 1, "missing.zone"},
		{"bad zone file", []string{"-port", "5300", "-zone", bad}, 1, "bad.zone:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := serverCmd(tt.args...).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.status {
				t.Fatalf("exit: %v, want status %d\n%s", err, tt.status, out)
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

func TestServe(t *testing.T) {
	port := freePort(t)
	cmd := serverCmd("-zone", "testdata/example.org.zone", "-port", strconv.Itoa(port))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()

	// Wait for the line that says the server is ready, at most 10 s.
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stderr).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		want := "serving example.org. on port " + strconv.Itoa(port) + " (udp, tcp)\n"
		if line != want {
			t.Fatalf("first line on stderr %q, want %q", line, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not say it was ready")
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if r := parse(t, exchangeUDP(t, addr, query(1, "www.example.org", 1, 0))); r.ID != 1 || len(r.Answers) != 2 {
		t.Errorf("UDP reply:\n%s", r)
	}
	if r := parse(t, exchangeTCP(t, addr, 1, framed(query(2, "www.example.org", 1, 0)))[0]); r.ID != 2 || len(r.Answers) != 2 {
		t.Errorf("TCP reply:\n%s", r)
	}
	// IPv6, where the host has it: the sockets take every address.
	if c, err := net.Listen("tcp", "[::1]:0"); err == nil {
		c.Close()
		addr6 := net.JoinHostPort("::1", strconv.Itoa(port))
		if r := parse(t, exchangeUDP(t, addr6, query(3, "www.example.org", 1, 0))); r.ID != 3 {
			t.Errorf("UDP reply over IPv6:\n%s", r)
		}
	}
}
