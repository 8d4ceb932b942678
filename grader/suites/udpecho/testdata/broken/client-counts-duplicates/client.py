# Broken on purpose. The mistake: "received" counts every datagram that
# arrived, so a duplicate reply, or a late one that was rightly ignored,
# is counted too. The handout's R is the number of pings answered in time.
# It should lose udp-echo/client/duplicates (where replies 2 and 3 come
# twice), and nothing else.
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
received = 0
for seq in range(1, args.count + 1):
    sendTime = time.monotonic()
    clientSocket.sendto(f'PING {seq} {time.time()}'.encode(), serverAddress)
    deadline = sendTime + args.timeout
    rtt = None
    while rtt is None:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        clientSocket.settimeout(left)
        try:
            reply, _ = clientSocket.recvfrom(65535)
        except timeout:
            break
        received += 1  # counts datagrams, not answered pings
        words = reply.split()
        if len(words) >= 2 and words[0].upper() == b'PING' and words[1] == str(seq).encode():
            rtt = (time.monotonic() - sendTime) * 1000
    if rtt is None:
        print(f'Request timed out: seq={seq}')
    else:
        print(f'Reply from {args.server}: seq={seq} time={rtt:.3f} ms')
        rtts.append(rtt)

loss = 100 * (args.count - received) / args.count
print(f'--- {args.server} ping statistics ---')
print(f'{args.count} packets transmitted, {received} received, {loss:.1f}% packet loss')
if rtts:
    avg = sum(rtts) / len(rtts)
    print(f'rtt min/avg/max = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f} ms')
sys.exit(0 if rtts else 1)
