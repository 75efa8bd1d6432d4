# Kooperation: `make run` starts the app with demo data, `make test` runs all tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

# Which Debian packages `system-deps` checks: `run` (the app) or `test` (also chromium, poppler-utils, qpdf, default-jre-headless).
SYSTEM_DEPS ?= run

.PHONY: run test install install-dev system-deps lock messages makemessages lint format check-deploy clean bench

# Debian packages (WeasyPrint's Pango/HarfBuzz, gettext …): installed if missing when root,
# otherwise the apt-get line to run is printed and make stops.
system-deps:
	bash .ci/system-deps.sh $(SYSTEM_DEPS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Production dependencies only.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

# Test and lint tools on top; requirements-dev.lock is compiled against requirements.lock, so versions agree.
$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Re-pin after changing pyproject.toml (keeps existing pins; `make lock LOCK_ARGS=--upgrade` updates them).
lock: install-dev
	$(BIN)/pip-compile --quiet $(LOCK_ARGS) --no-emit-find-links --no-emit-index-url --strip-extras \
		--output-file=requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet $(LOCK_ARGS) --extra=dev --constraint=requirements.lock \
		--no-emit-find-links --no-emit-index-url --strip-extras --output-file=requirements-dev.lock pyproject.toml

# compilemessages only reads LOCALE_PATHS, but settings refuse to load without a key when DEBUG is off.
messages: export DJANGO_SECRET_KEY ?= build-only-secret-key-for-compilemessages-0123456789-abcdefghij
messages: install | system-deps
	$(MANAGE) compilemessages --ignore '.venv' --verbosity 0

run: export DJANGO_DEBUG ?= true
run: system-deps messages
	$(MANAGE) migrate --noinput --verbosity 0
	$(MANAGE) seed_demo
	@echo ""
	@echo "Kooperation läuft auf http://$(HOST):$(PORT)/  (Strg+C beendet)"
	@echo "Demo-Anmeldungen (Passwort für alle: kooperation-demo):"
	@echo "  Administration: admin@kooperation.example"
	@echo "  Koordination:   koordination@kooperation.example"
	@echo "  Mitglied:       mitglied@kooperation.example"
	@echo "  Leitung:        leitung@kooperation.example"
	@echo "  Fachkraft:      fachkraft@kooperation.example"
	@echo "Administration und Leitung fragen nach dem Passwort einen Code (Zwei-Faktor-Anmeldung):"
	@echo "  $(MANAGE) demo_totp admin@kooperation.example"
	@echo "  oder Demo-Schlüssel KOOPERATIONDEMO2FAKOOPERATION234 in eine Authenticator-App eintragen"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

# Tests run with DEBUG off, as in production, but over plain HTTP.
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
test: export DJANGO_HTTPS ?= false
test: export DJANGO_STATIC_MANIFEST ?= false
test: SYSTEM_DEPS = test
test: system-deps install-dev messages
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Page benchmark at 1× and 100× demo data (SQLite files in .bench/, or PostgreSQL with DATABASE_URL).
# BENCH_ARGS="--scale 5 --pages Netzwerk --skip-load" for a quick try. wrk is not needed (threads + urllib).
bench: export DJANGO_SECRET_KEY ?= bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123
bench: messages
	$(MANAGE) bench_pages $(BENCH_ARGS)

# German is the source language; this refreshes the English catalogue after UI strings change.
makemessages: export DJANGO_SECRET_KEY ?= build-only-secret-key-for-makemessages-0123456789-abcdefghijk
makemessages: install | system-deps
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=static/vendor --ignore=tests

# ruff, then import-linter's contracts from pyproject.toml (layers of the apps).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production-like settings (DEBUG off, HTTPS on, a fresh random key) must give zero warnings.
check-deploy: install | system-deps
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DJANGO_ALLOWED_HOSTS=kooperation.example.org DJANGO_DEBUG=false DJANGO_HTTPS=true \
	$(MANAGE) check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
