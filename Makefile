# mcpgen — common tasks. Each target is one obvious command.
GO        ?= go
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: build test generate check bench fuzz conformance vet attack

## build: compile everything, including the examples
build:
	$(GO) build $(PKGS)

## test: vet and run every test (end-to-end tests included); then one line
## per end-to-end test skipped for a missing third-party client, with the
## command that enables it
test: vet
	@skips=$$(mktemp); \
	echo "$(GO) test -count=1 -timeout 15m $(PKGS)"; \
	MCPGEN_SKIP_LOG=$$skips $(GO) test -count=1 -timeout 15m $(PKGS); status=$$?; \
	sort $$skips; rm -f $$skips; exit $$status
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -timeout 10m ./...

vet:
	$(GO) vet $(PKGS)

## generate: regenerate the examples' mcp_gen.go files
generate:
	$(GO) run ./cmd/mcpgen openapi examples/petstore/petstore.json -o examples/petstore
	$(GO) run ./cmd/mcpgen generate ./...
	cd bench && $(GO) generate ./tools

## check: fail on stale generated files, invalid schemas or unversioned breaking changes
check:
	$(GO) run ./cmd/mcpgen check -v ./...

## bench: benchmarks against go-sdk (generic and raw AddTool), mark3labs/mcp-go
## and a bare JSON-RPC handler, in one run: in-process benchmarks, then real
## server processes over stdio and stateful HTTP in interleaved rounds
## (cmd/procbench; about 10 minutes in all)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./runtime/codec/
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -timeout 30m .
	cd bench && $(GO) run ./cmd/procbench -rounds 5 -d 1s

## attack: replay the hostile-input and load attacks against a real server (also part of test)
attack:
	$(GO) test -count=1 -timeout 3m -v ./e2e/attack/

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

## conformance: run the official MCP conformance suite against examples/conformance
conformance:
	@scripts/conformance.sh
