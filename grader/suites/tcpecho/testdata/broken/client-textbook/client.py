# Broken on purpose. The mistake: this is the textbook's TCPClient.py
# (Kurose & Ross, §2.7.2) in a loop over stdin's lines: send a line, take
# one recv(1024) for its reply, print it. But a recv returns whatever has
# arrived, from one byte up to 1024, not one reply: the rest of a reply
# that came late, in pieces, or longer than 1024 bytes is never printed.
# (Sending a line and waiting for its reply is fine, handout §3; waiting
# with one recv is not.)
#
# It should lose tcp-echo/client/sliced-delayed-server (replies arrive one
# byte per segment), tcp-echo/client/long-line (a reply of 64 KiB + 1) and
# large-input (it reads 1024 bytes of each 64 KiB reply: the rest piles up
# until the server stops reading, and the client's send blocks), and nothing
# else: in tcp-echo/client/lines each short reply comes in one segment,
# which one recv reads whole.
import argparse
import sys
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-server', required=True)
args = parser.parse_args()

serverName, serverPort = args.server.rsplit(':', 1)
clientSocket = socket(AF_INET, SOCK_STREAM)
clientSocket.connect((serverName, int(serverPort)))
for sentence in sys.stdin.buffer:
    clientSocket.sendall(sentence)
    modifiedSentence = clientSocket.recv(1024)  # the mistake: one recv is not one reply
    sys.stdout.buffer.write(modifiedSentence)
clientSocket.close()
