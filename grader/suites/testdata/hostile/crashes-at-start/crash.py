#!/usr/bin/env python3
# crashes-at-start, both roles: fails before doing anything, prints the
# traceback and exits with status 3. The grader must fail every check
# with "exited with status 3" and the traceback's last line.
import sys
import traceback


def parse_flags(argv):
    raise ValueError("crashes-at-start: cannot parse flags %r" % argv)


try:
    parse_flags(sys.argv[1:])
except ValueError:
    traceback.print_exc()
    sys.exit(3)
