"""The stamp: watermark -> signed manifest -> registry row, for any image.

Order matters. The watermark changes pixels, so it goes first; the manifest's
hard binding covers the final encoded bytes, so signing comes after encoding;
the registry row and the output file are committed together, so neither exists
without the other. The mark is decoded back from the encoded bytes before
anything is written: a stamp never leaves with a mark that does not read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from provenance import fingerprint, watermark
from provenance.config import Home
from provenance.credentials import _c2pa
from provenance.credentials._c2pa import SignOptions
from provenance.credentials.claims import StampClaims, manifest_definition
from provenance.credentials.keys import Identity
from provenance.errors import WatermarkError
from provenance.imaging import (
    MIME_FOR_FORMAT,
    LoadedImage,
    decode_pixels,
    encode_image,
    write_atomic,
)
from provenance.registry import Record, Registry, open_home_registry


@dataclass
class StampRequest:
    """Who made the image, with what, and from what."""

    author: str
    model: str
    title: str
    kind: str = "stamped"  # "twin" when generated here
    source: LoadedImage | None = None
    generation: dict[str, Any] = field(default_factory=dict)


@dataclass
class StampResult:
    output: Path
    record_id: str
    source_record_id: str | None
    data: bytes
    manifest: bytes
    fingerprints: list[fingerprint.Fingerprint]
    watermark_confidence: float
    sidecar: bool = False


def stamp_pixels(
    pixels: Image.Image,
    output: Path,
    fmt: str,
    request: StampRequest,
    *,
    identity: Identity,
    home: Home,
    options: SignOptions | None = None,
) -> StampResult:
    """Watermark, sign, register and atomically write ``pixels`` to ``output``
    (and the manifest to ``output.c2pa`` when ``options.sidecar``)."""
    options = options or SignOptions()
    mime = MIME_FOR_FORMAT[fmt]
    with open_home_registry(home) as registry:
        record_id = registry.new_record_id()
        encoded, final_pixels, reading = _marked(pixels, record_id, fmt, output)
        prints = fingerprint.compute(final_pixels)
        claims = StampClaims(
            title=request.title,
            author=request.author,
            model=request.model,
            record_id=record_id,
            fingerprints=prints,
            generation=request.generation,
        )
        ingredient = None
        if (src := request.source) is not None:
            ingredient = ({"title": src.path.name, "relationship": "parentOf"}, src.mime, src.data)
        signed, manifest = _c2pa.sign(
            manifest_definition(claims), identity, mime, encoded, ingredient=ingredient, options=options
        )
        with registry.transaction():
            source_id = _register_source(registry, request) if request.source else None
            registry.add(
                Record(
                    record_id=record_id,
                    kind=request.kind,
                    owner=request.author,
                    sha256=hashlib.sha256(signed).hexdigest(),
                    fingerprints=prints,
                    title=request.title,
                    model=request.model,
                    source_record_id=source_id,
                    manifest=manifest,
                    generation=request.generation or None,
                    manifest_label=_c2pa.manifest_label(manifest),
                )
            )
            write_atomic(output, signed)
            if options.sidecar:
                write_atomic(sidecar_path(output), manifest)
        registry.save_indexes()
    return StampResult(output, record_id, source_id, signed, manifest, prints, reading.confidence, options.sidecar)


def _marked(
    pixels: Image.Image, record_id: str, fmt: str, output: Path
) -> tuple[bytes, Image.Image, watermark.WatermarkReading]:
    """Embed at the lowest strength whose mark still reads back after encoding."""
    for strength in watermark.STRENGTHS:
        encoded = encode_image(watermark.embed(pixels, record_id, strength=strength), fmt)
        final_pixels = decode_pixels(encoded, output)
        reading = watermark.detect(final_pixels)
        if reading.record_id == record_id:
            return encoded, final_pixels, reading
    raise WatermarkError(
        "the watermark does not read back from this image; nothing was written",
        hint="Try PNG output, which keeps the mark intact.",
    )


def sidecar_path(output: Path) -> Path:
    """Where a sidecar manifest for ``output`` goes: same name, ``.c2pa``."""
    return output.with_suffix(".c2pa")


def _register_source(registry: Registry, request: StampRequest) -> str:
    """The source's record, registered as an original of the author if new."""
    source = request.source
    assert source is not None
    existing = registry.find_by_sha256(source.sha256)
    if existing is not None:
        return existing.record_id
    record_id = registry.new_record_id()
    registry.add(
        Record(
            record_id=record_id,
            kind="original",
            owner=request.author,
            sha256=source.sha256,
            fingerprints=fingerprint.compute(source.pixels()),
            title=source.path.name,
        )
    )
    return record_id
