package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Persistent connections (RFC 9112 §9; Kurose & Ross §2.2.2). An HTTP/1.1
// connection stays open after a response, for the next request to the
// same server: the client saves a TCP handshake, and the slow start of a
// new connection, per request.
//
// The client keeps one connection per server (per host and port). After a
// response, the connection is kept if the response allows it; the next
// request to that server goes on it. The client sends one request at a
// time and reads its response whole before it sends the next: no
// pipelining.
//
// A server may close a connection it thinks idle at any time (RFC 9112
// §9.5), and its FIN may cross the client's next request on the way. The
// client then sees the connection close before any byte of the response.
// Since the server cannot have acted on a request it never answered, and
// GET and HEAD are safe to repeat anyway (RFC 9110 §9.2.2), the client
// sends the request again on a new connection, once (RFC 9112 §9.3.1). A
// close after the first byte is another matter: an error.

// idleTimeout is how long the client waits for a connection, or for the
// next bytes from the server, or to send a request: a server that stops
// answering would otherwise keep it waiting for ever.
const idleTimeout = 30 * time.Second

// errIdle: the server sent nothing for idleTimeout.
var errIdle = fmt.Errorf("the server sent nothing for %v", idleTimeout)

// A conn is one TCP connection to a server, and the buffered reader of
// what the server sends on it.
type conn struct {
	addr string // "host:port", as address returns it
	nc   net.Conn
	br   *bufio.Reader
}

// send writes req on c and waits for the first byte of the response; the
// response itself stays in c.br. It returns errNoResponse if the
// connection closes before that byte.
func (c *conn) send(req []byte) error {
	c.nc.SetWriteDeadline(time.Now().Add(idleTimeout))
	if _, err := c.nc.Write(req); err != nil {
		return err
	}
	if _, err := c.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			return errNoResponse
		}
		return err
	}
	return nil
}

func (c *conn) close() { c.nc.Close() }

// An idleReader reads from a connection, and fails with errIdle if no
// byte comes for idleTimeout. The deadline is set anew before each read:
// it limits the silence between bytes, not the time of a whole body.
type idleReader struct{ nc net.Conn }

func (r idleReader) Read(p []byte) (int, error) {
	r.nc.SetReadDeadline(time.Now().Add(idleTimeout))
	n, err := r.nc.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = errIdle
	}
	return n, err
}

// A pool holds the connections that are open and idle, one per server.
type pool struct {
	idle map[string]*conn
}

func newPool() *pool {
	return &pool{idle: make(map[string]*conn)}
}

// send sends req to the server at addr, on the idle connection to it if
// there is one, else on a new one, and returns the connection once the
// first byte of the response is there. If the idle connection turns out
// closed before any byte of the response, the request goes again on a new
// connection: once, since the new connection has not been idle.
func (p *pool) send(addr string, req []byte) (*conn, error) {
	if c := p.idle[addr]; c != nil {
		delete(p.idle, addr)
		err := c.send(req)
		if err == nil {
			return c, nil
		}
		c.close()
		// Closed (errNoResponse), reset, or a broken pipe on the
		// write: the server had given up on the connection. A server
		// that says nothing for idleTimeout has not; it is not asked
		// twice.
		if errors.Is(err, errIdle) {
			return nil, err
		}
	}
	c, err := dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.send(req); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// dial opens a new connection to addr.
func dial(addr string) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, idleTimeout)
	if err != nil {
		return nil, err // "dial tcp 127.0.0.1:8080: connect: connection refused"
	}
	return &conn{addr: addr, nc: nc, br: bufio.NewReaderSize(idleReader{nc}, 32<<10)}, nil
}

// release gives c back after a response that was read whole. keep says
// whether the response allows another on the connection; if so, c waits
// in the pool for the next request to its server. Bytes already come
// after the response were not asked for: the client and the server do not
// agree on where the response ended, and the connection is closed.
func (p *pool) release(c *conn, keep bool) {
	if !keep || c.br.Buffered() > 0 {
		c.close()
		return
	}
	p.idle[c.addr] = c
}

// closeAll closes the idle connections.
func (p *pool) closeAll() {
	for addr, c := range p.idle {
		c.close()
		delete(p.idle, addr)
	}
}
