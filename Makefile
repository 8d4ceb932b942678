# socklab: a socket-programming teaching kit and autograder.
#
#   make grade                          grade the student code in assignments/ (public checks)
#   make grade ASSIGNMENT=udp-echo      one assignment
#   make grade SUBMISSION=reference     grade the reference solutions
#   make grade ASSIGNMENT=tcp-echo SUBMISSION=path/to/student/repo
#   make test                           the kit's own tests (grades every reference and starter)
#   make build                          bin/socklab, and bin/socklab-hidden with the hidden checks
#   make lint                           gofmt and go vet

GO          ?= go
ASSIGNMENTS := udp-echo tcp-echo dns http-client smtp-client
ASSIGNMENT  ?= $(ASSIGNMENTS)
SUBMISSION  ?= assignments
SEED        ?= 1
GRADEFLAGS  ?=
TESTFLAGS   ?=

.PHONY: all build grade test test-short lint clean

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

clean:
	rm -rf bin
	@for d in assignments/* reference/*; do $(MAKE) -s -C $$d clean 2>/dev/null || true; done
