#!/usr/bin/env python3
# busy-loop, both roles: the server binds -port; then both spin the CPU
# forever without reading, answering or printing. The grader must fail each
# check when its wait runs out and stop the role; the CPU time limit bounds
# the role if the check does not. It spins at the lowest priority, so that
# it takes only the CPU that the tests running beside it leave idle: the
# grader must stop it all the same.
import os
import socket
import sys

if "-port" in sys.argv:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", int(sys.argv[sys.argv.index("-port") + 1])))
os.nice(19)
while True:
    pass
