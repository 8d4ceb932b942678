# broken.mk builds one broken dns program: the reference server or
# resolver (reference/dns) with one student's mistake, the bug.patch next
# to the Makefile that includes this file. The Makefile says which program
# with ROLE = server (the default) or ROLE = resolver; only that one is
# built, and the tests grade only its part of the assignment. No copy of the reference is kept in
# the repository: `make build` copies the files the patch changes into
# build/, patches them there, and builds the reference's own package with
# `go build -overlay`, which compiles the patched copies in their place.
#
# A patch that no longer applies to the reference fails the build, with
# patch's message: refresh it against the reference (its header says
# what the mistake is, so that it can be made again).

ROLE ?= server
ROOT := $(shell cd ../../../../../.. && pwd)
REF  := $(ROOT)/reference/dns
# The files the patch changes, relative to reference/dns: its "+++ b/FILE" lines.
FILES := $(shell sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' bug.patch)

build:
	@test -n "$(FILES)" || { echo "bug.patch names no file (+++ b/FILE)"; exit 1; }
	rm -rf build bin
	mkdir -p build bin
	for f in $(FILES); do mkdir -p build/$$(dirname $$f) && cp $(REF)/$$f build/$$f || exit 1; done
	patch -s -N -F0 -p1 -d build <bug.patch || \
		{ echo "bug.patch no longer applies to reference/dns: make the mistake its header describes again"; exit 1; }
	{ printf '{"Replace": {'; sep=; \
	  for f in $(FILES); do printf '%s\n  "%s": "%s"' "$$sep" "$(REF)/$$f" "$(CURDIR)/build/$$f"; sep=,; done; \
	  printf '\n}}\n'; } >build/overlay.json
	go build -overlay build/overlay.json -o bin/$(ROLE) github.com/socklab/socklab/reference/dns/$(ROLE)

clean:
	rm -rf bin build

.PHONY: build clean
