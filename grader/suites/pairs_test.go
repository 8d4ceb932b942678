//go:build linux

package suites_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/harness/proc"
)

// The references of the echo assignments talk to each other as the
// handouts' "by hand" sections run them: each client, against its own
// assignment's reference server, prints what the handout shows.
func TestReferencePairs(t *testing.T) {
	for _, tt := range []struct {
		assignment string
		network    string
		args       []string
		stdin      string
		want       []string // regular expressions, each matching a line of stdout
	}{
		{"udp-echo", "udp", []string{"-count", "4", "-timeout", "2"}, "", []string{
			`^Reply from 127\.0\.0\.1:\d+: seq=1 time=\d+\.\d{3} ms$`, `^Reply from 127\.0\.0\.1:\d+: seq=4 time=`,
			`^4 packets transmitted, 4 received, 0(\.0)?% packet loss$`, `^rtt min/avg/max = [\d.]+/[\d.]+/[\d.]+ ms$`,
		}},
		{"tcp-echo", "tcp", nil, "hello\nworld\n", []string{`^HELLO$`, `^WORLD$`}},
	} {
		t.Run(tt.assignment, func(t *testing.T) {
			t.Parallel()
			dir, err := filepath.Abs(filepath.Join("..", "..", "reference", tt.assignment))
			if err != nil {
				t.Fatal(err)
			}
			gradertest.Build(t, dir)
			port, err := proc.ReservePort()
			if err != nil {
				t.Fatal(err)
			}
			defer port.Release()
			srv, err := proc.Start(proc.Spec{Role: "server", Path: "bin/server", Dir: dir, Args: []string{"-port", fmt.Sprint(port.N)}})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.WaitListening(ctx, tt.network, port.N); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, filepath.Join(dir, "bin", "client"),
				append([]string{"-server", fmt.Sprintf("127.0.0.1:%d", port.N)}, tt.args...)...)
			cmd.Stdin = strings.NewReader(tt.stdin)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("bin/client: %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !regexp.MustCompile(`(?m)` + w).Match(out) {
					t.Errorf("nothing matches %s in the client's output:\n%s", w, out)
				}
			}
		})
	}
}
