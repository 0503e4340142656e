# Kaiku: the two commands are `make run` and `make test`. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
export KAIKU_DEV ?= 1

.PHONY: run test test-sqlite test-postgres lint bench messages vendor install demo clean system-deps

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

kaiku/static/vendor/.copied: node_modules/.installed scripts/vendor.py
	$(PY) scripts/vendor.py
	touch $@

install: .venv/.installed kaiku/static/vendor/.copied

vendor: kaiku/static/vendor/.copied

## Serve the app with demo data on http://127.0.0.1:8000
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_data --if-empty
	$(PY) manage.py ensure_signing_key
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py demo_logins
	.venv/bin/gunicorn kaiku.wsgi -c gunicorn.conf.py --bind 127.0.0.1:8000 --workers 2 --threads 4 --access-logfile -

## The whole suite on SQLite (browser tests included)
test: install system-deps
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-sqlite: test

## The whole suite again on a throwaway PostgreSQL 15 cluster
test-postgres: install system-deps
	scripts/with-postgres.sh $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## Chromium for browser tests; PostgreSQL server for the PostgreSQL run; gettext.
system-deps:
	@scripts/system-deps.sh

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy kaiku

## Regenerate translation catalogues (fi, sv): each app keeps its own, so makemessages runs per app; then compile them.
messages: install
	for locale in kaiku/*/locale; do \
		(cd $$(dirname $$locale) && ../../$(PY) ../../manage.py makemessages -l fi -l sv --no-obsolete --ignore 'tests/*' --ignore 'static/vendor/*') || exit 1; \
	done
	$(PY) manage.py compilemessages --ignore .venv --ignore node_modules

bench: install system-deps
	$(PY) bench/run.py

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_data

clean:
	rm -rf .venv node_modules kaiku/static/vendor staticfiles kaiku.sqlite3*
