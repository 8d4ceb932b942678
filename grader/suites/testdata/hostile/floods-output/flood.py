#!/usr/bin/env python3
# floods-output, both roles: the server opens -port (UDP and TCP) and never
# answers; both print 100 MB on stdout and 100 MB on stderr; then the
# server sleeps forever and the client exits 0. The grader must cut the
# output ("not kept"), hold its own memory to its output limits, and still
# fail each check for what the program did not do.
import os
import socket
import sys
import time

os.nice(19)  # to spare the tests running beside this one; it floods all the same
server = "-port" in sys.argv
if server:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", port))
    listener = socket.create_server(("", port))  # for tcp-echo; never accepts

line = b"flood " * 13 + b"\n"  # 79 bytes
chunk = line * ((1 << 20) // len(line))  # about 1 MB
for stream in (sys.stdout.buffer, sys.stderr.buffer):
    for _ in range(100):
        stream.write(chunk)
    stream.write(b"end of the flood\n")
    stream.flush()

while server:
    time.sleep(60)
