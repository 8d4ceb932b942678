#!/bin/sh
# bench/class.sh [N]: batch throughput, as BENCHMARKS.md reports it.
#
# Lays out a class of N (default 100) copies of reference/tcp-echo, each
# with a go.mod of its own as a student's repository has, grades it once
# to warm the Go build cache, then grades it again with -j 2 and with
# -j 4 and prints each run's wall and CPU time. Every copy must score
# full marks; the script says so if one does not.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v /usr/bin/time >/dev/null || { echo "bench/class.sh: /usr/bin/time is not installed (Debian: apt-get install time)" >&2; exit 2; }
make -s build
i=1
while [ "$i" -le "$n" ]; do
	dst=$(printf '%s/class/student%03d' "$tmp" "$i")
	mkdir -p "$dst"
	cp -R reference/tcp-echo/. "$dst"
	rm -rf "$dst/bin"
	printf 'module student\n\ngo 1.26\n' >"$dst/go.mod"
	i=$((i + 1))
done

grade() { # grade -j J: one batch run into a new gradebook, timed
	rm -rf "$tmp/grades.csv" "$tmp/grades.csv.d"
	/usr/bin/time -o "$tmp/time" -f "-j $1: %e s wall, %U s user + %S s sys" \
		bin/socklab batch -o "$tmp/grades.csv" -j "$1" tcp-echo "$tmp/class" >"$tmp/summary" 2>"$tmp/progress"
	cat "$tmp/time"
	# The gradebook's rows: student,total,max,... Every total must be the max.
	short=$(awk -F, 'NR > 1 && $2 != $3 { print $1 " " $2 "/" $3 }' "$tmp/grades.csv")
	if [ -n "$short" ]; then
		echo "not every copy scored full marks:" >&2
		echo "$short" >&2
		exit 1
	fi
}

echo "a class of $n copies of reference/tcp-echo; a first run warms the build cache"
grade 2 >/dev/null
grade 2
grade 4
echo "every copy scored full marks in every run"
