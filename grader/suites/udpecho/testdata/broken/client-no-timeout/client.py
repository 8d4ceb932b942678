# Broken on purpose. The mistake: no timeout. The client never calls
# settimeout(), so recvfrom() waits forever for a reply that was lost: the
# pinger hangs at the first lost ping or reply, and never prints
# "Request timed out", the next ping, or the statistics.
# It should lose udp-echo/client/loss, duplicates (ping 4 is lost there),
# late-reply, statistics, waits-timeout and server-down; it passes replies,
# ping-format and rtt, where nothing is lost.
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

rtts = []
for seq in range(1, args.count + 1):
    sendTime = time.monotonic()
    clientSocket.sendto(f'PING {seq} {time.time()}'.encode(), serverAddress)
    rtt = None
    while rtt is None:
        reply, _ = clientSocket.recvfrom(65535)  # no timeout: may wait forever
        words = reply.split()
        if len(words) >= 2 and words[0].upper() == b'PING' and words[1] == str(seq).encode():
            rtt = (time.monotonic() - sendTime) * 1000
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
