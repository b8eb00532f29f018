"""Marks a thumbnail cannot see: a copy laid on its signed picture's claim thumbnail, pixel by pixel.

The registry's thumbnail (thumbnail.py) is 128 px and grey, so a headline 1/25 of a picture's
height is 3-4 px in it and a copy with one drawn over it still agrees in every block. A signed
manifest holds a finer picture: its claim thumbnail (up to 1024 px, in colour; ``stamp`` makes it
from the pixels it signed). Once the thumbnail has placed a copy as the same picture, :func:`marks`
lays the copy on the claim thumbnail (the placement refined by OpenCV's ECC, coarse to fine),
matches its tones to it (a colour matrix, then a curve per channel: re-encoding, brightness,
contrast, gamma, saturation, grey; a smooth gain: a vignette; a curve per tile: local contrast,
"clarity"), and counts the pixels that lie more than :data:`LEVEL` grey
levels outside the claim thumbnail's own range around them (a 3 x 3 window, for what resampling
moves by a pixel; luma at full resolution, colour at half, as JPEG keeps it), in clusters of
:data:`CLUSTER` pixels or more: drawn text, a logo, a stamp. Two more measures see what that
count misses: edges the thumbnail has nowhere near (short text such as a date imprint, a small
share of any picture, whose strokes are edges where the picture had none: ``edges``), and detail
the thumbnail has that the copy lost in one place while keeping it elsewhere (a face or a plate
blurred or pixelated: its pixels stay inside the thumbnail's range, so the count is blind to it:
``removed``), and one place where most of what differs lies (a person pasted in or cloned out of
a photograph, 0.3 to 0.9 % of it: a share too small to count over the whole picture, but all in
one square where an honest copy's stray pixels are scattered: ``local``).

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

from provenance.report import Recolouring

WORK_SIDE = 768  # px: both pictures are compared at most this large (long side of the picture)...
LEAST_SIDE = 256  # ...and not at all when the picture, or the part of it the copy shows, is under this short side
LEVEL = 30.0  # grey levels outside the claim thumbnail's 3 x 3 range that make a pixel differ...
CLUSTER = 4  # ...in a cluster of at least this many pixels (8-connected)
LOCAL_SIDE = 48  # px (work resolution): the square in which the most differing pixels are counted (Marks.local)
# ECC's correlation under which the copy does not line up with the picture as a re-saved, resized or
# toned copy does: a headline over a night sky pulled it to 0.72, a caption bar to 0.6-0.89; and a
# strong local contrast or vignette to 0.66-0.9. Its detail is compared all the same (it was not, and
# such a headline passed as the whole signed picture); verify.differs says when what differs counts
ALIGNED = 0.9
_EDGE = 7  # px of the compared area cut along its edges (what resampling smears across them)
_SAMPLE = 3  # every this many rows and columns fit the tone match (a robust fit on a ninth is as good)
_BINS = 64  # the curve per channel: medians in this many bins of the matched colour
# New edges: a pixel whose gradient (Sobel, per pixel; the largest of luma's and the colour
# differences') is over EDGE_LEAST and over EDGE_RATIO times the thumbnail's largest nearby (5 x 5)
# plus EDGE_FLOOR, in clusters of CLUSTER px or more (film grain: see EDGE_NOISE).
EDGE_LEAST = 12.0
EDGE_RATIO = 3.0
EDGE_FLOOR = 4.0
EDGE_NOISE = 6.0  # ...and over this many times the median gap between the two pictures' gradients
_EDGE_NEAR = 5
# Detail removed: blocks of BLOCK x BLOCK px whose band-passed luma (Gaussian 1 px less 3 px) has
# DETAIL_LEAST grey levels squared or more in the thumbnail and keeps under DETAIL_KEPT of it in
# the copy (the copy's projection on it, or the two's correlation where less, over the median
# block's: a copy softer all over is not a copy with one part softened), the largest 4-connected
# group of them
BLOCK = 16
DETAIL_LEAST = 16.0
DETAIL_KEPT = 0.5
_BLOCKS_LEAST = 20  # detailed blocks under this: too little detail to say what is typical
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
# Local tone: a curve per tile of a TONE_TILES x TONE_TILES grid (medians of the copy's luma less the
# thumbnail's in TONE_BINS bins of the thumbnail's), blended between tiles, at most TONE_CAP levels
TONE_TILES = 8
TONE_BINS = 16
TONE_CAP = 96.0
_TONE_LEAST = 12  # sampled pixels a bin needs for its median
_SHARPNESS = (0.7, 1.2, 2.0)  # px: the unsharp masks' radii (Gaussian sigma) a copy's sharpening is fitted with

Array = NDArray[Any]


@dataclass(frozen=True)
class Marks:
    """What :func:`marks` found, each a share of the compared area: ``share`` differs (clustered
    pixels out of the thumbnail's range), ``edges`` holds edges the thumbnail has nowhere near, and
    ``removed`` is the largest patch whose detail is gone (``removed_blocks`` blocks of
    :data:`BLOCK` px)."""

    share: float
    edges: float = 0.0
    removed: float = 0.0
    removed_blocks: int = 0
    # ECC's correlation of the copy laid on the thumbnail: under ALIGNED the copy does not line up
    # with the picture as a re-saved, resized or toned copy does, so what differs may be the lay's
    aligned: float = 1.0
    # the most differing pixels (clustered, as ``share`` counts them) in one LOCAL_SIDE square, and
    # their share of all that differ: an edit in one place has nearly all of them in one square
    local: int = 0
    local_share: float = 0.0

    @property
    def laid(self) -> bool:
        """Whether the copy lined up with the picture well enough for its detail to be compared."""
        return self.aligned >= ALIGNED


GREY_CHROMA = 4.0  # chroma (|Cb - 128| + |Cr - 128|) 1 % of a copy's pixels reach, under which it is black and white
COLOUR_CHROMA = 12.0  # ...and over which its claim thumbnail is in colour


def _chroma(rgb: Image.Image) -> float:
    """The chroma (|Cb - 128| + |Cr - 128|) that 1 % of the picture's pixels reach: a mean let a
    colour photo on a white page, and red text on a grey copy, read as black and white (a red-team)."""
    small = rgb.convert("RGB")
    small.thumbnail((256, 256))
    ycc = np.asarray(small.convert("YCbCr"), dtype=np.float32)
    return float(np.percentile(np.abs(ycc[..., 1] - 128) + np.abs(ycc[..., 2] - 128), 99))


def decode_reference(reference: bytes) -> Image.Image | None:
    """A claim thumbnail's JPEG or PNG bytes as RGB pixels (None when unreadable): decoded once for
    :func:`turned_grey` and :func:`comparable`'s width."""
    return _open(reference)


def turned_grey(copy: Image.Image, reference: Image.Image) -> bool:
    """Whether ``copy`` is in black and white where its claim thumbnail (``reference``, decoded) is in
    colour: the whole picture, its colour taken out (a walkthrough's greyscale copy of a captured photo
    read "the whole of the signed picture", nothing said of it)."""
    return _chroma(copy) < GREY_CHROMA and _chroma(reference) > COLOUR_CHROMA


RECOLOURED = 40.0  # degrees: the median turn of hue, a cast taken out, at which a copy's colours are changed
RECOLOURED_PART = 0.12  # share of the coloured parts turned over _PART_TURN degrees at which they are, in part
SWAPPED = 0.3  # a mirror fit of the colours this much better than a plain one: channels swapped
_PART_TURN = 60.0  # degrees
_KEPT_GAIN = 0.3  # a copy's chroma following the picture's by a gain under this kept none of its colours
_HUE_SIDE = 128  # px: the width both are compared at (hue is a coarse property)
_HUE_CHROMA = 6.0  # chroma (sqrt(Cb^2 + Cr^2) about 128) a pixel needs in both for its hue to count
_PART_CHROMA = 12.0  # ...and for it to count in a part turned (a near-grey pixel's hue is noise)
_HUE_SHARE = 0.05  # share of the pixels that must have a hue in both for the turn to be measured


@dataclass(frozen=True)
class Recoloured:
    """How a copy's colours were changed from its picture's: ``how`` (its hues turned, its colour
    channels swapped, or a part of it turned) and by how many ``degrees`` (the median turn of the
    coloured parts, or of those turned)."""

    how: Recolouring
    degrees: float


def recoloured(copy: Image.Image, reference: Image.Image) -> Recoloured | None:
    """Whether the colours of ``copy`` are changed from those of ``reference`` (the same part of
    the picture), beyond what a colour edit of the whole does. A walkthrough's copies with hues
    turned 180 degrees or red and blue swapped read "the whole of the signed picture", exit 0: the
    detail compared is grey. A cast is taken out first: the copy's chroma is fitted as the
    picture's times a complex gain (saturation and a turn of every hue) plus an offset that may
    change with brightness (a white balance, a split toning, a cross-process look), and the turn
    is read on what the offset leaves. Then: ``hues`` when the median turn of the coloured parts
    (weighted by the lesser chroma) is :data:`RECOLOURED` or more; ``channels`` when a mirrored
    fit (the picture's chroma conjugated) leaves under :data:`SWAPPED` of the plain fit's error (a
    swap of two channels mirrors the colour plane); ``part`` when :data:`RECOLOURED_PART` or more
    of the well-coloured parts turned over 60 degrees (an object recoloured). Measured on design
    pictures (scikit-image's colour photographs, 9): white balance 20-30 % warmer or cooler, split
    toning, a cross-process curve, teal-and-orange, a film fade, a magenta tint, saturation x2.5,
    vibrance, grey world, auto levels and channels equalised one by one read 0-23 degrees, under
    0.07 turned in part, mirror fits 0.99 of the plain one or worse; hues turned 45-180 degrees
    read 42-180, a swap of any two channels 0.00-0.07, the middle sixth of the picture turned 180
    degrees 0.10-0.52 in part (6 of 9 caught, its turned pixels counted only among others turned).
    None when under :data:`_HUE_SHARE` of the pixels are coloured in both (black and white:
    :func:`turned_grey` says it), when the copy's chroma follows the picture's by a gain under
    :data:`_KEPT_GAIN` (its colours taken out and toned, as sepia, not turned: the overlays
    benchmark's sepia copies read turned in part 48-149 degrees before this), or the copy is toned
    in one colour where the picture is not."""
    if copy.width < 8 or reference.width < 8:
        return None
    size = (_HUE_SIDE, max(1, round(_HUE_SIDE * reference.height / reference.width)))
    ref = np.asarray(reference.convert("RGB").resize(size).convert("YCbCr"), dtype=np.float64).reshape(-1, 3)
    seen = np.asarray(copy.convert("RGB").resize(size).convert("YCbCr"), dtype=np.float64).reshape(-1, 3)
    before = (ref[:, 1] - 128) + 1j * (ref[:, 2] - 128)
    after = (seen[:, 1] - 128) + 1j * (seen[:, 2] - 128)
    light = (seen[:, 0] / 255).astype(np.complex128)
    plain, plain_error = _fit(np.stack([before, np.ones_like(before), light], axis=1), after)
    _, mirror_error = _fit(np.stack([np.conj(before), np.ones_like(before), light], axis=1), after)
    left = after - plain[1] - plain[2] * light  # the cast taken out
    weight = np.minimum(np.abs(before), np.abs(left))
    coloured = weight > _HUE_CHROMA
    if coloured.mean() < _HUE_SHARE or _toned(after, light, before, (ref[:, 0] / 255).astype(np.complex128)):
        return None
    turns = np.degrees(np.abs(np.angle(left * np.conj(before))))
    if plain_error > 0 and mirror_error < SWAPPED * plain_error:
        return Recoloured("channels", _weighted_median(turns[coloured], weight[coloured]))
    if abs(plain[0]) < _KEPT_GAIN:
        return None  # the picture's colours taken out, not turned: toned (sepia) or washed out
    if (turn := _weighted_median(turns[coloured], weight[coloured])) >= RECOLOURED:
        return Recoloured("hues", turn)
    strong = weight > _PART_CHROMA
    turned = strong & (turns > _PART_TURN) & _spread(turns > _PART_TURN, size)
    if strong.any() and weight[turned].sum() >= RECOLOURED_PART * weight[strong].sum():
        return Recoloured("part", _weighted_median(turns[turned], weight[turned]))
    return None


def _spread(turned: NDArray[np.bool_], size: tuple[int, int]) -> NDArray[np.bool_]:
    """The turned pixels that lie among others turned (3 of the 8 around them or more), not along an
    edge a copy turned a few degrees or laid a pixel off leaves: a red-team-like probe's 3-degree turn,
    cropped, read a part of it turned 139 degrees."""
    grid = turned.reshape(size[1], size[0]).astype(np.int16)
    padded = np.pad(grid, 1)
    around = sum(
        padded[1 + dy : 1 + dy + grid.shape[0], 1 + dx : 1 + dx + grid.shape[1]]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    return np.asarray(np.greater_equal(around, _AROUND), dtype=np.bool_).reshape(-1)


_AROUND = 3


def _fit(columns: NDArray[np.complex128], target: NDArray[np.complex128]) -> tuple[NDArray[np.complex128], float]:
    """The least-squares coefficients of ``target`` on ``columns``, and the error left."""
    coefficients = np.asarray(np.linalg.lstsq(columns, target, rcond=None)[0], dtype=np.complex128)
    return coefficients, float(np.sum(np.abs(columns @ coefficients - target) ** 2))


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _toned(
    after: NDArray[np.complex128],
    light: NDArray[np.complex128],
    before: NDArray[np.complex128],
    was: NDArray[np.complex128],
) -> bool:
    """Whether the copy is toned in one colour (sepia, cyanotype) where the picture was not: its
    chroma a function of its brightness alone (a quadratic in it leaves under :data:`_TONED` of the
    chroma's spread, and under half of what it leaves of the picture's). On the design pictures a
    sepia copy left 0.001-0.042, the pictures themselves 0.03-0.94 (a retina scan, orange all over,
    the least); a one-hued picture (a brown coffee cup, a ginger cat) is not a toning of it."""
    return (left := _tone_left(after, light)) < _TONED and left < 0.5 * _tone_left(before, was)


def _tone_left(chroma: NDArray[np.complex128], light: NDArray[np.complex128]) -> float:
    spread = float(np.sum(np.abs(chroma - chroma.mean()) ** 2))
    if spread <= 0:
        return 0.0
    columns = np.stack([np.ones_like(light), light, light * light], axis=1)
    return _fit(columns, chroma)[1] / spread


_TONED = 0.05


def _per_px(reference_width: int, picture: tuple[int, int], scale: float) -> float:
    """Work px per picture px: the claim thumbnail's, the copy's or WORK_SIDE's, the least."""
    return min(reference_width / picture[0], scale, WORK_SIDE / max(picture))


def comparable(copy: tuple[int, int], reference_width: int, picture: tuple[int, int], scale: float) -> bool:
    """Whether a copy of size ``copy`` showing ``picture`` at ``scale`` is large enough, and its claim
    thumbnail (``reference_width`` px wide) detailed enough, for :func:`marks` to compare it: the
    picture and the part of it the copy shows at least LEAST_SIDE px on their short side, at the
    detail both have."""
    if scale <= 0 or min(picture) <= 0 or reference_width <= 0:
        return False
    width, height = picture
    per_px = _per_px(reference_width, picture, scale)
    shown = (min(copy[0], width * scale) * per_px / scale, min(copy[1], height * scale) * per_px / scale)
    sides = (max(1, round(width * per_px)), max(1, round(height * per_px)))
    return min(sides) >= LEAST_SIDE and min(shown) >= LEAST_SIDE


def marks(
    copy: Image.Image, reference: bytes, picture: tuple[int, int], scale: float, centre: tuple[float, float]
) -> Marks | None:
    """Lay ``copy`` on ``reference`` (a claim thumbnail's JPEG or PNG bytes) of a picture of size
    ``picture``, where ``copy`` shows it at ``scale`` copy px per picture px with its centre at
    ``centre`` (shares of the picture's sides: a thumbnail's placement). None when it cannot be
    judged: the thumbnail unreadable, the copy too small, or ECC failing to converge. A copy ECC
    laid under :data:`ALIGNED` correlation is measured too, and is :attr:`Marks.laid` False."""
    import cv2

    ref_img = _open(reference)
    if ref_img is None or not comparable(copy.size, ref_img.width, picture, scale):
        return None
    width, height = picture
    per_px = _per_px(ref_img.width, picture, scale)
    rw, rh = max(1, round(width * per_px)), max(1, round(height * per_px))
    ref = cv2.resize(_rgb(ref_img), (rw, rh), interpolation=cv2.INTER_AREA)
    cp = _resized(copy, per_px / scale)
    ch, cw = cp.shape[:2]
    to_copy = np.array(
        [[1, 0, cw / 2 - centre[0] * rw], [0, 1, ch / 2 - centre[1] * rh]], np.float32
    )  # work px of the picture -> of the copy
    found = _laid(cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY), cv2.cvtColor(cp, cv2.COLOR_RGB2GRAY), to_copy)
    if found is None:
        return None
    laid, correlation = found
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    on_ref = cv2.warpAffine(cp, laid, (rw, rh), flags=flags)
    inside = cv2.warpAffine(np.ones((ch, cw), np.uint8), laid, (rw, rh), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    kernel = np.ones((_EDGE, _EDGE), np.uint8)
    valid = cv2.erode(inside, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
    if valid.sum() < LEAST_SIDE * LEAST_SIDE / 4:
        return None
    expected = cv2.GaussianBlur(ref, (0, 0), 0.7)
    seen = cv2.GaussianBlur(on_ref, (0, 0), 0.7)
    sharpened = _sharpness(_shaded(_tones(expected, seen, valid), seen, valid), seen, valid)
    toned = _local(sharpened, seen, valid)
    differ = _clustered_map(((_excess(toned, seen) > LEVEL) & valid).astype(np.uint8))
    area = float(valid.sum())
    total = float(differ.sum())
    local = _densest(differ)
    # the lost patch is measured without the local curves: a blurred box as large as a tile is most
    # of its pixels, and a curve fitted to them would take its lost contrast for a tone edit
    blocks = _removed(sharpened @ _LUMA, seen @ _LUMA, valid)
    return Marks(
        share=round(total / area, 5),
        edges=round(_clustered(_new_edges(toned, seen, valid)) / area, 5),
        removed=round(blocks * BLOCK * BLOCK / area, 5),
        removed_blocks=blocks,
        aligned=round(min(correlation, 1.0), 4),
        local=local,
        local_share=round(local / total, 3) if total else 0.0,
    )


def _shaded(expected: Array, seen: Array, valid: Array) -> Array:
    """``expected`` times a smooth gain across the picture (_gain.py, fitted to the luma on every
    :data:`_SAMPLE`-th row and column): a vignette, or light falling off toward a side. A phone's
    filter darkens the corners, and a global colour match leaves them reading as marks (a
    walkthrough's vignette, 13 of 58 design pictures)."""
    from provenance.fingerprint._gain import smooth_gain

    gain = smooth_gain(expected @ _LUMA, seen @ _LUMA, valid, _SAMPLE)
    return expected if gain is None else np.asarray(expected * gain[..., None])


def _local(expected: Array, seen: Array, valid: Array) -> Array:
    """``expected`` with its luma moved, tile by tile, as ``seen``'s local contrast was: a curve per
    tile (the median gap between the two lumas in bins of ``expected``'s), blended between tile
    centres as CLAHE blends its own, at most :data:`TONE_CAP` levels either way. An editor's
    "clarity" or CLAHE brightens one part and darkens another, and a picture-wide curve leaves
    several per cent of the picture reading as marks (a walkthrough's CLAHE: 24 of 28 evaluation
    copies accused). A median in a bin is not moved by text or a logo that covers a minority of the
    tile's pixels of that tone, and the cap leaves what covers more still far off."""
    y_exp = expected @ _LUMA
    curves = _tile_curves(y_exp, seen @ _LUMA, valid)
    return np.asarray(expected + _blended(curves, y_exp)[..., None], np.float32)


def _tile_samples(length: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Every other pixel of each of the :data:`TONE_TILES` tiles along a side, counted from each
    tile's own first pixel, and the tile each belongs to."""
    size = length / TONE_TILES
    parts = [np.arange(round(t * size), round((t + 1) * size), 2) for t in range(TONE_TILES)]
    return np.concatenate(parts), np.repeat(np.arange(TONE_TILES), [len(p) for p in parts])


def _tile_curves(y_exp: Array, y_seen: Array, valid: Array) -> Array:
    """Each tile's curve: the median of ``y_seen - y_exp`` in each of :data:`TONE_BINS` bins of
    ``y_exp`` (every other pixel; a bin needs :data:`_TONE_LEAST` of them), bins without enough
    pixels interpolated between their neighbours, at most :data:`TONE_CAP` either way. All tiles'
    bins are sorted at once: one sort of (tile and bin, gap) keys."""
    tiles, bins = TONE_TILES, TONE_BINS
    rows, row_tile = _tile_samples(valid.shape[0])
    cols, col_tile = _tile_samples(valid.shape[1])
    own = y_exp[np.ix_(rows, cols)]
    gap = (y_seen[np.ix_(rows, cols)] - own).astype(np.float64)
    inside = valid[np.ix_(rows, cols)]
    index = np.clip((own * (bins / 256)).astype(np.int64), 0, bins - 1)
    key = ((row_tile[:, None] * tiles + col_tile[None, :]) * bins + index)[inside]
    gap = gap[inside]
    counts = np.bincount(key, minlength=tiles * tiles * bins)
    if not len(key):
        return np.zeros((tiles, tiles, bins), np.float32)
    # gaps lie within +-256: a key's own span of 1024 keeps the sort by key, then by gap
    ordered = np.sort(key * 1024.0 + gap)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    middle = ordered[np.minimum(starts + counts // 2, len(ordered) - 1)]
    medians = (middle - np.arange(counts.size) * 1024.0).reshape(tiles * tiles, bins)
    filled = (counts >= _TONE_LEAST).reshape(tiles * tiles, bins)
    centres = (np.arange(bins) + 0.5) * (256 / bins)
    curves = np.zeros((tiles * tiles, bins), np.float32)
    for tile in np.flatnonzero(filled.any(axis=1)):
        known = filled[tile]
        curves[tile] = np.clip(np.interp(centres, centres[known], medians[tile, known]), -TONE_CAP, TONE_CAP)
    return curves.reshape(tiles, tiles, bins)


def _blended(curves: Array, y_exp: Array) -> Array:
    """The shift of each pixel: its tile curves read at its own luma (linear between bins) and
    blended bilinearly between the four nearest tile centres. The curves are first blended along
    the rows (one set per pixel row), so each pixel gathers from four values, not eight."""
    h, w = y_exp.shape
    tiles, bins = TONE_TILES, TONE_BINS
    tile_h, tile_w = h / tiles, w / tiles
    fy = np.clip((np.arange(h) + 0.5) / tile_h - 0.5, 0, tiles - 1)
    fx = np.clip((np.arange(w) + 0.5) / tile_w - 0.5, 0, tiles - 1)
    y0, x0 = np.minimum(fy.astype(np.intp), tiles - 2), np.minimum(fx.astype(np.intp), tiles - 2)
    wy, wx = (fy - y0).astype(np.float32), (fx - x0).astype(np.float32)
    across = curves[y0] * (1 - wy)[:, None, None] + curves[y0 + 1] * wy[:, None, None]  # (h, tiles, bins)
    flat = across.reshape(-1)
    fb = np.clip(y_exp * (bins / 256) - 0.5, 0, bins - 1)
    b0 = np.minimum(fb.astype(np.intp), bins - 2)
    wb = (fb - b0).astype(np.float32)
    base = (np.arange(h) * (tiles * bins))[:, None] + (x0 * bins)[None, :] + b0
    left = flat[base] * (1 - wb) + flat[base + 1] * wb
    right = flat[base + bins] * (1 - wb) + flat[base + bins + 1] * wb
    return np.asarray(left * (1 - wx)[None, :] + right * wx[None, :], np.float32)


def _sharpness(expected: Array, seen: Array, valid: Array) -> Array:
    """``expected`` sharpened (or softened) as ``seen`` was: an unsharp mask, expected plus k times
    its detail above a Gaussian of one of :data:`_SHARPNESS` px, k fitted by least squares (within
    -0.9 to 4) and the radius whose fit leaves the least mean gap. A newsroom sharpens what it
    publishes, and the halos along every edge lay outside the picture's own range (a walkthrough's
    unsharp mask of radius 2 and 150 % read as marks drawn over 0.7 % of a photo)."""
    import cv2

    kept = np.flatnonzero(valid)  # the compared pixels, gathered once: each fit is measured on them alone
    expected_in, seen_in = expected.reshape(-1, 3)[kept], seen.reshape(-1, 3)[kept]
    gap_seen = seen_in - expected_in
    best, best_gap = None, float(np.abs(gap_seen).mean())
    for sigma in _SHARPNESS:
        detail = expected - cv2.GaussianBlur(expected, (0, 0), sigma)
        inside = detail.reshape(-1, 3)[kept]
        k = float(np.clip((gap_seen * inside).sum() / max(float((inside * inside).sum()), 1e-6), -0.9, 4.0))
        gap = float(np.abs(seen_in - (expected_in + k * inside)).mean())
        if gap < best_gap:
            best, best_gap = (k, detail), gap
    return expected if best is None else np.asarray(expected + best[0] * best[1])


def _clustered(flags: Array) -> float:
    """Pixels flagged in clusters of :data:`CLUSTER` or more (8-connected)."""
    return float(_clustered_map(flags).sum())


def _clustered_map(flags: Array) -> Array:
    """``flags`` (0/1) kept only in clusters of :data:`CLUSTER` pixels or more (8-connected)."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(flags.astype(np.uint8), connectivity=8)
    kept = np.zeros(count, np.uint8)
    kept[1:] = stats[1:count, cv2.CC_STAT_AREA] >= CLUSTER
    return np.asarray(kept[labels])


def _densest(flags: Array) -> int:
    """The most flagged pixels in any :data:`LOCAL_SIDE` square of ``flags`` (0/1)."""
    import cv2

    if not flags.any():
        return 0
    side = (LOCAL_SIDE, LOCAL_SIDE)
    counts = cv2.boxFilter(flags.astype(np.float32), -1, side, normalize=False, borderType=cv2.BORDER_CONSTANT)
    return round(float(counts.max()))


def _new_edges(expected: Array, seen: Array, valid: Array) -> Array:
    """Pixels where ``seen`` has an edge that ``expected`` (tone-matched) has nowhere near: a
    stroke of drawn text over a smoother picture. A re-encode, a resize or a tone edit moves
    edges a little and scales them; it does not put a strong one where there was none. An edge is
    the largest of the luma's and the two colour differences' gradients: orange text on a red car
    differs in colour far more than in luma."""
    import cv2

    def gradient(rgb: Array) -> Array:
        y = rgb @ _LUMA
        largest = np.zeros(y.shape, np.float32)
        for plane in (y, 0.564 * (rgb[..., 2] - y), 0.713 * (rgb[..., 0] - y)):
            gx = cv2.Sobel(plane, cv2.CV_32F, 1, 0, ksize=3)
            gy = cv2.Sobel(plane, cv2.CV_32F, 0, 1, ksize=3)
            np.maximum(largest, cv2.magnitude(gx, gy) / 8.0, out=largest)
        return largest

    copy, own = gradient(seen), gradient(expected)
    near = cv2.dilate(own, np.ones((_EDGE_NEAR, _EDGE_NEAR), np.uint8))
    # grain or noise added all over gives every pixel a gradient the picture lacks: the least edge
    # rises with the copy's typical departure from the picture's gradients
    least = max(EDGE_LEAST, EDGE_NOISE * float(np.median(np.abs(copy - own)[valid])))
    return np.asarray((copy > least) & (copy > EDGE_RATIO * near + EDGE_FLOOR) & valid)


def _removed(expected: Array, seen: Array, valid: Array) -> int:
    """The largest 4-connected group of blocks whose detail ``seen`` lost against the rest of
    it: blurred, pixelated or smoothed in one place. 0 when too few blocks have detail."""
    import cv2

    def band(y: Array) -> Array:
        return np.asarray(cv2.GaussianBlur(y, (0, 0), 1.0) - cv2.GaussianBlur(y, (0, 0), 3.0))

    def per_block(values: Array) -> Array:
        rows, cols = values.shape[0] // BLOCK, values.shape[1] // BLOCK
        return np.asarray(values[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK).mean(axis=(1, 3)))

    ref, copy = band(expected), band(seen)
    energy, shared = per_block(ref * ref), per_block(ref * copy)
    detailed = (per_block(valid.astype(np.float32)) > 0.99) & (energy >= DETAIL_LEAST)
    if int(detailed.sum()) < _BLOCKS_LEAST:
        return 0
    # the share of the detail kept, or the two details' correlation where that is less: a mosaic's
    # cell edges are detail of their own, so a pixelated block keeps much of the energy the picture's
    # detail had but little of its shape (a walkthrough's pixelated box passed on 3 of 5 copies)
    correlation = shared / np.sqrt(np.maximum(energy * per_block(copy * copy), 1e-6))
    kept = np.minimum(shared / np.maximum(energy, 1e-6), correlation)
    lost = (detailed & (kept < DETAIL_KEPT * float(np.median(kept[detailed])))).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(lost, connectivity=4)
    return int(stats[1:count, cv2.CC_STAT_AREA].max()) if count > 1 else 0


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


def _laid(ref: Array, copy: Array, start: Array) -> tuple[Array, float] | None:
    """The affine map from ``ref``'s pixels to ``copy``'s, refined from ``start`` by ECC at a
    quarter, a half and the full resolution, and its correlation; None when ECC fails (OpenCV
    raises on pictures it finds uncorrelated: a flat one)."""
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
    return warp, float(correlation)


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
