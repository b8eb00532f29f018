"""``provenance-wm-2``: wm-1's tiles plus a global layer that survives downscaling, aspect
changes, mirroring and quarter turns; the tiles' search also covers rotations to 45 degrees.

Two layers carry the same 64-bit record id (docs/watermark-research.md, session 9):

* **Global layer.** The whole picture, resized to 256 x 256 whatever its size and shape, is
  the layer's frame: a 128 x 128 grid of cells, each carrying one coded bit with a
  pseudo-random sign, upsampled to the picture's size. Any resize of the whole picture (to
  25%, twice the size, a stretched width) leaves that frame where it was, and a mirror or a
  quarter turn permutes its cells, so the decoder resizes to 256 x 256 and reads the cells
  in their 8 arrangements: no search. The picture's own content is the layer's main noise,
  and it is known when embedding: the embedder measures, bit by bit, how the picture
  itself already leans, and gives each bit just the strength that brings it to a margin
  (informed embedding), then checks the margin after JPEG and after a downscale to 256 px
  with JPEG and strengthens the bits that fell short.
* **Tiled layer.** wm-1's 128 px tile (same sync pattern, same first 144 payload patterns),
  with a stronger sync share and a 152-bit codeword: it survives crops, which move the
  global frame. The picture's own lean on the payload patterns is cancelled, and the
  strength is sized for the part of the picture a 45-degree turn cropped to remove its
  corners keeps. The tile is laid high-passed: its lowest frequencies, which the decoder's
  residual discards, would cost PSNR for nothing. Its search (_tiles.py) reads one padded
  spectrum for every scale 0.7-1.45 and every rotation to 45 degrees either way, so rotated
  copies, cropped to remove their corners or not, are found; and scales 0.4-0.7 and 1.45-3.2
  (a shrunk copy's spectrum for those), so crops resized for the web are too. The tiles are
  aligned by the sync pattern to a fraction of a pixel. The same search reads provenance-wm-1
  marks, which share the sync pattern.

Payload of either layer: record id (64 bits) + CRC-24 over the scheme name and the id, then
BCH over GF(2^8): t=16 for the global layer (212 bits), t=8 for the tiles (152 bits).
"""

from __future__ import annotations

import hashlib
import itertools
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from provenance.errors import WatermarkError
from provenance.imaging import turned_crop_share
from provenance.watermark import wm1

SCHEME = "provenance-wm-2"
ID_BITS = 64
MIN_SIDE = 256
_CRC_BYTES = 3
_DATA_BYTES = ID_BITS // 8 + _CRC_BYTES

# Global layer
_CANON = 256  # the frame: the whole picture resized to this square
_CELLS = 128  # cells per side of the frame (2 px of the frame each)
# the pattern is high-passed in the frame (Gaussian sigma): the decoder discards lower frequencies
# (its residual's sigma is 1.0); 2.0 -> 1.5, the same reads on every 4th design picture for 0.14 dB
# more PSNR (session 14)
_G_HP = 1.5
_G_RESIDUAL = 1.0  # decoder's residual: frame minus its Gaussian blur (sigma)
_G_LOCAL = 4.0  # decoder's local standard deviation (sigma), by which the residual is divided
_G_ALPHA = 1.0  # grey levels (RMS, before the texture mask) of a bit at unit strength
_SMALL_QUALITY = 70  # JPEG quality of the embedder's small-copy check
_G_CHECK_TARGET = 2.0  # margin asked after the embedder's compression check
_G_TARGET = 3.0  # margin each bit's soft value is brought to (informed embedding)
_G_KEPT_MIN = 0.2  # least share of the modelled response taken to survive the small check (raises at most 5x)
_G_STOP = 24  # bits still short after a check that end the layer's rounds (measured: more left WebP 80 misses)
_G_MIN, _G_MAX = 0.3, 6.0  # per-bit strength limits
# how far past a shortfall the embedder's checks raise a bit (compression is not linear): 1.0 was
# 0.1 dB clearer and lost a 50% downscale with JPEG 70 of two design pictures (session 13)
_G_GAIN = 1.5
_G_T = 16
_G_WEAK = 6  # bits per codeword the embedder does not pay to bring to their margin
_G_CHECK_ERRORS = 6  # wrong bits after JPEG 50 past which the tiles must survive JPEG 50 themselves
_G_CHASE = 0  # Chase decoding changed nothing for this layer on the design set (measured): not worth its time

# texture mask (texture / ref) ** gamma, clipped (wm-1's)
_MASK_REF, _MASK_GAMMA, _MASK_LO, _MASK_HI = 7.0, 0.7, 0.35, 2.5

# Tiled layer
_T_ALPHA = wm1._ALPHA
_T_SYNC_SHARE = 0.5
# The tile is high-passed before it is laid, its RMS kept: gain (1 - exp(-2 pi^2 sigma^2 f^2)) ** power.
# The decoder's residual is the picture less its blur (sigma 1.2): the pattern's low frequencies
# cost PSNR and reach the decoder at a tenth of their amplitude or less (f = 0.05 cycles/px: 0.07).
# Session 14, every 4th design picture: PSNR +0.3 dB with the same reads (a full high-pass, sigma
# 1.2 and power 1, moved the mark to frequencies a rescaled crop loses: 6 of 123 crops resized back)
_T_SHAPE_SIGMA, _T_SHAPE_POWER = 2.0, 0.5
_T_GRID = 64  # payload cells per tile side
_T_T = 8
_T_CHASE = 5
_CROP = 0.8  # the tiles are sized for at least this crop (of each side)
_T_NOISE = 1.0  # margin asked of the tiles, in units of the kept part's own lean (see _TilePlan)
_T_WEAK = 3  # bits allowed under that margin (BCH corrects 8)
_T_MIN, _T_MAX = 0.45, 3.0  # limits of the tiles' strength, times _T_ALPHA
_T_CANCEL = 1.0  # share of the picture's own lean on the tile patterns that the embedder cancels
# tile bit errors after a screenshot, JPEG 50 or WebP 80 that an embedding may leave before the tiles
# are strengthened (BCH corrects 8): with the 1.1x step below, 6 left 8 design pictures' WebP 80
# copies unread and 5 one (1.5x steps and 6: three; session 13)
_T_CHECK_ERRORS = 5
# A check that fails raises the tiles by _T_BOOST while its errors are over _T_FAR times those
# allowed, and by _T_STEP near them: 1.5 every time left the mark up to half again stronger than
# the checks asked (session 13: with _headroom, the whole design set's PSNR 41.3 -> 41.6 dB and
# SSIM 0.980 -> 0.982, every attack of issue 20's list still read from 99-100% of the copies)
_T_BOOST, _T_STEP, _T_FAR = 1.5, 1.1, 3.0
_T_TURN_LEAST = 5.0  # degrees: a lesser hardest turn keeps nearly the whole picture, as the turn on its own canvas does
_T_TURN_ERRORS = 8  # tile bit errors after a 45-degree turn (and crop), turned back, that strengthen the tiles
_WEBP_PIXELS = 500_000  # pictures under this many pixels whose mark is faint get a WebP 80 check (the tiles)
_WEBP_RMS = 2.3  # faint: the first mark's RMS in grey levels under this (about 41 dB PSNR)
# Brightening by a fifth turns every channel over 212 white, and the mark there with it: pictures
# with more than _BRIGHT_SHARE of their pixels so bright (products on white, bright prints) get a
# check of it (the tiles). Design pictures over 20% (244, 2 payloads): copies lost after it 10 -> 2,
# 8 pictures raised, their mean PSNR -0.06 dB; 20% and 30% raise the same pictures (session 16)
_BRIGHT_GAIN = 1.2
_BRIGHT_SHARE = 0.3
# check-and-strengthen rounds of the embedder: a smooth small picture starts at the tiles' floor
# and needs four or five 1.5x raises, then a few 1.1x ones, to survive a screenshot, JPEG 50 or
# WebP 80 (session 10's design photos: with three 1.5x rounds, 10 of 12 misses; most pictures
# stop in one or two rounds)
_ROUNDS = 10
_LEGACY_CHASE = 2  # wm-1 words away from the picture's own geometry: fewer Chase trials (false-decode budget)

