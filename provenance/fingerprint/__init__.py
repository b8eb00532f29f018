"""Perceptual fingerprints: each value travels with its algorithm name and version.

Hashes from different implementations or versions are not comparable, so a
fingerprint is never a bare string (docs/design.md). Two algorithms, chosen in
docs/registry.md: PDQ (Meta's 256-bit hash, the industry's exchange format, with a
quality score) and pHash (64 bits, imagehash), which fail on different edits.
"""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image

PHASH = "phash-64/imagehash-4"
PDQ = "pdq-256/pdqhash-0.2"
BITS = {PDQ: 256, PHASH: 64}
# PDQ's own quality score (0-100): under this the picture is too flat for the hash to
# mean much (Meta's recommendation), so its matches are flagged, never trusted.
PDQ_MIN_QUALITY = 50


@dataclass(frozen=True)
class Thresholds:
    """Hamming distances for one algorithm: ``match`` or closer is the same picture;
    up to ``inconclusive`` is reported, but never as proof."""

    match: int
    inconclusive: int


# Calibrated on benchmarks/registry_accuracy.py (benchmarks/results/registry_accuracy.md):
# the nearest pair of different pictures measured PDQ 76 and pHash 18; re-encoding,
# resizing, brightness and blur stay within ``match``; the band between is inconclusive.
# PDQ does not survive crops (90% crop: median 88), pHash half the time: a crop is
# often inconclusive by fingerprint alone, which is what the watermark is for.
THRESHOLDS = {PDQ: Thresholds(match=31, inconclusive=60), PHASH: Thresholds(match=12, inconclusive=17)}


@dataclass(frozen=True)
class Fingerprint:
    algorithm: str
    value: str  # lowercase hex
    quality: int | None = None  # PDQ's quality score; None for algorithms without one

    def distance(self, other: Fingerprint) -> int:
        if other.algorithm != self.algorithm:
            raise ValueError(f"cannot compare {self.algorithm} with {other.algorithm}")
        return (int(self.value, 16) ^ int(other.value, 16)).bit_count()

    @property
    def low_quality(self) -> bool:
        return self.quality is not None and self.algorithm == PDQ and self.quality < PDQ_MIN_QUALITY

    def to_bytes(self) -> bytes:
        return bytes.fromhex(self.value)


def phash(img: Image.Image) -> Fingerprint:
    """64-bit DCT perceptual hash (imagehash.phash) of the image's pixels."""
    return Fingerprint(PHASH, str(imagehash.phash(img)))


# PDQ boxes the picture down to 64 x 64 anyway; pdqhash's own float64 grey of a 7000 x 7000
# picture takes 1.2 GB. A larger picture is first boxed down to this long side (as Meta's
# reference hasher downsamples large pictures first): on photos scaled to 6000 px the
# hash moved by 2 to 6 bits of 256 (match: 31 or closer), and memory stays near 150 MB.
PDQ_MAX_SIDE = 2048


def pdq(img: Image.Image) -> Fingerprint:
    """256-bit PDQ hash with its quality score (pdqhash, Meta's reference C++)."""
    import pdqhash

    if max(img.size) > PDQ_MAX_SIDE:
        factor = PDQ_MAX_SIDE / max(img.size)
        size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
        img = img.resize(size, Image.Resampling.BOX)
    rgb = np.ascontiguousarray(np.asarray(img if img.mode == "RGB" else img.convert("RGB"), dtype=np.uint8))
    bits, quality = pdqhash.compute(rgb)
    value = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
    return Fingerprint(PDQ, value, int(quality))


def compute(img: Image.Image) -> list[Fingerprint]:
    """Every fingerprint the registry stores, PDQ first."""
    return [pdq(img), phash(img)]


def find(prints: list[Fingerprint], algorithm: str) -> Fingerprint | None:
    return next((f for f in prints if f.algorithm == algorithm), None)
