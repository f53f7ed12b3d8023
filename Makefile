# Studio developer tasks.  `make run` to start the studio, `make test` for everything CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
BOOT_PYTHON := $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
# The requirements files' content decides whether pip has to run again.
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt 2>/dev/null | sha256sum | cut -c1-16)
RUN_STAMP := $(VENV)/.installed-run-$(REQ_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(REQ_HASH)
PIP := $(PY) -m pip install --disable-pip-version-check --no-input --progress-bar off
# uv (a pinned wheel from PyPI) installs the pinned requirements for a small part of pip's
# time and CPU (README "Start"); pip does it when uv cannot be had. $(call INSTALL,file)
# --compile-bytecode: pip writes .pyc files at install, uv only when asked; without them, and
# with PYTHONDONTWRITEBYTECODE set (as on CI machines), every process the tests start (servers,
# clusters, manage.py) compiles Django and the rest from source again: ~0.7 CPU-s each.
UV_VERSION := 0.13.9
INSTALL = { $(PIP) -q uv==$(UV_VERSION) && \
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r $(1); } || $(PIP) -r $(1)

HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist processes per pass. Most of a test's time is waiting (the sandbox's clocks,
# real clusters and servers, a browser), so four share two cores well; each process has its
# own database, queue, cache prefix and files (tests/settings.py). PYTEST_WORKERS=0: one process.
# `--dist worksteal`: an idle process takes tests queued for a busy one, so a few long tests
# late in the run do not keep the others waiting.
PYTEST_WORKERS ?= 4

.PHONY: help run test test-pg test-bench lint fmt clean distclean venv deps dev-deps chromium check-migrations check-static bench load

help:
	@echo "make run     start the studio (web + task cluster) on http://$(HOST):$(PORT)"
	@echo "make test    lint, migration and static checks, then all tests (what CI runs)"
	@echo "make test-pg the tests again on a throw-away PostgreSQL + Redis (CI runs it too)"
	@echo "make test-bench the benches' smoke tests alone (tests/bench)"
	@echo "make lint    ruff, the import contracts (lint-imports) and the module size check"
	@echo "make bench   measured figures on a throw-away 100,000-generation database (var/bench/)"
	@echo "make fmt     ruff format + ruff check --fix"
	@echo "make clean   remove caches and collected static files (keeps .venv and var/)"
	@echo "make distclean   clean, and remove .venv too"

# --- environment ----------------------------------------------------------------------------

$(PY):
	@test -n "$(BOOT_PYTHON)" || { echo "python3.11 or python3 is needed" >&2; exit 1; }
	$(BOOT_PYTHON) -m venv $(VENV)

venv: $(PY)

$(RUN_STAMP): | $(PY)
	$(call INSTALL,requirements.txt)
	rm -f $(VENV)/.installed-run-*
	touch $@

$(DEV_STAMP): | $(PY)
	$(call INSTALL,requirements-dev.txt)
	rm -f $(VENV)/.installed-run-* $(VENV)/.installed-dev-*
	touch $(RUN_STAMP) $@

deps: $(RUN_STAMP)

dev-deps: $(DEV_STAMP)

chromium:
	bash scripts/install-chromium.sh

# --- running --------------------------------------------------------------------------------

run: deps
	$(PY) manage.py migrate --noinput
	exec $(PY) manage.py runstudio --host $(HOST) --port $(PORT)

# --- checks ---------------------------------------------------------------------------------

# The import contracts live in pyproject.toml [tool.importlinter] (docs/architecture.md
# "Layers and contracts"); no module of studio/ over 400 lines, migrations aside.
lint: dev-deps
	$(RUFF) check studio tests bench
	$(RUFF) format --check studio tests bench
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_module_size.py studio

fmt: dev-deps
	$(RUFF) format studio tests bench
	$(RUFF) check --fix studio tests bench

# Production storage, DEBUG=False and throw-away secrets: catches missing static files.
check-static: dev-deps
	DEBUG=False \
	SECRET_KEY=collectstatic-check-not-secret \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
	$(PY) scripts/check_collectstatic.py

check-migrations: dev-deps
	$(PY) manage.py makemigrations --check --dry-run

# Prerequisites run left to right (CI runs make without -j).
# compileall: the studio's own .pyc files, for the same reason as --compile-bytecode above
# (a stale one is ignored: Python checks the source's size and time).
test: dev-deps chromium lint check-migrations check-static
	$(PY) -m compileall -q -j 0 studio tests bench > /dev/null
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The same suite on PostgreSQL and Redis (DATABASE_URL, REDIS_URL), both installed from Debian
# when missing and started on loopback for this run only by scripts/ci-services.sh. The browser
# tests run on SQLite only (`make test`): they test pages, not the database (README
# "Scale-out"); nor do the benches' smoke tests (tests/bench): `make bench` runs its studios on
# SQLite files of its own (bench/harness.py); nor do the simulator's own tests (tests/sandbox):
# they check the answers of the simulated provider, and every other test drives the sandbox
# over HTTP on this pass's database anyway (~120 CPU-s of a pass that shares two cores).
# PYTEST_ARGS adds arguments, e.g. PYTEST_ARGS="tests/scale -x".
test-pg: dev-deps
	$(PY) -m compileall -q -j 0 studio tests bench > /dev/null
	bash scripts/ci-services.sh run $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -m "not browser" \
		--ignore=tests/bench --ignore=tests/sandbox $(PYTEST_ARGS)

# The benches' smoke tests alone (tests/bench: five real studios, ~70 CPU-s). `.ci/run` runs
# them as a third job beside the two passes, and leaves them out of `make test` there
# (PYTEST_ARGS=--ignore=tests/bench), so the SQLite pass, the longer one, does not carry them.
# Two processes: its five long tests each start their own servers and cluster.
test-bench: dev-deps
	$(PY) -m pytest -n 2 tests/bench $(PYTEST_ARGS)

# --- measuring ------------------------------------------------------------------------------

# Builds var/bench/bench.sqlite3 once (BENCH_REBUILD=1 builds it again), then prints a table.
bench: deps
	$(PY) bench/run.py

load: deps
	$(PY) bench/load.py

# --- housekeeping ---------------------------------------------------------------------------

# var/ is kept on purpose: it holds the development database and the key that encrypts the
# stored API keys (losing it loses them).
clean:
	rm -rf staticfiles .pytest_cache .ruff_cache test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
