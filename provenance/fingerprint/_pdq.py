"""PDQ computed at the 64 x 64 points it keeps: the same hash as pdqhash, for a quarter of the time.

Meta's reference hasher (which pdqhash binds) makes a float grey copy of the whole picture
(in numpy, float64 first: 4 ms a megapixel), runs two box filters along every row and every
column of it (a tent filter, Jarosz), then keeps 64 x 64 of the filtered values. Filtering
is linear and separable, so each kept value is a weighted sum over a small window: 64 row
weights times the picture times 64 column weights. Here those weights are built from the
reference's own box definition (a window of ceil(side / 128), clipped and re-normalised at
the edges, two passes per axis), applied to the colour channels at the kept rows only, and
the grey is taken of the 64 x ``width`` result. The DCT, median and quality score follow the
reference. The values agree with pdqhash's float buffers to float32 rounding, so the bits
agree except where a coefficient ties the median to a few parts in a million
(tests/test_pdq.py compares the hashes, the quality and the seven turned hashes).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

_SIDE = 64  # the reference keeps 64 x 64 filtered values
_DCT = 16  # and the 16 x 16 lowest frequencies after DC of their DCT
_WINDOW_DIVISOR = 128  # the reference's window: ceil(side / 128), two passes
_PASSES = 2
_LUMA = (0.299, 0.587, 0.114)
_MIN_SIDE = 5  # the reference gives a zero hash of quality 0 to a picture narrower than this


def _window(side: int) -> int:
    return (side + _WINDOW_DIVISOR - 1) // _WINDOW_DIVISOR


@lru_cache(maxsize=16)
def _weights(side: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """(first index, weights) of each of the 64 kept positions along an axis of ``side``:
    the kept position's row of the box filter applied ``_PASSES`` times, as
    ``weights[i] @ values[first[i] : first[i] + width]``."""
    window = _window(side)
    half = (window + 2) // 2
    left, right = window - half, half - 1  # the reference's box at o covers [o - left, o + right]
    positions = np.arange(side)
    lo = np.maximum(positions - left, 0)
    hi = np.minimum(positions + right, side - 1)
    kept = (((np.arange(_SIDE) + 0.5) * side) / _SIDE).astype(np.intp)
    rows = np.zeros((_SIDE, side))
    rows[np.arange(_SIDE), kept] = 1.0
    for _ in range(_PASSES):
        # rows @ B, where B[o, lo[o]:hi[o] + 1] = 1 / count(o): spread each entry over its box.
        spread = rows / (hi - lo + 1)
        steps = np.zeros((_SIDE, side + 1))
        every = np.arange(_SIDE)[:, None]
        np.add.at(steps, (every, lo[None, :]), spread)
        np.add.at(steps, (every, hi[None, :] + 1), -spread)
        rows = np.cumsum(steps[:, :side], axis=1)
    # Each pass widens the support by the box's reach; outside it the sums' rounding is not weight.
    first = np.maximum(kept - _PASSES * left, 0)
    last = np.minimum(kept + _PASSES * right, side - 1)
    width = int((last - first).max()) + 1
    first = np.minimum(first, side - width)
    gather = first[:, None] + np.arange(width)[None, :]
    return first.astype(np.intp), np.take_along_axis(rows, gather, axis=1)


@lru_cache(maxsize=16)
def _row_weights(side: int) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    first, weights = _weights(side)
    return first, weights.astype(np.float32)


@lru_cache(maxsize=16)
def _column_matrix(side: int) -> NDArray[np.float64]:
    """The column weights as a ``side x 64`` matrix (one product for all 64 kept columns)."""
    first, weights = _weights(side)
    span = weights.shape[1]
    matrix = np.zeros((side, _SIDE))
    for j in range(_SIDE):
        matrix[first[j] : first[j] + span, j] = weights[j]
    return matrix


def _kept_values(rgb: Array) -> NDArray[np.float64]:
    """The 64 x 64 grey values the reference keeps after its tent filter."""
    height, width = rgb.shape[:2]
    first, row_weights = _row_weights(height)
    span = row_weights.shape[1]
    flat = rgb.reshape(height, width * 3)
    across = np.empty((_SIDE, width * 3), np.float32)
    band = np.empty((span, width * 3), np.float32)  # one float band at a time: no float copy of the picture
    for i in range(_SIDE):
        band[...] = flat[first[i] : first[i] + span]
        np.matmul(row_weights[i], band, out=across[i])
    grey = across.reshape(_SIDE, width, 3).astype(np.float64) @ np.array(_LUMA)
    kept: NDArray[np.float64] = grey @ _column_matrix(width)
    return kept


@lru_cache(maxsize=1)
def _dct_matrix() -> NDArray[np.float64]:
    i = np.arange(1, _DCT + 1)[:, None]
    j = np.arange(_SIDE)[None, :]
    matrix: NDArray[np.float64] = np.sqrt(2.0 / _SIDE) * np.cos((np.pi / 2 / _SIDE) * i * (2 * j + 1))
    return matrix


def _quality(kept: Array) -> int:
    """The reference's gradient score: truncated steps of 100/255 grey level, summed, / 90, at most 100."""
    down = np.trunc((kept[:-1, :] - kept[1:, :]) * 100 / 255)
    across = np.trunc((kept[:, :-1] - kept[:, 1:]) * 100 / 255)
    total = int(np.abs(down).sum() + np.abs(across).sum())
    return min(total // 90, 100)


def _bits(coefficients: Array) -> NDArray[np.uint8]:
    """256 bits, most significant first as pdqhash returns them: coefficient (i, j) above the
    median (the 128th smallest, as the reference's Torben median) is bit 16 i + j, counted
    from the least significant end."""
    flat = coefficients.reshape(-1)
    median = np.partition(flat, 127)[127]
    bits: NDArray[np.uint8] = (flat > median).astype(np.uint8)[::-1]
    return bits


def _turns(coefficients: Array) -> list[Array]:
    """The DCT of the picture turned and mirrored, read off its own DCT (the reference's order:
    as is, rotated 90, 180, 270, flipped x, flipped y, the two transposes): a flip changes the
    sign of odd frequencies (here odd indices, the DCT starting at frequency 1), a transpose
    swaps the axes."""
    c = coefficients
    odd = (np.arange(_DCT) % 2).astype(bool)
    even_rows = np.where(odd[:, None], 1.0, -1.0)  # +1 on odd i (even frequency), -1 on even i
    even_cols = np.where(odd[None, :], 1.0, -1.0)
    return [
        c,
        (c * even_cols).T,
        c * even_rows * even_cols,
        (c * even_rows).T,
        c * even_rows,
        c * even_cols,
        c.T,
        (c * even_rows * even_cols).T,
    ]


def hash_rgb(rgb: Array, *, turns: bool = False) -> tuple[list[NDArray[np.uint8]], int]:
    """([bits], quality) of a contiguous ``height x width x 3`` uint8 array; with ``turns``,
    the bits of all eight orientations, the picture's own first."""
    if min(rgb.shape[:2]) < _MIN_SIDE:
        return [np.zeros(256, np.uint8) for _ in range(8 if turns else 1)], 0
    kept = _kept_values(rgb)
    coefficients = _dct_matrix() @ kept @ _dct_matrix().T
    forms = _turns(coefficients) if turns else [coefficients]
    return [_bits(form) for form in forms], _quality(kept)
