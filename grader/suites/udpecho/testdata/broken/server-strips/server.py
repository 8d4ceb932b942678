# Broken on purpose. The mistake: message.strip(), the habit of reading
# lines from a file or a terminal. It removes spaces, tabs, CR and LF from
# both ends of the datagram, so "hello\n" comes back as "HELLO": a reply
# of another length, with bytes missing that the handout says are sent back
# unchanged.
# It should lose udp-echo/server/other-bytes, which sends a datagram that
# starts and ends with white space.
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
while True:
    message, clientAddress = serverSocket.recvfrom(65535)
    serverSocket.sendto(message.strip().upper(), clientAddress)  # strips bytes
