# Rámec: `make run` serves the demo, `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
DEMO_ENV := DEBUG=true
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run run-stack test test-deploy docker-up docker-down lint lock messages bench bench-ci bench-api bench-notify

setup: $(STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v == (3, 13) else f"Rámec needs Python 3.13, .venv has {v[0]}.{v[1]}: remove .venv and install 3.13")'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements/base.txt -r requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

run: setup
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Web server, Celery worker and beat together (needs REDIS_URL; Ctrl-C stops all three).
run-stack: setup
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a real worker."; exit 1; }
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A backend worker -l info & \
	$(BIN)/celery -A backend beat -l info --schedule var/celerybeat-schedule & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# One pytest worker per core (pytest-xdist); PYTEST_WORKERS=0 runs in this process, for a debugger.
PYTEST_WORKERS ?= auto
test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The production configuration alone: check --deploy, docker/, and a smoke test of gunicorn, a Celery worker and
# beat with DEBUG off on PostgreSQL and Redis (about two minutes; `make test` runs it too).
test-deploy: setup
	$(BIN)/python -m pytest tests/deploy $(PYTEST_ARGS)

# The production stack in containers: needs docker with the compose plugin and a filled-in docker/.env
# (cp docker/.env.example docker/.env). README.md, "Deployment", says the rest.
COMPOSE := docker compose -f docker/compose.yaml
docker-up:
	@test -f docker/.env || { echo "Copy docker/.env.example to docker/.env and fill it in first."; exit 1; }
	$(COMPOSE) up -d --build
	$(COMPOSE) ps

docker-down:
	$(COMPOSE) down

# Ruff, its format check, and the layers of DESIGN.md (import-linter's contract in pyproject.toml).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Recompile the pinned requirements (needs pip-tools in the active environment).
lock:
	cd requirements && pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe -o base.txt base.in
	cd requirements && pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe -o dev.txt dev.in

# Refresh the Czech catalogue after changing user-facing strings, then compile it.
messages: setup
	$(DEMO_ENV) $(BIN)/python manage.py makemessages --locale cs --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --locale cs --ignore '.venv/*'

# Benchmarks print ratios against a raw baseline; they need the local PostgreSQL (bench and bench-notify also Redis).
# `make bench`: every figure of issue 12 at 200 and 10,000 projects (about a quarter of an hour, most of it seeding).
bench: setup
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# The guard CI runs: 200 and 2,000 projects; fails when a ratio passes three times its goal or a query count moves.
bench-ci: setup
	$(BIN)/python bench/scale.py --ci

bench-api: setup
	$(BIN)/python bench/api.py

bench-notify: setup
	$(BIN)/python bench/notify.py
