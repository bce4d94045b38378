# A fresh clone needs two commands: `make run` (the service on http://127.0.0.1:8000) and `make test` (every test).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROCTOR_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/proctor_test

.PHONY: run test bench clean

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

# Database in ./data (PROCTOR_DATA_DIR), demo exams "interview", "exam" and "ondevice", gunicorn on 127.0.0.1:8000.
run: $(VENV)/.installed widget/node_modules/.package-lock.json
	$(BIN)/proctor migrate
	$(BIN)/proctor demo
	$(BIN)/proctor serve

# Everything on SQLite, then the service and LTI tests again on PostgreSQL, then the widget's unit tests.
test: $(VENV)/.installed-test widget/node_modules/.package-lock.json
	$(BIN)/pytest -m "not postgres"
	DATABASE_URL=$(PROCTOR_TEST_POSTGRES_URL) $(BIN)/pytest tests/service tests/lms_adapter
	if [ -d widget/test ]; then node --test widget/test/; fi

bench: $(VENV)/.installed
	$(BIN)/python bench/detectors.py
	$(BIN)/python bench/load.py

# Build and test leftovers; the database in ./data/proctor.sqlite3 is kept.
clean:
	rm -rf build dist .pytest_cache data/test-*.sqlite3*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
