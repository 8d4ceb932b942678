# Broken on purpose. The mistake: it takes what one recv returns for whole
# lines. It splits each recv's bytes at '\n' and answers every piece as a
# line, with a '\n' added, so a piece of a line is answered as if it were
# one. TCP is a byte stream: "Several lines may arrive in one segment and
# one line in many" (handout §2).
#
# It should lose the checks that send a line in more than one piece:
#   - tcp-echo/server/one-byte-segments, split-and-coalesced (sent in pieces
#     on purpose; the coalesced half alone would pass);
#   - tcp-echo/server/long-line, very-long-line (more than one recv(1024));
#   - tcp-echo/server/stalled-client: client A sends half a line, which is
#     answered as a line (§2 again: the half line is not a line).
# It passes the others, whose lines each arrive in one segment.
import argparse
import sys
import threading
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()


def serve(connectionSocket):
    with connectionSocket:
        try:
            while True:
                data = connectionSocket.recv(1024)
                if not data:
                    break
                for line in data.split(b'\n'):  # the mistake: pieces are not lines
                    if line:
                        connectionSocket.sendall(line.upper() + b'\n')
        except OSError as e:
            print('server:', e, file=sys.stderr)


serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', args.port))
serverSocket.listen(16)
while True:
    connectionSocket, addr = serverSocket.accept()
    threading.Thread(target=serve, args=(connectionSocket,), daemon=True).start()
