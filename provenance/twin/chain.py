"""Drift chains: each generation is a twin of the one before, stamped with it as ingredient.

Generation k's manifest holds generation k-1 as its parent ingredient, whose
own manifest holds k-2, and so on back to the source photo, so verifying any
generation shows its whole lineage; the registry links the same chain through
source records. Seeds step by one per generation (seed, seed+1, ...), recorded
in each manifest, so every generation can be replayed on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import UsageError
from provenance.imaging import check_output, load_image
from provenance.stamp import StampResult
from provenance.twin import drift
from provenance.twin.make import TwinMaker

MAX_GENERATIONS = 1000
EXTENSION = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


@dataclass
class ChainResult:
    outdir: Path
    generations: list[StampResult]
    drift: drift.DriftReport
    reports: dict[str, Path]


def generation_paths(outdir: Path, count: int, fmt: str) -> list[Path]:
    width = max(2, len(str(count)))
    return [outdir / f"gen-{k:0{width}d}.{EXTENSION[fmt]}" for k in range(1, count + 1)]


def make_chain(
    maker: TwinMaker,
    source: Path,
    outdir: Path,
    generations: int,
    *,
    fmt: str = "PNG",
    force: bool = False,
    progress: Callable[[int, StampResult], None] | None = None,
) -> ChainResult:
    """Run ``generations`` re-creations of ``source`` into ``outdir``, then the drift report."""
    if not 1 <= generations <= MAX_GENERATIONS:
        raise UsageError(f"--generations must be between 1 and {MAX_GENERATIONS}, got {generations}")
    if fmt not in EXTENSION:
        raise UsageError(f"--format must be png, jpg or webp, got {fmt!r}")
    outputs = generation_paths(outdir, generations, fmt)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir}: exists and is not a folder")
    if not outdir.parent.exists():
        raise UsageError(f"{outdir.parent}: output folder does not exist")
    for path in [*outputs, *drift.report_paths(outdir).values()]:
        if outdir.exists():
            check_output(path, force=force, inputs=(source,))
    current = load_image(source)
    original = current
    outdir.mkdir(exist_ok=True)
    results: list[StampResult] = []
    for number, output in enumerate(outputs, 1):
        result = maker.make(current, output, seed=maker.settings.seed + number - 1, force=force)
        results.append(result)
        if progress is not None:
            progress(number, result)
        current = load_image(output)
    images = [original.pixels()] + [load_image(p).pixels() for p in outputs]
    report = drift.measure(
        images[0],
        images[1:],
        source_name=source.name,
        model=maker.settings.model,
        files=[p.name for p in outputs],
        record_ids=[r.record_id for r in results],
        seeds=[maker.settings.seed + k for k in range(generations)],
    )
    return ChainResult(outdir, results, report, drift.write_report(report, images, outdir))
