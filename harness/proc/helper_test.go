package proc

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The programs the tests run are this test binary again, in helper mode:
// the launcher execs Spec.Path, so a spec names os.Executable() with
// PROC_TEST_HELPER=mode in its environment, and TestMain runs the mode
// instead of the tests. The -test.run flag in the arguments keeps a
// helper started without the variable from running the whole suite.

const helperEnv = "PROC_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode, helperArgs()))
	}
	// Most tests wait on their programs, not on the CPU: let more of them
	// wait at once than -parallel's default, the number of CPUs.
	flag.Parse()
	parallel := false
	flag.Visit(func(f *flag.Flag) { parallel = parallel || f.Name == "test.parallel" })
	if !parallel {
		flag.Set("test.parallel", "8")
	}
	code := m.Run()
	// Whatever a test left running is a bug of the package or the test.
	if stray := Stray(); len(stray) > 0 {
		fmt.Fprintf(os.Stderr, "proc tests left processes behind: %v\n", stray)
		for _, pid := range stray {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		code = 1
	}
	if left := leftoverCgroups(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "proc tests left cgroups behind: %v\n", left)
		code = 1
	}
	os.Exit(code)
}

// TestHelperProcess is what a helper's -test.run names; TestMain has run
// the helper by then, so it only runs when something went wrong.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Fatal("TestMain should have run the helper")
	}
}

func helperArgs() []string {
	for i, a := range os.Args {
		if a == "--" {
			return os.Args[i+1:]
		}
	}
	return nil
}

// runHelper is the body of every helper program; its result is the exit
// status.
func runHelper(mode string, args []string) int {
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	switch mode {
	case "exit": // exit CODE STDOUT STDERR
		code, _ := strconv.Atoi(args[0])
		fmt.Fprint(os.Stdout, args[1])
		fmt.Fprint(os.Stderr, args[2])
		return code
	case "print": // print N: N bytes of pattern, in writes of awkward sizes
		n, _ := strconv.Atoi(args[0])
		b := pattern(n)
		for chunk := 1; len(b) > 0; chunk = (chunk*3 + 7) % 100003 {
			k := min(len(b), chunk)
			os.Stdout.Write(b[:k])
			b = b[k:]
		}
		return 0
	case "flood": // flood N: N bytes of 'x' in 1 MiB writes, then "end\n"
		n, _ := strconv.Atoi(args[0])
		chunk := bytes.Repeat([]byte{'x'}, 1<<20)
		for ; n > 0; n -= len(chunk) {
			os.Stdout.Write(chunk[:min(n, len(chunk))])
		}
		os.Stdout.WriteString("end\n")
		return 0
	case "sleep": // print "ready", then wait to be stopped
		fmt.Println("ready")
		time.Sleep(time.Hour)
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		time.Sleep(time.Hour)
	case "busy":
		for i := 0; ; i++ {
			runtime.KeepAlive(i)
		}
	case "alloc": // allocate and touch 1 GiB
		var keep [][]byte
		for i := 0; i < 1024; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = 1
			}
			keep = append(keep, b)
		}
		fmt.Println("allocated", len(keep), "MiB")
		return 0
	case "big-grader": // touch 256 MiB, then start /bin/true and print its MaxRSS
		keep := bytes.Repeat([]byte{1}, 256<<20)
		p, err := Start(Spec{Role: "client", Path: "/bin/true", Dir: "/"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		e, _ := p.Wait(context.Background())
		p.Stop()
		fmt.Println("maxrss", e.MaxRSS, len(keep))
		return 0
	case "sockets": // list the sockets it was born with
		fds, _ := os.ReadDir("/proc/self/fd")
		for _, fd := range fds {
			if link, _ := os.Readlink("/proc/self/fd/" + fd.Name()); strings.HasPrefix(link, "socket:") {
				fmt.Fprintln(out, fd.Name(), link)
			}
		}
		return 0
	case "env":
		for _, kv := range os.Environ() {
			fmt.Fprintln(out, kv)
		}
		return 0
	case "listen": // listen NETWORK ADDR [-port P]: bind, say so, wait
		if err := listen(args[0], args[1]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("bound")
		time.Sleep(time.Hour)
	case "udp-upper": // -port P: a UDP server that answers in upper case
		return udpUpper(args)
	case "reserve": // reserve N CURSOR: reserve N ports, print them, hold them until stdin closes
		return reserveHelper(args)
	default:
		fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
		return 2
	}
	return 0
}

// helperSockets keeps a helper's sockets from the garbage collector.
var helperSockets []io.Closer

// listen binds addr. An IPv4 address gets an IPv4 socket: Go would make
// 0.0.0.0 a dual-stack IPv6 socket, as C programs do not.
func listen(network, addr string) error {
	if ap, err := netip.ParseAddrPort(addr); err == nil && ap.Addr().Is4() {
		network += "4"
	}
	var c io.Closer
	var err error
	if strings.HasPrefix(network, "tcp") {
		c, err = net.Listen(network, addr)
	} else {
		c, err = net.ListenPacket(network, addr)
	}
	helperSockets = append(helperSockets, c)
	return err
}

func udpUpper(args []string) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	port := fs.Int("port", 0, "port to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := net.ListenPacket("udp", fmt.Sprintf(":%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return 1
		}
		c.WriteTo(bytes.ToUpper(buf[:n]), from)
	}
}

