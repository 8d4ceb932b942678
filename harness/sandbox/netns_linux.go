//go:build linux

package sandbox

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"unsafe"
)

// The capabilities the sandboxed grader needs in its user namespace:
// CAP_NET_ADMIN to bring loopback up, CAP_SYS_ADMIN to jail roles.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// reexec starts this program again in a new network namespace, serves
// its builds, and exits as it exits. It returns only when the namespace
// cannot be made.
func reexec() Status {
	hideSelf()
	builds, err := newBuildServer()
	if err != nil {
		return Status{Reason: fmt.Sprintf("cannot serve builds to a sandboxed grader: %v", err)}
	}
	// The copy says on this pipe whether its namespace works ("ok"), or
	// why not: some machines let a namespace be made, and then forbid
	// what it needs (an AppArmor policy that takes an unprivileged user
	// namespace's capabilities away). Then this one grades unsandboxed.
	readyR, readyW, err := os.Pipe()
	if err != nil {
		builds.close()
		return Status{Reason: fmt.Sprintf("cannot start a sandboxed grader: %v", err)}
	}
	defer readyR.Close()
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{readyW} // fd 3
	cmd.Env = append(os.Environ(), envName+"="+insideValue, buildEnv+"="+builds.path, readyEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		// The copy must not outlive this one, whatever kills it.
		Pdeathsig: syscall.SIGKILL,
	}
	if uid := os.Geteuid(); uid != 0 {
		// Without root, a user namespace of its own (mapping only this
		// user) gives the copy the right to make a network namespace and
		// to bring its loopback up; nothing more.
		gid := os.Getegid()
		a := cmd.SysProcAttr
		a.Cloneflags |= syscall.CLONE_NEWUSER
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		a.GidMappingsEnableSetgroups = false
		// CAP_SYS_ADMIN, there too, lets the grader hide the kit and
		// other submissions from the roles (proc.Jail); the roles' own
		// launcher drops both.
		a.AmbientCaps = []uintptr{capNetAdmin, capSysAdmin}
	}
	// Signals sent to this process alone go on to the copy. An interrupt
	// from the terminal reaches both (they share its process group), so
	// this one ignores SIGINT rather than have the copy see it twice.
	signal.Ignore(syscall.SIGINT)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		signal.Reset()
		builds.close()
		how := "run it as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"
		if os.Geteuid() == 0 {
			how = "is it in a container that forbids them? (docker run --cap-add SYS_ADMIN, or --privileged)"
		}
		return Status{Reason: fmt.Sprintf("cannot make a network namespace (%v): %s", err, how)}
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	go builds.serve()
	said, _ := io.ReadAll(io.LimitReader(readyR, 4096))
	if string(said) != "ok" {
		// The copy has done nothing yet; it exits as soon as it said why.
		cmd.Wait()
		signal.Stop(sigs)
		signal.Reset()
		builds.close()
		why := strings.TrimSpace(string(said))
		if why == "" {
			why = "the sandboxed grader exited before it started"
		}
		return Status{Reason: why}
	}
	err = cmd.Wait()
	builds.close()
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	} else if code < 0 {
		fmt.Fprintf(os.Stderr, "socklab: the sandboxed grader: %v\n", err)
		code = 1
	}
	os.Exit(code)
	panic("unreachable")
}

// readyEnv names the descriptor on which the copy says whether its
// namespace works.
const readyEnv = "SOCKLAB_SANDBOX_READY"

// inside runs in the sandboxed copy: loopback up, builds sent out. If
// loopback cannot be brought up, it tells the program that started it,
// which grades unsandboxed, and exits.
func inside() Status {
	path := os.Getenv(buildEnv)
	ready := os.NewFile(3, "sandbox-ready")
	if os.Getenv(readyEnv) != "3" {
		ready = nil
	}
	// What this copy starts (builds, roles) must not think itself inside.
	os.Unsetenv(envName)
	os.Unsetenv(buildEnv)
	os.Unsetenv(readyEnv)
	hideSelf()
	if err := loopbackUp(); err != nil {
		why := fmt.Sprintf("a network namespace was made, but its loopback cannot be brought up (%v): is a security policy (AppArmor's restriction of unprivileged user namespaces) in the way?", err)
		if ready == nil {
			fmt.Fprintf(os.Stderr, "socklab: %s\n", why)
			os.Exit(1)
		}
		ready.WriteString(why)
		os.Exit(1)
	}
	if ready != nil {
		ready.WriteString("ok")
		ready.Close()
	}
	if path != "" {
		useBuildServer(path)
	}
	return Status{Network: true}
}

// bringLoopbackUp sets IFF_UP on lo, which a new network namespace has down:
// the SIOCSIFFLAGS ioctl of netdevice(7) on any socket.
var loopbackUp = bringLoopbackUp

func bringLoopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	// struct ifreq: the name, then a union whose first member here is
	// short ifr_flags. 40 bytes on every Linux this runs on.
	var ifr [40]byte
	copy(ifr[:], "lo")
	if err := ioctl(fd, syscall.SIOCGIFFLAGS, &ifr); err != nil {
		return err
	}
	flags := binary.NativeEndian.Uint16(ifr[16:])
	binary.NativeEndian.PutUint16(ifr[16:], flags|syscall.IFF_UP)
	return ioctl(fd, syscall.SIOCSIFFLAGS, &ifr)
}

func ioctl(fd int, req uintptr, ifr *[40]byte) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(ifr))); e != 0 {
		return e
	}
	return nil
}

// hideSelf makes this process not dumpable (prctl PR_SET_DUMPABLE 0), so
// that its /proc entries are root's: a role running as the same user (in
// a user namespace, unjailed by a user of its own) cannot read the grader
// through /proc/PID/exe (the binary, with its hidden checks), cwd, fd or
// environ, which would pass by the jail's covers. A role's own program is
// dumpable again after its exec, and the grader reads it as before.
func hideSelf() {
	const prSetDumpable = 4
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0)
}
