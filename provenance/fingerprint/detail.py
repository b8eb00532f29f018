"""Marks a thumbnail cannot see: a copy laid on its signed picture's claim thumbnail, pixel by pixel.

The registry's thumbnail (thumbnail.py) is 128 px and grey, so a headline 1/25 of a picture's
height is 3-4 px in it and a copy with one drawn over it still agrees in every block. A signed
manifest holds a finer picture: its claim thumbnail (up to 1024 px, in colour; ``stamp`` makes it
from the pixels it signed). Once the thumbnail has placed a copy as the same picture, :func:`marks`
lays the copy on the claim thumbnail (the placement refined by OpenCV's ECC, coarse to fine),
matches its tones to it (a colour matrix, then a curve per channel: re-encoding, brightness,
contrast, gamma, saturation, grey), and counts the pixels that lie more than :data:`LEVEL` grey
levels outside the claim thumbnail's own range around them (a 3 x 3 window, for what resampling
moves by a pixel; luma at full resolution, colour at half, as JPEG keeps it), in clusters of
:data:`CLUSTER` pixels or more: drawn text, a logo, a stamp.

Parameters were chosen on a design set and are reported on an evaluation set in
benchmarks/results/overlays.md (written by benchmarks/overlays.py); docs/registry.md says how
verify uses the share this measures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

WORK_SIDE = 768  # px: both pictures are compared at most this large (long side of the picture)...
LEAST_SIDE = 256  # ...and not at all when the picture, or the part of it the copy shows, is under this short side
LEVEL = 30.0  # grey levels outside the claim thumbnail's 3 x 3 range that make a pixel differ...
CLUSTER = 4  # ...in a cluster of at least this many pixels (8-connected)
_ALIGNED = 0.9  # ECC's correlation under which the copy is not laid well enough to judge
_EDGE = 7  # px of the compared area cut along its edges (what resampling smears across them)
_SAMPLE = 3  # every this many rows and columns fit the tone match (a robust fit on a ninth is as good)
_BINS = 64  # the curve per channel: medians in this many bins of the matched colour

Array = NDArray[Any]


@dataclass(frozen=True)
class Marks:
    """What :func:`marks` found: ``share`` of the compared area differs (clustered pixels)."""

    share: float


def marks(
    copy: Image.Image, reference: bytes, picture: tuple[int, int], scale: float, centre: tuple[float, float]
) -> Marks | None:
    """Lay ``copy`` on ``reference`` (a claim thumbnail's JPEG or PNG bytes) of a picture of size
    ``picture``, where ``copy`` shows it at ``scale`` copy px per picture px with its centre at
    ``centre`` (shares of the picture's sides: a thumbnail's placement). None when it cannot be
    judged: the thumbnail unreadable, the copy too small, or not laid well."""
    import cv2

    ref_img = _open(reference)
    if ref_img is None or scale <= 0 or min(picture) <= 0:
        return None
    width, height = picture
    per_px = min(ref_img.width / width, scale, WORK_SIDE / max(picture))  # work px per picture px
    rw, rh = max(1, round(width * per_px)), max(1, round(height * per_px))
    shown = (min(copy.width, width * scale) * per_px / scale, min(copy.height, height * scale) * per_px / scale)
    if min(rw, rh) < LEAST_SIDE or min(shown) < LEAST_SIDE:
        return None
    ref = cv2.resize(_rgb(ref_img), (rw, rh), interpolation=cv2.INTER_AREA)
    cp = _resized(copy, per_px / scale)
    ch, cw = cp.shape[:2]
    to_copy = np.array(
        [[1, 0, cw / 2 - centre[0] * rw], [0, 1, ch / 2 - centre[1] * rh]], np.float32
    )  # work px of the picture -> of the copy
    laid = _laid(cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY), cv2.cvtColor(cp, cv2.COLOR_RGB2GRAY), to_copy)
    if laid is None:
        return None
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    on_ref = cv2.warpAffine(cp, laid, (rw, rh), flags=flags)
    inside = cv2.warpAffine(np.ones((ch, cw), np.uint8), laid, (rw, rh), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    kernel = np.ones((_EDGE, _EDGE), np.uint8)
    valid = cv2.erode(inside, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
    if valid.sum() < LEAST_SIDE * LEAST_SIDE / 4:
        return None
    expected = cv2.GaussianBlur(ref, (0, 0), 0.7)
    seen = cv2.GaussianBlur(on_ref, (0, 0), 0.7)
    predicted = _tones(expected, seen, valid)
    differ = ((_excess(predicted, seen) > LEVEL) & valid).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(differ, connectivity=8)
    areas = stats[1:count, cv2.CC_STAT_AREA]
    return Marks(share=round(float(areas[areas >= CLUSTER].sum()) / float(valid.sum()), 5))


def _excess(expected: Array, seen: Array) -> Array:
    """Grey levels by which ``seen`` lies outside ``expected``'s range around each pixel (3 x 3), in
    luma at full resolution and in chroma at half: a JPEG keeps colour at half resolution (4:2:0),
    so a small saturated detail (an eye, a logo) bleeds its colour a pixel or two into the claim
    thumbnail, and at full resolution that reads as a mark."""
    import cv2

    def luma_chroma(rgb: Array) -> tuple[Array, Array]:
        y = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
        chroma = np.stack([0.564 * (rgb[..., 2] - y), 0.713 * (rgb[..., 0] - y)], axis=2)
        half = (max(1, rgb.shape[1] // 2), max(1, rgb.shape[0] // 2))
        return y, cv2.resize(chroma, half, interpolation=cv2.INTER_AREA)

    def outside(value: Array, around: Array) -> Array:
        k3 = np.ones((3, 3), np.uint8)
        gap = np.maximum(value - cv2.dilate(around, k3), cv2.erode(around, k3) - value)
        return np.maximum(gap, 0) if gap.ndim == 2 else np.maximum(gap, 0).max(axis=2)

    (y0, c0), (y1, c1) = luma_chroma(expected), luma_chroma(seen)
    colour = cv2.resize(outside(c1, c0), (y0.shape[1], y0.shape[0]), interpolation=cv2.INTER_NEAREST)
    return np.maximum(outside(y1, y0), colour)


def _open(data: bytes) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return img.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _rgb(img: Image.Image) -> Array:
    return np.asarray(img.convert("RGB"), dtype=np.float32)


def _resized(img: Image.Image, factor: float) -> Array:
    """``img`` resized by ``factor`` as float32 RGB, transparency on white as the claim thumbnail
    shows it; a large picture is box-reduced first by a whole factor (Pillow's reduce), so no
    full-size float copy of it is made."""
    import cv2

    from provenance.imaging import on_white

    size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
    whole = int(1 / factor) if factor < 1 else 1
    small = img.reduce(whole) if whole > 1 and img.mode in {"RGB", "RGBA", "L", "LA"} else img
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(_rgb(on_white(small)), size, interpolation=interpolation), np.float32)


def _laid(ref: Array, copy: Array, start: Array) -> Array | None:
    """The affine map from ``ref``'s pixels to ``copy``'s, refined from ``start`` by ECC at a
    quarter, a half and the full resolution; None when it does not converge or correlate."""
    import cv2

    warp = start.astype(np.float32)
    ref, copy = cv2.GaussianBlur(ref, (0, 0), 1.0), cv2.GaussianBlur(copy, (0, 0), 1.0)
    correlation = 0.0
    for level in (4, 2, 1):
        a = cv2.resize(
            ref, (max(8, ref.shape[1] // level), max(8, ref.shape[0] // level)), interpolation=cv2.INTER_AREA
        )
        b = cv2.resize(
            copy, (max(8, copy.shape[1] // level), max(8, copy.shape[0] // level)), interpolation=cv2.INTER_AREA
        )
        step = warp.copy()
        step[:, 2] /= level
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30 if level > 1 else 5, 1e-4)
        try:
            everywhere = np.ones(b.shape, np.uint8)  # the copy's every pixel may be read
            correlation, found = cv2.findTransformECC(
                a, b, step, cv2.MOTION_AFFINE, criteria, everywhere, 3 if level > 1 else 1
            )
        except cv2.error:
            return None  # "images may be uncorrelated": not laid, so not judged
        step = np.asarray(found, np.float32)
        step[:, 2] *= level
        warp = step
    return warp if correlation >= _ALIGNED else None


def _tones(expected: Array, seen: Array, valid: Array) -> Array:
    """``expected`` with its colours matched to ``seen``'s: a linear colour map fitted by least
    squares with the worst-fitting pixels (the marks themselves) left out, then a correction per
    channel (medians of ``seen`` in bins of the mapped colour: clipping, gamma), held at the last
    filled bin's beyond them (a few bright pixels in a dark picture are not mapped to its greys)."""
    import cv2

    grid = valid[::_SAMPLE, ::_SAMPLE]
    pixels = expected[::_SAMPLE, ::_SAMPLE][grid].astype(np.float64)
    target = seen[::_SAMPLE, ::_SAMPLE][grid].astype(np.float64)
    terms = np.concatenate([pixels, np.ones((len(pixels), 1))], axis=1)
    keep = np.ones(len(pixels), bool)
    coef = np.eye(4, 3)
    for _ in range(3):
        coef = np.linalg.lstsq(terms[keep], target[keep], rcond=None)[0]
        error = np.abs(terms @ coef - target).max(axis=1)
        keep = error < max(6.0, 4.5 * float(np.median(error[keep])))
    mapped = cv2.transform(expected, coef.T.astype(np.float32))
    fitted = terms @ coef
    for channel in range(3):
        x, y = fitted[:, channel], target[:, channel]
        edges = np.linspace(float(x.min()) - 1e-3, float(x.max()) + 1e-3, _BINS + 1)
        bins = np.clip(np.searchsorted(edges, x) - 1, 0, _BINS - 1)
        order = np.lexsort((y, bins))
        counts = np.bincount(bins, minlength=_BINS)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        filled = counts >= 8
        medians = y[order][starts[filled] + counts[filled] // 2]
        centres = ((edges[:-1] + edges[1:]) / 2)[filled]
        if len(centres) >= 2:  # a correction, so colours past the filled bins keep the map's own slope
            plane = mapped[..., channel]
            low, high = float(centres[0]), float(centres[-1])
            table = np.interp(np.linspace(low, high, 1024), centres, medians - centres).astype(np.float32)
            steps = np.clip((plane - low) * (1023 / max(high - low, 1e-6)), 0, 1023).astype(np.int32)
            plane += table[steps]  # np.interp's answer, read from a 1024-step table (a tenth of the time)
    return np.asarray(mapped, np.float32)
