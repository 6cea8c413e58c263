# cairn — two commands: `make run` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run test lint typecheck contracts pytest bench setup services system-deps node-deps clean

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

# PostgreSQL and Redis are started by the machine; start them again if they stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start) || true
	@(command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1) || \
	  (command -v redis-server >/dev/null && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) || true

run: $(STAMP)
	$(BIN)/cairn serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) system-deps node-deps services
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: lint typecheck contracts pytest

bench: $(STAMP) node-deps services
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
