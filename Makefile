# A fresh clone needs two commands: `make run` (the service on http://127.0.0.1:8000) and `make test` (every test).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROCTOR_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/proctor_test

.PHONY: run lint test test-prerequisites bench bench-detectors bench-load clean moodle-plugin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@ $(VENV)/.installed

# ONNX Runtime Web for on-device analysis (widget/package.json), served by the service from widget/node_modules.
widget/node_modules/.package-lock.json: widget/package.json widget/package-lock.json
	npm ci --prefix widget --ignore-scripts --no-audit --no-fund

# axe-core for the browser suite's accessibility checks (tests/widget/axe/package.json).
tests/widget/axe/node_modules/.package-lock.json: tests/widget/axe/package.json tests/widget/axe/package-lock.json
	npm ci --prefix tests/widget/axe --ignore-scripts --no-audit --no-fund

# Database in ./data (PROCTOR_DATA_DIR), demo exams "interview", "exam" and "ondevice", then the whole service,
# supervised: gunicorn on 127.0.0.1:8000, the task worker and the periodic jobs; Ctrl-C stops them all.
run: $(VENV)/.installed widget/node_modules/.package-lock.json
	$(BIN)/proctor migrate
	$(BIN)/proctor demo
	$(BIN)/proctor serve

# ruff (style, imports, likely bugs) and mypy (strict on the framework core); settings in pyproject.toml.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# The linters, everything on SQLite, then the service and LTI tests again on PostgreSQL, then the widget's unit tests.
test: lint test-prerequisites widget/node_modules/.package-lock.json tests/widget/axe/node_modules/.package-lock.json
	$(BIN)/pytest -m "not postgres"
	DATABASE_URL=$(PROCTOR_TEST_POSTGRES_URL) $(BIN)/pytest tests/service tests/lms_adapter
	if [ -d widget/test ]; then node --test widget/test/; fi

# PostgreSQL, Node and Chromium, checked once with one message instead of an error in every test.
test-prerequisites: $(VENV)/.installed-test
	$(BIN)/python tests/ops/prerequisites.py $(PROCTOR_TEST_POSTGRES_URL)

# The face finders against the original Haar pipeline (about 3 minutes; FACES= another labelled folder), then the
# service under load (about 15 minutes).
bench: bench-detectors bench-load

bench-detectors: $(VENV)/.installed
	$(BIN)/python bench/detectors.py $(FACES)

bench-load: $(VENV)/.installed
	$(BIN)/python bench/load.py

# The Moodle quiz access rule as the zip Moodle's plugin installer takes (top folder proctor/).
moodle-plugin:
	rm -rf build/moodle-plugin dist/quizaccess_proctor.zip
	mkdir -p build/moodle-plugin dist
	cp -r lms_adapter/moodle/quizaccess_proctor build/moodle-plugin/proctor
	cd build/moodle-plugin && $(PYTHON) -m zipfile -c ../../dist/quizaccess_proctor.zip proctor
	@echo "dist/quizaccess_proctor.zip: Site administration > Plugins > Install plugins (or unzip into mod/quiz/accessrule/)"

# Build and test leftovers; the database in ./data/proctor.sqlite3 is kept.
clean:
	rm -rf build dist .pytest_cache data/test-*.sqlite3*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
