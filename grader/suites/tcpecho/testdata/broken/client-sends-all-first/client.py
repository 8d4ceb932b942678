# Broken on purpose. The mistake: doing the two directions in turn. The
# client sends all of stdin, then reads the replies. With a short input
# that works; with a long one, the replies fill the buffers between client
# and server while the client is still sending, the server stops reading
# until its replies are read, and the client's sendall blocks forever. The
# handout (§3) says why sending and receiving must go on at the same time.
# It should lose tcp-echo/client/large-input, and nothing else.
import argparse
import sys
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-server', required=True)
args = parser.parse_args()
host, port = args.server.rsplit(':', 1)

try:
    sock = socket(AF_INET, SOCK_STREAM)
    sock.connect((host, int(port)))
    sock.sendall(sys.stdin.buffer.read())  # all of it first...
    sock.shutdown(SHUT_WR)
    while True:                            # ...then the replies
        data = sock.recv(65536)
        if not data:
            break
        sys.stdout.buffer.write(data)
except OSError as e:
    print('client:', e, file=sys.stderr)
    sys.exit(1)