Array = NDArray[Any]  # float32 planes and uint8 pictures alike: numpy's stubs lose dtypes through OpenCV


@dataclass(frozen=True)
class Reading:
    found: bool
    scheme: str
    record_id: str | None
    confidence: float
    layer: str = ""  # "global" or "tiles"
    scale: float = 1.0
    angle: float = 0.0  # degrees counter-clockwise that bring the picture back (tiles)
    turns: int = 0  # quarter turns counter-clockwise that bring the picture back (global layer)
    mirrored: bool = False  # then a left-right mirror (global layer)
    decoded: int = 0  # the global layer's 8 arrangements when it found the mark; else tile geometries decoded


# ---------------------------------------------------------------- payload


@dataclass(frozen=True)
class _Code:
    """Record id + CRC-24, BCH over GF(2^8) with ``t`` errors corrected."""

    t: int
    chase: int

    @property
    def bch(self) -> Any:
        return _bch(self.t)

    @property
    def bits(self) -> int:
        return int(_DATA_BYTES * 8 + self.bch.ecc_bits)

    def encode(self, record: int) -> NDArray[np.uint8]:
        data = record.to_bytes(ID_BITS // 8, "big")
        data += _crc(data)
        ecc = bytes(self.bch.encode(data))
        return np.unpackbits(np.frombuffer(data + ecc, dtype=np.uint8))[: self.bits]

    def decode(self, bits: NDArray[np.uint8]) -> tuple[int, int] | None:
        padded = np.zeros(-(-self.bits // 8) * 8, np.uint8)
        padded[: self.bits] = bits
        packet = np.packbits(padded).tobytes()
        data, ecc = bytearray(packet[:_DATA_BYTES]), bytearray(packet[_DATA_BYTES:])
        errors = self.bch.decode(bytes(data), bytes(ecc))
        if errors < 0:
            return None
        self.bch.correct(data, ecc)
        body, crc = bytes(data[: ID_BITS // 8]), bytes(data[ID_BITS // 8 :])
        if _crc(body) != crc:
            return None
        return int.from_bytes(body, "big"), int(errors)

    def decode_soft(self, soft: Array, chase: int | None = None) -> tuple[int, int] | None:
        """BCH on the hard decision, then Chase: the flips of the least reliable bits."""
        return _chase(soft, self.decode, self.chase if chase is None else chase)


def _chase(soft: Array, decode: Any, flips: int) -> tuple[int, int] | None:
    hard = (soft > 0).astype(np.uint8)
    first: tuple[int, int] | None = decode(hard)
    if first is not None or flips <= 0:
        return first
    weakest = [int(i) for i in np.argsort(np.abs(soft))[:flips]]
    for count in range(1, flips + 1):
        for flipped in itertools.combinations(weakest, count):
            trial = hard.copy()
            trial[list(flipped)] ^= 1
            decoded = decode(trial)
            if decoded is not None:
                return int(decoded[0]), int(decoded[1]) + count
    return None


@cache
def _bch(t: int) -> Any:
    import bchlib

    return bchlib.BCH(t=t, m=8)


def _crc(data: bytes) -> bytes:
    return (zlib.crc32(SCHEME.encode() + data) & 0xFFFFFF).to_bytes(_CRC_BYTES, "big")


GLOBAL_CODE = _Code(_G_T, _G_CHASE)
TILE_CODE = _Code(_T_T, _T_CHASE)


# ---------------------------------------------------------------- pixels


def _luma(rgb: Array, out: Array | None = None) -> Array:
    return wm1._luma(rgb, out)


# Adding d to R, G and B in proportion to their luminance weights changes the luminance by
# d at the least squared error: 0.746 of adding d to each channel (1.3 dB of PSNR).
_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)
_SPREAD = _WEIGHTS / float(np.sum(_WEIGHTS**2))


_APPLY_PIXELS = 1 << 17  # pixels changed at a time: the strip's temporaries stay in cache


def _apply(rgb: Array, luma_delta: Array, out: Array | None = None) -> Array:
    """``rgb`` with its luminance changed by ``luma_delta``: each channel gets its share,
    rounded and added with saturation (OpenCV's uint8 arithmetic: no float copy of ``rgb``).
    A strip of rows at a time (the same pixels: each is changed alone), into ``out`` if
    given (a buffer of ``rgb``'s shape used again): on a 2048 px picture the whole-picture
    temporaries cost a third more than the arithmetic."""
    import cv2

    h, w = luma_delta.shape
    if out is None:
        out = np.empty_like(rgb)
    rows = max(1, _APPLY_PIXELS // max(1, w))
    for top in range(0, h, rows):
        strip, part = luma_delta[top : top + rows], out[top : top + rows]
        # the negative part is kept negative: convertScaleAbs takes |value x share|, the same for either sign
        up, down = cv2.max(strip, 0.0), cv2.min(strip, 0.0)
        ups = [cv2.convertScaleAbs(up, alpha=float(f)) for f in _SPREAD]
        downs = [cv2.convertScaleAbs(down, alpha=float(f)) for f in _SPREAD]
        cv2.add(rgb[top : top + rows], cv2.merge(ups), dst=part)
        cv2.subtract(part, cv2.merge(downs), dst=part)
    return out


def _mask(y: Array) -> Array:
    """wm-1's texture mask, (texture / 7) ** 0.7 clipped to 0.35.._MASK_HI: more mark where
    texture hides it. The texture's wide blur (sigma 4) is taken at half size (a smooth
    field: the same to a few percent, at a quarter of the cost)."""
    import cv2

    blur = cv2.GaussianBlur(y, (0, 0), 2)
    mask: Array = _half_blur(cv2.absdiff(y, blur, dst=blur), 4.0, into=blur)  # the texture; in place below
    mask *= 1 / _MASK_REF
    mask = cv2.pow(mask, _MASK_GAMMA, dst=mask)
    np.clip(mask, _MASK_LO, _MASK_HI, out=mask)
    return mask


# Grey levels of luminance a pixel must be able to move either way (in every channel, by its
# share of the change: _SPREAD) for the full mark; less room, less mark. Near black or white one
# half of the mark is clipped: what is left shifts the local mean and its specks show on white,
# the most visible part of the mark by SSIM (session 13, design set: pixels under 4 grey levels
# were 6% of the pixels and 18% of the SSIM loss). Both layers since session 14 (the global layer's
# soft blotches on white: SSIM +0.0008 on every 4th design picture, the same reads); session 13
# kept the global layer out, for a mostly black picture (gold_fish) whose clipped half is all
# that carries it through a downscale: _HEADROOM_LEAST leaves that picture whole.
_HEADROOM = 3.0
# ...unless too few pixels have room: where the mean share is under this (a page of text on white,
# 0.02; a fish on black, 0.10), the mark keeps its full strength everywhere, clipped half and
# all, as it did before: with the headroom that page's crops, turns and screenshot no longer
# read, nor the fish's screenshot (session 13). The design set's next emptiest pictures (0.2-0.35:
# the fish's wider crops, products on white) read as before with it.
_HEADROOM_LEAST = 0.15


def _headroom(rgb: Array, mask: Array) -> Array:
    """``mask`` times the share of the full mark that each pixel can take unclipped (``mask``
    itself where those shares average under _HEADROOM_LEAST)."""
    room: Array | None = None
    for c, share in enumerate(_SPREAD):  # a channel at a time: no float copy of the whole picture
        channel = rgb[:, :, c]
        least = np.minimum(channel, 255 - channel).astype(np.float32)  # the nearer of black and white
        least *= 1.0 / (float(share) * _HEADROOM)
        room = least if room is None else np.minimum(room, least, out=room)
    assert room is not None
    np.minimum(room, 1.0, out=room)
    if float(np.mean(room)) < _HEADROOM_LEAST:
        return mask
    return np.multiply(mask, room, out=room)


def _half_blur(x: Array, sigma: float, into: Array | None = None) -> Array:
    """Gaussian blur of ``x`` taken at half size and brought back (for wide blurs of smooth
    fields); ``into``: a plane of ``x``'s shape to write it in (``x`` itself will do)."""
    import cv2

    h, w = x.shape
    half = cv2.resize(x, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    out: Array = cv2.resize(cv2.GaussianBlur(half, (0, 0), sigma / 2), (w, h), into, interpolation=cv2.INTER_LINEAR)
    return out


def _local_deviation(high: Array) -> Array:
    """sqrt(Gaussian(high^2, sigma 4)) + 1, the blur taken at half size."""
    square = high * high
    out: Array = _half_blur(square, 4.0, into=square)
    np.maximum(out, 0.0, out=out)
    np.sqrt(out, out=out)
    out += 1.0  # in place: the picture-sized temporaries were most of a check's memory
    return out


def residual_parts(y: Array) -> tuple[Array, Array]:
    """(high-pass, local deviation) of luminance ``y``; the tiles' residual is their ratio."""
    import cv2

    blur = cv2.GaussianBlur(y, (0, 0), 1.2)
    high: Array = np.subtract(y, blur, out=blur)
    return high, _local_deviation(high)


def residual(y: Array) -> Array:
    high, local = residual_parts(y)
    out: Array = np.divide(high, local, out=high)
    return out


_EDGE = 3  # px along the edge of a window brought back that are not read (its interpolated border)


def turned_back(y: Array, scale: float, angle: float) -> Array:
    """The residual of luminance ``y`` brought back to the stamped scale and orientation (wm1._warp,
    about its centre), zero where the warp reached past ``y``: wm1._warp fills that by reflection
    (which keeps the residual's blurs clean at the edge), and a reflected mark folds in as noise.
    Nemo.jp2 (design) turned 45 degrees and cropped, at its true turn: 6 bits wrong from its central
    1024 px, 9 from the whole picture, 5 and 3 with the reflection left out (docs/watermark-research.md,
    session 12)."""
    import cv2

    out = residual(wm1._warp(y, scale, angle))
    matrix, _ = wm1._warp_matrix(y.shape, scale, angle)
    h, w = y.shape
    corners = np.round(np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], np.float64) @ matrix.T).astype(np.int32)
    inside = np.zeros(out.shape, np.uint8)
    cv2.fillConvexPoly(inside, corners, 1)
    cv2.polylines(inside, [corners], True, 0, thickness=2 * _EDGE)
    out *= inside
    return out


# Above this many pixels the residual is taken a strip at a time: only its fold into one tile
# and a central window are needed, never all of it (memory stays bounded by the strip).
STRIP_PIXELS = 8_000_000
_STRIP_ROWS = 512  # a multiple of the tile: strips fold without a seam
_STRIP_MARGIN = 64  # rows either side: the residual's blurs reach 24 rows; even keeps the half-size blur aligned


def residual_fold(y: Array, window: int) -> tuple[Array, Array]:
    """(the residual of luminance ``y`` folded into one tile, its central ``window`` square).

    A large picture is read in strips with margins, so each strip's residual is the whole
    picture's there (exactly, for an even height; an odd one moves the half-size blur's grid
    by under a pixel at the bottom)."""
    h, w = y.shape
    if h * w <= STRIP_PIXELS:
        full = residual(y)
        return wm1._fold(full), wm1._central(full, window)
    return fold_strips((y[top : top + _STRIP_ROWS] for top in range(0, h, _STRIP_ROWS)), (h, w), window)


def fold_strips(strips: Iterable[Array], shape: tuple[int, int], window: int) -> tuple[Array, Array]:
    """:func:`residual_fold` of a picture whose luminance comes as ``strips`` of rows, top to
    bottom, of any height: a few hundred rows are held at a time, never the whole picture.

    Each _STRIP_ROWS strip's residual is taken with _STRIP_MARGIN rows either side, the
    rows held in one buffer that moves down the picture (the same numbers as residual_fold's
    strips of an array)."""
    h, w = shape
    top_w, left_w = max(0, (h - window) // 2), max(0, (w - window) // 2)
    central: Array = np.empty((min(window, h), min(window, w)), np.float32)
    folded: Array = np.zeros((wm1.TILE, wm1.TILE), np.float32)
    capacity = _STRIP_ROWS + 2 * _STRIP_MARGIN
    held: Array = np.empty((capacity, w), np.float32)  # rows first .. first + count of the picture
    first = count = top = 0
    for rows in strips:
        at = 0
        while at < len(rows):
            take = min(len(rows) - at, capacity - count)
            held[count : count + take] = rows[at : at + take]
            count, at = count + take, at + take
            while top < h and first + count >= min(h, top + _STRIP_ROWS + _STRIP_MARGIN):
                stop = min(h, top + _STRIP_ROWS)
                lo, hi = max(0, top - _STRIP_MARGIN), min(h, stop + _STRIP_MARGIN)
                strip = residual(held[lo - first : hi - first])[top - lo : stop - lo]
                folded += wm1._fold(strip)
                start, end = max(top, top_w), min(stop, top_w + central.shape[0])
                if start < end:
                    cols = slice(left_w, left_w + central.shape[1])
                    central[start - top_w : end - top_w] = strip[start - top : end - top, cols]
                top = stop
                keep = max(0, top - _STRIP_MARGIN)  # the next strip's first row
                held[: first + count - keep] = held[keep - first : count].copy()
                first, count = keep, first + count - keep
    if top < h:
        raise WatermarkError(f"the strips held {first + count} rows of the picture's {h}")
    return folded, central


# ---------------------------------------------------------------- global layer


@cache
def _layout() -> tuple[NDArray[np.intp], Array]:
    """(bit carried by each cell, its sign), cells in row order; every bit gets an equal share."""
    n = GLOBAL_CODE.bits
    raw = hashlib.shake_256((SCHEME + "/global").encode()).digest(16 * _CELLS * _CELLS)
    keys = np.frombuffer(raw[: 8 * _CELLS * _CELLS], dtype=np.uint64)
    bit = (np.arange(_CELLS * _CELLS) % n)[np.argsort(keys, kind="stable")]
    signs = np.unpackbits(np.frombuffer(raw[8 * _CELLS * _CELLS :], dtype=np.uint8))[: _CELLS * _CELLS]
    return bit.astype(np.intp), (signs.astype(np.float32) * 2 - 1)


def _frame_pattern(cells: Array) -> Array:
    """The frame (256 x 256) for given cell values: upsampled, high-passed."""
    import cv2

    frame = cv2.resize(cells.astype(np.float32), (_CANON, _CANON), interpolation=cv2.INTER_LINEAR)
    out: Array = frame - cv2.GaussianBlur(frame, (0, 0), _G_HP)
    return out


@cache
def _unit_scale() -> float:
    """Multiplier that makes the frame pattern of unit-strength random bits _G_ALPHA RMS."""
    bit, sign = _layout()
    rng = np.random.default_rng(0)
    cells = (sign * (rng.integers(0, 2, GLOBAL_CODE.bits)[bit] * 2 - 1)).reshape(_CELLS, _CELLS)
    return float(_G_ALPHA / _frame_pattern(cells).std())


def _frame(y: Array) -> Array:
    """The global frame: luminance ``y`` of the whole picture resized to 256 x 256."""
    import cv2

    frame: Array = cv2.resize(y, (_CANON, _CANON), interpolation=cv2.INTER_AREA)
    return frame


def _frame_cells(frame: Array) -> Array:
    """Per cell, the frame's whitened residual averaged over the cell (the matched filter)."""
    import cv2

    r = frame - cv2.GaussianBlur(frame, (0, 0), _G_RESIDUAL)
    r = r / (np.sqrt(cv2.GaussianBlur(r * r, (0, 0), _G_LOCAL)) + 0.5)
    cells: Array = cv2.resize(r, (_CELLS, _CELLS), interpolation=cv2.INTER_AREA)
    return cells


def _global_soft(cells: Array) -> Array:
    bit, sign = _layout()
    soft: Array = np.bincount(bit, weights=sign * cells.ravel(), minlength=GLOBAL_CODE.bits).astype(np.float32)
    return soft


def _arrangements(cells: Array) -> list[Array]:
    """The 8 mirrors and quarter turns of the cells, one of which undoes what was done to the
    picture: arrangement 2 t + m turns the cells t quarter turns counter-clockwise, then
    mirrors them left-right if m."""
    out = []
    for turns in range(4):
        turned = np.rot90(cells, turns)
        out += [turned, turned[:, ::-1]]
    return out


def _jpeg(y: Array, quality: int) -> Array:
    """Luminance ``y`` after JPEG at ``quality``. A grey JPEG: its Y plane is what a colour
    JPEG of the picture would keep (the same weights and quantisation table), at a third
    of the cost; the marks live in Y. OpenCV's codec: the same libjpeg-turbo arithmetic as
    Pillow's (the same pixels on every design picture at qualities 50, 70 and 75: tested),
    without Pillow's chunked writes to a Python buffer (a quarter to a third faster)."""
    import cv2

    rounded = np.rint(y)
    np.clip(rounded, 0, 255, out=rounded)
    ok, data = cv2.imencode(".jpg", rounded.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise WatermarkError("OpenCV could not encode a JPEG check copy")
    decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    if decoded is None:
        raise WatermarkError("OpenCV could not decode its own JPEG check copy")
    out: Array = decoded.astype(np.float32)
    return out


def _webp(y: Array) -> Array:
    """Luminance ``y`` after WebP at quality 80 (libwebp's defaults, as Pillow and cwebp use
    them; OpenCV's codec gives the same pixels as Pillow's for a grey picture, measured)."""
    import cv2

    rounded = np.rint(y)
    np.clip(rounded, 0, 255, out=rounded)
    ok, data = cv2.imencode(".webp", rounded.astype(np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 80])
    decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if ok else None
    if decoded is None:
        raise WatermarkError("OpenCV could not make a WebP check copy")
    out: Array = decoded.astype(np.float32)
    return out


def _brightened_share(rgb: Array) -> float:
    """The share of pixels that brightening by :data:`_BRIGHT_GAIN` turns white in a channel.

    Counted by OpenCV: numpy's any() over the channels of a uint8 picture cost about 65 ms per
    megapixel, two thirds of what embedding may (measured, session 16)."""
    import cv2

    keep = int(255 / _BRIGHT_GAIN)  # the brightest grey level that stays under white
    kept = int(cv2.countNonZero(cv2.inRange(rgb, (0, 0, 0), (keep, keep, keep))))
    return 1.0 - kept / float(rgb.shape[0] * rgb.shape[1])


def _brightened(rgb: Array) -> Array:
    """Luminance of picture ``rgb`` brightened by :data:`_BRIGHT_GAIN`: each channel scaled and
    clipped, as Pillow's ImageEnhance.Brightness makes it to within a grey level."""
    import cv2

    out: Array = _luma(cv2.convertScaleAbs(rgb, alpha=_BRIGHT_GAIN))
    return out


def _resized(y: Array, factor: float) -> Array:
    import cv2

    h, w = y.shape
    out: Array = cv2.resize(y, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    return out


def _small_jpeg_frame(y: Array, frame: Array | None = None) -> Array:
    """The global frame of luminance ``y`` downscaled to 256 px on the short side (the
    smallest copy we promise to read) and saved as JPEG 70. ``frame``: y's frame, if made;
    a square picture's small copy is its frame (the same area resize)."""
    factor = MIN_SIDE / min(y.shape)
    h, w = y.shape
    if frame is not None and factor < 1 and (round(w * factor), round(h * factor)) == (_CANON, _CANON):
        return _frame(_jpeg(frame, _SMALL_QUALITY))
    return _frame(_jpeg(_resized(y, factor) if factor < 1 else y, _SMALL_QUALITY))


def _spare(need: Array) -> Array:
    """``need`` with its _G_WEAK largest values set to 0: the bits that would cost the most
    are left to the error correction (BCH corrects 16), which has room for them."""
    out = need.copy()
    if _G_WEAK:
        out[np.argsort(need)[-_G_WEAK:]] = 0.0
    return out


class _GlobalPlan:
    """The global layer for one picture: per-bit strengths, set by informed embedding.

    Soft value of bit i = the picture's own lean H_i + strength_i x its response E_i. Each
    strength is first set so that the sum reaches _G_TARGET; bits that fall short after the
    checks (JPEG 50; a downscale to 256 px and JPEG 70) are then strengthened."""

    def __init__(self, y: Array, record: int, mask: Array) -> None:
        import cv2

        self.shape, self.mask = y.shape, mask
        bit, sign = _layout()
        self.bit = bit
        self.truth = GLOBAL_CODE.encode(record).astype(np.float32) * 2 - 1
        self.cell_sign = sign * self.truth[bit]
        frame = _frame(y)
        high = frame - cv2.GaussianBlur(frame, (0, 0), _G_RESIDUAL)
        local = np.sqrt(cv2.GaussianBlur(high * high, (0, 0), _G_LOCAL)) + 0.5
        self.host = _global_soft(cv2.resize(high / local, (_CELLS, _CELLS), interpolation=cv2.INTER_AREA)) * self.truth
        self.strength = np.ones(len(self.truth), np.float32)
        # response of unit strengths through the decoder's filter, with the picture's own local contrast
        unit = cv2.resize(self.layer(), (_CANON, _CANON), interpolation=cv2.INTER_AREA)
        unit_high = unit - cv2.GaussianBlur(unit, (0, 0), _G_RESIDUAL)
        cells = cv2.resize(unit_high / local, (_CELLS, _CELLS), interpolation=cv2.INTER_AREA)
        self.response = np.maximum(_global_soft(cells) * self.truth, 1e-3)
        self.strength = np.clip(_spare((_G_TARGET - self.host) / self.response), _G_MIN, _G_MAX).astype(np.float32)

    def layer(self) -> Array:
        import cv2

        cells = (self.cell_sign * self.strength[self.bit]).reshape(_CELLS, _CELLS)
        frame = _frame_pattern(cells) * _unit_scale()
        h, w = self.shape
        out: Array = cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR) * self.mask
        return out

    def margins(self, frame: Array) -> Array:
        return _global_soft(_frame_cells(frame)) * self.truth

    def kept(self, small: Array, small_host: Array) -> float:
        """The share of the modelled response that the small check kept, the median over bits
        (``small_host``: the unmarked picture's margins there). Smooth pictures keep a fifth to
        a half (the uint8 rounding of a faint layer, then JPEG 70 at 256 px), busy ones 0.8-1."""
        kept = float(np.median((small - small_host) / (self.strength * self.response)))
        return float(np.clip(kept, _G_KEPT_MIN, 1.0))

    def strengthen(self, worst: Array, kept: float = 1.0) -> bool:
        """Raise the bits whose worst margin fell short, by their shortfall over the response
        the checks showed (``kept`` of the modelled one); False when no more than _G_STOP fell
        short (or none can be raised)."""
        short = _spare(_G_GAIN * np.maximum(0.0, _G_TARGET - worst) / (self.response * kept))
        if np.count_nonzero(short) <= _G_STOP:
            return False
        raised = np.clip(self.strength + short, _G_MIN, _G_MAX).astype(np.float32)
        if np.array_equal(raised, self.strength):
            return False
        self.strength = raised
        return True


class _TilePlan:
    """The tiled layer for one picture, informed twice over.

    * The picture's own lean on each payload pattern is cancelled (ISS): the part of it that
      survives a crop, which keeps most tiles, no longer adds to the noise.
    * The strength is the least that leaves the central part a 45-degree turn keeps after
      its corners are cropped (the hardest crop we promise) at most _T_WEAK bits short of a
      margin of _T_NOISE times that part's own lean: busy and small pictures get more, large
      ones less. Responses are taken through the decoder's filter with the picture's own
      local contrast (the mark hardly changes it). The embedder's checks may raise it: a
      screenshot, JPEG 50, the 45-degree turn as the decoder reads it, which the crop model
      above does not see whole (interpolation, reflected corners), and WebP 80 for a faint
      mark on a small picture."""

    def __init__(self, y: Array, record: int, mask: Array) -> None:
        import cv2

        self.shape, self.mask = y.shape, mask
        self.truth = TILE_CODE.encode(record).astype(np.float32) * 2 - 1
        high, local = residual_parts(y)
        r0 = np.divide(high, local, out=high)
        rows, cols = _kept(*y.shape)
        part = np.zeros_like(r0)
        part[rows, cols] = r0[rows, cols]
        self.lean, lean_part = _lean(r0), _lean(part)
        plain = _tiled(y.shape, self.truth, mask)
        rt = np.subtract(plain, cv2.GaussianBlur(plain, (0, 0), 1.2), out=plain)
        np.divide(rt, local, out=rt)  # in place: picture-sized temporaries cost more than their arithmetic
        part[rows, cols] = rt[rows, cols]
        self.response = float(np.mean(_lean(rt) * self.truth))
        response_part = float(np.mean(_lean(part) * self.truth))
        self.strength = 1.0
        if self.response > 0 and response_part > 0:
            left = self.truth * (lean_part - _T_CANCEL * (response_part / self.response) * self.lean)
            need = np.sort((_T_NOISE * float(np.std(lean_part)) - left) / response_part)
            self.strength = float(np.clip(need[len(need) - 1 - _T_WEAK], _T_MIN, _T_MAX))
        # a picture sized above the floor is checked after a 45-degree turn; at the floor the
        # turn left it slack (measured)
        self.turn_check = self.strength > _T_MIN

    def layer(self) -> Array:
        cancel = _T_CANCEL * self.lean / (self.strength * self.response) if self.response > 0 else 0.0
        out: Array = _tiled(self.shape, self.truth - cancel, self.mask)
        out *= self.strength
        return out

    def errors(self, y: Array) -> int:
        """Bit errors of the tiles read from luminance ``y`` at the embedding's own alignment."""
        return int(np.count_nonzero((_lean(residual(y)) > 0) != (self.truth > 0)))

    def turned_errors(self, y: Array) -> int:
        """Bit errors of the tiles in luminance ``y`` after the hardest turns we promise to
        read, the most of: a turn by 45 degrees cropped to remove its corners or, where that
        crop would be under MIN_SIDE (a copy we do not promise to read), the turn on its own
        canvas with the corners black and the largest turn whose crop keeps MIN_SIDE (see
        _hardest_turn: a 640 x 426 picture turned by 30 degrees and cropped keeps 393 x 262,
        a smaller part of it than the turn on its own canvas). Each is turned back (wm1._warp,
        which fills the corners by reflection) and aligned by the sync pattern: as the decoder
        read it until session 12, a little harder than it reads now (:func:`turned_back`
        leaves the reflection out), so the check errs on the strong side."""
        h, w = y.shape
        if _turn_kept(h, w):
            return self._turned_errors(y, 45.0, turned_crop_share(w, h, 45.0))
        errors = self._turned_errors(y, 45.0, 1.0)
        angle = _hardest_turn(h, w)
        if angle >= _T_TURN_LEAST:
            errors = max(errors, self._turned_errors(y, angle, turned_crop_share(w, h, angle)))
        return errors

    def _turned_errors(self, y: Array, angle: float, share: float) -> int:
        """Bit errors of the tiles in ``y`` turned by ``angle`` degrees, of which the central
        ``share`` of each side is kept, turned back."""
        import cv2

        h, w = y.shape
        rows, cols = _central(h, w, share)
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        turn[:, 2] -= (cols.start, rows.start)  # only the kept part is made
        kept = cv2.warpAffine(y, turn, (cols.stop - cols.start, rows.stop - rows.start), flags=cv2.INTER_LINEAR)
        back = wm1._warp(kept, 1.0, -angle)
        _, soft = _tile_soft(residual(back))
        return int(np.count_nonzero((soft > 0) != (self.truth > 0)))

    def strengthen(self, excess: float) -> bool:
        """Raise the tiles after a check left ``excess`` times the errors it allows (see _T_STEP);
        False when they are at their ceiling."""
        if self.strength >= _T_MAX:
            return False
        self.strength = min(_T_MAX, self.strength * (_T_BOOST if excess > _T_FAR else _T_STEP))
        return True


def _global_read(y: Array) -> tuple[tuple[int, int], int] | None:
    """((record, errors), arrangement) of the global layer in luminance ``y``, or None."""
    return _global_read_frame(_frame(y))


def _global_read_frame(frame: Array) -> tuple[tuple[int, int], int] | None:
    """:func:`_global_read` of the picture's global frame."""
    cells = _frame_cells(frame)
    for index, arranged in enumerate(_arrangements(cells)):
        decoded = GLOBAL_CODE.decode_soft(_global_soft(arranged))
        if decoded is not None:
            return decoded, index
    return None


# ---------------------------------------------------------------- tiled layer


@cache
def _tile_patterns() -> tuple[Array, Array]:
    """(sync, payload patterns): wm-1's sync pattern (one search finds both schemes) and
    payload patterns of _T_GRID x _T_GRID cells."""
    import cv2

    sync = wm1.pattern_stream(1)[0]
    if _T_GRID == wm1._GRID:
        return sync, wm1.pattern_stream(TILE_CODE.bits + 1)[1:]
    count = TILE_CODE.bits
    raw = hashlib.shake_256((SCHEME + "/tiles").encode()).digest(count * _T_GRID * _T_GRID // 8)
    signs = np.unpackbits(np.frombuffer(raw, dtype=np.uint8)).astype(np.float32) * 2 - 1
    grids = signs.reshape(count, _T_GRID, _T_GRID)
    tiles = np.stack([cv2.resize(g, (wm1.TILE, wm1.TILE), interpolation=cv2.INTER_LINEAR) for g in grids])
    normalised: Array = (tiles - tiles.mean(axis=(1, 2), keepdims=True)) / tiles.std(axis=(1, 2), keepdims=True)
    return sync, normalised


@cache
def _pattern_factors() -> tuple[Array, Array, Array, Array]:
    """(grids, upsampling, means, deviations) of the payload patterns of :func:`_tile_patterns`.

    Each pattern is (U g U^T - mean) / deviation, g its +-1 grid and U the linear upsampling
    that cv2.resize applies to each axis (a 128 x 64 matrix; exactly, tested), so its
    correlation with a folded tile F is (<g, U^T F U> - mean sum(F)) / deviation: a product
    with the 64 x 64 grids (2.5 MB) instead of the 128 x 128 patterns (10 MB, which did not
    stay in cache between calls)."""
    import cv2

    if _T_GRID != wm1._GRID:
        raise WatermarkError("the factored patterns assume wm-1's grid")
    grids = wm1.pattern_grids(TILE_CODE.bits + 1)[1:]
    upsample = cv2.resize(np.eye(_T_GRID, dtype=np.float32), (_T_GRID, wm1.TILE), interpolation=cv2.INTER_LINEAR)
    tiles = upsample @ grids @ upsample.T  # the patterns before normalisation, for their means and deviations
    flat: Array = np.ascontiguousarray(grids.reshape(len(grids), -1))
    return flat, upsample, tiles.mean(axis=(1, 2)), tiles.std(axis=(1, 2))


def pattern_lean(folded: Array) -> Array:
    """Correlations of a folded tile with the payload patterns of :func:`_tile_patterns`
    (the same as ``patterns @ folded``, to float32 rounding; see :func:`_pattern_factors`)."""
    flat, upsample, mean, deviation = _pattern_factors()
    reduced = upsample.T @ folded @ upsample
    lean: Array = (flat @ reduced.reshape(-1) - mean * float(folded.sum())) / deviation
    return lean.astype(np.float32)


def _tile(coefficients: Array) -> Array:
    """The tile for payload pattern coefficients (+-1 for plain bits), with the sync pattern.

    The sum of the patterns (U g U^T - mean) / deviation weighted by the coefficients is
    U (sum of the weighted grids) U^T less the weighted means (:func:`_pattern_factors`): the
    same tile to float32 rounding, without the 10 MB of upsampled patterns."""
    sync = wm1.pattern_stream(1)[0]
    flat, upsample, mean, deviation = _pattern_factors()
    weights = coefficients.astype(np.float32) / deviation
    grid = (weights @ flat).reshape(_T_GRID, _T_GRID)
    payload = (upsample @ grid @ upsample.T - float(weights @ mean)) / np.sqrt(len(coefficients))
    tile: Array = (np.sqrt(1 - _T_SYNC_SHARE**2) * payload + _T_SYNC_SHARE * sync).astype(np.float32)
    return tile


@cache
def tile_filter() -> Array:
    """The tile's high-pass (_T_SHAPE_SIGMA, _T_SHAPE_POWER) on its half spectrum: the shaping
    of the laid tile, and the decoder's matched filter (:func:`matched`, _tiles._matched)."""
    fy, fx = np.fft.fftfreq(wm1.TILE)[:, None], np.fft.rfftfreq(wm1.TILE)[None, :]
    low = np.exp(-2 * np.pi**2 * _T_SHAPE_SIGMA**2 * (fy**2 + fx**2))
    gain: Array = ((1 - low) ** _T_SHAPE_POWER).astype(np.float32)
    return gain


def _shaped(tile: Array) -> Array:
    """``tile`` high-passed as a periodic pattern (:func:`tile_filter`), at its own RMS: the
    same mark's energy where the decoder reads it."""
    out = matched(tile)  # the same filter the decoder reads through
    out *= float(np.std(tile)) / max(float(np.std(out)), 1e-12)
    return out


def _tiled(shape: tuple[int, int], coefficients: Array, mask: Array) -> Array:
    h, w = shape
    tiled = np.tile(_shaped(_tile(coefficients)), (h // wm1.TILE + 1, w // wm1.TILE + 1))[:h, :w]
    out: Array = np.multiply(_T_ALPHA, tiled, dtype=np.float32)
    out *= mask  # in place: (alpha x tile) x mask, as before
    return out


def _lean(r: Array) -> Array:
    """Soft values of a residual on the tile patterns, folded where the embedder's tiles go,
    as the decoder reads them (:func:`matched`)."""
    return pattern_lean(matched(wm1._fold(r)))


def matched(folded: Array) -> Array:
    """A folded tile through the tile's shaping (:func:`tile_filter`): its correlation with the
    plain payload patterns is then the correlation with the patterns as laid, the matched
    filter. The plain correlation weighed the low tile frequencies, which the shaping leaves
    faint and the picture fills, as much as the rest: matched, the embedder's checks ask less
    of it (session 15, every 3rd design picture: 41.41 -> 41.73 dB, SSIM 0.9826 -> 0.9840, 36
    -> 33 of 4,352 attacked copies lost). wm-1's marks, laid plain, read through it as well
    (measured: fewer lost)."""
    from numpy import fft

    out: Array = fft.irfft2(fft.rfft2(folded) * tile_filter(), s=folded.shape).astype(np.float32)
    return out


def _kept(h: int, w: int) -> tuple[slice, slice]:
    """The central rectangle, of the picture's shape, that a copy turned by 45 degrees keeps
    once cropped to remove its corners; never smaller than MIN_SIDE on its short side (a
    smaller copy is not one we promise to read) unless a crop to 80% is smaller still."""
    k = min(_CROP, max(turned_crop_share(w, h, 45.0), MIN_SIDE / min(h, w)))
    return _central(h, w, k)


def _central(h: int, w: int, share: float) -> tuple[slice, slice]:
    ch, cw = int(h * share), int(w * share)
    top, left = (h - ch) // 2, (w - cw) // 2
    return slice(top, top + ch), slice(left, left + cw)


def _turn_kept(h: int, w: int) -> bool:
    """Whether a copy turned by 45 degrees and cropped to remove its corners keeps MIN_SIDE
    pixels on its short side (smaller copies are not ones we promise to read)."""
    return bool(min(h, w) * turned_crop_share(w, h, 45.0) >= MIN_SIDE)


def _hardest_turn(h: int, w: int) -> float:
    """The largest turn, in degrees (at most 45), whose crop without corners still keeps
    MIN_SIDE pixels on its short side: the hardest turned crop we promise to read of this
    picture; 0 where none does. The share kept falls as the turn grows (bisection)."""
    if _turn_kept(h, w):
        return 45.0
    if min(h, w) * turned_crop_share(w, h, 0.5) < MIN_SIDE:
        return 0.0
    low, high = 0.0, 45.0
    for _ in range(20):
        mid = (low + high) / 2
        low, high = (mid, high) if min(h, w) * turned_crop_share(w, h, mid) >= MIN_SIDE else (low, mid)
    return low


def _screenshot(y: Array) -> Array:
    """Luminance ``y`` shrunk to 80%, saved as JPEG 75 and brought back to size (the
    benchmark's screenshot without its crop): what the tiles must survive."""
    import cv2

    h, w = y.shape
    back: Array = cv2.resize(_jpeg(_resized(y, 0.8), 75), (w, h), interpolation=cv2.INTER_LINEAR)
    return back


def _tile_soft(r: Array) -> tuple[float, Array]:
    """(sync z-score, soft values of the 152 tile patterns) of residual ``r`` at its own geometry."""
    return tile_soft_folded(wm1._fold(r))


def tile_soft_folded(folded: Array) -> tuple[float, Array]:
    """:func:`_tile_soft` of a residual already folded into one tile, aligned by the sync
    pattern to a fraction of a pixel.

    A copy turned or rescaled by another program is brought back with its tiles a fraction
    of a pixel off (programs put the centre of a turn half a pixel apart), which a whole-
    pixel alignment leaves: on the design set's 480 x 270 copies turned by 45 degrees that
    half pixel cost as many wrong bits as the turn itself (docs/watermark-research.md,
    2026-12-05). The fraction is the vertex of the parabola through the sync match's peak
    and its neighbours on each axis; the folded tile is periodic, so it is shifted exactly
    by a phase ramp in its spectrum."""
    from numpy import fft

    spectrum = fft.rfft2(folded)
    match = fft.irfft2(spectrum * wm1._sync_spectrum(), s=folded.shape)
    dy, dx = np.unravel_index(int(np.argmax(match)), match.shape)
    z = float((match[dy, dx] - match.mean()) / (match.std() + 1e-9))
    n = folded.shape[0]
    peak = float(match[dy, dx])
    fy = _vertex(float(match[(dy - 1) % n, dx]), peak, float(match[(dy + 1) % n, dx]))
    fx = _vertex(float(match[dy, (dx - 1) % n]), peak, float(match[dy, (dx + 1) % n]))
    ramp = np.exp(2j * np.pi * (fft.fftfreq(n)[:, None] * (dy + fy) + fft.rfftfreq(n)[None, :] * (dx + fx)))
    aligned = fft.irfft2(spectrum * (ramp * tile_filter()).astype(np.complex64), s=folded.shape).astype(np.float32)
    return z, pattern_lean(aligned)  # aligned and matched (:func:`matched`) in one transform


def _vertex(left: float, mid: float, right: float) -> float:
    """Where the parabola through a peak and its two neighbours peaks, in pixels from the peak."""
    curve = left - 2 * mid + right
    return 0.0 if curve >= 0 else float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))


# ---------------------------------------------------------------- public


def embed(img: Image.Image, record_id: str, *, strength: float = 1.0) -> Image.Image:
    """A copy of ``img`` carrying ``record_id`` (16 hex digits, or fewer) in both layers.

    Each layer is sized for this picture (see _TilePlan and _GlobalPlan); the marked copy
    then goes through a downscale to 256 px with JPEG 70 (the global layer, raised by its
    shortfall over the response that check kept, until at most _G_STOP bits are short) and
    through a screenshot, JPEG 50, a 45-degree turn (see _TilePlan.turned_errors) and, for a
    faint mark on a small picture, WebP 80 (the tiles), and whichever layer came back short
    is strengthened (at most _ROUNDS times; the tiles by a smaller step once their errors are
    near what a check allows). The mark stays out of pixels too near black or white to take
    it both ways (_headroom). ``strength`` scales both."""
    if min(img.size) < MIN_SIDE:
        raise WatermarkError(
            f"image is {img.width}x{img.height}; watermarking needs at least {MIN_SIDE} px on the short side"
        )
    record = int(record_id, 16)
    if not 0 <= record < 1 << ID_BITS:
        raise ValueError(f"record id {record_id!r} does not fit {ID_BITS} bits")
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    y = _luma(rgb)
    mask = _headroom(rgb, _mask(y))
    tiles, whole = _TilePlan(y, record, mask), _GlobalPlan(y, record, mask)
    tile_layer, global_layer = tiles.layer(), whole.layer()  # each made again only when its strength changes
    delta = np.add(tile_layer, global_layer)  # one buffer for every round: fresh memory is dear
    delta *= strength
    marked = _apply(rgb, delta)
    tiles_done = global_done = False
    small_host = whole.margins(_small_jpeg_frame(y, _frame(y)))  # the picture's own lean through the small check
    turned = False  # the turned check is made in the tiles' first round only
    # checks made from the first round the others pass until they pass themselves (after a raise
    # too: a 1.1x step may not be enough). WebP 80, for a faint mark on a small picture: its few
    # tiles lose more there than through JPEG 50 (measured on the design set's web-sized crops; the
    # check costs about 70 ms per megapixel, so only there). Brightening by a fifth, for a picture
    # it turns largely white: the tiles there go with it (_BRIGHT_SHARE).
    webp: Callable[[Array, Array], Array] = lambda _, luma: _webp(luma)  # noqa: E731 (a check of (rgb, luma))
    bright: Callable[[Array, Array], Array] = lambda picture, _: _brightened(picture)  # noqa: E731
    pending = {
        webp: y.size < _WEBP_PIXELS and float(np.sqrt(np.mean(np.square(delta)))) < _WEBP_RMS,
        bright: _brightened_share(rgb) > _BRIGHT_SHARE,
    }
    for _ in range(_ROUNDS):
        seen = _luma(marked, out=y)  # y's buffer: the plans are made, nothing reads y again
        if not global_done:
            # margins are asked of the clean copy (_G_TARGET) and of the small JPEG (_G_CHECK_TARGET)
            frame = _frame(seen)
            small = whole.margins(_small_jpeg_frame(seen, frame))
            kept = whole.kept(small, small_host)
            small = small + _G_TARGET - _G_CHECK_TARGET
            global_done = not whole.strengthen(np.minimum(whole.margins(frame), small), kept)
            if not global_done:
                global_layer = whole.layer()
        if not tiles_done:
            # the tiles must survive the screenshot (the global frame moves with its crop), and
            # JPEG 50 when the global layer alone would not (its margins do not depend on its strength)
            jpeg = _jpeg(seen, 50)
            jpeg_errors = np.count_nonzero(whole.margins(_frame(jpeg)) <= 0)
            # in the tiles' first round the turned check stands in for the screenshot (it too loses
            # detail to interpolation, and keeps less of the picture); later rounds read the screenshot
            turn, turned = tiles.turn_check and not turned, True
            checks = ([] if turn else [_screenshot(seen)]) + ([jpeg] if jpeg_errors > _G_CHECK_ERRORS else [])
            excess = max((tiles.errors(check) for check in checks), default=0) / _T_CHECK_ERRORS
            for check, due in pending.items():
                if due and excess <= 1:
                    excess = tiles.errors(check(marked, seen)) / _T_CHECK_ERRORS
                    pending[check] = excess > 1
            if turn and excess <= 1:
                excess = tiles.turned_errors(seen) / _T_TURN_ERRORS
            tiles_done = not (excess > 1 and tiles.strengthen(excess))
            if not tiles_done:
                tile_layer = tiles.layer()
        if tiles_done and global_done:
            break
        np.add(tile_layer, global_layer, out=delta)
        if strength != 1.0:
            delta *= strength
        marked = _apply(rgb, delta, out=marked)  # the last round's copy is read (luminance) and no longer needed
    return Image.fromarray(marked, "RGB")


def detect(img: Image.Image, *, search: bool = True) -> Reading:
    """Find a provenance-wm-2 mark (global layer, then tiles) or a provenance-wm-1 mark (tiles).

    A picture over STRIP_PIXELS is read in one pass of strips (:func:`_streamed`): its
    luminance is never held whole. ``search=False`` reads the global layer alone (a few ms
    per megapixel, the luminance held whole): a whole copy of a marked picture, re-encoded,
    rescaled, mirrored or turned, reads; a crop or a rotation, which the tile search finds, does not."""
    from provenance.watermark import _tiles

    if min(img.size) < wm1.TILE:
        return Reading(False, SCHEME, None, 0.0)
    if not search:
        return _global_reading(_frame(wm1.picture_luma(img))) or Reading(False, SCHEME, None, 0.0)
    if img.width * img.height > STRIP_PIXELS and min(img.size) >= _CANON:
        frame, folded, seen = _streamed(img)
        found = _global_reading(frame)
        return found or _tiles.search_folded(_tiles.Luma((img.height, img.width), _central_luma(img)), folded, seen)
    y = wm1.picture_luma(img)
    return _global_reading(_frame(y)) or _tiles.search(y)


def _global_reading(frame: Array) -> Reading | None:
    found = _global_read_frame(frame)
    if found is None:
        return None
    (record, errors), index = found
    turns, mirrored = divmod(index, 2)
    confidence = _confidence(errors, GLOBAL_CODE)
    record_id = f"{record:016x}"
    return Reading(True, SCHEME, record_id, confidence, "global", turns=turns, mirrored=bool(mirrored), decoded=8)


_STREAM_ROWS = 64  # rows of a large picture converted to luminance at a time


def _streamed(img: Image.Image) -> tuple[Array, Array, Array]:
    """(global frame, tile fold, central residual window) of a picture, from one pass over
    its rows: the luminance of 64 rows at a time (wm1.picture_luma's values), each row
    area-resized to the frame's width as it goes (the frame is then the column of those
    rows area-resized to its height: cv2's INTER_AREA is separable, and sums each row
    first the same way), and the residual folded strip by strip (:func:`fold_strips`)."""
    import cv2

    from provenance.imaging import rgb_strips

    h, w = img.height, img.width
    across: Array = np.empty((h, _CANON), np.float32)  # every row, area-resized to the frame's width
    rgb: Array = np.empty((_STREAM_ROWS, w, 3), np.float32)  # reused: fresh memory is dear

    def rows() -> Iterator[Array]:
        top = 0
        for strip in rgb_strips(img, rows=_STREAM_ROWS):
            n = len(strip)
            rgb[:n] = strip
            y: Array = cv2.cvtColor(rgb[:n], cv2.COLOR_RGB2GRAY)
            across[top : top + n] = cv2.resize(y, (_CANON, n), interpolation=cv2.INTER_AREA)
            top += n
            yield y

    folded, seen = fold_strips(rows(), (h, w), wm1._SWEEP_WINDOW)
    frame: Array = cv2.resize(across, (_CANON, _CANON), interpolation=cv2.INTER_AREA)
    return frame, folded, seen


_ALIGN = 64  # OpenCV converts a row in SIMD blocks and its last few pixels apart: crops start on a block


def _central_luma(img: Image.Image) -> Callable[[int], Array]:
    """``central(size)``: the luminance of the picture's central ``size`` square, the same
    numbers as wm1._central of wm1.picture_luma, converted from that square alone when the
    search asks for it (the largest one asked is kept: smaller ones lie inside it)."""
    h, w = img.height, img.width
    held: list[tuple[int, int, int, Array]] = []  # (size, top, left, luminance)

    def central(size: int) -> Array:
        top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
        if not held or held[0][0] < size:
            # columns from a multiple of _ALIGN to one (or to the end of the row), so that
            # every pixel goes through the same arithmetic as in the whole row
            start = left - left % _ALIGN
            stop = min(w, start + -(-(min(w, left + size) - start) // _ALIGN) * _ALIGN)
            crop = img.crop((start, top, stop, min(h, top + size)))
            rgb = np.asarray(crop if crop.mode == "RGB" else crop.convert("RGB"), dtype=np.uint8)
            held[:] = [(size, top, start, _luma(rgb))]
        _, held_top, held_left, y = held[0]
        rows, cols = slice(top - held_top, top - held_top + size), slice(left - held_left, left - held_left + size)
        out: Array = y[rows, :][:, cols][: h - top, : w - left]
        return out

    return central


def _confidence(errors: int, code: _Code) -> float:
    return round(max(0.0, 1.0 - errors / (code.t + code.chase + 1)), 3)
