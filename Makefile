# Kooperation: `make run` starts the app with demo data, `make test` runs all tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: run test install messages lint format check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	DJANGO_SECRET_KEY=ci-$$(date +%s)-a-long-random-looking-secret-key-for-the-deploy-check-only \
	DJANGO_ALLOWED_HOSTS=kooperation.example.org DJANGO_DEBUG=false \
	$(MANAGE) check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
