package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socklab/socklab/harness/proc"
)

// Builds run outside the namespace: the sandboxed copy sends each to the
// program that started it, over a Unix socket in a private directory (a
// path, which both namespaces see; an abstract socket would be the
// namespace's own).

// buildEnv carries the socket's path to the sandboxed copy.
const buildEnv = "SOCKLAB_SANDBOX_BUILDS"

type buildRequest struct {
	Dir     string
	Timeout time.Duration
}

type buildReply struct {
	Ran     bool
	Output  proc.Output
	Elapsed time.Duration
	Err     string // the error, less proc.ErrBuild's text; "" for none
}

type buildServer struct {
	dir, path string
	ln        net.Listener
}

func newBuildServer() (*buildServer, error) {
	dir, err := os.MkdirTemp("", "socklab-sandbox-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "builds")
	ln, err := net.Listen("unix", path)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &buildServer{dir: dir, path: path, ln: ln}, nil
}

func (s *buildServer) close() {
	s.ln.Close()
	os.RemoveAll(s.dir)
}

func (s *buildServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go serveBuild(c)
	}
}

// serveBuild runs one build. The copy closing the connection (its
// grading interrupted) stops the build.
func serveBuild(c net.Conn) {
	defer c.Close()
	var req buildRequest
	dec := json.NewDecoder(c)
	if err := dec.Decode(&req); err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		var b [1]byte
		c.Read(b[:]) // returns when the copy closes its end
		cancel()
	}()
	r := proc.RunBuild(ctx, req.Dir, req.Timeout)
	reply := buildReply{Ran: r.Ran, Output: r.Output, Elapsed: r.Elapsed}
	if r.Err != nil {
		reply.Err = strings.TrimPrefix(r.Err.Error(), proc.ErrBuild.Error()+": ")
	}
	json.NewEncoder(c).Encode(reply)
}

// useBuildServer has proc.Build send every build to the server at path.
func useBuildServer(path string) {
	proc.Builder = func(ctx context.Context, dir string, timeout time.Duration) proc.BuildResult {
		r, err := remoteBuild(ctx, path, dir, timeout)
		if err != nil && ctx.Err() != nil {
			return proc.BuildResult{Ran: true, Err: fmt.Errorf("%w: `make build` was interrupted (%v)", proc.ErrBuild, ctx.Err())}
		}
		if err != nil {
			return proc.BuildResult{Ran: true, Err: fmt.Errorf("%w: the grader could not run `make build` outside its sandbox: %v", proc.ErrBuild, err)}
		}
		return r
	}
}

func remoteBuild(ctx context.Context, path, dir string, timeout time.Duration) (proc.BuildResult, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return proc.BuildResult{}, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return proc.BuildResult{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := json.NewEncoder(c).Encode(buildRequest{Dir: abs, Timeout: timeout}); err != nil {
		return proc.BuildResult{}, err
	}
	var reply buildReply
	if err := json.NewDecoder(c).Decode(&reply); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return proc.BuildResult{}, err
	}
	r := proc.BuildResult{Ran: reply.Ran, Output: reply.Output, Elapsed: reply.Elapsed}
	if reply.Err != "" {
		r.Err = fmt.Errorf("%w: %s", proc.ErrBuild, reply.Err)
	}
	return r, nil
}
