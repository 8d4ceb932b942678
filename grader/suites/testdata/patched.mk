# patched.mk builds one deliberately broken program: a reference solution
# (reference/$(ASSIGNMENT)) with one student's mistake, the bug.patch in
# the directory make runs in. A suite's testdata/broken/broken.mk sets
# ASSIGNMENT and includes this file; each broken program's Makefile
# includes that one, and sets ROLE (the program: server, resolver,
# client; server if it does not say) when it must.
#
# No copy of the reference is kept in the repository: `make build` copies
# the files the patch changes into build/, patches them there, and builds
# the reference's own package with `go build -overlay`, which compiles
# the patched copies in their place.
#
# A patch that no longer applies to the reference fails the build, with
# patch's message: refresh it against the reference (its header says what
# the mistake is, so that it can be made again).

ROLE ?= server
ROOT := $(shell cd ../../../../../.. && pwd)
REF  := $(ROOT)/reference/$(ASSIGNMENT)
# The files the patch changes, relative to the reference: its "+++ b/FILE" lines.
FILES := $(shell sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' bug.patch)

build:
	@test -n "$(FILES)" || { echo "bug.patch names no file (+++ b/FILE)"; exit 1; }
	rm -rf build bin
	mkdir -p build bin
	for f in $(FILES); do mkdir -p build/$$(dirname $$f) && cp $(REF)/$$f build/$$f || exit 1; done
	patch -s -N -F0 -p1 -d build <bug.patch || \
		{ echo "bug.patch no longer applies to reference/$(ASSIGNMENT): make the mistake its header describes again"; exit 1; }
	{ printf '{"Replace": {'; sep=; \
	  for f in $(FILES); do printf '%s\n  "%s": "%s"' "$$sep" "$(REF)/$$f" "$(CURDIR)/build/$$f"; sep=,; done; \
	  printf '\n}}\n'; } >build/overlay.json
	go build -overlay build/overlay.json -o bin/$(ROLE) github.com/socklab/socklab/reference/$(ASSIGNMENT)/$(ROLE)

clean:
	rm -rf bin build

.PHONY: build clean
