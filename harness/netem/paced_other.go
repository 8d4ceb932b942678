//go:build !linux

package netem

import "net"

// pacingExact is false: there is no portable way to see another process's
// receive queue, so Paced only pauses after each segment.
const pacingExact = false

type peerSocket struct{}

func newPeerSocket(*net.TCPConn, string) *peerSocket { return &peerSocket{} }

func (*peerSocket) state() (peerState, error) { return peerState{received: -1}, nil }

func unackedBytes(*net.TCPConn) (int, error) { return 0, nil }
