# Appeal Desk. The README's two commands: `make run` (the app with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run install install-test test lint bench screenshots

VENV ?= .venv
PY := $(VENV)/bin/python
# The first of python3.13 / python3.12 / python3 (or a pyenv-installed 3.12+) that is at least 3.12.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Dependencies come from pyproject.toml; exact versions from constraints.txt.
define REQUIREMENTS
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = [d for extra in sys.argv[1:] for d in project["optional-dependencies"][extra]]
print("\n".join(project["dependencies"] + extras))
endef
export REQUIREMENTS

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed: install python3.13 or python3.12." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: $(PY) pyproject.toml constraints.txt
	$(PY) -c "$$REQUIREMENTS" > $(VENV)/requirements-run.txt
	$(PY) -m pip install --quiet -c constraints.txt -r $(VENV)/requirements-run.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run
	$(PY) -c "$$REQUIREMENTS" test > $(VENV)/requirements-test.txt
	$(PY) -m pip install --quiet -c constraints.txt -r $(VENV)/requirements-test.txt
	@touch $@

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

## run: install, migrate, load demo data on an empty database, then web + Celery worker + beat (Ctrl-C stops all)
run: install
	$(PY) manage.py migrate --noinput
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(PY) manage.py load_demo
	@echo "Appeal Desk on http://$(HOST):$(PORT)/ (emails go to $${APPEAL_DESK_VAR_DIR:-var}/outbox; Ctrl-C stops)"
	PATH="$(abspath $(VENV))/bin:$$PATH" APPEAL_DESK_HOST=$(HOST) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
		OWN_ERROR_PAGES=$${OWN_ERROR_PAGES:-true} $(VENV)/bin/honcho -f Procfile.dev start -p $(PORT)

## test: install the test dependencies, run every test (live-service tests need DATABASE_URL / REDIS_URL)
test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The benchmark flushes its own database (appeal_desk_bench next to DATABASE_URL's, or BENCH_DATABASE_URL).
# The load test uses Debian's wrk, installed here when missing and root; otherwise a threaded Python client.
# With DATABASE_REPLICA_URL set, its database name is swapped for the benchmark's (the replica copies the cluster).
bench: install-test
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
		echo "wrk not found: the load test uses a threaded Python client (apt-get install wrk)"
	DATABASE_URL=$$($(PY) bench/ensure_database.py) && export DATABASE_URL && \
		DATABASE_REPLICA_URL=$$($(PY) bench/ensure_database.py --replica) && export DATABASE_REPLICA_URL && \
		$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py bench $(BENCH_ARGS)
screenshots: install-test ; $(PY) manage.py screenshots
