#!/usr/bin/env python3
# daemonizes, both roles: forks, calls setsid, forks again and exits 0,
# leaving a daemon outside the role's process group. The daemon keeps
# stdout and stderr (the grader's pipes), opens the server's -port (UDP
# and TCP) a moment later, never answers, and sleeps forever. The grader
# must fail each check ("exited with status 0") and kill the daemon,
# freeing the port.
import os
import socket
import sys
import time

if os.fork() > 0:
    os.wait()
    sys.exit(0)
os.setsid()
if os.fork() > 0:
    os._exit(0)

# The daemon.
time.sleep(0.2)  # its parent is gone by now
if "-port" in sys.argv:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", port))
    listener = socket.create_server(("", port))  # for tcp-echo; never accepts
print("daemonizes: daemon %d running" % os.getpid(), file=sys.stderr, flush=True)
while True:
    time.sleep(60)
