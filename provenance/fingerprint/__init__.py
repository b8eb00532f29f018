"""Perceptual fingerprints: each value travels with its algorithm name and version.

Hashes from different implementations or versions are not comparable, so a
fingerprint is never a bare string (docs/design.md). Two algorithms, chosen in
docs/registry.md: PDQ (Meta's 256-bit hash, the industry's exchange format, with a
quality score) and pHash (64 bits, imagehash), which fail on different edits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from PIL import Image

if TYPE_CHECKING:  # numpy only where a hash is computed: comparing hashes needs none of it
    import numpy as np
    from numpy.typing import NDArray

PHASH = "phash-64/imagehash-4"
PDQ = "pdq-256/pdqhash-0.2"
BITS = {PDQ: 256, PHASH: 64}
# ORB keypoints of the picture (fingerprint/keypoints.py): stored beside the hashes as one row of
# variable length, never compared by Hamming distance; how a crop is found
KEYPOINTS = "orb-512/opencv-1"
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
    """64-bit DCT perceptual hash, computed as imagehash.phash does (grey, Lanczos to 32 x 32,
    2-D DCT-II, the 8 x 8 lowest frequencies against their median) with the DCT as two small
    matrix products instead of scipy's FFT (whose import alone took 0.2 s a process); the
    values agree to rounding, and so do the bits (tests/test_verify_speed.py)."""
    import numpy as np

    small = np.asarray(img.convert("L").resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS), np.float64)
    # Rounded far below a grey level: exact zeros stay zeros (a flat picture's frequencies), as scipy's.
    dct = np.round(_dct_rows() @ small @ _dct_rows().T, 6)
    # np.median's value (the mean of the two middle ones), without its first call's import of numpy.ma (30 ms)
    middle = np.partition(dct.reshape(-1), [_PHASH_MIDDLE - 1, _PHASH_MIDDLE])
    bits = (dct > (middle[_PHASH_MIDDLE - 1] + middle[_PHASH_MIDDLE]) / 2).reshape(-1)
    return Fingerprint(PHASH, f"{int(''.join('1' if b else '0' for b in bits), 2):016x}")


_PHASH_SIDE = 32
_PHASH_BITS_SIDE = 8
_PHASH_MIDDLE = _PHASH_BITS_SIDE**2 // 2


@cache
def _dct_rows() -> NDArray[np.float64]:
    """The first 8 rows of scipy.fftpack's unnormalised 32-point DCT-II: 2 cos(pi k (2n + 1) / 64)."""
    import numpy as np

    k = np.arange(_PHASH_BITS_SIDE)[:, None]
    n = np.arange(_PHASH_SIDE)[None, :]
    rows: NDArray[np.float64] = 2.0 * np.cos(np.pi * k * (2 * n + 1) / (2 * _PHASH_SIDE))
    return rows


# PDQ boxes the picture down to 64 x 64 anyway, through its own box filters a window of
# about 1/128 of each side wide; the reference's float grey of a 7000 x 7000 picture takes
# 1.2 GB (pdqhash's float64 copy). So a larger picture is first reduced by a whole factor (a box average, as Meta's
# reference hasher downsamples large pictures first) so that its long side is at most
# PDQ_MAX_SIDE, and further while its short side stays over a quarter of that: the box is
# then narrower than a quarter of PDQ's own window, the hash moves by a few bits of 256 at
# most (match: 31 or closer; tests/test_verify_speed.py measures it), and the cost and
# memory are those of a picture under a megapixel, whatever the size.
PDQ_MAX_SIDE = 2048


def pdq_factor(width: int, height: int) -> int:
    """The whole factor :func:`pdq` reduces a ``width`` x ``height`` picture by."""
    return max(1, math.ceil(max(width, height) / PDQ_MAX_SIDE), min(width, height) // (PDQ_MAX_SIDE // 4))


def _pdq_input(img: Image.Image) -> Any:
    """The contiguous RGB array PDQ hashes: ``img`` reduced by :func:`pdq_factor`."""
    import numpy as np

    factor = pdq_factor(*img.size)
    small = img.reduce(factor) if factor > 1 else img
    return np.ascontiguousarray(np.asarray(small if small.mode == "RGB" else small.convert("RGB"), dtype=np.uint8))


def _pdq_print(bits: Any, quality: int) -> Fingerprint:
    import numpy as np

    return Fingerprint(PDQ, np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality))


def pdq(img: Image.Image) -> Fingerprint:
    """256-bit PDQ hash with its quality score: Meta's reference algorithm, computed at the
    64 x 64 points it keeps (fingerprint/_pdq.py; the same bits as pdqhash, tested)."""
    from provenance.fingerprint import _pdq

    (bits,), quality = _pdq.hash_rgb(_pdq_input(img))
    return _pdq_print(bits, quality)


def compute_with_turns(img: Image.Image) -> tuple[list[Fingerprint], list[Fingerprint]]:
    """(:func:`compute`'s fingerprints, the PDQ hashes of ``img`` turned and mirrored the
    seven other ways) for a lookup: a photo whose EXIF orientation was lost on a resize is
    sideways. The turned hashes are read off the picture's own DCT, as the reference's
    dihedral hasher does; the first is :func:`pdq`'s own hash, bit for bit."""
    from provenance.fingerprint import _pdq

    hashes, quality = _pdq.hash_rgb(_pdq_input(img), turns=True)
    turned = [_pdq_print(bits, quality) for bits in hashes]
    return [turned[0], phash(img)], turned[1:]


def compute(img: Image.Image) -> list[Fingerprint]:
    """Every fingerprint the registry stores, PDQ first."""
    return [pdq(img), phash(img)]


def find(prints: list[Fingerprint], algorithm: str) -> Fingerprint | None:
    return next((f for f in prints if f.algorithm == algorithm), None)
