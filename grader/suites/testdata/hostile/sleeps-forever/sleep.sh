#!/bin/sh
# sleeps-forever, both roles: sleeps 100000 s (as a child of the shell, so
# there are two processes to stop). The grader must fail each check when
# its wait runs out and stop both processes.
sleep 100000
