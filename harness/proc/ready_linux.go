package proc

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socklab/socklab/harness/sockstat"
)

// Readiness, read from the kernel's socket tables rather than probed: a
// probe datagram or connection would be the first thing the student's server
// sees, and a check must decide everything its server receives.

// WaitListening waits until the role has a socket that the grader can reach
// at 127.0.0.1:port: listening, for network "tcp"; bound, for "udp". It
// fails at once, with the reason, if the program exits or binds the port on
// an address the grader cannot reach, and when ctx is done with what the
// program did bind instead.
func (p *Process) WaitListening(ctx context.Context, network string, port int) error {
	if err := checkNetwork(network); err != nil {
		return err
	}
	pause := 500 * time.Microsecond
	for {
		if done, err := p.lookListening(network, port); done {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return p.notListening(network, port)
		case <-p.done:
			t.Stop()
		case <-t.C:
		}
		// Polling the table is how the kernel lets us watch another
		// process's sockets; the pause grows to keep its cost small.
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// notListening is the error of a role that did not open its port in time:
// what it has open instead, and what it printed. It looks a last time
// after reading what the role has, so that the hint can never name the
// very socket that would have made the role ready.
func (p *Process) notListening(network string, port int) error {
	hint := p.boundInstead(network, port)
	// A role that crashed as time ran out is reported as crashed: its
	// exit may not be reaped yet, but the kernel already knows.
	if exitedOnItsOwn(p.Pid()) {
		select {
		case <-p.done:
		case <-time.After(time.Second):
		}
	}
	if done, err := p.lookListening(network, port); done {
		return err
	}
	return fmt.Errorf("%w: your %s did not open %s port %d (it was started with -port %d): %s %s",
		ErrNotReady, p.spec.Role, strings.ToUpper(network), port, port, hint, lastOutputSentence(p))
}

// lookListening looks once at the role and its sockets: done, with a nil
// error, when it is ready; done, with the reason, when it never will be.
func (p *Process) lookListening(network string, port int) (done bool, err error) {
	if e := p.Exit(); e != nil {
		return true, p.exitedBefore(e, network, port)
	}
	// Only the role's own sockets count: the table is the whole network
	// namespace's, where another check's server (one that bound the port
	// after its own, say) may hold this port, and the grader would then
	// judge that program instead.
	ready, elsewhere := listening(p.ownSockets(network), network, port)
	switch {
	case ready:
		return true, nil
	case elsewhere.IsValid():
		return true, fmt.Errorf("%w: your %s bound %s port %d on address %s, which the grader cannot reach at 127.0.0.1; bind all addresses (\"\" or 0.0.0.0) or 127.0.0.1",
			ErrNotReady, p.spec.Role, strings.ToUpper(network), port, elsewhere)
	}
	return false, nil
}

// listening looks for the socket a role was told to open among socks: ready
// if one is listening (TCP) or bound (UDP) where 127.0.0.1 reaches it;
// otherwise the address of one bound where it does not, if any. Every
// socket is looked at: a role may bind the port on several addresses.
func listening(socks []sockstat.Socket, network string, port int) (ready bool, elsewhere netip.Addr) {
	for _, s := range socks {
		if int(s.Local.Port()) != port || (network == "tcp" && s.State != sockstat.Listen) {
			continue
		}
		if reachable(s.Local.Addr()) {
			return true, netip.Addr{}
		}
		elsewhere = s.Local.Addr()
	}
	return false, elsewhere
}

// boundInstead describes the sockets the role's processes do have, so that
// "never got ready" comes with a hint: the wrong port, the wrong protocol,
// or no socket at all.
func (p *Process) boundInstead(network string, port int) string {
	var seen []string
	otherOnPort := "" // the right port, the other protocol: "UDP port 5300 (bound on ::)"
	for _, nw := range []string{"tcp", "udp"} {
		for _, s := range p.ownSockets(nw) {
			what := "bound"
			if nw == "tcp" {
				if s.State != sockstat.Listen {
					continue
				}
				what = "listening"
			}
			desc := fmt.Sprintf("%s port %d (%s on %s)", strings.ToUpper(nw), s.Local.Port(), what, s.Local.Addr())
			seen = append(seen, desc)
			if nw != network && int(s.Local.Port()) == port {
				otherOnPort = desc
			}
		}
	}
	slices.Sort(seen)
	seen = slices.Compact(seen)
	if len(seen) == 0 {
		return fmt.Sprintf("it has no %s socket open. Does it read the -port flag and bind?", strings.ToUpper(network))
	}
	if otherOnPort != "" {
		// The port is right; the protocol is missing. A DNS server must
		// serve both, and a student who wrote only UDP needs to hear so.
		return fmt.Sprintf("it has %s, but no %s socket on that port: this check needs your server to serve %s too.",
			otherOnPort, strings.ToUpper(network), strings.ToUpper(network))
	}
	return "it has " + strings.Join(seen, ", ") + " instead. Does it read the -port flag?"
}

// ownSockets are the sockets of network that the role's processes hold
// open: those of the namespace's table whose inode is one of their files.
func (p *Process) ownSockets(network string) []sockstat.Socket {
	held := map[uint64]bool{}
	pids, _ := members(p.Pid(), "", p.cg)
	for _, pid := range pids {
		inodes, _ := sockstat.Inodes(pid)
		for _, inode := range inodes {
			held[inode] = true
		}
	}
	var own []sockstat.Socket
	for _, s := range readSockets(p.Pid(), network) {
		if s.Inode != 0 && held[s.Inode] {
			own = append(own, s)
		}
	}
	return own
}

// reachable says whether a socket bound to addr receives what the grader
// sends to 127.0.0.1.
func reachable(addr netip.Addr) bool {
	addr = addr.Unmap()
	return addr.IsUnspecified() || addr == netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// readSockets reads the role's sockets of network, "tcp" or "udp" (its own
// network namespace's, through /proc/<pid>; the machine's if it is gone).
func readSockets(pid int, network string) []sockstat.Socket {
	// A zombie's /proc/<pid>/net exists but cannot be read; its children
	// may still hold sockets, in the same namespace as ours.
	socks, err := sockstat.ListIn(filepath.Join("/proc", strconv.Itoa(pid), "net"), network, sockstat.Filter{})
	if err != nil {
		socks, _ = sockstat.ListIn("/proc/net", network, sockstat.Filter{})
	}
	return socks
}
