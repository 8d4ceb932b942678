package tcpecho

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/socklab/socklab/grader"
	"github.com/socklab/socklab/harness/sockstat"
)

// What the grader learns about the student's server from the kernel
// rather than from the server's replies, so that a check can wait for an
// event instead of sleeping: which connections the server has accepted
// and which sockets it still holds (package sockstat), and whether all its
// threads are stopped (/proc/<pid>/task).
//
// These are Linux interfaces. Where they are missing, every wait returns
// at once as if the kernel had said yes, which keeps the checks working
// on a student's laptop, as netem's pacing does, without the guarantee.

// serverEnd finds the server's end of the grader connection c; found is
// false when there is no such connection (closed and gone, or never made).
func serverEnd(srv *grader.Role, c *conn) (s sockstat.Socket, found bool, err error) {
	s, err = sockstat.LookupTCP(srv.Addr, c.Local())
	if errors.Is(err, sockstat.ErrNotFound) {
		return s, false, nil
	}
	return s, err == nil, err
}

// listeners returns the server's listening sockets.
func listeners(srv *grader.Role) ([]sockstat.Socket, error) {
	return sockstat.List("tcp", sockstat.Filter{Port: uint16(srv.Port), States: []sockstat.State{sockstat.Listen}})
}

// listens says whether the server still has a socket listening on its port.
func listens(srv *grader.Role) bool {
	rows, err := listeners(srv)
	if err != nil {
		return srv.Process().Exit() == nil
	}
	return len(rows) > 0
}

// awaitRoom waits until the server's accept queue has room for one more
// connection without the kernel dropping it: fewer connections wait in it
// than its backlog (the number given to listen). A connection made when
// the queue is full is not refused but delayed, by the client's SYN
// retransmission timer, a second or more: a grader that connects faster
// than the server accepts would measure that timer, not the server. It
// returns the queue's length and the backlog, and false when the queue had
// no room for ReplyTimeout.
func awaitRoom(t *grader.T, srv *grader.Role) (queued, backlog int, ok bool) {
	ok = poll(t, grader.ReplyTimeout, func() bool {
		rows, err := listeners(srv)
		if err != nil || len(rows) == 0 {
			return true // no kernel view, or no listener: the dial says what is wrong
		}
		queued, backlog = 0, rows[0].SendQ
		for _, r := range rows {
			queued = max(queued, r.RecvQ)
			backlog = min(backlog, r.SendQ)
		}
		return queued < max(backlog, 1)
	})
	return queued, backlog, ok
}

// poll calls done, with pauses growing from 50µs to 5ms, until it returns
// true or d has passed (or the check's time is up); it says whether done
// returned true. The pauses only space out looks at the kernel's tables:
// what is waited for is the event done observes, not a length of time.
func poll(t *grader.T, d time.Duration, done func() bool) bool {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	pause := 50 * time.Microsecond
	for !done() {
		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return done()
		case <-timer.C:
		}
		pause = min(2*pause, 5*time.Millisecond)
	}
	return true
}

// awaitAccepted waits until the server has accepted c (its end of the
// connection belongs to a socket of the server's), or has already closed
// it. It returns the inode of the server's socket, 0 if unknown, and
// false when the server left c in its accept queue for ReplyTimeout.
func awaitAccepted(t *grader.T, srv *grader.Role, c *conn) (inode uint64, ok bool) {
	ok = poll(t, grader.ReplyTimeout, func() bool {
		r, found, err := serverEnd(srv, c)
		if err != nil || !found {
			return true // no procfs, or closed and gone
		}
		switch r.State {
		case sockstat.Established, sockstat.SynRecv, sockstat.CloseWait:
			inode = r.Inode
			return r.Inode != 0
		}
		return true // the server has closed its end
	})
	return inode, ok
}

// awaitReset waits until the server's kernel has processed the RST that
// ended c: the server's end of it is closed. Loopback delivers a packet
// in the sender's system call, except when the kernel defers the work to
// a thread, as it does under load; this wait covers that case.
func awaitReset(t *grader.T, srv *grader.Role, c *conn) {
	ok := poll(t, grader.ReplyTimeout, func() bool {
		r, found, err := serverEnd(srv, c)
		return err != nil || !found || r.State == sockstat.Close
	})
	if !ok {
		t.GraderErrorf("the kernel did not deliver the grader's reset of %s to your server within %s", c.who, grader.ReplyTimeout)
	}
}

// awaitReleased waits until no process of the server holds the socket
// with this inode any more (it closed it, or died), and says whether that
// happened within ReplyTimeout.
func awaitReleased(t *grader.T, srv *grader.Role, inode uint64) bool {
	if inode == 0 {
		return true
	}
	pgid := srv.Process().Pid()
	return poll(t, grader.ReplyTimeout, func() bool {
		for _, pid := range group(pgid) {
			if held, _ := sockstat.Inodes(pid); slices.Contains(held, inode) {
				return false
			}
		}
		return true
	})
}

// pause stops every process of the server's process group (SIGSTOP) and
// waits until each of their threads is stopped. The function it returns
// lets them run again (SIGCONT); the check's end calls it too.
//
// A stopped server does not read: data and a reset sent meanwhile are
// both waiting when it runs again, which is the only way to make "the
// client reset the connection before the server read its line" happen on
// every run instead of on lucky ones. Stopping is invisible to a program
// that retries system calls interrupted by a signal (EINTR), as every
// language runtime does; see the report of the reset check.
func pause(t *grader.T, srv *grader.Role) (resume func()) {
	pgid := srv.Process().Pid()
	if err := syscall.Kill(-pgid, syscall.SIGSTOP); err != nil {
		return func() {} // gone already: the check's next step says so
	}
	var once sync.Once
	resume = func() { once.Do(func() { syscall.Kill(-pgid, syscall.SIGCONT) }) }
	t.Cleanup(resume)
	if !poll(t, grader.ReplyTimeout, func() bool { return stopped(pgid) }) {
		resume()
		t.GraderErrorf("could not pause your server (process group %d) within %s", pgid, grader.ReplyTimeout)
	}
	return resume
}

// stopped says whether every thread of every process in the group is
// stopped (or dead). Without procfs it says yes.
func stopped(pgid int) bool {
	for _, pid := range group(pgid) {
		tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
		if err != nil {
			continue // exited meanwhile
		}
		for _, task := range tasks {
			st, _, ok := readStat(filepath.Join("/proc", strconv.Itoa(pid), "task", task.Name(), "stat"))
			if ok && !strings.ContainsRune("TtZX", rune(st)) {
				return false
			}
		}
	}
	return true
}

// group lists the live processes whose process group is pgid.
func group(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, pgrp, ok := readStat(filepath.Join("/proc", e.Name(), "stat"))
		if ok && pgrp == pgid && st != 'Z' && st != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// readStat reads the state and the process group from a stat file:
// "pid (comm) state ppid pgrp ...", where comm may hold anything.
func readStat(path string) (state byte, pgrp int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(line[i+1:])
	if len(fields) < 3 {
		return 0, 0, false
	}
	pgrp, err = strconv.Atoi(fields[2])
	return fields[0][0], pgrp, err == nil
}
