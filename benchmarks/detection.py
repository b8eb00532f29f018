"""AI detection over real files: a confusion table, per-signal counts, and timings.

Usage: python benchmarks/detection.py [--out benchmarks/results/detection.md] [--no-twins]

Groups: ../shared/fixtures/{ai,photos,watermarked,c2pa}, twins made here with
the tiny model (needs the 'generate' extra; --no-twins skips them), and the
fixture photos carrying Stable Diffusion watermarks embedded the way the SD
1.x/2.x scripts (uint8 BGR), diffusers (float RGB) and Stability's SDXL code
(float BGR) do. Prints a table per group of verdicts, the signals that fired,
and the metadata-only path's time per image, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.stamp_verify import measured_on  # noqa: E402
from provenance import detect  # noqa: E402
from provenance.config import Home  # noqa: E402
from provenance.detect import sd_watermark  # noqa: E402
from provenance.imaging import sniff_mime  # noqa: E402
from provenance.verify import VerifyOptions, verify_path  # noqa: E402
from provenance.watermark import _imwatermark  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".avif", ".heif", ".dng"}
PIPELINES = [("Stable Diffusion 1.x", "BGR", False), ("Stable Diffusion 2.x", "BGR", False),
             ("SDXL", "RGB", True), ("SDXL", "BGR", True)]  # fmt: skip


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def sd_marked(photos: list[Path], out: Path) -> list[Path]:
    marks = {m.name: m for m in sd_watermark.KNOWN_MARKS}
    made = []
    for photo in photos:
        with Image.open(photo) as img:
            rgb = np.asarray(img.convert("RGB"))
        if rgb.shape[0] * rgb.shape[1] < sd_watermark.MIN_PIXELS:
            continue
        for name, order, floating in PIPELINES:
            arr = rgb[:, :, ::-1] if order == "BGR" else rgb
            arr = arr.astype(np.float32) if floating else np.ascontiguousarray(arr)
            bits = marks[name].bits
            enc = _imwatermark.dwt_dct().EmbedMaxDct(watermarks=list(bits), wmLen=bits.size).encode(arr)
            enc = enc[:, :, ::-1] if order == "BGR" else enc
            target = out / f"{photo.stem}-{name.replace(' ', '')}-{order}.png"
            Image.fromarray(np.clip(np.round(enc), 0, 255).astype(np.uint8)).save(target)
            made.append(target)
    return made


def twins(out: Path) -> list[Path]:
    from provenance.credentials import init_identity
    from provenance.generate import TwinSettings
    from provenance.twin import make_twin

    home = Home(out / "home")
    identity = init_identity(home, org="Bench")
    made = []
    for sample in sorted((ROOT / "samples").glob("*.*g")):
        target = out / f"{sample.stem}-twin.png"
        settings = TwinSettings(steps=2, strength=0.5)
        make_twin(sample, target, settings=settings, user="bench", identity=identity, home=home)
        made.append(target)
    return made


def metadata_ms(paths: list[Path]) -> tuple[float, float]:
    """Median and max ms per image of the pure metadata path (read + signals)."""
    times = []
    for path in paths:
        data = path.read_bytes()
        mime = sniff_mime(data[:32])
        if mime is None:
            continue
        start = time.perf_counter()
        detect.metadata_signals(detect.read_metadata(data, mime))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-twins", action="store_true")
    args = parser.parse_args()
    if not FIXTURES.exists():
        raise SystemExit(f"{FIXTURES} not found: this benchmark reads the shared fixtures")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        groups = {name: files(FIXTURES / name) for name in ("ai", "photos", "watermarked", "c2pa")}
        groups["SD-watermarked photos"] = sd_marked(groups["photos"], work)
        if not args.no_twins:
            groups["our twins"] = twins(work)
        verdicts: dict[str, collections.Counter[str]] = {}
        signal_counts: collections.Counter[str] = collections.Counter()
        verify_ms = []
        for group, paths in groups.items():
            counter: collections.Counter[str] = collections.Counter()
            home = Home(work / "home") if group == "our twins" else Home(work / "empty-home")
            for path in paths:
                start = time.perf_counter()
                report = verify_path(path, home=home, options=VerifyOptions(pixels="never"))
                verify_ms.append((time.perf_counter() - start) * 1000)
                report = verify_path(path, home=home)
                counter["error" if report.error else report.ai.verdict] += 1
                signal_counts.update({s.kind for s in report.ai.signals})
            verdicts[group] = counter
        meta_median, meta_max = metadata_ms([p for g in ("ai", "photos", "watermarked", "c2pa") for p in groups[g]])
    columns = ["ai-generated", "ai-edited", "captured", "no-evidence", "error"]
    lines = [
        measured_on("benchmarks/detection.py"),
        "",
        "| group | files | " + " | ".join(columns) + " |",
        "|---" * 7 + "|",
    ]
    for group, counter in verdicts.items():
        cells = [str(counter.get(c, 0)) for c in columns]
        lines.append(f"| {group} | {sum(counter.values())} | " + " | ".join(cells) + " |")
    lines += ["", "| signal kind | images |", "|---|---|"]
    lines += [f"| {kind} | {count} |" for kind, count in signal_counts.most_common()]
    lines += [
        "",
        f"Metadata path (read + signals, no pixels): median {meta_median:.2f} ms, max {meta_max:.2f} ms per image.",
        f"verify --metadata-only (manifest + metadata): median {statistics.median(verify_ms):.2f} ms per image.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text("# AI detection over the fixtures\n\n" + text + "\n")


if __name__ == "__main__":
    main()
