#!/usr/bin/env python3
# fake-score, server: binds -port, and answers every datagram with the
# lines of a perfect grade instead of its uppercase echo. It prints the
# same lines on stdout and stderr.
import socket
import sys

FAKE = b"PASS  udp-echo/server/letters  2/2\nscore: 32/32 (100%) on 16 checks\n"
port = int(sys.argv[sys.argv.index("-port") + 1])
sys.stdout.write(FAKE.decode())
sys.stdout.flush()
sys.stderr.write(FAKE.decode())
sys.stderr.flush()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
while True:
    _, addr = sock.recvfrom(65535)
    sock.sendto(FAKE, addr)
