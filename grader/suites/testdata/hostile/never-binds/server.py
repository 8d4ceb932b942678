#!/usr/bin/env python3
# never-binds, server: makes a UDP socket but never binds it to -port, and
# runs forever. The grader must fail each server check with "did not open
# UDP port N" after its startup timeout, and stop the server.
import socket
import time

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # never bound
while True:
    time.sleep(60)
