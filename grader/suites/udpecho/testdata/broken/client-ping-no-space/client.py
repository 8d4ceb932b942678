# Broken on purpose. The mistake: the ping is "Ping1 <time>", with no space
# between the word and the number. The client matches its replies the same
# way, so it works with any echo server, but the handout says a ping's
# first two words are PING and its number: a server or a tool that reads
# the number as the second word cannot.
# It should lose udp-echo/client/ping-format, and nothing else.
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
    clientSocket.sendto(f'Ping{seq} {time.time()}'.encode(), serverAddress)
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
        if len(words) >= 1 and words[0].upper() == f'PING{seq}'.encode():
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
