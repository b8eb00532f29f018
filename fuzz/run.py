"""Run the verify fuzzer for a set time, seeded from samples/ and ../shared/fixtures.

Usage: python fuzz/run.py [--seconds 1800] [--out benchmarks/results/fuzz.md]

Crashing inputs are copied into tests/fuzz_regressions/, where
tests/test_fuzz_regressions.py replays them on every test run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGRESSIONS = ROOT / "tests" / "fuzz_regressions"
sys.path.insert(0, str(ROOT))

from benchmarks.stamp_verify import measured_on  # noqa: E402

SEED_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".avif", ".heic", ".gif", ".bmp", ".c2pa"}
MAX_SEED_BYTES = 150_000


def seeds(folder: Path) -> int:
    sources = [ROOT / "samples", ROOT.parent / "shared" / "fixtures"]
    count = 0
    for source in sources:
        if not source.exists():
            continue
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix.lower() in SEED_SUFFIXES and path.stat().st_size <= MAX_SEED_BYTES:
                shutil.copy(path, folder / f"{count:04d}{path.suffix.lower()}")
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, crashes = Path(tmp) / "corpus", Path(tmp) / "crashes"
        corpus.mkdir()
        crashes.mkdir()
        seeded = seeds(corpus)
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, str(ROOT / "fuzz" / "fuzz_verify.py"), str(corpus),
             f"-max_total_time={args.seconds}", f"-artifact_prefix={crashes}/", "-rss_limit_mb=4096",
             "-timeout=30", "-max_len=300000", "-print_final_stats=1"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - start
        found = sorted(crashes.iterdir())
        REGRESSIONS.mkdir(exist_ok=True)
        for crash in found:
            shutil.copy(crash, REGRESSIONS / crash.name)
        stats = [line for line in proc.stderr.splitlines() if line.startswith(("stat::", "#", "Done"))][-12:]
        corpus_size = len(list(corpus.iterdir()))
    lines = [
        "# Fuzzing the verify path (atheris)",
        "",
        measured_on("fuzz/run.py"),
        f"Ran {elapsed / 60:.1f} minutes; {seeded} seed files (samples/, ../shared/fixtures); corpus grew to"
        f" {corpus_size} inputs; exit status {proc.returncode}.",
        f"Crashes (anything but ProvenanceError): {len(found)}"
        + (f": {', '.join(c.name for c in found)}" if found else ""),
        "",
        "Last lines of libFuzzer's output:",
        "",
        "```",
        *stats,
        "```",
        "",
        "Command: `python fuzz/run.py " + " ".join(sys.argv[1:]) + "`",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
