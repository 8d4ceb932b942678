#!/bin/sh
# bench/dnsperf.sh [SECONDS]: the reference DNS server's queries per
# second under dnsperf, next to NSD serving the same zone in the same
# run, as BENCHMARKS.md reports it. Needs dnsperf, nsd and dig (Debian:
# apt-get install dnsperf nsd dnsutils).
#
# Each server gets the same mix of ten queries from 4 clients for SECONDS
# (default 10), as fast as they are answered. NSD runs as the dns tests
# run it (grader/suites/dns/testdata/nsd/server.sh): one server process,
# response rate limiting off.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
ref_port=${REF_PORT:-5390}
nsd_port=${NSD_PORT:-5391}
for tool in dnsperf nsd dig; do
	command -v "$tool" >/dev/null || { echo "bench/dnsperf.sh: $tool is not installed" >&2; exit 2; }
done

tmp=$(mktemp -d)
pids=""
trap 'kill $pids 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
cp reference/dns/server/testdata/example.org.zone "$tmp/"
zone=$tmp/example.org.zone
printf '%s\n' 'www.example.org A' 'www.example.org AAAA' 'example.org MX' 'example.org NS' \
	'mail.example.org A' 'note.example.org TXT' 'alias.example.org A' 'nothing.example.org A' \
	'example.org SOA' 'ns1.example.org A' >"$tmp/queries.txt"

make -s -C reference/dns build
reference/dns/bin/server -port "$ref_port" -zone "$zone" 2>"$tmp/reference.log" &
pids="$pids $!"
grader/suites/dns/testdata/nsd/server.sh -port "$nsd_port" -zone "$zone" >"$tmp/nsd.log" 2>&1 &
pids="$pids $!"

# A server is ready when it answers (a refused query returns at once,
# so the tries are paced).
ready() {
	tries=0
	until dig +short +tries=1 +time=1 -p "$1" @127.0.0.1 example.org SOA 2>/dev/null | grep -q .; do
		tries=$((tries + 1))
		sleep 0.2
		if [ "$tries" -ge 50 ]; then
			echo "bench/dnsperf.sh: $2 does not answer on port $1; its log:" >&2
			cat "$tmp/$2.log" >&2
			exit 1
		fi
	done
}
ready "$ref_port" reference
ready "$nsd_port" nsd

for server in "reference $ref_port" "nsd $nsd_port"; do
	set -- $server
	echo "$1 (port $2), $secs s:"
	dnsperf -s 127.0.0.1 -p "$2" -d "$tmp/queries.txt" -l "$secs" -c 4 -Q 1000000 |
		grep -E 'Queries (sent|completed|lost)|Queries per second|Average Latency'
done
