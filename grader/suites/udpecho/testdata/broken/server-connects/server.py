# Broken on purpose. The mistake: thinking of UDP as TCP. After the first
# datagram the server connect()s its socket to that client and uses
# send()/recv(). A connected UDP socket only receives from its peer: the
# kernel drops every other client's datagrams, so only the first client is
# ever served.
# It should lose udp-echo/server/interleaved-clients, and nothing else.
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
message, clientAddress = serverSocket.recvfrom(65535)
serverSocket.connect(clientAddress)  # UDP has no connections
while True:
    serverSocket.send(message.upper())
    message = serverSocket.recv(65535)
