#!/bin/sh
# holds-port-after-exit, client: gives up at once.
echo "holds-port-after-exit: no client here" >&2
exit 1
