# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8050
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
BIN := .venv/bin
ICBT := $(BIN)/icbt
DATA_DIR ?= $(CURDIR)/data
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export ICBT_DATA_DIR := $(DATA_DIR)

.PHONY: install browser postgres test lint run generate build serve dev bench bench-ingestion bench-safety clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode is compiled at install because Python may be told not to write it
# (PYTHONDONTWRITEBYTECODE); every process then imports the stack in about a third of the
# CPU time it takes to compile it from source.
install: $(UV) ## Virtual environment with the locked dependencies
	$(UV) sync --frozen --extra dev --python $(PYTHON) --quiet --compile-bytecode
	$(BIN)/python -m compileall -q -j 0 pipelines dashboards appdb tests benchmarks >/dev/null

browser: ## Debian's Chromium for the dashboard's browser tests (never a downloaded browser)
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium ..."; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

postgres: ## Debian's PostgreSQL server for the application-database tests (started by the tests)
	@compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { \
		echo "Installing Debian's postgresql ..."; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install browser postgres lint ## The whole suite
	$(BIN)/pytest -n 2 --durations=15

generate: install
	$(ICBT) keygen
	$(ICBT) generate --if-empty

build: generate browser ## Demo data (if none), a full Dagster run that publishes the warehouse, its brief
	$(ICBT) run

serve: install ## The dashboard in demo mode: no sign-in, 127.0.0.1 only
	$(ICBT) serve --demo --port $(PORT)

run: build serve ## Everything: demo data, warehouse, dashboard on http://127.0.0.1:$(PORT)

dev: install ## Dagster UI for data engineers on http://127.0.0.1:3000
	$(ICBT) keygen
	$(ICBT) dev

bench: install ## Full rebuild and monthly batch at 10k, 100k and 1M episodes vs bare DuckDB (about 2 hours, 25 GB under data/bench)
	$(BIN)/python benchmarks/scale.py --work-dir $(DATA_DIR)/bench

bench-ingestion: install ## Ingestion throughput at 10 million rows vs a bare DuckDB read (several minutes)
	$(BIN)/python benchmarks/ingestion_throughput.py

bench-safety: install ## Safety surveillance detection delay and false alarms over 30 seeds (about an hour)
	$(BIN)/python benchmarks/safety_operating_characteristics.py --seeds 30

clean: ## Remove generated data and the warehouse (keeps the pseudonymisation key)
	rm -rf $(DATA_DIR)
