"""Perceptual fingerprints: each value travels with its algorithm name and version.

Hashes from different implementations or versions are not comparable, so a
fingerprint is never a bare string (docs/design.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
from PIL import Image

PHASH = "phash-64/imagehash-4"
# Hamming distance (of 64) at or under which two pHashes are treated as the same
# picture. Re-encoding and resizing measure 0-2 here, other photos 20-40
# (../shared/notes/environment.md); issue 5 calibrates this on a benchmark.
PHASH_MATCH_DISTANCE = 10


@dataclass(frozen=True)
class Fingerprint:
    algorithm: str
    value: str  # lowercase hex

    def distance(self, other: Fingerprint) -> int:
        if other.algorithm != self.algorithm:
            raise ValueError(f"cannot compare {self.algorithm} with {other.algorithm}")
        return (int(self.value, 16) ^ int(other.value, 16)).bit_count()


def phash(img: Image.Image) -> Fingerprint:
    """64-bit DCT perceptual hash (imagehash.phash) of the image's pixels."""
    return Fingerprint(PHASH, str(imagehash.phash(img)))
