"""A mail server for the interop test: Python's aiosmtpd, keeping what it
receives.

Usage: aiosmtpd-sink.py PORT DIR

It listens on 127.0.0.1:PORT, prints "ready" once it does, and serves
until its stdin closes. Each message it is given becomes DIR/N.eml (the
data as aiosmtpd received it: dot-stuffing undone, line ends as sent)
and DIR/N.json (the envelope: the sender, MAIL's parameters, the
recipients accepted). A recipient whose address begins with "nobody" is
refused with 550, as a real server refuses an unknown user.
"""

import json
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "options": envelope.mail_options, "to": envelope.rcpt_tos}, f)
        return "250 OK queued as %d" % self.count


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
