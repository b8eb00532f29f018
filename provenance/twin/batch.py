"""Twins for every image in a folder, one model load, one failure never stops the rest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import (
    KeyMaterialError,
    MissingExtraError,
    ModelError,
    ProvenanceError,
    RegistryError,
    UsageError,
)
from provenance.imaging import expand, load_image
from provenance.twin.chain import EXTENSION, make_chain
from provenance.twin.make import TwinMaker

# Failures that would repeat for every file: stop the batch instead.
_FATAL = (KeyMaterialError, MissingExtraError, ModelError, RegistryError)


@dataclass
class BatchItem:
    source: Path
    output: Path | None = None
    record_id: str | None = None
    error: str | None = None
    exit_code: int = 0


def batch_sources(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` (by suffix; content is checked when read), sorted."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    return list(expand([folder], recursive=False))


def _output_names(sources: list[Path], outdir: Path, fmt: str, chain: bool) -> list[Path]:
    stems = [s.stem for s in sources]
    names = [s.stem if stems.count(s.stem) == 1 else s.name for s in sources]
    if chain:
        return [outdir / name for name in names]
    return [outdir / f"{name}-twin.{EXTENSION[fmt]}" for name in names]


def make_batch(
    maker: TwinMaker,
    sources: list[Path],
    outdir: Path,
    *,
    fmt: str = "PNG",
    generations: int = 1,
    force: bool = False,
) -> Iterator[BatchItem]:
    """One :class:`BatchItem` per source as it finishes; errors are items, not exceptions."""
    if not outdir.is_dir():
        raise UsageError(f"{outdir}: output folder does not exist", hint="Create it first.")
    if fmt not in EXTENSION:
        raise UsageError(f"--format must be png, jpg or webp, got {fmt!r}")
    chain = generations > 1
    for source, output in zip(sources, _output_names(sources, outdir, fmt, chain), strict=True):
        try:
            if chain:
                result = make_chain(maker, source, output, generations, fmt=fmt, force=force)
                record_id = result.generations[-1].record_id
            else:
                record_id = maker.make(load_image(source), output, force=force).record_id
        except _FATAL:
            raise
        except ProvenanceError as exc:
            yield BatchItem(source, error=exc.diagnostics(), exit_code=int(exc.exit_code))
            continue
        yield BatchItem(source, output, record_id)
