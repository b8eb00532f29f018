"""A smooth gain across a picture: what a vignette, or light falling off toward a side, does.

The thumbnail's blocks (thumbnail.py) and the claim thumbnail's pixels (detail.py) both compare a
copy with its picture after a picture-wide tone match; a phone's vignette darkens the corners by a
gain that varies across the picture, which neither match follows."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
_DARK = 8.0  # grey levels: black says nothing of a gain
_LEAST = 64  # sampled pixels a fit needs


def smooth_gain(own: Array, target: Array, use: Array, step: int) -> Array | None:
    """The gain field (a quadratic in the picture's coordinates) that brings grey ``own`` nearest
    ``target``: fitted by least squares on every ``step``-th row and column where ``use`` holds,
    the worst-fitting pixels (marks, a caption) left out over three rounds. None with too little
    to fit."""
    h, w = own.shape
    rows, cols = np.mgrid[0:h:step, 0:w:step]
    grid = use[::step, ::step].astype(bool) & (own[::step, ::step] > _DARK)
    if int(grid.sum()) < _LEAST:
        return None
    values = own[::step, ::step][grid].astype(np.float64)
    wanted = target[::step, ::step][grid].astype(np.float64)
    x, y = cols[grid] / w * 2 - 1, rows[grid] / h * 2 - 1
    terms = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1) * values[:, None]
    keep = np.ones(len(values), bool)
    coef: Array = np.zeros(6)
    for _ in range(3):
        coef = np.asarray(np.linalg.lstsq(terms[keep], wanted[keep], rcond=None)[0])
        error = np.abs(terms @ coef - wanted)
        keep = error < max(6.0, 4.5 * float(np.median(error[keep])))
    x_all = (np.arange(w, dtype=np.float32) / w * 2 - 1)[None, :]
    y_all = (np.arange(h, dtype=np.float32) / h * 2 - 1)[:, None]
    gain = (
        coef[0] + coef[1] * x_all + coef[2] * y_all + coef[3] * x_all**2 + coef[4] * x_all * y_all + coef[5] * y_all**2
    )
    return np.asarray(gain, np.float32)
