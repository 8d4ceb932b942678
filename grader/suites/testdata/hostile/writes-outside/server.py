#!/usr/bin/env python3
# writes-outside, server: a correct UDP uppercase server that first tries
# to write outside its own directory: beside its directory, in /tmp, in
# /etc, in root's home, and under every directory of the machine's root
# it may. The sandbox must stop every write, or let it land only in the
# role's own /tmp, which goes when the role ends; the server checks pass.
# It says on stderr which writes landed.
import os
import socket
import sys

NAME = "socklab-hostile-writes-outside"
here = os.path.dirname(os.path.abspath(__file__))
targets = [
    os.path.join(here, "..", "..", NAME),  # beside its directory
    os.path.join("/tmp", NAME),
    os.path.join("/etc", NAME),
    os.path.join("/root", NAME),
    os.path.join(os.path.expanduser("~"), "..", NAME),
] + [os.path.join("/", d, NAME) for d in sorted(os.listdir("/"))]
for path in targets:
    try:
        with open(path, "w") as f:
            f.write("escaped\n")
        print("writes-outside: wrote " + os.path.normpath(path), file=sys.stderr, flush=True)
    except OSError:
        pass

port = int(sys.argv[sys.argv.index("-port") + 1])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
while True:
    data, addr = sock.recvfrom(65535)
    sock.sendto(data.upper(), addr)
