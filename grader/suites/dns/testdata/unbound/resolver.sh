#!/bin/sh
# unbound (NLnet Labs' resolver, Debian's package) as a dns part 2
# submission: bin/resolver -port P -root IP[,IP...] -upstream-port Q,
# configured from the flags. unbound asks name servers on port 53 only,
# so the grader's world must be there (SOCKLAB_DNS_WORLD_PORT=53, as
# root).
set -eu
while [ $# -gt 0 ]; do
	case "$1" in
	-port) port=$2; shift 2 ;;
	-root) root=$2; shift 2 ;;
	-upstream-port) upstream=$2; shift 2 ;;
	*) echo "resolver: unknown flag $1" >&2; exit 2 ;;
	esac
done
if [ "${upstream:-53}" != 53 ]; then
	echo "resolver: unbound asks name servers on port 53 only, not $upstream" >&2
	exit 2
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
for ip in $(echo "$root" | tr , ' '); do
	letter=$(echo abcdefghijklm | cut -c$((n + 1)))
	printf '.\t3600000\tNS\t%s.root-servers.net.\n%s.root-servers.net.\t3600000\tA\t%s\n' "$letter" "$letter" "$ip"
	n=$((n + 1))
done >"$dir/root.hints"
cat >"$dir/unbound.conf" <<CONF
server:
	interface: 127.0.0.1@$port
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	log-queries: yes
	do-ip6: no
	root-hints: "$dir/root.hints"
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	cache-min-ttl: 0
remote-control:
	control-enable: no
CONF
unbound -d -c "$dir/unbound.conf" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT TERM INT
wait $pid
