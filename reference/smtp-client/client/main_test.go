package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// listen returns a listener on 127.0.0.1 and a free port, which nothing
// accepts from: checkNoConnection does, to see whether the client came.
func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// checkNoConnection fails t if a connection came to ln. The kernel
// completes a connection before Accept: a client that connected and
// closed is still in the queue.
func checkNoConnection(t *testing.T, ln net.Listener) {
	t.Helper()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(100 * time.Millisecond))
	c, err := ln.Accept()
	if err == nil {
		c.Close()
		t.Error("the client connected to the server")
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error(err)
	}
}

// A bad command line: exit status 2, the usage on stderr, and nothing
// sent, the connection neither.
func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string // after -server
		want string   // the first line of stderr
	}{
		{"-h", []string{"-from", "a@b", "-to", "c@d", "-h"}, usage},
		{"an unknown flag", []string{"-from", "a@b", "-to", "c@d", "-cc", "e@f"}, "flag provided but not defined: -cc"},
		{"no -from", []string{"-to", "c@d"}, "no -from"},
		{"no -to", []string{"-from", "a@b"}, "no -to"},
		{"an empty -to", []string{"-from", "a@b", "-to", ""}, "no -to"},
		{"an argument after the flags", []string{"-from", "a@b", "-to", "c@d", "message.txt"}, `an argument after the flags: "message.txt"`},
		{"an empty address in -to", []string{"-from", "a@b", "-to", "c@d,,e@f"}, "an empty address or name in -to"},
		{"a trailing comma", []string{"-from", "a@b", "-to", "c@d,"}, "an empty address or name in -to"},
		{"a space after the comma", []string{"-from", "a@b", "-to", "c@d, e@f"}, `-to " e@f"`},
		{"angle brackets", []string{"-from", "<a@b>", "-to", "c@d"}, `-from "<a@b>"`},
		{"a >", []string{"-from", "a@b", "-to", "c@d>"}, `-to "c@d>"`},
		{"a CR LF: a second command", []string{"-from", "a@b", "-to", "c@d>\r\nDATA"}, `-to "c@d>\r\nDATA"`},
		{"an LF", []string{"-from", "a\nb", "-to", "c@d"}, `-from "a\nb"`},
		{"a space in -helo", []string{"-from", "a@b", "-to", "c@d", "-helo", "crepes fr"}, `-helo "crepes fr"`},
		{"an empty -helo", []string{"-from", "a@b", "-to", "c@d", "-helo", ""}, "an empty address or name in -helo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			var stderr bytes.Buffer
			args := append([]string{"-server", ln.Addr().String()}, tt.args...)
			status := run(args, strings.NewReader(message7), &stderr)
			if status != exitUsage {
				t.Errorf("exit status %d, want %d", status, exitUsage)
			}
			lines := strings.Split(stderr.String(), "\n")
			if !strings.HasPrefix(lines[0], "client: "+tt.want) || !strings.Contains(stderr.String(), "client: "+usage+"\n") {
				t.Errorf("stderr %q, want %q and the usage", stderr.String(), "client: "+tt.want)
			}
			checkNoConnection(t, ln)
		})
	}
}

func TestServerFlag(t *testing.T) {
	for _, server := range []string{"", "127.0.0.1", "127.0.0.1:", ":25", "[::1"} {
		var stderr bytes.Buffer
		status := run([]string{"-server", server, "-from", "a@b", "-to", "c@d"}, strings.NewReader(""), &stderr)
		if status != exitUsage {
			t.Errorf("-server %q: exit status %d, want %d; stderr %q", server, status, exitUsage, stderr.String())
		}
	}
}

// Nobody listening: exit status 1, at once.
func TestConnectionRefused(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	var stderr bytes.Buffer
	status := run([]string{"-server", addr, "-from", "a@b", "-to", "c@d"}, strings.NewReader(message7), &stderr)
	if status != exitFailed || !strings.HasPrefix(stderr.String(), "client: connecting to "+addr) {
		t.Errorf("exit status %d, stderr %q", status, stderr.String())
	}
}
