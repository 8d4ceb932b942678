package main

import "github.com/socklab/socklab/reference/dns/message"

// UDP reply sizes.
//
// Without EDNS a UDP reply has at most 512 bytes (RFC 1035 §4.2.1). With
// EDNS the asker says how much it can take, in the CLASS of its OPT record
// (RFC 6891 §6.2.3), and sizes under 512 count as 512 (§6.2.5). We also
// say how much we send: ourUDPSize, 1232 bytes, the size the DNS Flag Day
// of 2020 agreed on. A larger datagram may be split into IP fragments,
// which firewalls drop and attackers forge (RFC 8900); a reply that does
// not fit in 1232 bytes is truncated, and the asker retries over TCP.
const (
	minUDPSize = 512
	ourUDPSize = 1232
	maxTCPSize = 65535 // the 2-byte length before each message (RFC 1035 §4.2.2)
)

// udpLimit is the largest UDP reply to a query with EDNS e (nil when the
// query had none).
func udpLimit(e *message.EDNS) int {
	if e == nil {
		return minUDPSize
	}
	return min(max(int(e.UDPSize), minUDPSize), ourUDPSize)
}

// replyOPT is the OPT record of our replies to EDNS queries: "If an OPT
// record is present in a received request, compliant responders MUST
// include an OPT record in their respective responses." (RFC 6891 §7).
// It carries the upper 8 bits of the 12-bit RCODE; the header has the
// lower 4 (§6.1.3). Version 0, no flags, no options.
func replyOPT(rcode int) message.Record {
	return message.EDNS{UDPSize: ourUDPSize, ExtRCode: uint8(rcode >> 4)}.Record()
}
