"""Ownership accuracy: do attacked copies find their registered original, and nothing else?

Usage: python benchmarks/registry_accuracy.py [--twins N] [--out benchmarks/results/registry_accuracy.md]

Originals: samples/ and every natural or AI image in ../shared/fixtures (photos, ai, c2pa,
watermarked) at least 128 px on the short side, one per distinct picture. Each original
is registered with a different owner; each is then attacked (JPEG 50, resize 50%, crop
90%, brightness +20%, blur, metadata strip, and with ``--twins N`` an AI twin from the
tiny offline model for the first N: its random weights repaint the picture, so it
measures nothing about real twins) and looked up among all the others. Reported per
algorithm and combined: recall of the right owner, false matches, and the distance
distributions the thresholds in provenance/fingerprint were chosen from.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance, ImageFilter  # noqa: E402

from benchmarks.stamp_verify import measured_on  # noqa: E402
from benchmarks.watermark import _crop, _encode, _scale  # noqa: E402
from provenance import fingerprint  # noqa: E402
from provenance.fingerprint import PDQ, PHASH, THRESHOLDS  # noqa: E402
from provenance.registry.matching import classify  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"


ATTACKS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "strip": lambda im: im.copy(),
    "jpeg50": lambda im: _encode(im, "JPEG", quality=50),
    "resize50": lambda im: _scale(im, 0.5),
    "jpeg75+resize50": lambda im: _encode(_scale(im, 0.5), "JPEG", quality=75),
    "crop90": lambda im: _crop(im, 0.9),
    "bright+20": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "blur1": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
}


def originals() -> list[tuple[str, Image.Image]]:
    paths = sorted((ROOT / "samples").glob("*.png")) + sorted((ROOT / "samples").glob("*.jpg"))
    for folder in ("photos", "ai", "c2pa", "watermarked"):
        paths += sorted(
            p for p in (FIXTURES / folder).rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"}
        )
    out: list[tuple[str, Image.Image]] = []
    kept: list[list[fingerprint.Fingerprint]] = []
    for path in paths:
        try:
            with Image.open(path) as img:
                rgb = img.convert("RGB")
        except Exception:  # noqa: BLE001 - fixtures include deliberately broken files
            continue
        if min(rgb.size) < 128:
            continue
        prints = fingerprint.compute(rgb)
        # The C2PA fixtures hold one photo in many signed variants: one picture, one original.
        if not any(classify(prints, other) != "none" for other in kept):
            kept.append(prints)
            out.append((path.name, rgb))
    return out


def _twins(images: list[tuple[str, Image.Image]], count: int) -> list[tuple[int, Image.Image]]:
    if count <= 0:
        return []
    from provenance.config import Home
    from provenance.generate import TINY_NAME, TwinSettings, load_pipeline, run_img2img

    with tempfile.TemporaryDirectory() as tmp:
        pipe = load_pipeline(TINY_NAME, Home(Path(tmp)))
        return [(i, run_img2img(pipe, img, TwinSettings(seed=i))) for i, (_, img) in enumerate(images[:count])]


def _distance(ours: list[fingerprint.Fingerprint], theirs: list[fingerprint.Fingerprint], algorithm: str) -> int:
    """Bits between two images' fingerprints of one algorithm (compute always makes both)."""
    mine, other = fingerprint.find(ours, algorithm), fingerprint.find(theirs, algorithm)
    assert mine is not None, algorithm
    assert other is not None, algorithm
    return mine.distance(other)


def run(twins: int) -> str:
    images = originals()
    prints = [fingerprint.compute(img) for _, img in images]
    queries: list[tuple[str, int, Image.Image]] = [
        (name, i, attack(img)) for i, (_, img) in enumerate(images) for name, attack in ATTACKS.items()
    ]
    queries += [("twin (tiny model)", i, img) for i, img in _twins(images, twins)]
    same: dict[str, list[int]] = {PDQ: [], PHASH: []}
    other: dict[str, list[int]] = {PDQ: [], PHASH: []}
    rows: dict[str, dict[str, int]] = {}
    per_attack: dict[str, list[int]] = {}
    for attack_name, truth, img in queries:
        q = fingerprint.compute(img)
        row = rows.setdefault(attack_name, {"n": 0, "pdq": 0, "phash": 0, "combined": 0, "inconclusive": 0, "false": 0})
        row["n"] += 1
        per_attack.setdefault(attack_name, []).append(_distance(q, prints[truth], PDQ))
        for j, theirs in enumerate(prints):
            d = {alg: _distance(q, theirs, alg) for alg in (PDQ, PHASH)}
            (same if j == truth else other)[PDQ].append(d[PDQ])
            (same if j == truth else other)[PHASH].append(d[PHASH])
            verdict = classify(q, theirs)
            if j == truth:
                row["pdq"] += d[PDQ] <= THRESHOLDS[PDQ].match
                row["phash"] += d[PHASH] <= THRESHOLDS[PHASH].match
                row["combined"] += verdict == "match"
                row["inconclusive"] += verdict == "inconclusive"
            elif verdict == "match":
                row["false"] += 1
    lines = [
        measured_on("benchmarks/registry_accuracy.py"),
        f"Originals: {len(images)} distinct pictures (samples and ../shared/fixtures), each a different owner;"
        f" queries: {len(queries)}, each compared with every original ({len(queries) * len(images)} pairs).",
        "",
        "| attack | queries | PDQ median distance | PDQ recall | pHash recall | combined recall | inconclusive"
        " | false matches |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        n = r["n"]
        lines.append(
            f"| {name} | {n} | {np.median(per_attack[name]):.0f} | {r['pdq'] / n:.2f} | {r['phash'] / n:.2f} |"
            f" {r['combined'] / n:.2f} | {r['inconclusive'] / n:.2f} | {r['false']} |"
        )
    lines += ["", "Distances (Hamming) between a query and its own original vs every other original:", "",
              "| algorithm | bits | same: median / p99 / max | others: min / p1 / median | match at or under"
              " | inconclusive up to |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for alg in (PDQ, PHASH):
        s, o = np.array(same[alg]), np.array(other[alg])
        lines.append(
            f"| {alg} | {fingerprint.BITS[alg]} | {np.median(s):.0f} / {np.percentile(s, 99):.0f} / {s.max()} |"
            f" {o.min()} / {np.percentile(o, 1):.0f} / {np.median(o):.0f} | {THRESHOLDS[alg].match} |"
            f" {THRESHOLDS[alg].inconclusive} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twins", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    text = run(args.twins)
    print(text)
    if args.out:
        args.out.write_text("# Ownership accuracy\n\n" + text + "\n")


if __name__ == "__main__":
    main()
