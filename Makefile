# Two entry points, both usable on a fresh machine:
#   make demo  - install Shondhan and run it on the bundled synthetic data (embedded SQLite)
#   make test  - install Shondhan with its test tools and run lint, types, tests, quick benchmarks
VENV ?= .venv
PY := $(VENV)/bin/python
# make demo PORT=8080 HOST=0.0.0.0
PORT ?= 8000
HOST ?= 127.0.0.1

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

.PHONY: install install-test demo test lint bench

install: $(PY)
	$(PY) -m pip install -q -e .

install-test: $(PY)
	$(PY) -m pip install -q -e '.[test,bench]'

demo: install
	$(VENV)/bin/shondhan serve --demo --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check matcher api cli training_data benchmarks tests
	$(VENV)/bin/ruff format --check matcher api cli training_data benchmarks tests
	$(VENV)/bin/mypy

test: install-test lint
	bash scripts/system-deps.sh > .test-postgres-url
	SHONDHAN_TEST_POSTGRES_URL=$$(cat .test-postgres-url) \
	  CHROMIUM_PATH=$$(command -v chromium) \
	  SHONDHAN_REQUIRE_SERVICES=1 \
	  $(PY) -m pytest -q
	$(PY) -m benchmarks.run_all --quick

bench: install-test
	$(PY) -m benchmarks.run_all
