"""invisible-watermark's frequency-domain embedders, with and without the package.

invisible-watermark is no longer part of the light install (it requires torch,
about 2 GB): it comes with the ``generate`` extra. Every decoder we need is our
own code already (``wm0._vote_fractions``, ``detect.sd_watermark``), tested vote
for vote against the library. The one embedder still used, dwtDctSvd (the
``provenance-wm-0`` scheme, kept for tests and benchmarks), runs the library's
code when it is installed and an equivalent of ours otherwise (:func:`encode_dwt_dct_svd`,
cross-checked bit for bit in tests/test_watermark.py).

``import imwatermark`` runs the package ``__init__``, which imports its rivaGan
module and with it torch (about a second and a gigabyte). The DWT/DCT embedders
only need numpy, OpenCV and PyWavelets, so :func:`dwt_dct_svd` and :func:`dwt_dct`
load those two modules straight from the installed package's files.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from provenance.errors import MissingExtraError


def installed() -> bool:
    """Whether invisible-watermark is installed (the ``generate`` extra)."""
    return importlib.util.find_spec("imwatermark") is not None


@cache
def _module(filename: str) -> ModuleType:
    spec = importlib.util.find_spec("imwatermark")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("invisible-watermark's embedders", "generate")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    name = f"_provenance_imwatermark_{path.stem}"
    mod_spec = importlib.util.spec_from_file_location(name, path)
    if mod_spec is None or mod_spec.loader is None:
        raise MissingExtraError("invisible-watermark's embedders", "generate")
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[name] = module
    mod_spec.loader.exec_module(module)
    return module


def dwt_dct_svd() -> ModuleType:
    """Module holding ``EmbedDwtDctSvd`` (method ``dwtDctSvd``)."""
    return _module("dwtDctSvd.py")


def dwt_dct() -> ModuleType:
    """Module holding ``EmbedMaxDct`` (method ``dwtDct``, used by Stable Diffusion)."""
    return _module("maxDct.py")


def encode_dwt_dct_svd(
    bgr: NDArray[np.uint8], bits: Sequence[int], scales: Sequence[int], *, block: int = 4, own: bool = False
) -> NDArray[np.uint8]:
    """``EmbedDwtDctSvd(bits, len(bits), scales, block).encode(bgr)``: the library's when
    installed (unless ``own``), else :func:`_own_dwt_dct_svd`."""
    if installed() and not own:
        embedder = dwt_dct_svd().EmbedDwtDctSvd(
            watermarks=list(bits), wmLen=len(bits), scales=list(scales), block=block
        )
        encoded: NDArray[np.uint8] = embedder.encode(bgr)
        return encoded
    return _own_dwt_dct_svd(bgr, bits, scales, block)


def _own_dwt_dct_svd(
    bgr: NDArray[np.uint8], bits: Sequence[int], scales: Sequence[int], block: int
) -> NDArray[np.uint8]:
    """The library's dwtDctSvd encoder, step for step but one batched SVD instead of a
    Python loop over blocks. Why the DCT can go: it is orthonormal, so the block and its
    DCT have the same singular values, and setting the largest one in the DCT domain then
    inverting equals setting it in the pixel domain. Kept as in the library: the swapped
    horizontal and vertical details given to ``idwt2`` and the float-to-uint8 store."""
    import cv2
    import pywt

    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    payload = np.asarray(bits, dtype=np.float64)
    for channel in range(2):
        scale = scales[channel]
        if scale <= 0:
            continue
        ca1, (h1, v1, d1) = pywt.dwt2(yuv[: rows // 4 * 4, : cols // 4 * 4, channel], "haar")
        _embed_frame(ca1, payload, float(scale), block)
        yuv[: rows // 4 * 4, : cols // 4 * 4, channel] = pywt.idwt2((ca1, (v1, h1, d1)), "haar")
    return np.asarray(cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR), dtype=np.uint8)


def _embed_frame(frame: NDArray[np.float64], payload: NDArray[np.float64], scale: float, block: int) -> None:
    """Block i (row-major) gets bit ``i % len(payload)`` in its largest singular value, in place."""
    br, bc = frame.shape[0] // block, frame.shape[1] // block
    if br == 0 or bc == 0:
        return
    view = frame[: br * block, : bc * block]
    blocks = view.reshape(br, block, bc, block).swapaxes(1, 2).reshape(-1, block, block)
    u, s, vh = np.linalg.svd(blocks)
    wanted = payload[np.arange(len(blocks)) % payload.size]
    s[:, 0] = (s[:, 0] // scale + 0.25 + 0.5 * wanted) * scale
    rebuilt = np.matmul(u * s[:, None, :], vh)
    view[...] = rebuilt.reshape(br, bc, block, block).swapaxes(1, 2).reshape(br * block, bc * block)
