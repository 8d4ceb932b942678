# Broken on purpose. The mistake: one client at a time. Each connection is
# served right, line by line until the client's FIN, but in the accept
# loop itself, so the next client is accepted only when this one leaves. A
# larger backlog, listen(16), does not help: it lets clients connect, not
# be answered.
#
# It should lose tcp-echo/server/concurrent-clients (the second of 100
# clients that stay connected is never answered) and
# tcp-echo/server/stalled-client (client B waits behind client A, stalled
# halfway through a line), and nothing else: handout §4, "a slow or stalled
# client never delays another".
import argparse
import sys
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', args.port))
serverSocket.listen(16)
while True:
    connectionSocket, addr = serverSocket.accept()
    with connectionSocket, connectionSocket.makefile('rb') as lines:
        try:
            for line in lines:  # the mistake: everyone else waits meanwhile
                connectionSocket.sendall(line.upper())
        except OSError as e:
            print('server:', e, file=sys.stderr)
