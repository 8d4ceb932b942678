# Broken on purpose. The mistake: a select() loop that serves every client
# well, but catches no error. When a client resets its connection, the
# next recv raises ConnectionResetError (or sendall BrokenPipeError), and
# the whole server dies with it. Handout §5: "A client that resets or
# vanishes must not stop the server or disturb others", so catch the error
# and close that one connection.
#
# It should lose tcp-echo/server/reset, and nothing else.
import argparse
import select
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-port', type=int, required=True)
args = parser.parse_args()

serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', args.port))
serverSocket.listen(16)
pending = {}  # each client's socket -> the unfinished line it sent
while True:
    readable, _, _ = select.select([serverSocket] + list(pending), [], [])
    for s in readable:
        if s is serverSocket:
            connectionSocket, addr = serverSocket.accept()
            pending[connectionSocket] = b''
            continue
        data = s.recv(4096)  # the mistake: a reset raises, and nothing catches it
        if not data:  # the client's FIN: answer what is left, then close
            s.sendall(pending.pop(s).upper())
            s.close()
            continue
        *lines, pending[s] = (pending[s] + data).split(b'\n')
        for line in lines:
            s.sendall(line.upper() + b'\n')
