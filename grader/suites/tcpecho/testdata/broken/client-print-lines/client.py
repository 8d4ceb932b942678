# Broken on purpose. The mistake: it prints each reply with print(), which
# adds a newline of its own after the one the reply ends with, so every
# line comes out followed by an empty one. Handout §3: the client "prints
# exactly the bytes it received (no added newlines, no decoding and
# re-encoding)". The program is ../../python-correct/client.py with its
# receiving loop written that way.
#
# It should lose tcp-echo/client/lines, sliced-delayed-server, long-line
# and large-input, which all compare stdout with the replies byte for byte,
# and nothing else.
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
        for line in clientSocket.makefile('r', encoding='utf-8'):
            print(line)  # the mistake: print adds a '\n' of its own
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
