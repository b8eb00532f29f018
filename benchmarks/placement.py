"""What a picture is relative to its registered one: whole, crop, or parts that differ.

Usage: python benchmarks/placement.py [--jobs 2] [--out benchmarks/results/placement.md]

When verify finds a picture to be a registered one without being its signed file, the
record's thumbnail places it (``thumbnail.compare``) and ``provenance.verify.placement_of``
says what it is: ``whole``, ``crop`` or ``altered`` (some detailed areas differ from the
picture; exit 3, a signed capture claim reported, not counted). An honest re-encode,
rescale or crop must never read ``altered``; a logo, a caption band or a pasted region
should. Design set only (the thresholds in provenance/verify.py were chosen on it):
scikit-image's bundled pictures and samples/, through benchmarks/crop_match.py's honest
journeys, and each picture with a part of another pasted over 4, 9, 16, 30 and 45 % of it
(the top-right corner). Only placements the thumbnail calls the same picture count (the
others hand nothing over).
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from benchmarks.crop_match import HONEST, design_pictures  # noqa: E402
from benchmarks.stamp_verify import machine  # noqa: E402
from provenance.fingerprint import thumbnail  # noqa: E402
from provenance.imaging import write_atomic  # noqa: E402
from provenance.runtime import single_threaded  # noqa: E402
from provenance.verdicts import ALTERED_AREAS, ALTERED_SHARE  # noqa: E402
from provenance.verify import CROP_SHOWN, placement_of  # noqa: E402

PASTED = (0.04, 0.09, 0.16, 0.30, 0.45)  # share of the picture's area covered by another picture


def _paste(area: float) -> Callable[[Image.Image, Image.Image], Image.Image]:
    def edit(img: Image.Image, other: Image.Image) -> Image.Image:
        out = img.copy()
        side = area**0.5
        size = (max(1, round(img.width * side)), max(1, round(img.height * side)))
        out.paste(other.resize(size, Image.Resampling.LANCZOS), (img.width - size[0] - 5, 5))
        return out

    return edit


JOURNEYS = [*HONEST, *(f"paste{round(100 * a)}" for a in PASTED)]
_PICTURES: dict[str, Image.Image] = {}


def _init(pictures: dict[str, Image.Image]) -> None:
    single_threaded()
    _PICTURES.update(pictures)


def _run(task: tuple[str, str]) -> tuple[str, str, str, int, int]:
    """(picture, journey) -> the same with the state (or the thumbnail's verdict), differ, detailed."""
    name, journey = task
    img = _PICTURES[name]
    if journey in HONEST:
        query = HONEST[journey](img)
    else:
        names = sorted(_PICTURES)
        other = _PICTURES[names[(names.index(name) + 7) % len(names)]]  # another picture of the set
        query = _paste(int(journey.removeprefix("paste")) / 100)(img, other)
    placed = thumbnail.compare(query, thumbnail.describe(img))
    if placed is None:
        return name, journey, "none", 0, 0
    kind = placement_of(placed, img.size, query.size)
    return name, journey, kind.state if kind else placed.verdict, placed.detailed - placed.agree, placed.detailed


def report(rows: list[tuple[str, str, str, int, int]], count: int) -> list[str]:
    states = ("whole", "crop", "altered", "cannot-tell", "different")
    by: dict[str, Counter[str]] = {}
    worst: dict[str, int] = {}
    for _, journey, state, differ, _ in rows:
        by.setdefault(journey, Counter())[state] += 1
        if state in ("whole", "crop", "altered"):
            worst[journey] = max(worst.get(journey, 0), differ)
    lines = [
        f"### design set ({count} pictures)",
        "",
        "| journey | " + " | ".join(states) + " | most areas differing (same picture) |",
        "|---|---|---|---|---|---|---|",
    ]
    for journey in JOURNEYS:
        if journey in by:
            counts = " | ".join(str(by[journey][s]) for s in states)
            lines.append(f"| {journey} | {counts} | {worst.get(journey, '-')} |")
    honest = [r for r in rows if r[1] in HONEST and not r[1].startswith(("caption", "solid-caption", "logo"))]
    plain = [r for r in honest if not r[1].startswith(("turn", "down50-turn"))]
    wrong = [r for r in plain if r[2] == "altered"]
    lines += [
        "",
        f"- honest journeys other than captions, logos and turns read `altered`: **{len(wrong)} of"
        f" {sum(1 for r in plain if r[2] in ('whole', 'crop', 'altered'))}** placed"
        + "".join(f"; {r[0]} {r[1]} ({r[3]} of {r[4]})" for r in wrong),
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "placement.md")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    pictures = design_pictures()
    work = [(name, journey) for name in pictures for journey in JOURNEYS]
    with multiprocessing.get_context("fork").Pool(args.jobs, initializer=_init, initargs=(pictures,)) as pool:
        rows = list(pool.imap_unordered(_run, work, chunksize=4))
    lines = [
        "# Placement: what a picture is relative to its registered one",
        "",
        f"Written by `benchmarks/placement.py` on {datetime.date.today()}, commit"
        f" {commit.stdout.strip() or 'unknown'}, {machine()}.",
        "",
        f"`altered`: {ALTERED_AREAS} or more detailed areas, and {ALTERED_SHARE:.0%} or more of them, do not"
        f" match; `crop`: under {CROP_SHOWN:.0%} of the picture's area shown, and more than a plain margin left"
        " out; else `whole`. cannot-tell and different: the thumbnail did not call it the same picture (nothing"
        " is recovered). Design set only: the thresholds were chosen on it.",
        "",
        *report(rows, len(pictures)),
        "Pictures: " + ", ".join(sorted(pictures)) + ".",
        "",
    ]
    write_atomic(args.out, "\n".join(lines).encode())
    print("\n".join(lines))


if __name__ == "__main__":
    main()
