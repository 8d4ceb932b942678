package gradescope

import (
	"strings"
	"text/template"
)

// SetupScript is the bundle's setup.sh: what Gradescope runs once, as
// root, on its Ubuntu image, when the TA uploads the bundle.
func SetupScript(o Options) string { return execute(setupTemplate, o) }

// RunScript is the bundle's run_autograder: what Gradescope runs for each
// submission.
func RunScript(o Options) string { return execute(runTemplate, o) }

func execute(t *template.Template, o Options) string {
	var b strings.Builder
	if err := t.Execute(&b, o.withDefaults()); err != nil {
		panic("gradescope: " + err.Error()) // the templates are constants
	}
	return b.String()
}

var setupTemplate = template.Must(template.New("setup.sh").Parse(`#!/bin/sh
# setup.sh: Gradescope runs this once, as root, on its Ubuntu image, when
# the autograder is uploaded. Written by 'socklab gradescope' for the
# {{.Assignment}} assignment. Running it again changes nothing.
set -eu
export DEBIAN_FRONTEND=noninteractive

apt-get update
# make:            the grader runs 'make build' in each submission first.
# gcc, libc6-dev:  submissions written in C.
# python3:         submissions written in Python, and run_autograder, which
#                  reads the submitter from submission_metadata.json.
# curl, ca-certificates: the Go download below.
apt-get install -y --no-install-recommends make gcc libc6-dev python3 curl ca-certificates
{{if .Go}}
# Go: the starter code is Go, so submissions that keep it need the Go it
# was written for ({{.Go}}, newer than Ubuntu's golang-go). The grader
# itself is prebuilt and needs none.
GO_VERSION={{.Go}}
if [ "$(/usr/local/go/bin/go env GOVERSION 2>/dev/null || true)" != "$GO_VERSION" ]; then
	rm -rf /usr/local/go
	curl -fsSL "https://go.dev/dl/$GO_VERSION.linux-amd64.tar.gz" | tar -C /usr/local -xz
fi
ln -sf /usr/local/go/bin/go /usr/local/go/bin/gofmt /usr/local/bin/
{{else}}
# Go: not installed (the bundle was built with -go none).
{{end}}
# The grader and run_autograder must be executable, whatever unpacked
# the zip.
here=$(cd "$(dirname "$0")" && pwd)
chmod 0755 "$here/socklab" "$here/run_autograder"
`))

var runTemplate = template.Must(template.New("run_autograder").Parse(`#!/bin/sh
# run_autograder: Gradescope runs this for each submission, with the
# student's files in /autograder/submission, and reads
# /autograder/results/results.json. Written by 'socklab gradescope' for
# the {{.Assignment}} assignment.
#
# AUTOGRADER_ROOT stands for /autograder when it is set: to try the bundle
# on a machine of your own.
set -eu

ASSIGNMENT={{.Assignment}}
# what students see of a hidden check: after_due_date or hidden
VISIBILITY={{.HiddenVisibility}}
# the seed of the impairments; with SEED_FROM_SUBMISSION=1 each student
# gets one of their own, derived from their email in
# submission_metadata.json, and SEED is used only when that is missing
SEED={{.Seed}}
SEED_FROM_SUBMISSION={{if .SeedFromSubmission}}1{{else}}0{{end}}

ROOT=${AUTOGRADER_ROOT:-/autograder}
SOCKLAB=$ROOT/source/socklab
RESULTS=$ROOT/results/results.json
# setup.sh's Go, for submissions in Go.
PATH=$PATH:/usr/local/go/bin
HOME=${HOME:-/root}
export PATH HOME

mkdir -p "$ROOT/results"
rm -f "$RESULTS"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# json_text writes its input as the inside of a JSON string: control
# characters dropped, tabs as spaces, bytes past ASCII as '?' (so the
# file is valid UTF-8 whatever was printed), at most 20000 bytes.
json_text() {
	LC_ALL=C tr -d '\000-\010\013-\037' | LC_ALL=C tr '\t\200-\377' ' ?' | head -c 20000 |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' |
		awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }'
}

# could_not_grade writes a results.json that says grading could not run
# (its first argument says why; the grader's stderr follows), so that
# Gradescope shows that rather than "no results".
could_not_grade() {
	{
		printf '{\n  "score": 0,\n  "output_format": "text",\n  "visibility": "visible",\n  "output": "'
		printf 'The autograder could not grade this submission: %s. This says nothing about your code; please tell your TA.\\n\\n' "$1"
		json_text <"$scratch/stderr"
		printf '",\n  "tests": []\n}\n'
	} >"$RESULTS"
	echo "run_autograder: $1" >&2
	cat "$scratch/stderr" >&2
	exit 0
}

# The grader builds in a copy, so that /autograder/submission stays as
# the student uploaded it.
mkdir "$scratch/submission"
if ! cp -R "$ROOT/submission/." "$scratch/submission/" 2>"$scratch/stderr"; then
	could_not_grade "the submission could not be copied"
fi
dir=$scratch/submission
# A zip of a folder unpacks to that one folder: grade what is inside it.
if [ ! -e "$dir/Makefile" ] && [ ! -e "$dir/bin" ]; then
	n=0
	for d in "$dir"/*/; do
		[ -d "$d" ] || continue
		[ "$(basename "$d")" != __MACOSX ] || continue
		n=$((n + 1))
		only=${d%/}
	done
	if [ "$n" -eq 1 ]; then
		dir=$only
		echo "run_autograder: grading the folder $(basename "$dir") of the submission"
	fi
fi

note=""
set -- -seed "$SEED"
if [ "$SEED_FROM_SUBMISSION" = 1 ]; then
	# The submitters' emails (names or ids where there is none), sorted:
	# a group's seed does not depend on who uploaded.
	who=$(python3 -c '
import json, sys
users = json.load(open(sys.argv[1])).get("users") or []
ids = sorted(str(u.get("email") or u.get("name") or u.get("id") or "") for u in users)
print(",".join(i for i in ids if i))
' "$ROOT/submission_metadata.json" 2>/dev/null) || who=""
	if [ -n "$who" ]; then
		set -- -seed-from "$who"
	else
		note="submission_metadata.json names no submitter, so this was graded with the course's seed $SEED, not with one of the student's own."
		echo "run_autograder: $note"
	fi
fi

status=0
"$SOCKLAB" grade -hidden -format json -hidden-visibility "$VISIBILITY" "$@" \
	-o "$RESULTS" "$ASSIGNMENT" "$dir" 2>"$scratch/stderr" || status=$?
cat "$scratch/stderr" >&2
# 0: graded; 1 with a report: graded, but a check could not be (the
# report says which). Anything else: grading did not run.
if [ "$status" -gt 1 ] || [ ! -s "$RESULTS" ]; then
	could_not_grade "the grader failed (socklab grade exited with status $status)"
fi
if [ -n "$note" ]; then
	sed 's/^  "output": "/&'"$note"'\\n\\n/' "$RESULTS" >"$scratch/results.json"
	cat "$scratch/results.json" >"$RESULTS"
fi
`))
