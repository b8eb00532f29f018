"""``provenance-wm-0`` (the first scheme, still read): a 40-bit record id in dwtDctSvd.

Payload (64 bits): the record id (40 bits) followed by a 24-bit CRC over the
scheme name and the id, the whole XORed with a fixed whitening mask. Why:

* dwtDctSvd was the most robust of invisible-watermark's fast methods in our
  measurements (docs/design.md); rivaGan is sturdier but 32 bits and ~1 s/image.
* Unmarked images often decode to all-zeros or all-ones. The whitening mask
  makes those decode to garbage, and the CRC rejects garbage: a random 64-bit
  word passes with probability 2**-24 (about 6e-8 per decode).
* Each bit is spread over every 4x4 block of the DWT LL band and decoded by
  majority vote; the vote margin is reported as a confidence figure.

Superseded by ``provenance-wm-1`` (wm1.py) for embedding; kept so that images
stamped with it keep their record.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from provenance.errors import WatermarkError
from provenance.watermark import _imwatermark
from provenance.watermark._reading import WatermarkReading, format_id, parse_id

SCHEME = "provenance-wm-0"
ID_BITS = 40
CRC_BITS = 24
PAYLOAD_BITS = ID_BITS + CRC_BITS
MIN_SIDE = 256
_SCALES = [0, 36, 0]  # embed in U only (Y and V untouched), invisible-watermark's default
_MASK = int.from_bytes(hashlib.sha256(SCHEME.encode()).digest()[:8], "big")
# A decode whose mean vote margin is below this is treated as absent even if
# the CRC passes: genuine marks decode with margins around 0.6 to 1.0.
MIN_CONFIDENCE = 0.15


def format_record_id(value: int) -> str:
    return format_id(value, ID_BITS)


def parse_record_id(text: str) -> int:
    return parse_id(text, ID_BITS)


def _crc(record: int) -> int:
    return zlib.crc32(SCHEME.encode() + record.to_bytes(5, "big")) & ((1 << CRC_BITS) - 1)


def encode_payload(record: int) -> list[int]:
    word = ((record << CRC_BITS) | _crc(record)) ^ _MASK
    return [(word >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)]


def decode_payload(bits: list[int]) -> int | None:
    """The record id if the CRC holds, else None."""
    word = 0
    for bit in bits:
        word = (word << 1) | (bit & 1)
    word ^= _MASK
    record, crc = word >> CRC_BITS, word & ((1 << CRC_BITS) - 1)
    return record if _crc(record) == crc else None


def _bgr(img: Image.Image) -> NDArray[np.uint8]:
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _check_size(img: Image.Image) -> None:
    if min(img.size) < MIN_SIDE:
        raise WatermarkError(
            f"image is {img.width}x{img.height}; watermarking needs at least {MIN_SIDE} px on the short side"
        )


def embed(img: Image.Image, record_id: str) -> Image.Image:
    """Return a copy of ``img`` carrying ``record_id``."""
    _check_size(img)
    bits = encode_payload(parse_record_id(record_id))
    encoded = _imwatermark.encode_dwt_dct_svd(_bgr(img), bits, _SCALES)
    rgb = np.clip(encoded, 0, 255).astype(np.uint8)[:, :, ::-1]
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


def _vote_fractions(img: Image.Image) -> NDArray[np.float64]:
    """Per payload bit, the fraction of blocks voting 1.

    The same vote as invisible-watermark's dwtDctSvd decoder, in one batched pass: each
    4x4 block of the Haar LL band votes with its largest singular value modulo the scale.
    The library takes the SVD of the block's DCT; the DCT is orthonormal, so the singular
    values are the block's own and the DCT can be skipped (tested against the library).
    Cheaper still (2.3x), the same values to 1e-12: the Haar LL band is half the sum of each
    2x2 square, and the largest singular value is the root of the largest eigenvalue of the
    block's Gram matrix (a symmetric eigenproblem costs less than an SVD). Only a block whose
    value sits on a multiple of the scale (flat areas) can vote otherwise, as rounding
    decides it in the library too; decodes of the benchmark's pictures are unchanged."""
    from provenance.imaging import rgb_strips

    # Each block covers 8 x 8 pixels: strips of whole blocks give the whole picture's votes,
    # in the same order, at a strip's memory (a full float64 plane of 7000 x 7000 is 390 MB).
    used = img.height // 4 * 4 // 2 // 4 * 4 * 2
    parts: dict[int, list[NDArray[np.float64]]] = {}
    for rgb in rgb_strips(img, stop=used):
        for channel, vote in _strip_votes(rgb):
            parts.setdefault(channel, []).append(vote)
    votes = [np.concatenate(parts[channel]) for channel in sorted(parts)]
    if not votes or not len(votes[0]):
        return np.full(PAYLOAD_BITS, 0.5)
    vote = np.concatenate(votes)
    index = np.concatenate([np.arange(len(v)) % PAYLOAD_BITS for v in votes])
    counts = np.bincount(index, minlength=PAYLOAD_BITS)
    ones = np.bincount(index, weights=vote, minlength=PAYLOAD_BITS)
    return np.where(counts > 0, ones / np.maximum(counts, 1), 0.5)


def _strip_votes(rgb: NDArray[np.uint8]) -> list[tuple[int, NDArray[np.float64]]]:
    """(channel, one vote per block in row order) of a strip whose height is a multiple of 8."""
    import cv2

    rows, cols = rgb.shape[0] // 4 * 4, rgb.shape[1] // 4 * 4
    yuv = cv2.cvtColor(np.ascontiguousarray(rgb[:rows, :cols]), cv2.COLOR_RGB2YUV)
    votes = []
    for channel, scale in enumerate(_SCALES[:2]):
        if scale <= 0:
            continue
        plane = yuv[:, :, channel].astype(np.float64)
        ca1 = (plane[0::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 0::2] + plane[1::2, 1::2]) / 2
        h, w = ca1.shape[0] // 4 * 4, ca1.shape[1] // 4 * 4
        blocks = ca1[:h, :w].reshape(h // 4, 4, w // 4, 4).swapaxes(1, 2).reshape(-1, 4, 4)
        gram = np.matmul(blocks.swapaxes(1, 2), blocks)
        largest = np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))
        votes.append((channel, ((largest % scale) > scale * 0.5).astype(np.float64)))
    return votes


def detect(img: Image.Image) -> WatermarkReading:
    """Look for a ``provenance-wm-0`` mark; never claims one the CRC rejects."""
    if min(img.size) < MIN_SIDE:
        return WatermarkReading(False, SCHEME, None, 0.0)
    fractions = _vote_fractions(img)
    bits = [int(f > 0.5) for f in fractions]
    confidence = float(np.mean(np.abs(fractions - 0.5) * 2))
    record = decode_payload(bits)
    if record is None or confidence < MIN_CONFIDENCE:
        return WatermarkReading(False, SCHEME, None, round(confidence, 3))
    return WatermarkReading(True, SCHEME, format_record_id(record), round(confidence, 3))