func reserveHelper(args []string) int {
	n, _ := strconv.Atoi(args[0])
	cursor, _ := strconv.Atoi(args[1])
	first, err := ReservePort() // opens the lock file
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	first.Release()
	setCursor(cursor)
	for i := 0; i < n; i++ {
		p, err := ReservePort()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(os.Stdout, p.N)
	}
	fmt.Println("held")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func setCursor(n int) {
	ports.mu.Lock()
	ports.cursor = n
	ports.mu.Unlock()
}

// pattern is what the "print" helper prints: numbered lines, "line
// 0000000\n" and on, so that any slice of it shows where it came from.
func pattern(n int) []byte {
	b := make([]byte, 0, n+16)
	for i := 0; len(b) < n; i++ {
		b = append(b, "line "...)
		for d := 1000000; d > 0; d /= 10 {
			b = append(b, byte('0'+i/d%10))
		}
		b = append(b, '\n')
	}
	return b[:n]
}

var testExe = func() string {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return exe
}()

// helper is the Spec of a helper program. GORACE keeps a race-enabled
// helper from sleeping a second when it exits.
func helper(mode string, args ...string) Spec {
	return Spec{
		Role: "server",
		Path: testExe,
		Args: append([]string{"-test.run=^TestHelperProcess$", "--"}, args...),
		Env:  []string{helperEnv + "=" + mode, "GORACE=atexit_sleep_ms=0"},
	}
}

// script writes a /bin/sh script into a fresh directory and returns its
// Spec, run in that directory.
func script(t *testing.T, body string) Spec {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "prog")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return Spec{Role: "server", Path: path, Dir: dir}
}

// start starts spec and stops it when the test ends, checking that nothing
// it started is left.
func start(t *testing.T, spec Spec) *Process {
	t.Helper()
	p, err := Start(spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		p.Stop()
		if left := leftOf(p); len(left) > 0 {
			t.Errorf("after Stop, %d processes of the role are still alive: %v", len(left), left)
		}
	})
	return p
}

// waitFor polls cond until it holds, failing the test after a deadline:
// waiting for an event, not sleeping for one.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	pause := 100 * time.Microsecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// waitPrinted waits until p has printed s on stdout.
func waitPrinted(t *testing.T, p *Process, s string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("the %s to print %q", p.Role(), s), func() bool {
		if strings.Contains(p.Stdout().String(), s) {
			return true
		}
		if e := p.Exit(); e != nil {
			p.settle()
			if !strings.Contains(p.Stdout().String(), s) {
				t.Fatalf("the %s %s before printing %q; stderr:\n%s", p.Role(), e, s, p.Stderr())
			}
		}
		return false
	})
}

// waitExit waits for p to exit by itself.
func waitExit(t *testing.T, p *Process) *Exit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("the %s did not exit (%v); stderr:\n%s", p.Role(), err, p.Stderr())
	}
	if e != p.Exit() {
		t.Fatalf("Wait returned %v, Exit %v", e, p.Exit())
	}
	return e
}
