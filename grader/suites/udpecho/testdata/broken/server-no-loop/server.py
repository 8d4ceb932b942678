# Broken on purpose. The mistake: no "while True". The server answers one
# datagram, correctly, and exits.
# It should pass udp-echo/server/max-size (a single datagram) and lose every
# other server check: each one sends a second datagram, which nobody reads.
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
message, clientAddress = serverSocket.recvfrom(65535)  # once, not forever
serverSocket.sendto(message.upper(), clientAddress)
