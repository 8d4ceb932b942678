# Broken on purpose. The mistake: the reply lines copy ping(8)'s format,
# "26 bytes from HOST:PORT: icmp_seq=1 time=0.153 ms", instead of the
# handout's "Reply from HOST:PORT: seq=1 time=0.153 ms". Everything else
# (timeouts, statistics, exit status) follows the handout.
# It should lose every check that reads the reply lines: udp-echo/client/
# replies, loss, duplicates, late-reply, rtt, and statistics (its "received"
# counts replies that no reply line shows). It passes ping-format,
# waits-timeout and server-down, which need no reply line.
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
        words = reply.split()
        if len(words) >= 2 and words[0].upper() == b'PING' and words[1] == str(seq).encode():
            rtt = (time.monotonic() - sendTime) * 1000
    if rtt is None:
        print(f'Request timed out: seq={seq}')
    else:
        print(f'{len(reply)} bytes from {args.server}: icmp_seq={seq} time={rtt:.3f} ms')  # ping(8)'s format
        rtts.append(rtt)

received = len(rtts)
loss = 100 * (args.count - received) / args.count
print(f'--- {args.server} ping statistics ---')
print(f'{args.count} packets transmitted, {received} received, {loss:.1f}% packet loss')
if rtts:
    avg = sum(rtts) / received
    print(f'rtt min/avg/max = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f} ms')
sys.exit(0 if rtts else 1)
