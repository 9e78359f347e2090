GO ?= go
# CI sets TESTFLAGS=-race; the race detector needs cgo, which a machine with
# only Go installed may lack.
TESTFLAGS ?=
BENCHTIME ?= 1s

.PHONY: run test vet build bench clean e2e

run:
	$(GO) run ./cmd/parley serve --demo

test: vet
	$(GO) test -timeout 20m $(TESTFLAGS) ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd server queue rooms)" || { gofmt -l cmd server queue rooms; echo "gofmt: the files above are not formatted"; exit 1; }
	@! git grep -n -E '^(<<<<<<<|>>>>>>>)( |$$)' -- . ':!*.lock' || { echo "merge conflict markers left in the files above"; exit 1; }

build:
	$(GO) build -o bin/parley ./cmd/parley

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

clean:
	rm -rf bin

# Browser end-to-end tests of the pages (needs Node and /usr/bin/chromium).
e2e:
	cd frontend/e2e && npm ci && node --test
