package httpclient_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socklab/socklab/grader/gradertest"
)

// The reference fetches from nginx, a server written by others, as the
// handout's §9 says a client should: files over one connection, HEAD, a
// 404, a redirect for a directory, and a conditional GET answered 304.
// nginx's access log, which names each request's connection and status,
// says what happened on its side.
func TestReferenceFetchesFromNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed (apt-get install nginx)")
	}
	t.Parallel()
	dir := root + "/reference/http-client"
	gradertest.Build(t, dir)
	client, _ := filepath.Abs(dir + "/bin/client")

	tmp := t.TempDir()
	www := filepath.Join(tmp, "www")
	hello := []byte("Hello, world\n")
	blob := make([]byte, 3<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	for name, data := range map[string][]byte{"hello.txt": hello, "blob.bin": blob, "dir/index.html": []byte("<p>the index</p>\n")} {
		os.MkdirAll(filepath.Dir(filepath.Join(www, name)), 0o755)
		if err := os.WriteFile(filepath.Join(www, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	// As root, nginx's workers would run as nobody, who cannot read the
	// test's directories.
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`daemon off; pid %[1]s/nginx.pid; error_log %[1]s/error.log; worker_processes 1; %[3]s
events {}
http {
	log_format conn '$connection $request_method $request_uri $status';
	access_log %[1]s/access.log conn;
	client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
	types { text/plain txt; text/html html; application/octet-stream bin; }
	server { listen 127.0.0.1:%[2]d; root %[1]s/www; }
}
`, tmp, port, user)
	if err := os.WriteFile(filepath.Join(tmp, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, nginx, "-c", filepath.Join(tmp, "nginx.conf"), "-p", tmp, "-e", filepath.Join(tmp, "error.log"))
	srvOut, err := os.Create(filepath.Join(tmp, "nginx.out"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stdout, srv.Stderr = srvOut, srvOut
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	waitListening(t, port, srvOut.Name())
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	fetch := func(args ...string) (stdout []byte, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(client, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("running the client: %v", err)
		}
		return out.Bytes(), errb.String(), code
	}

	// Two files over one connection, byte for byte.
	out, stderr, code := fetch(base+"/hello.txt", base+"/blob.bin")
	if code != 0 || !bytes.Equal(out, append(append([]byte(nil), hello...), blob...)) {
		t.Errorf("hello.txt and blob.bin: exit %d, %d bytes (want %d); stderr:\n%s", code, len(out), len(hello)+len(blob), stderr)
	}
	// HEAD: the header section, and no body.
	out, stderr, code = fetch("-I", base+"/hello.txt")
	if code != 0 || !bytes.HasPrefix(out, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(out, []byte("\r\n\r\n")) ||
		!bytes.Contains(out, []byte("Content-Length: 13\r\n")) {
		t.Errorf("-I hello.txt: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	// A 404: its page, and exit status 3.
	out, stderr, code = fetch(base + "/nothing")
	if code != 3 || !strings.Contains(stderr, "HTTP/1.1 404 Not Found") || !bytes.Contains(out, []byte("404")) {
		t.Errorf("/nothing: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	// nginx redirects a directory without its slash (301, Location
	// absolute), and -L follows it to the index.
	out, stderr, code = fetch("-L", base+"/dir")
	if code != 0 || string(out) != "<p>the index</p>\n" || !strings.Contains(stderr, "301 Moved Permanently") {
		t.Errorf("-L /dir: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	// The cache: the second fetch is answered 304 and served from it.
	cache := filepath.Join(tmp, "cache")
	for i := range 2 {
		out, stderr, code = fetch("-cache", cache, base+"/hello.txt")
		if code != 0 || !bytes.Equal(out, hello) {
			t.Errorf("-cache hello.txt, run %d: exit %d, stdout %q, stderr:\n%s", i+1, code, out, stderr)
		}
	}
	if !strings.Contains(stderr, "HTTP/1.1 304 Not Modified") {
		t.Errorf("the second cached fetch was not answered 304; stderr:\n%s", stderr)
	}

	// nginx's side: the first two requests on one connection.
	srv.Process.Signal(os.Interrupt) // nginx flushes its log as it stops
	srv.Wait()
	log, err := os.ReadFile(filepath.Join(tmp, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) < 2 || strings.Fields(lines[0])[0] != strings.Fields(lines[1])[0] {
		t.Errorf("hello.txt and blob.bin did not come on one connection; nginx's log:\n%s", log)
	}
}

// freePort is a TCP port on 127.0.0.1 free a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts connections on port; log
// is the file to show if nothing does.
func waitListening(t *testing.T, port int, log string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log)
			t.Fatalf("nginx did not listen on port %d: %v\n%s", port, err, out)
		}
		time.Sleep(20 * time.Millisecond) // polling a port nginx is opening: no event to wait on
	}
}
