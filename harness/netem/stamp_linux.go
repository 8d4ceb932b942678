package netem

import (
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Kernel receive timestamps. A check that asks "did the client wait out
// its timeout before sending the next ping?" needs to know when each ping
// was sent. The proxy reads it some time later, late if the grader is busy;
// the kernel stamps it as it arrives, which on loopback is within the
// sender's sendto.

// stampOOB is room for one SCM_TIMESTAMPNS control message.
const stampOOB = 64

// enableStamps asks the kernel to stamp each datagram c receives. Without
// it, readStamped falls back to the time of the read.
func enableStamps(c *net.UDPConn) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	})
}

// readStamped reads one datagram and when the kernel received it.
func readStamped(c *net.UDPConn, buf, oob []byte) (int, netip.AddrPort, time.Time, error) {
	n, oobn, _, from, err := c.ReadMsgUDPAddrPort(buf, oob)
	at := time.Now()
	if err != nil {
		return n, from, at, err
	}
	msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn])
	if perr != nil {
		return n, from, at, nil
	}
	for _, m := range msgs {
		if m.Header.Level != syscall.SOL_SOCKET || m.Header.Type != syscall.SCM_TIMESTAMPNS {
			continue
		}
		// A struct timespec: two native words, seconds and nanoseconds.
		switch len(m.Data) {
		case 16:
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return n, from, time.Unix(sec, nsec), nil
		case 8:
			sec := int64(int32(binary.NativeEndian.Uint32(m.Data[0:4])))
			nsec := int64(int32(binary.NativeEndian.Uint32(m.Data[4:8])))
			return n, from, time.Unix(sec, nsec), nil
		}
	}
	return n, from, at, nil
}
