#!/usr/bin/env python3
# ignores-sigterm, both roles: catches SIGTERM, says so on stderr, and goes
# on. The server opens -port (UDP and TCP) and reads datagrams without
# answering them or accepting connections; the client just sleeps. The
# grader must fail each check and, when SIGTERM does not stop the role,
# kill it after the grace period.
import signal
import socket
import sys
import time


def ignore(signum, frame):
    print("ignores-sigterm: got SIGTERM, ignoring it", file=sys.stderr, flush=True)


signal.signal(signal.SIGTERM, ignore)

if "-port" in sys.argv:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", port))
    listener = socket.create_server(("", port))  # for tcp-echo; never accepts
    while True:
        sock.recvfrom(65536)  # and no reply
while True:
    time.sleep(60)
