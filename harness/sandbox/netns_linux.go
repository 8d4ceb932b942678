//go:build linux

package sandbox

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"unsafe"
)

// capNetAdmin is CAP_NET_ADMIN, which bringing loopback up takes.
const capNetAdmin = 12

// reexec starts this program again in a new network namespace, serves
// its builds, and exits as it exits. It returns only when the namespace
// cannot be made.
func reexec() Status {
	builds, err := newBuildServer()
	if err != nil {
		return Status{Reason: fmt.Sprintf("cannot serve builds to a sandboxed grader: %v", err)}
	}
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envName+"="+insideValue, buildEnv+"="+builds.path)
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
		a.AmbientCaps = []uintptr{capNetAdmin}
	}
	// Signals sent to this process alone go on to the copy. An interrupt
	// from the terminal reaches both (they share its process group), so
	// this one ignores SIGINT rather than have the copy see it twice.
	signal.Ignore(syscall.SIGINT)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
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

// inside runs in the sandboxed copy: loopback up, builds sent out.
func inside() Status {
	path := os.Getenv(buildEnv)
	// What this copy starts (builds, roles) must not think itself inside.
	os.Unsetenv(envName)
	os.Unsetenv(buildEnv)
	if err := loopbackUp(); err != nil {
		fmt.Fprintf(os.Stderr, "socklab: in the grader's network namespace, bringing loopback up: %v\n", err)
		os.Exit(1)
	}
	if path != "" {
		useBuildServer(path)
	}
	return Status{Network: true}
}

// loopbackUp sets IFF_UP on lo, which a new network namespace has down:
// the SIOCSIFFLAGS ioctl of netdevice(7) on any socket.
func loopbackUp() error {
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
