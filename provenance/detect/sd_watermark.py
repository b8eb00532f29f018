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


def _block_votes(bgr: NDArray[np.uint8] | NDArray[np.float32]) -> list[NDArray[np.float64]]:
    """One 0/1 vote per 4x4 block of the LL band, row-major, per marked channel.

    dwtDct's scales are [0, 36, 36] over range(2): only U (channel 1) carries the mark."""
    import cv2
    import pywt

    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    votes = []
    for channel in _CHANNELS:
        ca1, _ = pywt.dwt2(yuv[: rows // 4 * 4, : cols // 4 * 4, channel], "haar")
        br, bc = ca1.shape[0] // _BLOCK, ca1.shape[1] // _BLOCK
        blocks = ca1[: br * _BLOCK, : bc * _BLOCK].reshape(br, _BLOCK, bc, _BLOCK).swapaxes(1, 2)
        flat = blocks.reshape(br * bc, _BLOCK * _BLOCK)
        pos = np.argmax(np.abs(flat[:, 1:]), axis=1) + 1
        val = np.abs(flat[np.arange(flat.shape[0]), pos])
        votes.append(((val % _SCALE) > 0.5 * _SCALE).astype(np.float64))
    return votes


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


def agreements(img: Image.Image) -> list[SDMark]:
    """How well each known payload matches, in each channel order (highest first)."""
    from provenance.imaging import rgb_strips

    if img.width * img.height < MIN_PIXELS:
        return []
    # Each block covers 8 x 8 pixels: strips of whole blocks give the whole picture's votes in
    # the same order, at a strip's memory (four float copies of a 7000 x 7000 picture: 2.4 GB).
    used = img.height // 4 * 4 // 2 // _BLOCK * _BLOCK * 2
    parts: dict[str, list[list[NDArray[np.float64]]]] = {order: [] for order in _ORDERS}
    for rgb in rgb_strips(img, stop=used):
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        arrays: dict[str, NDArray[np.uint8] | NDArray[np.float32]] = {
            "BGR": bgr,
            "RGB": rgb,
            "BGR float": bgr.astype(np.float32),
            "RGB float": rgb.astype(np.float32),
        }
        for order in _ORDERS:
            parts[order].append(_block_votes(arrays[order]))
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
