# Two commands do all the set-up on a fresh machine (see README.md):
#   make serve   create .venv, install Architect into it, run the server on the embedded database
#   make test    create .venv, install Architect with its dev tools, run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=
PYTEST_ARGS ?=

.PHONY: install serve test lint protos check-protos bench clean

# Reinstall when the build inputs change (the Cython sources are compiled by pip install).
$(STAMP): pyproject.toml setup.py $(wildcard native/*.pyx native/*.pxi)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/architect serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

check-protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check

# The whole benchmark suite, one command: the micro-benchmarks timed, then every scenario of
# benchmarks/run.py against benchmarks/targets.yaml (ARGS="--database postgresql://..." for
# PostgreSQL, which adds the pgqueuer comparison; ARGS="--quick" for a short smoke).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m pytest benchmarks --benchmark-only -q -p no:cacheprovider $(PYTEST_ARGS)
	$(BIN)/python benchmarks/run.py $(ARGS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info src/architect/*.so native/*.c
