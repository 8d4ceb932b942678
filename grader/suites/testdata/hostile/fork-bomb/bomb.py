#!/usr/bin/env python3
# fork-bomb, both roles: the server opens -port (UDP and TCP) first, for
# every child to hold too; then each role forks 1000 children that sleep
# 1000 s, says on stderr how far it got, and sleeps forever without
# serving. The grader must stop the forking at the role's process limit,
# fail each check, and kill every child, which frees the port.
import os
import socket
import sys
import time

if "-port" in sys.argv:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", port))
    listener = socket.create_server(("", port))  # for tcp-echo; never accepts

os.nice(19)  # to spare the tests running beside this one; it forks all the same
children = 0
for _ in range(1000):
    try:
        pid = os.fork()
    except OSError as e:
        print("fork-bomb: fork failed after %d children: %s" % (children, e), file=sys.stderr, flush=True)
        break
    if pid == 0:
        time.sleep(1000)
        os._exit(0)  # never back into the loop
    children += 1
else:
    print("fork-bomb: forked %d children" % children, file=sys.stderr, flush=True)

while True:
    time.sleep(60)
