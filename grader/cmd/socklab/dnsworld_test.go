package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/socklab/socklab/harness/proc"
	"github.com/socklab/socklab/harness/zone"
)

func TestDNSWorldUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-loss", "1"}, "-loss at least 0 and below 1"},
		{[]string{"-port", "70000"}, "-port is 1..65535"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-port", "1", "-dead", "ns.nowhere.example."}, "the world has no server of that name"},
	} {
		r := socklab(append([]string{"dnsworld"}, tt.args...)...)
		assert.Equal(t, exitUsage, r.code, "%q: %s", tt.args, r.stderr)
		assert.Contains(t, r.stderr, tt.want, "%q", tt.args)
	}
}

// A short real run: the world on a free port, its zone files written
// out, a dead server, and the root's referral for the textbook's name.
func TestDNSWorldRun(t *testing.T) {
	t.Parallel()
	port, err := proc.ReservePort()
	require.NoError(t, err)
	defer port.Release()
	dir := t.TempDir()

	pr, pw := io.Pipe()
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	done := make(chan int, 1)
	go func() {
		var errOut strings.Builder
		code := run([]string{"dnsworld", "-port", strconv.Itoa(port.N), "-dir", dir, "-dead", "ns1.two.org", "-for", "3s"}, pw, &errOut)
		pw.Close()
		assert.Empty(t, errOut.String())
		done <- code
	}()
	for line := next(t, lines); !strings.Contains(line, "bin/resolver -port 5353"); line = next(t, lines) {
	}

	// The zone files load, the textbook's among them.
	text, err := os.ReadFile(filepath.Join(dir, "umass.edu.zone"))
	require.NoError(t, err)
	z, err := zone.ParseString(string(text), "umass.edu.zone")
	require.NoError(t, err)
	assert.NotEmpty(t, z.Lookup("gaia.cs.umass.edu.", zone.TypeA))

	// The root refers gaia.cs.umass.edu to edu, and the query is printed.
	c, err := net.Dial("udp4", net.JoinHostPort("127.0.0.2", strconv.Itoa(port.N)))
	require.NoError(t, err)
	defer c.Close()
	q := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: 4711},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName("gaia.cs.umass.edu."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}},
	}
	b, err := q.Pack()
	require.NoError(t, err)
	_, err = c.Write(b)
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(5 * time.Second)) // a bound, not a wait
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	require.NoError(t, err)
	var reply dnsmessage.Message
	require.NoError(t, reply.Unpack(buf[:n]))
	assert.Empty(t, reply.Answers)
	require.NotEmpty(t, reply.Authorities)
	assert.Equal(t, "edu.", reply.Authorities[0].Header.Name.String())
	for line := next(t, lines); !strings.Contains(line, "gaia.cs.umass.edu. A"); line = next(t, lines) {
	}

	assert.Equal(t, exitOK, <-done)
}
