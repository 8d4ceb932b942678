package smtpclient_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/grader/gradertest"
	"github.com/socklab/socklab/grader/suites/smtpclient"
)

// TestIndependentClientScoresFull grades a client whose protocol code the
// kit did not write: Python's smtplib, under testdata/smtplib/client.py,
// which only maps the handout's flags, message rules and exit status
// onto it. The checks judge the RFC's protocol, not the reference's way
// with it, so it must lose nothing.
func TestIndependentClientScoresFull(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	t.Parallel()
	gradertest.ExpectLost(t, smtpclient.Suite, "testdata/smtplib")
}

// aiosmtpdPython is a python3 that has aiosmtpd (Debian's
// python3-aiosmtpd installs it for /usr/bin/python3, which may not be the
// python3 first on PATH), or "".
func aiosmtpdPython() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import aiosmtpd").Run() == nil {
			return py
		}
	}
	return ""
}

// sink is aiosmtpd, run by testdata/aiosmtpd-sink.py, keeping each
// message it receives in dir.
type sink struct {
	addr string
	dir  string
}

func startSink(t *testing.T, py string) *sink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(py, "testdata/aiosmtpd-sink.py", fmt.Sprint(port), dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // it stops when its stdin closes
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("aiosmtpd did not start: %q %v", line, err)
	}
	return &sink{addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir}
}

// received is the n-th message the sink kept, and its envelope.
func (s *sink) received(t *testing.T, n int) (data []byte, env struct {
	From    string
	Options []string
	To      []string
}) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, fmt.Sprintf("%d.eml", n)))
	if err != nil {
		t.Fatalf("aiosmtpd has no message %d: %v", n, err)
	}
	j, err := os.ReadFile(filepath.Join(s.dir, fmt.Sprintf("%d.json", n)))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &env); err != nil {
		t.Fatal(err)
	}
	return data, env
}

// TestReferenceDeliversThroughAiosmtpd sends mail with the reference
// through a real server written by others, as the handout's §7 says to:
// it arrives byte for byte (line ends made CR LF, dots unstuffed by
// aiosmtpd), 8-bit with BODY=8BITMIME, to the recipients the server
// accepted; a refused recipient makes exit status 3, all refused 1.
func TestReferenceDeliversThroughAiosmtpd(t *testing.T) {
	py := aiosmtpdPython()
	if py == "" {
		t.Skip("aiosmtpd not installed (apt-get install python3-aiosmtpd)")
	}
	t.Parallel()
	dir := root + "/reference/smtp-client"
	gradertest.Build(t, dir)
	client, _ := filepath.Abs(dir + "/bin/client")
	srv := startSink(t, py)

	send := func(to string, msg []byte) (int, string) {
		cmd := exec.Command(client, "-server", srv.addr, "-from", "alice@crepes.fr", "-to", to, "-helo", "crepes.fr")
		cmd.Stdin = bytes.NewReader(msg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err != nil && cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}

	msg := []byte("From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: Do you like ketchup?\n\n" +
		"How about pickles?\n.\n..\n.signature\nGrüße aus Zürich\n")
	code, stderr := send("bob@hamburger.edu,carol@hamburger.edu", msg)
	if code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, stderr)
	}
	data, env := srv.received(t, 1)
	if want := bytes.ReplaceAll(msg, []byte("\n"), []byte("\r\n")); !bytes.Equal(data, want) {
		t.Errorf("aiosmtpd received\n%q\nwant\n%q", data, want)
	}
	if env.From != "alice@crepes.fr" || !slices.Equal(env.To, []string{"bob@hamburger.edu", "carol@hamburger.edu"}) || !slices.Contains(env.Options, "BODY=8BITMIME") {
		t.Errorf("envelope %+v", env)
	}

	code, stderr = send("nobody@hamburger.edu,bob@hamburger.edu", []byte("Subject: two\n\nOne of you is not there.\n"))
	if code != 3 || !strings.Contains(stderr, "nobody@hamburger.edu") || !strings.Contains(stderr, "550") {
		t.Errorf("one recipient refused: exit status %d, want 3, and stderr naming it with 550:\n%s", code, stderr)
	}
	if _, env := srv.received(t, 2); !slices.Equal(env.To, []string{"bob@hamburger.edu"}) {
		t.Errorf("message 2 went to %q, want bob only", env.To)
	}

	code, stderr = send("nobody@hamburger.edu", []byte("Subject: three\n\nNobody is there.\n"))
	if code != 1 {
		t.Errorf("every recipient refused: exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(srv.dir, "3.eml")); err == nil {
		t.Errorf("a message was delivered with every recipient refused")
	}
}
