# Broken on purpose. The mistake: "latin-1 can decode any byte, so this is
# safe": message.decode('latin-1').upper().encode('latin-1'). Decoding never
# fails, but upper() turns é (0xe9) into É (0xc9), and turns µ (0xb5) and
# ÿ (0xff) into Greek and Latin capitals that latin-1 cannot encode, so
# encode() raises UnicodeEncodeError and the server dies.
# It should lose udp-echo/server/other-bytes and survives-garbage (a
# datagram that starts with 0xff).
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', args.port))
while True:
    message, clientAddress = serverSocket.recvfrom(65535)
    modifiedMessage = message.decode('latin-1').upper()  # not only a-z
    serverSocket.sendto(modifiedMessage.encode('latin-1'), clientAddress)
