# cairn — two commands: `make run` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run test lint typecheck contracts pytest bench setup services system-deps node-deps chromium ui ui-test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python -q --compile-bytecode -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the test suite uses: ffprobe (the reference frame lists of the media tests).
system-deps:
	@if ! command -v ffprobe >/dev/null; then \
	  echo "installing ffmpeg (for ffprobe) from Debian"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null) \
	  || echo "warning: could not install ffmpeg; tests that need ffprobe will fail under CI"; \
	fi

# npm test servers: s3rver (large S3 objects) and azurite (Azure).
node-deps: node_modules/.installed
node_modules/.installed: package.json
	npm install --silent --no-audit --no-fund
	touch $@

# Debian's Chromium, which the browser tests drive (Playwright's own browser download does not work here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing chromium from Debian (for the web UI's browser tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; the browser tests will fail under CI"; \
	fi

# The web UI (ui/): npm ci when the lock changes; API types generated from cairn's own OpenAPI document when the
# API changes; a Vite build into the Python package (src/cairn/api/ui_dist, served at /) when any source changes.
UI_DIST := src/cairn/api/ui_dist/index.html
UI_TYPES := ui/src/api/schema.d.ts
UI_SOURCES := $(filter-out $(UI_TYPES),$(shell find ui/src -type f)) ui/index.html ui/vite.config.ts ui/tsconfig.json
API_SOURCES := $(shell find src/cairn/api src/cairn/domain -name '*.py')

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

$(UI_TYPES): $(API_SOURCES) ui/scripts/openapi_document.py $(STAMP) ui/node_modules/.installed
	$(BIN)/python ui/scripts/openapi_document.py > ui/.openapi.json
	cd ui && ./node_modules/.bin/openapi-typescript .openapi.json -o src/api/schema.d.ts
	rm -f ui/.openapi.json

$(UI_DIST): $(UI_SOURCES) $(UI_TYPES) ui/node_modules/.installed
	cd ui && ./node_modules/.bin/tsc --noEmit && ./node_modules/.bin/vite build

ui: $(UI_DIST)

ui-test: $(UI_TYPES)
	cd ui && ./node_modules/.bin/vitest run

# PostgreSQL and Redis are started by the machine; start them again if they stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start) || true
	@(command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1) || \
	  (command -v redis-server >/dev/null && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) || true

run: $(STAMP) ui
	$(BIN)/cairn serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench ui/scripts
	$(BIN)/ruff format --check src tests bench ui/scripts

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) system-deps node-deps services chromium ui
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: lint typecheck contracts ui-test pytest

bench: $(STAMP) node-deps services
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules ui/node_modules src/cairn/api/ui_dist $(UI_TYPES) .pytest_cache .mypy_cache .ruff_cache
