//go:build !linux

package netem

import (
	"net"
	"net/netip"
	"time"
)

const stampOOB = 0

// enableStamps does nothing: kernel receive timestamps are Linux's here.
func enableStamps(c *net.UDPConn) {}

// readStamped reads one datagram and stamps it with the time of the read.
func readStamped(c *net.UDPConn, buf, oob []byte) (int, netip.AddrPort, time.Time, error) {
	n, from, err := c.ReadFromUDPAddrPort(buf)
	return n, from, time.Now(), err
}
