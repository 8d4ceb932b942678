#!/bin/sh
# never-binds, client: runs forever and prints nothing. The grader must
# fail each client check with "did not finish" and stop the client.
while :; do
	sleep 60
done
