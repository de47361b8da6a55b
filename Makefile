# Seatkeeper: `make run` serves the demo, `make test` runs the whole suite.
# The Makefile makes and uses its own virtualenv (.venv) with the first Python >= 3.11 it finds.
SHELL := /bin/bash
PY ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard src tests bench)

.PHONY: install run test lint format browser bench clean

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "Seatkeeper needs Python 3.11 or newer (python3.11, python3.12 or python3.13 on PATH)."; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## run: migrate the SQLite database under var/, load the demo once, print logins, serve
run: install
	@mkdir -p var
	$(BIN)/seatkeeper demo --host $(HOST) --port $(PORT)

## test: everything the suite needs (virtualenv, chromium where possible), then the suite
test: install browser
	@mkdir -p var
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m seatkeeper makemigrations --check --dry-run >/dev/null || { echo "Model changes without a migration: run '$(BIN)/seatkeeper makemigrations'"; exit 1; }
	$(BIN)/pytest $(PYTEST_ARGS)

browser:
	@bash tools/ensure-chromium.sh

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/test.sqlite3* artifacts
