#!/bin/sh
# writes-outside, client: gives up at once.
echo "writes-outside: no client here" >&2
exit 1
