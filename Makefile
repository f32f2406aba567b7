# The memorial registry. `make help` lists what you can do.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Tests and benchmarks run with DEBUG off, like production, and need some key.
TEST_ENV := SECRET_KEY=tests-only-not-secret DEBUG=

.DEFAULT_GOAL := help
.PHONY: help run test lint messages demo bench bench-import bench-demo bench-reading bench-load bench-hostile bench-sizes clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# locust only for the load benchmark: the test suite does not need it.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

messages: $(VENV)/.installed ## Compile the translations (.po -> .mo; needs gettext)
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		DEBUG=1 $(MANAGE) compilemessages --ignore=$(VENV) -v0; fi

run: $(VENV)/.installed messages ## Serve the site with demo data on http://127.0.0.1:8000
	DEBUG=1 $(MANAGE) migrate -v0
	DEBUG=1 $(MANAGE) demo_site
	DEBUG=1 $(MANAGE) runserver 127.0.0.1:8000

lint: $(VENV)/.installed ## ruff, and a check that every model change has a migration
	$(BIN)/ruff check .
	$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run -v0

test: $(VENV)/.installed messages lint ## Run the whole suite (on DATABASE_URL if set, else SQLite)
	$(TEST_ENV) $(BIN)/pytest

bench: $(VENV)/.installed ## Search and profile speed at 1,000,000 people, uncached (BENCH_ARGS=--kept: kept pages)
	@if [ -n "$(DATABASE_URL)" ]; then \
		$(BIN)/python bench/search.py --database-url "$(DATABASE_URL)" $(BENCH_ARGS); \
	else \
		url=$$(.ci/pg-cluster start $(CURDIR)/.bench/pg 55440) && \
		trap '.ci/pg-cluster stop $(CURDIR)/.bench/pg' EXIT && \
		$(BIN)/python bench/search.py --database-url "$$url" $(BENCH_ARGS); \
	fi

bench-import: $(VENV)/.installed ## Import speed and memory (DATABASE_URL= a PostgreSQL server to use it)
	$(BIN)/python bench/import_records.py --rows 100000 $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

bench-demo: $(VENV)/.installed ## Demo data generation speed
	$(BIN)/python bench/generate_demo.py $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

bench-reading: $(VENV)/.installed ## Reading list of ~66,000 names streamed as text and CSV (DATABASE_URL= the 1,000,000-person database)
	$(BIN)/python bench/reading_list.py --database-url $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:55432/registry_bench)

bench-load: $(VENV)/.installed-bench ## Load: 70% search, 25% profiles, 5% submissions on gunicorn -w 2 (DATABASE_URL=, DURATION=5m, USERS=200, LOAD_ARGS="--moderate-every 10")
	$(BIN)/python bench/load/run.py --database-url $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:55432/registry_bench) \
		--duration $(or $(DURATION),5m) --users $(or $(USERS),200) $(LOAD_ARGS)

bench-hostile: $(VENV)/.installed-bench ## Hostile clients (upload floods, 16 exports, slow searches) beside one visitor, on gunicorn (DATABASE_URL=, HOSTILE_ARGS="--duration 60")
	$(BIN)/python bench/hostile.py --database-url $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:55432/registry_bench) $(HOSTILE_ARGS)

bench-sizes: $(VENV)/.installed ## Search, filters, profiles, a 50,000-name reading list and import at 200k / 1M / 5M people: a table and docs/performance-sizes.svg (DATABASE_URL= a server, SIZES=, SIZES_ARGS=)
	$(BIN)/python bench/sizes.py --database-url $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:55432/postgres) \
		$(if $(SIZES),--sizes $(SIZES)) $(SIZES_ARGS)

clean: ## Remove the virtualenv, the development database and collected files
	rm -rf $(VENV) db.sqlite3 staticfiles media
