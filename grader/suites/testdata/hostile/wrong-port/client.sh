#!/bin/sh
# wrong-port, client: gives up at once.
echo "wrong-port: no client here" >&2
exit 1
