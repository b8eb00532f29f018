# Quick start: `make demo` (offline demo on samples/) and `make test`.
# Both create .venv if missing. torch is installed first and pinned: an
# unpinned torch pulls several GB of CUDA packages. Override with TORCH=...
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	$(PIP) install "$(TORCH)"
	@touch $@

$(VENV)/.demo: pyproject.toml $(VENV)/.torch
	$(PIP) install -e ".[generate]"
	@touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.demo
	$(PIP) install -e ".[generate,ray,service,dev]"
	@touch $@

demo: $(VENV)/.demo
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/demo.sh

lint: $(VENV)/.test
	$(BIN)/ruff check provenance cli tests benchmarks fuzz
	$(BIN)/ruff format --check provenance cli tests benchmarks fuzz

typecheck: $(VENV)/.test
	$(BIN)/mypy

test: $(VENV)/.test
	$(BIN)/ruff check provenance cli tests benchmarks fuzz
	$(BIN)/mypy
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
