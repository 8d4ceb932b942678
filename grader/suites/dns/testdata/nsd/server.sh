#!/bin/sh
# bin/server -port P -zone FILE, served by NSD (Debian: apt-get install nsd):
# an authoritative server written by others, which the dns checks must
# pass in full (grader/suites/dns/interop_test.go). It writes an nsd.conf
# for the port and the zone and runs nsd in the foreground.
set -e
while [ $# -gt 0 ]; do
  case "$1" in
    -port) port=$2; shift 2;;
    -zone) zone=$2; shift 2;;
    *) echo "usage: server -port P -zone FILE" >&2; exit 2;;
  esac
done
# The check removes the zone's directory when it ends, and this with it.
dir=$(dirname "$zone")/nsd
mkdir -p "$dir"
origin=$(awk '$1=="$ORIGIN"{print $2; exit}' "$zone")
cat >"$dir/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1
  port: $port
  username: ""
  chroot: ""
  zonesdir: ""
  database: ""
  pidfile: "$dir/nsd.pid"
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  verbosity: 1
  server-count: 1
  # Response rate limiting off: Debian's 200 answers a second would
  # throttle the load checks and bench/dnsperf.sh, not NSD.
  rrl-ratelimit: 0
  hide-version: yes
remote-control:
  control-enable: no
zone:
  name: "$origin"
  zonefile: "$zone"
CONF
exec nsd -d -c "$dir/nsd.conf"
