#!/bin/sh
# connects-off-machine, client: gives up at once.
echo "connects-off-machine: no client here" >&2
exit 1
