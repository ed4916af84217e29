# Every target sets the checkout up first (scripts/setup.sh is fast when nothing is missing).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON := .venv/bin/python
# The PostgreSQL server `make test-pg` uses; pytest-django creates and drops test_<name>.
PG_URL ?= postgresql://postgres@127.0.0.1:5432
SIZE ?= small
# Python images often set PYTHONDONTWRITEBYTECODE=1 (this machine's does). pytest then rewrites
# the asserts of every test module again in each process — 12 s of CPU per test worker, per
# run — because it may not cache the result in __pycache__. Let it.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help setup setup-test run test test-pg lint bench demo

help:
	@echo "make run      set up, then serve Tandem with demo data at http://127.0.0.1:8000"
	@echo "make test     set up, then run the whole test suite on SQLite, with the coverage floor"
	@echo "make test-pg  the test suite on PostgreSQL (PG_URL=$(PG_URL))"
	@echo "make lint     ruff, ruff format --check, mypy, import-linter"
	@echo "make bench    run every benchmark script in bench/"
	@echo "make demo     load the demo into an empty database (SIZE=small|medium|large)"

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

run: setup
	.venv/bin/tandem run

# Coverage of src/tandem is measured on SQLite and must stay above the floor in pyproject.toml
# ([tool.coverage.report] fail_under); `.venv/bin/coverage report` lists it per module after a run.
test: setup-test
	$(PYTHON) -m pytest -n 2 --dist loadgroup --durations=30 --cov --cov-report=

# A fresh database name per run, so runs on one server never collide.
test-pg: setup-test
	DATABASE_URL="$(PG_URL)/tandem_$$(date +%s)_$$RANDOM" $(PYTHON) -m pytest -n 2 --dist loadgroup --durations=30

# Runs every checker, then fails if any did, so one run reports everything.
lint: setup-test
	@status=0; for check in "ruff check" "ruff format --check" mypy lint-imports; do \
		echo "== $$check"; .venv/bin/$$check || status=1; \
	done; exit $$status

# Each script in bench/ is one benchmark; results go to bench/results/.
bench: setup-test
	@for script in bench/*.py; do echo "== $$script"; $(PYTHON) "$$script" || exit 1; done

demo: setup
	.venv/bin/tandem demo --size $(SIZE)
