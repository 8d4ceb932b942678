# Broken on purpose. The mistake: the textbook's message.decode().upper().
# A datagram is bytes, not text: the first datagram that is not valid UTF-8
# raises UnicodeDecodeError, and the server dies. (Had it lived, upper()
# would also have changed é to É and ß to SS.)
# It should lose udp-echo/server/other-bytes (bytes 0x80-0xff) and
# survives-garbage (a datagram of 0xff 0xfe ...).
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
while True:
    message, clientAddress = serverSocket.recvfrom(65535)
    modifiedMessage = message.decode().upper()  # bytes are not text
    serverSocket.sendto(modifiedMessage.encode(), clientAddress)
