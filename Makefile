# Two commands on a fresh machine with Python 3.11+: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INDEX  ?= instance/index
CORPUS ?= corpus
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install index serve test lint format bench bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed

# Incremental: a no-change run only compares content hashes and writes nothing.
index: $(VENV)/.installed
	$(BIN)/speechsearch index --corpus $(CORPUS) --index $(INDEX)

serve: index
	$(BIN)/speechsearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

bench-smoke: $(VENV)/.installed-test
	$(BIN)/python -m bench --smoke

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
