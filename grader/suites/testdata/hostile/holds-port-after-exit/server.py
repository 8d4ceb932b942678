#!/usr/bin/env python3
# holds-port-after-exit, server: a correct UDP uppercase server, until the
# grader stops it. Told to stop (SIGTERM), it forks a child that leaves
# its process group (setsid), closes the grader's pipes, ignores SIGTERM,
# and keeps the port's socket, bound, forever; then it exits 0. The server
# checks pass; the grader must still find and kill the child, freeing the
# port for the checks after it.
import os
import signal
import socket
import sys
import time

port = int(sys.argv[sys.argv.index("-port") + 1])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))


def leave_a_holder(signum, frame):
    if os.fork() == 0:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        while True:
            time.sleep(60)  # holding sock
    os._exit(0)


signal.signal(signal.SIGTERM, leave_a_holder)
while True:
    data, addr = sock.recvfrom(65535)
    sock.sendto(data.upper(), addr)
