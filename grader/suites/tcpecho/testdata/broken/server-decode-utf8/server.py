# Broken on purpose. The mistake: it decodes each line as UTF-8 text to
# uppercase it, with str.upper(). That turns é into É and ß into SS, and a
# line that is not UTF-8 raises UnicodeDecodeError. The handout's rule is on
# bytes: a-z become A-Z, "every other byte ... is sent back unchanged: the
# server works on bytes, not on text" (§2).
#
# It should lose tcp-echo/server/other-bytes, and nothing else: every other
# check sends ASCII.
import argparse
import sys
import threading
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()


def serve(connectionSocket):
    with connectionSocket, connectionSocket.makefile('rb') as lines:
        try:
            for line in lines:
                connectionSocket.sendall(line.decode().upper().encode())  # text, not bytes
        except OSError as e:
            print('server:', e, file=sys.stderr)


serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', args.port))
serverSocket.listen(16)
while True:
    connectionSocket, addr = serverSocket.accept()
    threading.Thread(target=serve, args=(connectionSocket,), daemon=True).start()
