# Shangyun — the two commands a newcomer needs are `make run` and `make test`.

GO        ?= go
BIN       := bin/shangyun
TESTFLAGS ?=
LINT_VERSION := v2.15.0

.PHONY: run build test lint openapi clean bench

## run: build, migrate, load the demo data and serve on the embedded database
run: build
	@./$(BIN) seed demo
	@./$(BIN) serve

## build: compile the binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/shangyun

## test: every test; MySQL suites too when SHANGYUN_TEST_MYSQL_DSN is set
test:
	@if [ -z "$$SHANGYUN_TEST_MYSQL_DSN" ]; then \
		echo "SHANGYUN_TEST_MYSQL_DSN is not set: the MySQL suites will be skipped (SQLite only)."; \
	else \
		echo "Running every storage suite on SQLite and on MySQL."; \
	fi
	$(GO) test $(TESTFLAGS) ./...
	@if [ -z "$$SHANGYUN_TEST_MYSQL_DSN" ]; then \
		echo "Note: the MySQL suites were skipped; set SHANGYUN_TEST_MYSQL_DSN to run them."; \
	fi
	@if [ -z "$$SHANGYUN_TEST_REDIS_ADDR" ]; then \
		echo "Note: the Redis suites were skipped; set SHANGYUN_TEST_REDIS_ADDR (host:port) to run them."; \
	fi

## lint: gofmt, go vet and golangci-lint (staticcheck and friends)
lint: bin/golangci-lint
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then \
		echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	./bin/golangci-lint run ./...

bin/golangci-lint:
	GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(LINT_VERSION)

## openapi: regenerate docs/ (Swagger 2.0) and api/openapi.yaml (OpenAPI 3)
openapi:
	$(GO) run ./cmd/openapi

clean:
	rm -rf bin

## bench: seed a realistic volume into a fresh database and measure
## Shangyun against the baseline server (see docs/performance.md); MySQL by
## default, the embedded SQLite in a temporary file with BENCH_DRIVER=sqlite
BENCH_DRIVER ?= mysql
BENCH_DB     ?= shangyun_bench
BENCH_DSN    ?= root@tcp(127.0.0.1:3306)/$(BENCH_DB)
BENCHFLAGS   ?=
bench:
ifeq ($(BENCH_DRIVER),sqlite)
	$(GO) run ./cmd/bench -driver sqlite $(BENCHFLAGS)
else
	mysql --user=root -e "DROP DATABASE IF EXISTS $(BENCH_DB); \
		CREATE DATABASE $(BENCH_DB) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
	$(GO) run ./cmd/bench -dsn '$(BENCH_DSN)' $(BENCHFLAGS)
endif
