package proc

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Ports for students' servers.
//
// A student's server is told its port (-port P), so the grader must pick one
// that is free and stays free until the server binds it. Three things could
// take it in between: the kernel, handing it to some socket as an ephemeral
// port; another check of this grader; another grader on the machine (the
// kit's tests run packages in parallel, a TA may run two batches). So ports
// come from a range below the kernel's ephemeral range (Linux: 32768-60999),
// each is locked in a shared lock file (one byte per port) while in use, and
// the cursor moves round the range so a port is not handed out again soon:
// a server killed at the end of a check leaves connections in TIME_WAIT, and
// a student's server that does not set SO_REUSEADDR could not bind again.

const (
	portLow  = 20000
	portHigh = 32000 // exclusive
)

// Port is a port number reserved for one role, free for both TCP and UDP.
type Port struct {
	N    int
	once sync.Once
}

var ports struct {
	mu     sync.Mutex
	inUse  map[int]bool
	cursor int
	lock   *os.File // byte N locked while port N is in use by this process
}

// ReservePort finds a free port and holds it until Release.
func ReservePort() (*Port, error) {
	ports.mu.Lock()
	defer ports.mu.Unlock()
	if ports.inUse == nil {
		ports.inUse = map[int]bool{}
		ports.cursor = portLow + rand.IntN(portHigh-portLow)
		name := filepath.Join(os.TempDir(), "socklab-ports.lock")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
		if err == nil {
			os.Chmod(name, 0o666) // the umask may have taken bits another user needs
			ports.lock = f
		}
		// Without the lock file, ports are still unique within this process
		// and tested free; only other graders could race for them.
	}
	for tries := 0; tries < portHigh-portLow; tries++ {
		n := ports.cursor
		ports.cursor++
		if ports.cursor >= portHigh {
			ports.cursor = portLow
		}
		if ports.inUse[n] || !lockPort(n) {
			continue
		}
		if !bindable(syscall.SOCK_STREAM, n) || !bindable(syscall.SOCK_DGRAM, n) {
			unlockPort(n)
			continue
		}
		ports.inUse[n] = true
		return &Port{N: n}, nil
	}
	return nil, fmt.Errorf("proc: no free port in %d-%d", portLow, portHigh-1)
}

// Release gives the port back. It is safe to call more than once.
func (p *Port) Release() {
	p.once.Do(func() {
		ports.mu.Lock()
		defer ports.mu.Unlock()
		delete(ports.inUse, p.N)
		unlockPort(p.N)
	})
}

func lockPort(n int) bool {
	if ports.lock == nil {
		return true
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: int64(n), Len: 1}
	return syscall.FcntlFlock(ports.lock.Fd(), syscall.F_SETLK, &lk) == nil
}

func unlockPort(n int) {
	if ports.lock == nil {
		return
	}
	lk := syscall.Flock_t{Type: syscall.F_UNLCK, Whence: 0, Start: int64(n), Len: 1}
	syscall.FcntlFlock(ports.lock.Fd(), syscall.F_SETLK, &lk)
}

// probeSocket opens a socket for bindable, which holds syscall.ForkLock
// while it is open.
func probeSocket(family, typ int) (int, error) {
	fd, err := syscall.Socket(family, typ, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	return fd, err
}

// bindable tries the binds a student's program may do: all IPv4 addresses,
// and all IPv6 ones (a Go or Java server's dual-stack socket needs both),
// without SO_REUSEADDR, so a port with connections in TIME_WAIT is skipped.
//
// No program may be started while a probe is open (ForkLock is what
// os/exec takes to fork): a role forked then would inherit the probe, and
// hold the port it tests until it execs; without close-on-exec, for as
// long as it ran.
func bindable(typ, port int) bool {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := probeSocket(syscall.AF_INET, typ)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	if syscall.Bind(fd, &syscall.SockaddrInet4{Port: port}) != nil {
		return false
	}
	fd6, err := probeSocket(syscall.AF_INET6, typ)
	if err != nil {
		return true // no IPv6 here: nobody binds it
	}
	defer syscall.Close(fd6)
	// IPv6 only, or the bind would clash with the IPv4 socket above.
	syscall.SetsockoptInt(fd6, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
	return syscall.Bind(fd6, &syscall.SockaddrInet6{Port: port}) == nil
}
