# zdsync — every target creates the environment it needs from constraints.txt, so a fresh
# clone needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two installs: what the worker (and `make demo`, `make bench`) needs, and the developers'
# tools on top (ruff, mypy, pytest, schemathesis...), which only `make test` pulls in.
RUNTIME_STAMP := $(VENV)/.runtime-stamp
DEV_STAMP     := $(VENV)/.dev-stamp

# The store's tests run on SQLite and on this PostgreSQL server (each run in its own
# throw-away database). Override for another server.
export ZDSYNC_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: help install test test-fast lint typecheck unit unit-fast spec-subset demo bench cassettes clean

help:
	@echo "make demo      - one whole cycle against the bundled emulator (no credentials needed)"
	@echo "make test      - create .venv, then run ruff, mypy and pytest"
	@echo "make test-fast - the same without the tests marked slow (kill, fault, CLI runs)"
	@echo "make bench     - performance figures (printed and written to bench/results.json)"
	@echo "make cassettes - re-record fixtures/cassettes/ from the emulator (zdsync record)"
	@echo "make clean     - remove .venv, caches and demo data"

install: $(DEV_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'

$(RUNTIME_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

# The dev tools include the runtime, so a dev install also counts as a runtime one.
$(DEV_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@ $(RUNTIME_STAMP)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

unit: $(DEV_STAMP)
	$(BIN)/pytest -q

unit-fast: $(DEV_STAMP)
	$(BIN)/pytest -q -m "not slow"

test: lint typecheck unit

# While working: everything but the tests marked slow (over ~5 s each). CI runs `make test`.
test-fast: lint typecheck unit-fast

# Re-cut tests/conformance/zendesk-openapi.subset.json from the full spec in ../shared.
spec-subset: $(DEV_STAMP)
	$(BIN)/python -m tests.conformance.spec_subset

demo: $(RUNTIME_STAMP)
	$(BIN)/zdsync demo

bench: $(RUNTIME_STAMP)
	$(BIN)/python -m bench

# The committed cassettes (README "Replaying recorded fixtures"): re-record them after a
# change to what the emulator answers or what the adapter asks.
cassettes: $(DEV_STAMP)
	$(BIN)/python -m tests.cassette.rerecord

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .demo *.egg-info
