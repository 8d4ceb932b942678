# Broken on purpose. The mistake: this is the textbook's TCPServer.py
# (Kurose & Ross, §2.7.2), with the port from -port. It reads once, with
# recv(1024), answers what that returned, and closes the connection; and it
# decodes the bytes as text to uppercase them.
#
# It should lose every server check but tcp-echo/server/one-line, whose
# one short line is all it can do:
#   - other-bytes: str.upper() turns é into É (handout §2: bytes, not text);
#   - many-lines, half-close: it closes after the first reply, and the
#     handout's server "keeps reading until the client closes" (§2, §5);
#   - one-byte-segments, split-and-coalesced, long-line, very-long-line: one
#     recv is not one line, and 1024 bytes are not a long one (§2);
#   - concurrent-clients: while it waits in recv for one client, nobody
#     else is accepted (§4);
#   - stalled-client: the half line client A sends before it stalls is
#     answered as a line, and the connection closed (§2 and §4);
#   - reset: send() to a client that has reset raises ConnectionResetError,
#     which nothing catches, and the server dies (§5).
import argparse
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverPort = args.port
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.bind(('', serverPort))
serverSocket.listen(1)
while True:
    connectionSocket, addr = serverSocket.accept()
    sentence = connectionSocket.recv(1024).decode()
    capitalizedSentence = sentence.upper()
    connectionSocket.send(capitalizedSentence.encode())
    connectionSocket.close()
