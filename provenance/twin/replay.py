"""Replay a twin: regenerate it from its verified manifest and check it matches.

A twin's manifest records everything the generation depended on: model and
revision, pipeline and scheduler, prompt, seed, strength, steps, guidance,
device, dtype, the source's SHA-256 and the SHA-256 of the generated pixels
before the watermark went in. Replaying runs the same generation again and
compares those pixels bit for bit. Only a manifest that validates is replayed:
the parameters of a tampered manifest prove nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance import fingerprint
from provenance.config import Home
from provenance.errors import CredentialError, InputError, UsageError
from provenance.generate import LoadOptions, TwinSettings, load_pipeline, pixels_digest, run_img2img
from provenance.imaging import load_image
from provenance.registry.matching import distances
from provenance.report import CredentialReport
from provenance.verify import verify_path

_MAX_CANDIDATES = 2000
_REQUIRED = ("model", "prompt", "strength", "steps", "guidance", "seed", "source_sha256", "output_pixels_sha256")


@dataclass
class ReplayResult:
    image: str
    source: str
    model: str
    seed: int
    recorded_revision: str | None
    revision: str
    identical: bool
    recorded_pixels_sha256: str
    pixels_sha256: str
    distances: dict[str, int]  # regenerated vs the image as it is (watermark included)
    credentials: str
    cropped: float | None = None  # a crop of the twin (recovered credentials): the share of it shown
    # a copy whose parts differ from the twin (recovered credentials): (areas that differ, detailed areas)
    altered: tuple[int, int] | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.identical else 1


def generation_record(credentials: CredentialReport, image: Path) -> dict[str, Any]:
    """The recorded generation, from a manifest that validates."""
    if not credentials.present:
        raise UsageError(f"{image}: no C2PA manifest in the file or recovered from the registry, so nothing to replay")
    if not credentials.intact:
        why = credentials.error or credentials.state
        raise CredentialError(f"{image}: the manifest does not validate ({why}); refusing to replay it")
    generation = credentials.generation
    missing = [key for key in _REQUIRED if key not in generation]
    if missing:
        raise UsageError(f"{image}: not a twin made by provenance (no generation record: {', '.join(missing)})")
    return generation


def find_source(image: Path, generation: dict[str, Any], credentials: CredentialReport) -> Path:
    """The source file by its recorded SHA-256: the ingredient's name beside the image or
    in the working folder first, then any image beside the twin."""
    want = str(generation["source_sha256"])
    title = credentials.ingredients[0].title if credentials.ingredients else None
    named = [folder / title for folder in (image.parent, Path.cwd()) if title and "/" not in title]
    beside = sorted(p for p in image.parent.iterdir() if p.is_file())[:_MAX_CANDIDATES]
    for candidate in [*named, *beside]:
        if candidate.is_file() and candidate.resolve() != image.resolve() and _sha256(candidate) == want:
            return candidate
    raise UsageError(
        f"{image}: its source {title or ''} (sha256 {want[:16]}...) was not found beside it",
        hint="Pass the source photo: provenance twin --replay IMAGE SOURCE",
    )


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""


def replay(
    image: Path,
    *,
    home: Home,
    source: Path | None = None,
    model: str | None = None,
    load: LoadOptions | None = None,
) -> ReplayResult:
    """Regenerate the twin ``image`` and compare with what its manifest recorded."""
    report = verify_path(image, home=home)
    if report.error:
        raise InputError(report.error)
    # a copy that lost its manifest (re-saved, resized): the registry's, which verify recovered
    credentials = report.credentials
    manifest = (
        credentials.recovered_manifest if not credentials.present and credentials.recovered_manifest else credentials
    )
    generation = generation_record(manifest, image)
    source = source or find_source(image, generation, manifest)
    loaded_source = load_image(source)
    if loaded_source.sha256 != generation["source_sha256"]:
        raise UsageError(f"{source}: not the source this twin was made from (its SHA-256 differs from the record)")
    settings = TwinSettings(
        model=model or str(generation["model"]),
        prompt=str(generation["prompt"]),
        strength=float(generation["strength"]),
        steps=int(generation["steps"]),
        guidance=float(generation["guidance"]),
        seed=int(generation["seed"]),
    )
    settings.validate()
    load = load or LoadOptions(device=str(generation.get("device", "auto")), dtype=str(generation.get("dtype", "auto")))
    model_ = load_pipeline(settings.model, home, options=load)
    regenerated = run_img2img(model_, loaded_source.pixels(), settings)
    digest = pixels_digest(regenerated)
    return ReplayResult(
        image=str(image),
        source=str(source),
        model=settings.model,
        seed=settings.seed,
        recorded_revision=generation.get("revision"),
        revision=model_.revision,
        identical=digest == generation["output_pixels_sha256"],
        recorded_pixels_sha256=str(generation["output_pixels_sha256"]),
        pixels_sha256=digest,
        distances=distances(fingerprint.compute(regenerated), fingerprint.compute(load_image(image).pixels())),
        credentials=report.credentials.state,
        cropped=placed.shown if (placed := report.credentials.placement) is not None and placed.cropped else None,
        altered=(placed.differ, placed.detailed) if placed is not None and placed.state == "altered" else None,
    )
