package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImpairUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no-to", nil, "-to ADDR is required"},
		{"to-without-port", []string{"-to", "localhost"}, `"localhost" is not HOST:PORT`},
		{"bad-listen", []string{"-to", "127.0.0.1:9", "-listen", "nowhere"}, `"nowhere" is not HOST:PORT`},
		{"bad-dir", []string{"-to", "127.0.0.1:9", "-dir", "sideways"}, "-dir must be up, down or both"},
		{"loss-over-1", []string{"-to", "127.0.0.1:9", "-loss", "1.5"}, "probabilities are between 0 and 1, not 1.5"},
		{"negative-dup", []string{"-to", "127.0.0.1:9", "-dup", "-0.1"}, "probabilities are between 0 and 1, not -0.1"},
		{"toxics-without-tcp", []string{"-to", "127.0.0.1:9", "-toxics", "slice=1"}, "-toxics is for -tcp"},
		{"tcp-with-loss", []string{"-tcp", "-to", "127.0.0.1:9", "-loss", "0.1"}, "with -tcp, give -toxics"},
		{"bad-script", []string{"-to", "127.0.0.1:9", "-script", "explode 3"}, "socklab impair: usage: "},
		{"positional", []string{"-to", "127.0.0.1:9", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := socklab(append([]string{"impair"}, tt.args...)...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tt.want)
			assert.Contains(t, r.stderr, "\nusage: socklab impair ")
		})
	}
}

// A short real run: a proxy that drops the second datagram on its way to
// an echo server. The first line printed gives the proxy's address; then
// each datagram's fate gets a line.
func TestImpairRun(t *testing.T) {
	t.Parallel()
	echo, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer echo.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDP(buf)
			if err != nil {
				return
			}
			echo.WriteToUDP(buf[:n], from)
		}
	}()

	pr, pw := io.Pipe()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	type exit struct {
		code   int
		stderr string
	}
	done := make(chan exit, 1)
	go func() {
		var errOut strings.Builder
		code := run([]string{"impair", "-listen", "127.0.0.1:0", "-to", echo.LocalAddr().String(),
			"-script", "drop 2", "-dir", "up", "-for", "2s"}, pw, &errOut)
		pw.Close()
		done <- exit{code, errOut.String()}
	}()

	first := next(t, lines)
	f := strings.Fields(first)
	require.True(t, len(f) > 4 && strings.HasPrefix(first, "socklab impair: UDP "), first)
	assert.Equal(t, "socklab impair: UDP "+f[3]+" -> "+echo.LocalAddr().String()+", seed 1, up: drop 2", first)
	proxy, err := net.ResolveUDPAddr("udp4", f[3])
	require.NoError(t, err)

	c, err := net.DialUDP("udp4", nil, proxy)
	require.NoError(t, err)
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second)) // a bound, not a wait
	buf := make([]byte, 100)
	// Datagram 1 is answered; 2 is dropped; 3, sent after it, is answered:
	// its reply is the next to arrive.
	for _, msg := range []string{"one", "two", "three"} {
		_, err := c.Write([]byte(msg))
		require.NoError(t, err)
		if msg == "two" {
			continue
		}
		n, err := c.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, msg, string(buf[:n]))
	}

	// The fates: up #1..#3 (the second dropped), down #1 and #2.
	want := map[string][2]string{ // fate, payload
		"up #1":   {": delivered", `"one"`},
		"up #2":   {": dropped", `"two"`},
		"up #3":   {": delivered", `"three"`},
		"down #1": {": delivered", `"one"`},
		"down #2": {": delivered", `"three"`},
	}
	for len(want) > 0 {
		line := next(t, lines)
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 2, "line %q", line)
		w, ok := want[f[0]+" "+f[1]]
		require.True(t, ok, "unexpected line %q", line)
		assert.Contains(t, line, w[0], "the fate")
		assert.True(t, strings.HasSuffix(line, "  "+w[1]), "%q does not end in the payload %s", line, w[1])
		delete(want, f[0]+" "+f[1])
	}

	e := <-done
	assert.Equal(t, exitOK, e.code, e.stderr)
	assert.Empty(t, e.stderr)
	for line := range lines {
		t.Errorf("unexpected line %q", line)
	}
}

func next(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		require.True(t, ok, "the proxy stopped printing")
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no line from the proxy within 10s")
		return ""
	}
}
