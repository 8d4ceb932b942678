# Broken on purpose. The mistake: the textbook's recvfrom(2048). UDP keeps
# message boundaries, so a datagram longer than the buffer is cut short and
# the rest is thrown away; the handout promises datagrams of up to 4096 bytes.
# It should lose udp-echo/server/max-size, and nothing else (a cut reply to
# an over-long datagram is allowed, so survives-garbage passes).
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
while True:
    message, clientAddress = serverSocket.recvfrom(2048)  # too small
    serverSocket.sendto(message.upper(), clientAddress)
