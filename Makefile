# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint messages demo clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# A development secret and DEBUG for this checkout only; production sets real variables.
.env:
	$(PYTHON) -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50)); print('DEBUG=true')" > .env

run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Servicecenter runs on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password demo12345): staff-lycksele, manager-lycksele, analyst, admin"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: $(VENV)/.installed .env lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

messages: $(VENV)/.installed .env
	cd $(CURDIR) && $(PY) manage.py makemessages --locale sv --locale en --ignore ".venv/*" --no-obsolete
	$(PY) manage.py compilemessages --ignore ".venv/*"

demo: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
