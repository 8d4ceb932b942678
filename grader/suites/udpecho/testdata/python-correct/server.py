# A correct udp-echo server (handout §2), written from the handout, not from
# the Go reference: the textbook's UDPServer.py, made to keep the contract.
# It must score full marks on every server check.
import argparse
import sys
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
while True:
    # 65535 is the largest UDP payload: no datagram is ever cut short.
    message, clientAddress = serverSocket.recvfrom(65535)
    # bytes.upper() changes a-z and nothing else: the server works on
    # bytes, not on text, so there is nothing to decode.
    try:
        serverSocket.sendto(message.upper(), clientAddress)
    except OSError as e:
        print('server:', e, file=sys.stderr)
