"""Stable Diffusion's invisible watermarks (invisible-watermark, method dwtDct).

Payloads (../shared/notes/environment.md): SD 1.x ``b"StableDiffusionV1"``
(136 bits), SD 2.x ``b"SDV2"`` (32 bits), SDXL the 48 bits ``0xB3EC907BB19E``.
Stability's code embeds BGR arrays, diffusers RGB: both orders are tried. Both
embed float arrays, for which OpenCV's YUV conversion offsets U and V by 0.5
instead of 128; files are then saved as 8-bit. Decoding in the 8-bit domain
alone misses many real marks, so each order is decoded in both domains.

Decoding follows invisible-watermark's ``EmbedMaxDct.decode`` exactly (a test
checks bit-for-bit agreement) but vectorised: each 4x4 block of the Haar LL
band votes once, and the same votes are folded for every payload length, so
three payloads in two channel orders cost two passes instead of six slow ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

_SCALE = 36.0
_BLOCK = 4
_CHANNELS = (1,)
MIN_PIXELS = 256 * 256  # invisible-watermark refuses smaller images


def _bits(data: bytes) -> NDArray[np.uint8]:
    return np.unpackbits(np.frombuffer(data, dtype=np.uint8))


@dataclass(frozen=True)
class KnownMark:
    name: str
    bits: NDArray[np.uint8]
    min_agreement: float  # fraction of bits that must match to report it


# Thresholds: a random payload matches k of n bits with Binomial(n, 1/2); these
# put the chance per decode and channel order below about 1e-6 (SD 2.x, the
# shortest, below 2e-7), and sit above everything unmarked we measured
# (benchmarks/results/detection.md).
KNOWN_MARKS = (
    KnownMark("Stable Diffusion 1.x", _bits(b"StableDiffusionV1"), 0.80),
    KnownMark("Stable Diffusion 2.x", _bits(b"SDV2"), 30 / 32),
    KnownMark("SDXL", _bits(bytes.fromhex("B3EC907BB19E")), 42 / 48),
)


@dataclass(frozen=True)
class SDMark:
    name: str
    channel_order: str
    agreement: float
    bits: int


def _block_votes(bgr: NDArray[np.uint8] | NDArray[np.float32], *, swapped: bool = False) -> list[NDArray[np.float64]]:
    """One 0/1 vote per 4x4 block of the LL band, row-major, per marked channel.

    dwtDct's scales are [0, 36, 36] over range(2): only U (channel 1) carries the mark.
    invisible-watermark takes the Haar DWT of the whole channel (PyWavelets) and, in each
    4x4 block of the LL band, the largest magnitude after the first: its remainder modulo
    36 votes. Here the LL band is computed with PyWavelets' own arithmetic (rows, then
    columns, each ``h * odd + h * even``), which gives the same values bit for bit, and
    only the LL band is computed. For 8-bit input the LL value is half the sum of a 2 x 2
    patch, so each vote is read from the integer sum, except where the sum is a multiple
    of 36 (the remainder then sits on the vote's boundary): those blocks are computed in
    floating point exactly as PyWavelets does.

    ``swapped``: ``bgr`` holds RGB and is read as BGR by OpenCV's RGB conversion, which for
    8-bit input gives the same YUV bit for bit without a reordered copy (not so for float)."""
    import cv2

    rows, cols = bgr.shape[:2]
    br, bc = rows // (4 * _BLOCK // 2), cols // (4 * _BLOCK // 2)  # whole 4x4 blocks of the LL band
    if br == 0 or bc == 0:
        return [np.zeros(0) for _ in _CHANNELS]
    if swapped and bgr.dtype != np.uint8:
        raise ValueError("a swapped channel order is read exactly only from 8-bit pixels")
    code = cv2.COLOR_RGB2YUV if swapped else cv2.COLOR_BGR2YUV
    yuv: NDArray[Any] = cv2.cvtColor(bgr[: br * 2 * _BLOCK, : bc * 2 * _BLOCK], code)
    votes = []
    for channel in _CHANNELS:
        plane = yuv[:, :, channel]
        if plane.dtype == np.uint8:
            votes.append(_integer_votes(plane, br, bc))
        else:
            votes.append(_float_votes(plane, br, bc))
    return votes


_H64 = 0.7071067811865476  # PyWavelets' Haar filter tap (float64; float32 data uses it as float32)


def _haar_ll(x: NDArray[Any], h: Any) -> NDArray[Any]:
    """PyWavelets' Haar LL band over the last two axes, with its operations in its order."""
    a = h * x[..., 1::2, :] + h * x[..., 0::2, :]
    ll: NDArray[Any] = h * a[..., 1::2] + h * a[..., 0::2]
    return ll


def _largest_but_first(ll: NDArray[Any], br: int, bc: int) -> NDArray[Any]:
    """Per 4x4 block (row-major), the largest value other than the block's first."""
    blocks = ll.reshape(br, _BLOCK, bc, _BLOCK)
    out: NDArray[Any] = np.maximum(blocks[:, 0, :, 1], blocks[:, 0, :, 2])
    for i in range(_BLOCK):
        for j in range(_BLOCK):
            if i or j > 2:
                np.maximum(out, blocks[:, i, :, j], out=out)  # pairwise over views: no copy, no slow reduce
    return out.reshape(-1)


def _float_votes(plane: NDArray[Any], br: int, bc: int) -> NDArray[np.float64]:
    ll = np.abs(_haar_ll(plane, np.float32(_H64)))
    largest = _largest_but_first(ll, br, bc)
    return ((largest % _SCALE) > 0.5 * _SCALE).astype(np.float64)


def _integer_votes(plane: NDArray[Any], br: int, bc: int) -> NDArray[np.float64]:
    sums = plane[0::2, 0::2].astype(np.int16)
    sums += plane[0::2, 1::2]
    sums += plane[1::2, 0::2]
    sums += plane[1::2, 1::2]
    largest = _largest_but_first(sums, br, bc)
    period = int(2 * _SCALE)
    votes = (largest % period) > period // 2
    unsure = np.flatnonzero(largest % (period // 2) == 0)
    if unsure.size:
        bi, bj = np.divmod(unsure, bc)
        patches = plane.reshape(br, 2 * _BLOCK, bc, 2 * _BLOCK)[bi, :, bj, :].astype(np.float64)
        ll = _haar_ll(patches, _H64).reshape(unsure.size, _BLOCK * _BLOCK)
        votes[unsure] = (ll[:, 1:].max(axis=1) % _SCALE) > 0.5 * _SCALE
    return votes.astype(np.float64)


def decode_bits(votes: list[NDArray[np.float64]], length: int) -> NDArray[np.uint8]:
    """invisible-watermark's decode: mean vote per payload position over the marked channels."""
    sums = np.zeros(length)
    counts = np.zeros(length)
    for channel_votes in votes:
        index = np.arange(channel_votes.size) % length
        sums += np.bincount(index, weights=channel_votes, minlength=length)
        counts += np.bincount(index, minlength=length)
    means = np.divide(sums, counts, out=np.zeros(length), where=counts > 0)
    return (means * 255 > 127).astype(np.uint8)


_ORDERS = ("BGR", "RGB", "BGR float", "RGB float")
STRIP_PIXELS = 1 << 20
_MIN_ROWS = 64  # a multiple of 8: strips of whole blocks


def _swap(pixels: NDArray[np.float32]) -> NDArray[np.float32]:
    import cv2

    swapped: NDArray[Any] = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    return swapped


def agreements(img: Image.Image) -> list[SDMark]:
    """How well each known payload matches, in each channel order (highest first)."""
    from provenance.imaging import rgb_strips

    if img.width * img.height < MIN_PIXELS:
        return []
    # Each block covers 8 x 8 pixels: strips of whole blocks give the whole picture's votes in
    # the same order, at a strip's memory (four float copies of a 7000 x 7000 picture: 2.4 GB).
    # A strip holds about STRIP_PIXELS pixels (fewer calls on narrow pictures, 12 MB a float copy);
    # a wide picture's strips are 64 rows (10000 px wide: 2.6 MB of RGB, 7.7 MB a float copy).
    used = img.height // 4 * 4 // 2 // _BLOCK * _BLOCK * 2
    rows = max(_MIN_ROWS, STRIP_PIXELS // img.width // _MIN_ROWS * _MIN_ROWS)
    parts: dict[str, list[list[NDArray[np.float64]]]] = {order: [] for order in _ORDERS}
    for rgb in rgb_strips(img, rows=rows, stop=used):
        parts["BGR"].append(_block_votes(rgb, swapped=True))
        parts["RGB"].append(_block_votes(rgb))
        floats = rgb.astype(np.float32)
        parts["RGB float"].append(_block_votes(floats))
        parts["BGR float"].append(_block_votes(_swap(floats)))  # OpenCV's swap: exact, and faster than numpy's
    results = []
    for order in _ORDERS:
        votes = [
            np.concatenate([strip[c] for strip in parts[order]]) if parts[order] else np.zeros(0)
            for c in range(len(_CHANNELS))
        ]
        for mark in KNOWN_MARKS:
            bits = decode_bits(votes, mark.bits.size)
            agreement = float(np.mean(bits == mark.bits))
            results.append(SDMark(mark.name, order, agreement, int(mark.bits.size)))
    return sorted(results, key=lambda r: r.agreement, reverse=True)


def detect(img: Image.Image) -> list[SDMark]:
    """The Stable Diffusion marks present (above their thresholds), best first."""
    limits = {m.name: m.min_agreement for m in KNOWN_MARKS}
    found: dict[str, SDMark] = {}
    for result in agreements(img):
        if result.agreement >= limits[result.name] and result.name not in found:
            found[result.name] = result
    return list(found.values())
