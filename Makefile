# zdsync — every target creates the environment it needs from constraints.txt, so a fresh
# clone needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# The store's tests run on SQLite and on this PostgreSQL server (each run in its own
# throw-away database). Override for another server.
export ZDSYNC_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: help install test lint typecheck unit demo bench clean

help:
	@echo "make demo   - one whole cycle against the bundled emulator (no credentials needed)"
	@echo "make test   - create .venv, then run ruff, mypy and pytest"
	@echo "make bench  - performance figures (printed and written to bench/results.json)"
	@echo "make clean  - remove .venv, caches and demo data"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/zdsync demo

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .demo *.egg-info
