#!/usr/bin/env python3
# floods-datagrams, both roles: answers nothing as it should and sends a
# flood of datagrams instead. The server opens -port and, to whoever sends
# it a datagram, sends 20,000 datagrams of 1,400 bytes, never the reply;
# it also sprays every port of 127.0.0.1 from 10000 up, where other
# checks' programs and the grader's own sockets are. The client sends
# 20,000 datagrams at the server it was given, and sprays too. Every check
# fails, clearly; the grader's memory stays bounded, and other checks (and
# other submissions graded beside this one) are not disturbed.
import socket
import sys

JUNK = b"\xff" * 1400
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setblocking(False)


def flood(addr, n):
    for _ in range(n):
        try:
            sock.sendto(JUNK, addr)
        except OSError:
            pass  # a full buffer, or ICMP's port unreachable


def spray():
    for port in range(10000, 65536):
        flood(("127.0.0.1", port), 1)


if "-port" in sys.argv:
    sock.bind(("127.0.0.1", int(sys.argv[sys.argv.index("-port") + 1])))
    tcp = socket.create_server(("127.0.0.1", int(sys.argv[sys.argv.index("-port") + 1])))
    sock.setblocking(True)
    first = True
    while True:
        try:
            _, addr = sock.recvfrom(65535)
        except OSError:
            continue
        sock.setblocking(False)
        flood(addr, 20000)
        if first:
            spray()
            first = False
        sock.setblocking(True)

host, port = sys.argv[sys.argv.index("-server") + 1].rsplit(":", 1)
flood((host, int(port)), 20000)
spray()
