#!/usr/bin/env python3
# wrong-port, server: binds -port + 1 (an off-by-one), UDP and TCP, and
# echoes in upper case there: a correct server, on the wrong port.
import socket
import sys
import threading

port = int(sys.argv[sys.argv.index("-port") + 1]) + 1
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", port))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", port))
tcp.listen(16)


def serve_tcp():
    while True:
        c, _ = tcp.accept()
        c.close()


threading.Thread(target=serve_tcp, daemon=True).start()
while True:
    data, addr = udp.recvfrom(65535)
    udp.sendto(data.upper(), addr)
