#!/usr/bin/env python3
# allocates-until-killed, both roles: opens the server's -port (UDP and
# TCP), or the client's socket, and then allocates memory, touching every
# page, until the memory limit stops it: Python raises MemoryError and
# exits with status 1. Every check fails, saying so; the grader's own
# memory does not grow.
import socket
import sys

if "-port" in sys.argv:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    tcp = socket.create_server(("127.0.0.1", port))
hoard = []
while True:
    hoard.append(bytearray(b"x" * (16 << 20)))
