# Kooperation: `make run` starts the app with demo data, `make test` runs all tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: run test install messages makemessages lint format check-deploy clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

# compilemessages only reads LOCALE_PATHS, but settings refuse to load without a key when DEBUG is off.
messages: export DJANGO_SECRET_KEY ?= build-only-secret-key-for-compilemessages-0123456789-abcdefghij
messages: install
	$(MANAGE) compilemessages --ignore '.venv' --verbosity 0

run: export DJANGO_DEBUG ?= true
run: messages
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
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

# Tests run with DEBUG off, as in production, but over plain HTTP.
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
test: export DJANGO_HTTPS ?= false
test: export DJANGO_STATIC_MANIFEST ?= false
test: messages
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Page benchmark at 1× and 100× demo data (SQLite files in .bench/, or PostgreSQL with DATABASE_URL).
# BENCH_ARGS="--scale 5 --pages Netzwerk --skip-load" for a quick try. wrk is not needed (threads + urllib).
bench: export DJANGO_SECRET_KEY ?= bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123
bench: messages
	$(MANAGE) bench_pages $(BENCH_ARGS)

# German is the source language; this refreshes the English catalogue after UI strings change.
makemessages: export DJANGO_SECRET_KEY ?= build-only-secret-key-for-makemessages-0123456789-abcdefghijk
makemessages: install
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=static/vendor --ignore=tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production-like settings (DEBUG off, HTTPS on, a fresh random key) must give zero warnings.
check-deploy: install
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DJANGO_ALLOWED_HOSTS=kooperation.example.org DJANGO_DEBUG=false DJANGO_HTTPS=true \
	$(MANAGE) check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
