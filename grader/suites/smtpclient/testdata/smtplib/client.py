"""The smtp-client assignment done with Python's smtplib, for the kit's
tests: a client whose protocol code was written by others, long before
this kit, must score full marks on every check that judges the protocol.

smtplib waits for the greeting, falls back from EHLO to HELO, reads
multi-line replies line by line, judges replies by their codes, sends one
RCPT per recipient and goes on past a refused one, sends no DATA when all
are refused (it sends RSET), dot-stuffs the data and ends it with
CRLF . CRLF, and reads QUIT's reply. What the handout asks beyond SMTP is
here: the flags, line ends, the 998-byte and 8BITMIME rules, messages
on stderr and the exit status.
"""

import argparse
import re
import smtplib
import sys


def fail(msg, status=1):
    print("client: " + msg, file=sys.stderr)
    sys.exit(status)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-server", required=True)
    p.add_argument("-from", dest="sender", required=True)
    p.add_argument("-to", required=True)
    p.add_argument("-helo", default="localhost")
    try:
        a = p.parse_args()
    except SystemExit:
        sys.exit(2)
    rcpts = a.to.split(",")
    host, _, port = a.server.rpartition(":")

    data = sys.stdin.buffer.read()
    data = re.sub(rb"\r?\n", b"\r\n", data)
    if data and not data.endswith(b"\r\n"):
        data += b"\r\n"
    if any(len(line) > 998 for line in data.split(b"\r\n")):
        fail("a line of the message is longer than 998 bytes")
    eightbit = any(b > 127 for b in data)

    s = smtplib.SMTP(local_hostname=a.helo)
    try:
        code, msg = s.connect(host, int(port))
    except OSError as e:
        fail("connecting: %s" % e)
    if code != 220:
        if code != 421:
            s.quit()
        fail("the server greeted with %d %s" % (code, msg.decode()))
    try:
        s.ehlo_or_helo_if_needed()
        options = []
        if eightbit:
            if not s.has_extn("8bitmime"):
                s.quit()
                fail("the message has 8-bit bytes, and the server has no 8BITMIME")
            options = ["BODY=8BITMIME"]
        refused = s.sendmail(a.sender, rcpts, data, mail_options=options)
    except smtplib.SMTPRecipientsRefused as e:
        for r, (code, msg) in e.recipients.items():
            print("client: %s rejected: %d %s" % (r, code, msg.decode()), file=sys.stderr)
        quit_if_open(s)
        fail("no recipient accepted")
    except smtplib.SMTPResponseException as e:
        quit_if_open(s)
        fail("%d %s" % (e.smtp_code, e.smtp_error.decode(errors="replace")))
    except (smtplib.SMTPException, OSError) as e:
        fail("the session failed: %s" % e)
    for r, (code, msg) in refused.items():
        print("client: %s rejected: %d %s" % (r, code, msg.decode()), file=sys.stderr)
    quit_if_open(s)
    sys.exit(3 if refused else 0)


def quit_if_open(s):
    if s.sock is None:
        return
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass


if __name__ == "__main__":
    main()
