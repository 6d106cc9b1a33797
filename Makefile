# Weerbaar — the two commands are `make run` and `make test`.
GO      ?= go
BIN     := bin/weerbaar
PKGS    := ./...

.PHONY: run test build modules generate check-fmt vet check-generated bench bench-go bench-data fuzz drill clean

# The echo lines say what each step does: on a fresh machine the first build
# downloads and compiles the modules for a few minutes without other output.

## run: build, find or start PostgreSQL, migrate, seed demo data, serve on http://127.0.0.1:8080
run: build
	@mkdir -p var
	@echo "Starting Weerbaar: finding or starting PostgreSQL, applying migrations, seeding the demo data…"
	WEERBAAR_SECRET_KEY_FILE=$${WEERBAAR_SECRET_KEY_FILE:-var/secret.key} ./$(BIN) serve --demo

## bench-data: build, find or start PostgreSQL (as run does), migrate, and create the large benchmark dataset (weerbaar seed-large; idempotent); prints the accounts
bench-data: build
	@mkdir -p var
	@echo "Creating the large benchmark dataset (20 entities; the largest with 3,000 risk scenarios and 100,000 audit rows)…"
	./$(BIN) seed-large $(SEED_LARGE_FLAGS)

## build: generate templ code and build the binary
build: generate
	@echo "Building $(BIN) (the first build compiles all dependencies: a few minutes)…"
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/weerbaar
	@echo "Built $(BIN)."

## modules: download the Go modules (a no-op once they are in the module cache)
modules:
	@echo "Checking Go modules (the first time this downloads them: a few minutes)…"
	@$(GO) mod download

generate: modules
	@echo "Generating Go code from the templ templates…"
	$(GO) tool templ generate -log-level error

## test: formatting, vet, generated code up to date, all tests with -race (browser tests included)
# Browser tests save a screenshot of a failure under test-artifacts/.
test: check-fmt vet check-generated
	@mkdir -p test-artifacts
	$(GO) test -race -count=1 -timeout 20m -artifacts -outputdir $(CURDIR)/test-artifacts $(PKGS)

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './var/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

## check-generated: fails when `templ generate` would change the committed *_templ.go files
check-generated: generate
	@changed=$$(git diff --name-only -- '*_templ.go'; git ls-files --others --exclude-standard -- '*_templ.go'); \
	if [ -n "$$changed" ]; then echo "generated templ code is stale; run 'make generate' and commit:"; echo "$$changed"; exit 1; fi

## bench: load benchmark of the real server on the large dataset (under ten minutes): builds bin/weerbaar,
## creates and seeds the database weerbaar_bench when missing (on DATABASE_URL's server, else as `make run`
## finds one), drives every main page and /healthz, /readyz at 1, 8 and 32 connections, and writes the table
## into docs/performance.md (BENCH_FLAGS="-duration 5s" for longer runs; cmd/weerbaar-bench)
bench: build
	$(GO) run ./cmd/weerbaar-bench -server $(BIN) -out docs/performance.md $(BENCH_FLAGS)

## bench-go: the Go micro-benchmarks (`go test -bench`) of every package; never timed assertions in tests
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## fuzz: run every fuzz target (func FuzzX in *_test.go) for FUZZTIME each (default 10s; e.g. make fuzz FUZZTIME=5s); crashers land in testdata/fuzz/
FUZZTIME ?= 10s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

## drill: the database fault drill on its own, with its log (a private PostgreSQL is crashed and restarted under concurrent writes; `make test` runs it too; docs/operations.md)
drill:
	$(GO) test -count=1 -v -timeout 10m -run '^TestDatabaseFaultDrill$$' ./internal/drill/

clean:
	rm -rf bin
