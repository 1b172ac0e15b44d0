# inspectrack: `make run` serves the portal with demo data, `make test` runs
# every check CI runs. `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BIN        := bin/inspectrack
GO_SOURCES := $(shell find cmd internal web migrations -name '*.go' -o -name '*.sql' -o -name '*.templ' -o -name '*.csv' 2>/dev/null) web/static/dist
PG_BINDIRS := $(wildcard /usr/lib/postgresql/*/bin/initdb /usr/local/pgsql/bin/initdb /opt/homebrew/opt/postgresql@*/bin/initdb)
APT        := DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: run
run: ensure-postgres build ## build, migrate, seed demo data and serve on http://localhost:8080
	@$(BIN) seed demo
	@exec $(BIN) serve

.PHONY: build
build: $(BIN) ## build the binary into bin/

$(BIN): $(GO_SOURCES) go.mod go.sum
	go build -o $(BIN) ./cmd/inspectrack

.PHONY: test
test: check vulncheck ensure-postgres-binaries ensure-chromium ensure-pdftotext ensure-nginx ensure-web-deps ## all checks, then every test (real PostgreSQL, real browser, two instances behind nginx) with -race
	go test -race -count=1 -timeout 30m ./...

# Every Fuzz function of the module, found by go test -list (none is named
# here), each fuzzed for FUZZTIME; their seed corpora already run in `make test`.
FUZZTIME ?= 30s
.PHONY: fuzz
fuzz: ## fuzz every Fuzz function of the module for FUZZTIME each (default 30s)
	@set -o pipefail; targets=$$(go test -list '^Fuzz' ./... | awk '/^Fuzz/ { f[n++] = $$1; next } /^ok / { for (i = 0; i < n; i++) print $$2 "," f[i]; n = 0 }') || exit 1; \
	[ -n "$$targets" ] || { echo "no Fuzz functions found"; exit 1; }; \
	failed=""; for t in $$targets; do pkg=$${t%%,*}; fn=$${t#*,}; \
		echo "== $$fn ($$pkg) for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg" || failed="$$failed $$fn"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzzing failed:$$failed (the failing inputs are under the packages' testdata/fuzz)"; exit 1; fi

.PHONY: mutants
mutants: ensure-postgres ## apply each internal/mutants/*.patch (a mistake in a rule that protects users) in a scratch copy: fail naming any its tests miss
	@bash internal/mutants/run.sh

# The pure packages: no database, no network; gremlins mutates their code
# and reruns their tests. Efficacy is killed / (killed + lived) mutants.
MUTATE_PKGS := domain auth upload letter

.PHONY: mutate
mutate: ensure-pdftotext ## mutation testing (gremlins) of the pure packages: fails below 90% efficacy in any
	@set -o pipefail; for p in $(MUTATE_PKGS); do \
		echo "== internal/$$p"; \
		go tool gremlins unleash --workers 1 --test-cpu 1 --timeout-coefficient 5 --threshold-efficacy 90 ./internal/$$p | grep -v '^ *KILLED' || exit 1; \
	done

# Coverage of the code people wrote: every package's tests count for every
# package (-coverpkg), and the generated views (*_templ.go) are left out.
COVER_PKGS ?= ./...
COVERPKG   ?= ./...

.PHONY: cover
cover: ensure-postgres ensure-chromium ensure-pdftotext ensure-web-deps ## coverage of hand-written code (generated *_templ.go left out); COVER_PKGS=./internal/x/ COVERPKG=./internal/x/ for one package
	@mkdir -p .data
	go test -count=1 -coverpkg=$(COVERPKG) -coverprofile=.data/cover.all.out $(COVER_PKGS)
	@grep -v '_templ\.go:' .data/cover.all.out > .data/cover.out
	@go tool cover -func=.data/cover.out | tail -n 1

# Two `serve` processes of the built binary on one database behind Debian's
# nginx with TLS (internal/e2e); `make test` runs it too, as one of ./...
.PHONY: e2e
e2e: ensure-postgres-binaries ensure-nginx build ## two instances of the binary behind nginx with TLS: sessions, changes, throttling, uploads and a crash across them
	INSPECTRACK_E2E_BIN=$(abspath $(BIN)) go test -count=1 -v -timeout 10m ./internal/e2e/

.PHONY: bench-upload
bench-upload: ## upload 100 MiB to the real server process: throughput and its peak memory
	go test -run '^$$' -bench BenchmarkUpload100MiB -benchtime 1x ./internal/web/

.PHONY: check
check: check-fmt check-vet check-staticcheck check-mod check-generated check-assets ## formatting, vet, staticcheck, a tidy go.mod, and committed generated files up to date

.PHONY: check-fmt
check-fmt:
	@out=$$(gofmt -l cmd internal web migrations); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: check-vet
check-vet:
	go vet ./...

# The Go vulnerability database, pinned as the module the proxy serves, so
# govulncheck needs no internet: its data/osv folder is a database it reads.
VULNDB := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018

.PHONY: vulncheck
vulncheck: ## govulncheck against the pinned vulnerability database: fails on a called vulnerability in a required module
	@db=$$(go mod download -json $(VULNDB) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$db/data/osv" || { echo "vulncheck: no database at $$db/data/osv"; exit 1; }; \
	go run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db "file://$$db/data/osv" -format json ./... | go run ./internal/devtools/vulncheck

# staticcheck is pinned as a tool in go.mod (honnef.co/go/tools v0.8.2).
.PHONY: check-staticcheck
check-staticcheck:
	go tool staticcheck ./...

.PHONY: check-mod
check-mod:
	@go mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy and commit"; exit 1; }

.PHONY: generate
generate: ## regenerate the templ views (*_templ.go)
	go tool templ generate

.PHONY: check-generated
check-generated: generate ## fail when the committed *_templ.go differ from the .templ files
	@git diff --exit-code --stat -- 'web/**/*_templ.go' || { echo "generated views are stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- web/components | grep '_templ.go')" || { echo "untracked generated views: commit them"; exit 1; }

.PHONY: assets
assets: ensure-node ## rebuild web/static/dist from web/assets with the pinned npm packages
	bash web/build-assets.sh

.PHONY: check-assets
check-assets: assets ## fail when the committed built assets differ from a fresh build
	@git diff --exit-code --stat -- web/static || { echo "built assets are stale: run make assets and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- web/static)" || { echo "untracked built assets: commit them"; exit 1; }

# The embedded PostgreSQL default needs the server binaries (initdb, pg_ctl).
.PHONY: ensure-postgres
ensure-postgres:
	@if command -v initdb >/dev/null 2>&1 || [ -n "$(PG_BINDIRS)" ] || [ -n "$$DATABASE_URL" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "No PostgreSQL server binaries found: installing Debian's postgresql package"; \
		$(APT) update -qq && $(APT) install -y -qq postgresql >/dev/null; \
	else \
		echo "No PostgreSQL server binaries found. Install them, e.g.: sudo apt-get install postgresql"; exit 1; \
	fi

# The tests of the embedded cluster need the server binaries even when
# TEST_DATABASE_URL points at a server.
.PHONY: ensure-postgres-binaries
ensure-postgres-binaries: ## install Debian's postgresql (initdb, pg_ctl) when missing
	@if command -v initdb >/dev/null 2>&1 || [ -n "$(PG_BINDIRS)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "No PostgreSQL server binaries found: installing Debian's postgresql package"; \
		$(APT) update -qq && $(APT) install -y -qq postgresql >/dev/null; \
	else \
		echo "The tests need the PostgreSQL server binaries: sudo apt-get install postgresql"; exit 1; \
	fi

.PHONY: ensure-chromium
ensure-chromium: ## install Debian's chromium for the browser tests when missing
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(APT) update -qq && $(APT) install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium: sudo apt-get install chromium"; exit 1; \
	fi

.PHONY: ensure-nginx
ensure-nginx: ## install Debian's nginx (the reverse proxy of make e2e) when missing
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's nginx for the multi-instance test"; \
		$(APT) update -qq && $(APT) install -y -qq nginx >/dev/null; \
	else \
		echo "make e2e needs nginx: sudo apt-get install nginx"; exit 1; \
	fi

.PHONY: ensure-pdftotext
ensure-pdftotext: ## install Debian's poppler-utils (pdftotext reads the letters' PDFs back in tests) when missing
	@if command -v pdftotext >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's poppler-utils for the PDF tests"; \
		$(APT) update -qq && $(APT) install -y -qq poppler-utils >/dev/null; \
	else \
		echo "The PDF tests need pdftotext: sudo apt-get install poppler-utils"; exit 1; \
	fi

.PHONY: ensure-web-deps
ensure-web-deps: ensure-node ## install web/node_modules (axe-core for the browser tests) when missing or stale
	@bash web/install-deps.sh

.PHONY: ensure-node
ensure-node:
	@if command -v npm >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's nodejs and npm to build the assets"; \
		$(APT) update -qq && $(APT) install -y -qq nodejs npm >/dev/null; \
	else \
		echo "Building the assets needs Node.js and npm: sudo apt-get install nodejs npm"; exit 1; \
	fi

.PHONY: bench
bench: ensure-postgres ensure-wrk build ## national-scale data set in its own database, then wrk: /healthz, /dashboard, a case, a force
	@BIN=$(BIN) bash internal/scripts/bench.sh

.PHONY: bench-scale
bench-scale: ensure-postgres ensure-wrk build ## 100,000 and 1,000,000 cases: every list and detail page, warm and on the first request after a change
	@BIN=$(BIN) bash internal/scripts/bench-scale.sh

.PHONY: ensure-wrk
ensure-wrk:
	@if command -v wrk >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's wrk for make bench"; \
		$(APT) update -qq && $(APT) install -y -qq wrk >/dev/null; \
	else \
		echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; \
	fi

.PHONY: clean
clean: ## remove the binary (keeps .data, the embedded database)
	rm -rf bin
