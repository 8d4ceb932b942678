//go:build !linux

package proc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// WaitListening, without /proc: a TCP connection for "tcp"; for "udp", an
// empty datagram on a connected socket, which the kernel answers with
// "connection refused" while nothing is bound. Unlike the Linux version the
// probe reaches the student's program; grading runs on Linux.
func (p *Process) WaitListening(ctx context.Context, network string, port int) error {
	if err := checkNetwork(network); err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	pause := time.Millisecond
	for {
		if e := p.Exit(); e != nil {
			return p.exitedBefore(e, network, port)
		}
		if probe(network, addr) {
			return nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: your %s did not open %s port %d (it was started with -port %d). %s",
				ErrNotReady, p.spec.Role, strings.ToUpper(network), port, port, lastOutputSentence(p))
		case <-p.done:
		case <-t.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

func probe(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	if network == "tcp" {
		return true
	}
	c.Write(nil)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	return !errors.Is(err, syscall.ECONNREFUSED)
}
