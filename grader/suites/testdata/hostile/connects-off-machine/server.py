#!/usr/bin/env python3
# connects-off-machine, server: before it serves, tries to reach other
# machines: a TCP connection to a documentation address (192.0.2.1) and
# to a public DNS server (8.8.8.8, 1.1.1.1), and a datagram to each. In
# the sandbox none of it can leave: each fails at once ("network is
# unreachable"), and it then serves, a correct UDP uppercase server, so
# the server checks pass. Had anything got out, it answers every
# datagram with "ESCAPED" and every check fails.
import socket
import sys

escaped = []
for host, port in [("192.0.2.1", 80), ("8.8.8.8", 53), ("1.1.1.1", 53)]:
    try:
        socket.create_connection((host, port), timeout=1).close()
        escaped.append("tcp %s:%d" % (host, port))
    except OSError as e:
        print("connects-off-machine: tcp %s:%d: %s" % (host, port, e), file=sys.stderr, flush=True)
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"\x00" * 12, (host, port))
        escaped.append("udp %s:%d" % (host, port))
    except OSError as e:
        print("connects-off-machine: udp %s:%d: %s" % (host, port, e), file=sys.stderr, flush=True)
if escaped:
    print("connects-off-machine: escaped: " + ", ".join(escaped), file=sys.stderr, flush=True)

port = int(sys.argv[sys.argv.index("-port") + 1])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
while True:
    data, addr = sock.recvfrom(65535)
    sock.sendto(b"ESCAPED" if escaped else data.upper(), addr)
