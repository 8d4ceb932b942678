#!/usr/bin/env python3
# crashes-mid-check, both roles: starts as a correct program does, then
# crashes with a traceback in the middle of the exchange. The server opens
# -port (UDP and TCP) and dies on the first datagram or connection; the
# client sends its first ping (or connects and sends its first line) and
# dies before it reads a reply. Every check fails, quoting the traceback.
import select
import socket
import sys


def crash(what):
    raise RuntimeError("crashes-mid-check: lost my place after " + what)


if "-port" in sys.argv:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    tcp = socket.create_server(("127.0.0.1", port))
    ready, _, _ = select.select([udp, tcp], [], [])
    crash("the first datagram" if udp in ready else "the first connection")

host, port = sys.argv[sys.argv.index("-server") + 1].rsplit(":", 1)
if "-count" in sys.argv:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(b"PING 1", (host, int(port)))
    crash("the first ping")
sock = socket.create_connection((host, int(port)))
sock.sendall(sys.stdin.buffer.readline())
crash("the first line")
