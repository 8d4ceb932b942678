# socklab: a socket-programming teaching kit and autograder.
#
#   make grade                          grade the student code in assignments/ (public checks)
#   make grade ASSIGNMENT=udp-echo      one assignment
#   make grade SUBMISSION=reference     grade the reference solutions
#   make grade ASSIGNMENT=tcp-echo SUBMISSION=path/to/student/repo
#   make test                           the kit's own tests (grades every reference and starter)
#   make build                          bin/socklab, and bin/socklab-hidden with the hidden checks
#   make lint                           gofmt and go vet
#   make fuzz FUZZTIME=30s              every fuzz test of the kit, each for FUZZTIME
#   make bench                          grading time of each reference (BENCHMARKS.md)

GO          ?= go
ASSIGNMENTS := udp-echo tcp-echo dns http-client smtp-client
ASSIGNMENT  ?= $(ASSIGNMENTS)
SUBMISSION  ?= assignments
SEED        ?= 1
GRADEFLAGS  ?=
TESTFLAGS   ?=
FUZZTIME    ?= 10s

.PHONY: all build grade test test-short lint clean fuzz bench

all: build

build:
	$(GO) build -o bin/socklab ./grader/cmd/socklab
	$(GO) build -tags hidden -o bin/socklab-hidden ./grader/cmd/socklab

# SUBMISSION is "assignments" (the starters), "reference", or the path of
# one student's submission (then name one ASSIGNMENT).
grade: build
	@set -e; for a in $(ASSIGNMENT); do \
		case "$(SUBMISSION)" in \
			assignments|reference) dir="$(SUBMISSION)/$$a" ;; \
			*) dir="$(SUBMISSION)" ;; \
		esac; \
		bin/socklab grade -seed $(SEED) $(GRADEFLAGS) $$a "$$dir"; echo; \
	done

# The whole suite once; then the build with hidden checks, whose suites
# must still validate and whose rubric tests must still pass.
test:
	$(GO) test -race -count=1 -timeout 9m $(TESTFLAGS) ./...
	$(GO) test -count=1 -tags hidden -run 'Valid|Rubric|Sections|Requirements|Hidden' $(TESTFLAGS) ./grader/... ./handouts

test-short:
	$(GO) test -short -count=1 ./...

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags hidden ./...
	GOOS=darwin $(GO) vet ./harness/... ./grader/...

# Each Fuzz function of each package, one after another. An input that
# fails is kept in that package's testdata/fuzz/FuzzName/, where go test
# runs it every time from then on: commit it with the fix, a regression
# test.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f, $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# What a student waits for: grading each reference, built beforehand.
bench:
	$(GO) test -run '^$$' -bench GradeReference -benchtime 5x ./grader/suites/

clean:
	rm -rf bin
	@for d in assignments/* reference/*; do $(MAKE) -s -C $$d clean 2>/dev/null || true; done
