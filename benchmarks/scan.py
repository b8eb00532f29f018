"""Images per second for `provenance scan` of mixed pictures: local engine with 1 and 2
workers, local Ray, against verifying the same images one by one in one process.

Usage: python benchmarks/scan.py [--images 500] [--repeat 2] [--no-ray] [--out benchmarks/results/scan.md]

The folder holds every fixture picture (../shared/fixtures: AI images, C2PA test files,
camera photos, other watermarks; when present) and fills up to --images with stamped
1-megapixel PNGs of samples/, JPEG re-encodes of them (their watermark is read back) and
unsigned 1-megapixel photos, in a throwaway home whose registry knows the stamped ones.
Every picture gets its pixel checks. Each configuration runs on the same folder, cold
checkpoint, no report; the best of --repeat runs is kept. Targets (issue 22): 2 workers
at least 1.8x one, and at least 10 pictures/s.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from benchmarks.stamp_verify import load, measured_on, publish  # noqa: E402
from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.scan import Scanner, ScanOptions  # noqa: E402
from provenance.scan.item import ItemOptions, Verifier  # noqa: E402
from provenance.twin import stamp_file  # noqa: E402

SIZE = (1152, 864)  # 1.0 megapixel


FIXTURES = ROOT.parent / "shared" / "fixtures"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".heic", ".tif", ".tiff", ".gif", ".bmp", ".dng"}


def build(folder: Path, home: Home, count: int) -> int:
    """The mixed folder; returns how many fixture pictures it holds."""
    identity = init_identity(home, org="Bench")
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.suffix.lower() in SUFFIXES) if FIXTURES.is_dir() else []
    for i, path in enumerate(fixtures[: count // 2]):
        (folder / f"fixture-{i:03d}{path.suffix.lower()}").write_bytes(path.read_bytes())
    photos = [Image.open(p).convert("RGB").resize(SIZE) for p in sorted((ROOT / "samples").glob("*.*g"))]
    stamped = []
    for i, photo in enumerate(photos):
        src = folder.parent / f"src-{i}.png"
        photo.save(src)
        out = folder / f"stamped-{i}.png"
        stamp_file(src, out, user="bench", model="bench", identity=identity, home=home)
        stamped.append(Image.open(out).convert("RGB"))
    made = len(stamped) + min(len(fixtures), count // 2)
    while made < count:
        base = stamped[made % len(stamped)] if made % 2 else photos[made % len(photos)]
        buffer = io.BytesIO()
        base.save(buffer, "JPEG", quality=70 + made % 26)
        (folder / f"copy-{made:04d}.jpg").write_bytes(buffer.getvalue())
        made += 1
    return min(len(fixtures), count // 2)


def one_by_one(files: list[Path], home: Home) -> float:
    verifier = Verifier(ItemOptions(home_root=str(home.root)))
    start = time.perf_counter()
    for path in files:
        verifier(str(path.resolve()))
    return time.perf_counter() - start


def engine(folder: Path, home: Home, name: str, jobs: int) -> float:
    options = ScanOptions(jobs=jobs, engine="ray" if name == "ray" else "local")
    start = time.perf_counter()
    scanner = Scanner([folder], home, options)
    for _ in scanner.run():
        pass
    scanner.finish()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "archive"
        folder.mkdir()
        home = Home(Path(tmp) / "home")
        fixtures = build(folder, home, args.images)
        files = sorted(folder.iterdir())
        one_by_one(files[:4], home)  # warm caches and imports
        base = min(one_by_one(files, home) for _ in range(args.repeat))
        runs = [("local", 1), ("local", 2)] + ([] if args.no_ray else [("ray", 1), ("ray", 2)])
        timings = {(n, j): min(engine(folder, home, n, j) for _ in range(args.repeat)) for n, j in runs}
    n = len(files)
    lines = [
        f"# scan throughput: {n} mixed pictures",
        "",
        measured_on("benchmarks/scan.py"),
        f"Load average (1, 5, 15 min) after: {load()} (a shared machine: other work competes for the cores).",
        f"Images: {fixtures} fixture pictures (AI images, C2PA test files, camera photos, other watermarks), 4"
        " stamped 1-megapixel PNGs (watermark + manifest + registry), JPEG re-encodes of them and unsigned"
        " 1-megapixel photos; every picture's pixels are checked.",
        f"Best of {args.repeat} runs each. Overhead and speed-up are against verifying one by one in one process.",
        "",
        "| run | seconds | images/s | vs one by one |",
        "|---|---|---|---|",
        f"| one by one, one process | {base:.1f} | {n / base:.1f} | 1.00x |",
    ]
    for (name, jobs), seconds in timings.items():
        lines.append(f"| {name} engine, {jobs} worker{'s' if jobs > 1 else ''} | {seconds:.1f} | {n / seconds:.1f} | "
                     f"{base / seconds:.2f}x |")  # fmt: skip
    local1, local2 = timings[("local", 1)], timings[("local", 2)]
    lines += [
        "",
        f"Local engine overhead with 1 worker: {100 * (local1 / base - 1):+.1f}% (target at most +15%).",
        f"Local engine, 2 workers vs 1: {local1 / local2:.2f}x (target at least 1.8x);"
        f" {n / local2:.1f} pictures/s with 2 workers (target at least 10).",
    ]
    if not args.no_ray:
        lines.append(f"Ray, 2 workers vs 1: {timings[('ray', 1)] / timings[('ray', 2)]:.2f}x "
                     "(includes starting a local Ray each run, about 5 s).")  # fmt: skip
    lines += ["", "Command: `python benchmarks/scan.py " + " ".join(sys.argv[1:]) + "`"]
    publish(lines, args.out)


if __name__ == "__main__":
    main()
