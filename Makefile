# Claimtrail. `make run` starts the app on the embedded default (SQLite); `make test` runs every
# test on PostgreSQL and on SQLite. Both bootstrap what they need from this repository.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.9
# Use the uv on PATH if there is one, else a pinned copy installed into .tools/ from PyPI.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

PG_URL ?= postgres://postgres@127.0.0.1:5432/claimtrail
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 2
# Threads per web worker: a request that waits (on PBKDF2, which releases the GIL, or on the
# database) holds one thread, not a whole worker, so a burst of sign-ins cannot stall the API.
WEB_THREADS ?= 4
# Worker processes per `make worker` / `make run` (each runs one capture at a time).
CONCURRENCY ?= 2
CELERY := $(VENV)/bin/celery -A config

.PHONY: help run serve worker beat test test-postgres test-sqlite lint format bench demo migrate clean

help:
	@echo "make run    - set up, migrate, load the demo newsroom, serve on http://$(HOST):$(PORT)"
	@echo "make worker - a background worker (REDIS_URL set: Redis; else the embedded queue)"
	@echo "make beat   - the periodic scheduler (sweeper, link checks); run exactly one"
	@echo "make test   - run the test suite on PostgreSQL ($(PG_URL)) and on SQLite"
	@echo "make lint   - ruff check, ruff format --check, mypy, makemigrations --check"
	@echo "make bench  - run the benchmarks in bench/"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

migrate: $(VENV)/.synced
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) loaddemo

# The web server in the foreground and one worker process (with the periodic scheduler inside
# it) in the background; stopping the one stops the other.
run: demo
	$(MANAGE) collectstatic --noinput -v0
	@echo
	@echo "Claimtrail is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops it; operators: /admin/)"
	@echo "Demo sign-ins (password for each: see above, printed by loaddemo)."
	@mkdir -p var
	$(CELERY) worker --beat --schedule var/celerybeat-schedule -Q captures,default \
		--concurrency $(CONCURRENCY) --loglevel INFO --without-mingle --without-gossip & \
	worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) \
		--workers $(WEB_WORKERS) --worker-class gthread --threads $(WEB_THREADS) \
		--access-logfile - --graceful-timeout 5

worker: migrate
	$(CELERY) worker -Q captures,default --concurrency $(CONCURRENCY) --loglevel INFO

beat: migrate
	@mkdir -p var
	$(CELERY) beat --schedule var/celerybeat-schedule --loglevel INFO

test: test-postgres test-sqlite

test-postgres: $(VENV)/.synced
	@echo "== tests on PostgreSQL ($(PG_URL)) =="
	DATABASE_URL=$(PG_URL) CLAIMTRAIL_REQUIRE_POSTGRES=1 $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: $(VENV)/.synced
	@echo "== tests on SQLite =="
	DATABASE_URL= CLAIMTRAIL_SQLITE_PATH=$(CURDIR)/var/test-run.sqlite3 $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MANAGE) makemigrations --check --dry-run

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.synced
	DATABASE_URL=$(PG_URL) $(PY) bench/run.py

clean:
	rm -rf $(VENV) .tools var .pytest_cache .ruff_cache .mypy_cache
