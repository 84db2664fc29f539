# Two commands on a fresh machine (see README): `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
ADDOK_VENV := .venv-addok
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
SHARED_GEOJSON := ../shared/data/constituencies/france-circonscriptions-legislatives-2012.geojson
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres


.PHONY: import-graph lint lock setup run test test-sqlite test-postgres compile-translations clean demo bench-seed bench-load bench-faults bench-national bench-tally

setup: $(VENV)/.installed $(ADDOK_VENV)/.installed node_modules/.installed compile-translations

# Every Python package comes from the lock, pinned with its hashes (pip refuses anything else).
$(VENV)/.installed: requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# The geocoder the tests start (and a deployment may self-host): addok pins its own redis, so its own venv.
$(ADDOK_VENV)/.installed: requirements-addok.lock
	test -x $(ADDOK_VENV)/bin/python || $(PYTHON) -m venv --clear $(ADDOK_VENV)
	$(ADDOK_VENV)/bin/pip install --quiet --require-hashes -r requirements-addok.lock
	touch $@

# After editing requirements.txt, requirements-dev.txt or requirements-addok.txt: recompute the locks from PyPI.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header
lock: $(VENV)/.installed
	$(LOCK) -o requirements.lock requirements.txt
	$(LOCK) -o requirements-dev.lock requirements-dev.txt
	$(LOCK) -o requirements-addok.lock requirements-addok.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --statistics

# Boundaries: the shared reference file when it is beside the project (unless already set);
# without it, bootstrap downloads the official file once (and starts without shapes if offline).
export CONSTITUENCIES_GEOJSON ?= $(wildcard $(SHARED_GEOJSON))

# Starts the platform at http://127.0.0.1:5000 on SQLite under instance/.
run: setup
	$(FLASK) db upgrade head
	$(FLASK) constituencies bootstrap
	$(FLASK) run --host 127.0.0.1 --port 5000

# A national demo in the database of `make run` (DEMO_ARGS="--reset" replaces an existing one).
demo: setup
	$(FLASK) db upgrade head
	$(FLASK) constituencies bootstrap
	$(FLASK) demo seed $(DEMO_ARGS)

# Benchmarks on PostgreSQL at 127.0.0.1:5432 (each creates and drops its own database).
bench-seed: setup
	$(BIN)/python benchmarks/seed_scale.py

# The country's tally: 577 constituency-shaped calls, each tallied with every rule (NATIONAL_ARGS="--calls 60": fewer).
bench-national: setup
	$(BIN)/python benchmarks/national_tally.py $(NATIONAL_ARGS)

# The tally engine against pabutools on the shared pabulib files (TALLY_ARGS="--all --no-pabutools": every file, ours only).
bench-tally: setup
	$(BIN)/python benchmarks/tally_vs_pabutools.py $(TALLY_ARGS)

bench-load: setup
	$(BIN)/python benchmarks/load.py

# Faults under a ballot load, on a PostgreSQL, Redis and SMTP sink of its own (FAULTS_ARGS=--quick: shorter).
bench-faults: setup
	$(BIN)/python benchmarks/faults.py $(FAULTS_ARGS)

# Style and static checks: ruff (lint and format), mypy (pyproject.toml: strict on the tally
# engine and every rules.py); .ci/run runs it before the tests.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Which domain imports which (static imports, function-level ones too); tests/test_architecture.py checks it.
import-graph: $(VENV)/.installed
	$(BIN)/python scripts/import_graph.py

# The whole suite, on SQLite then on PostgreSQL (pure tally tests and browsers run once).
# TEST_SHIFT_DAYS=N runs the SQLite pass with the machine's date N days ahead (.ci/run: 1100):
# the suite reads one frozen clock and passes whatever the date (tests/shifted_date.py).
TEST_SHIFT_DAYS ?=

# The two passes run side by side, one a core (each its own database; tests/servers.py: Redis too);
# each pass's output is printed whole when it ends.
test: setup
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	TEST_SHIFT_DAYS=$(TEST_SHIFT_DAYS) $(BIN)/python -m pytest -q -p no:cacheprovider

test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/tally --ignore=tests/browser

clean:
	rm -rf $(VENV) $(ADDOK_VENV) node_modules instance translations/*/LC_MESSAGES/*.mo
