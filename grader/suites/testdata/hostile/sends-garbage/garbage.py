#!/usr/bin/env python3
# sends-garbage, both roles: speaks no protocol. The server opens -port
# (UDP and TCP) and answers every datagram, and every TCP read, with
# random bytes of a random length; the client sends random bytes to the
# server it was given (UDP, or TCP for tcp-echo), prints random bytes on
# stdout and exits 0. Every check fails, quoting what came instead.
import os
import random
import select
import socket
import sys


def junk():
    return os.urandom(random.randint(1, 2000))


if "-port" in sys.argv:
    port = int(sys.argv[sys.argv.index("-port") + 1])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    tcp = socket.create_server(("127.0.0.1", port))
    conns = []
    while True:
        ready, _, _ = select.select([udp, tcp] + conns, [], [])
        for s in ready:
            if s is udp:
                _, addr = udp.recvfrom(65535)
                udp.sendto(junk(), addr)
            elif s is tcp:
                conns.append(tcp.accept()[0])
            else:
                try:
                    data = s.recv(65536)
                    if data:
                        s.sendall(junk())
                        continue
                except OSError:
                    pass
                conns.remove(s)
                s.close()

host, port = sys.argv[sys.argv.index("-server") + 1].rsplit(":", 1)
if "-count" in sys.argv:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(junk(), (host, int(port)))
else:
    sock = socket.create_connection((host, int(port)))
    sock.sendall(junk())
    sock.close()
sys.stdout.buffer.write(junk())
