# Two commands on a fresh machine: `make run` and `make test`.
# Needs python3 (>= 3.11) and node/npm; everything else is installed here.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: setup build run test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p web/node_modules && touch $@

setup: $(BIN)/.installed web/node_modules/.installed

build: setup
	$(BIN)/minami-kg build

run: build
	PORT=$(PORT) $(BIN)/minami-kg serve --host $(HOST)

test: setup
	$(BIN)/ruff check minami_kg tests
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check minami_kg tests
	$(BIN)/ruff format --check minami_kg tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) web/node_modules var
