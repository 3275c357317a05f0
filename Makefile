# Two commands for a new machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup migrate lint translations bench-setup clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/outcomes-chat db upgrade

run: migrate
	$(BIN)/outcomes-chat demo
	$(BIN)/outcomes-chat serve

# Two pytest-xdist workers, whole files to a worker (module fixtures are made once); each has
# its own PostgreSQL database beside TEST_DATABASE_URL's (tests/conftest.py). TEST_WORKERS=0
# runs in one process.
TEST_WORKERS ?= 2

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy outcomes_chat/dialogue outcomes_chat/outcomes outcomes_chat/web
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check outcomes_chat tests benchmarks

translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --omit-header -o translations/messages.pot .
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update -i translations/messages.pot -d translations --ignore-obsolete && \
		$(BIN)/pybabel compile -d translations; \
	else echo "No languages besides English yet: translations/messages.pot is up to date."; fi

# The recognition baseline needs a sentence-embedding model; torch is pinned to the CPU
# build that lies on this machine's disk (an unpinned torch pulls a multi-GB GPU build).
bench-setup: setup
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[bench]'

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
