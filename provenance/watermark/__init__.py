"""Invisible watermarks: ours, and reading the older schemes.

``embed`` writes ``provenance-wm-2`` (64-bit record id in two layers: a global one that
survives downscaling, aspect changes, mirroring and quarter turns, and wm-1's tiles, which
survive crops and rotations). ``detect`` reads wm-2, whose tile search also finds
``provenance-wm-1`` marks (the same sync pattern), and falls back to ``provenance-wm-0``
(dwtDctSvd with a 40-bit id), so images stamped before keep their record, reported under
their own scheme's name.
"""

from __future__ import annotations

from PIL import Image

from provenance.watermark import wm0, wm1, wm2
from provenance.watermark._reading import WatermarkReading, format_id, parse_id

SCHEME = wm2.SCHEME
SCHEMES = (wm2.SCHEME, wm1.SCHEME, wm0.SCHEME)
ID_BITS = wm2.ID_BITS
MIN_SIDE = wm2.MIN_SIDE
READ_SIDE = wm1.TILE  # detect reads pictures from this short side up (MIN_SIDE: the smallest it marks)


def format_record_id(value: int) -> str:
    return format_id(value, ID_BITS)


def parse_record_id(text: str) -> int:
    return parse_id(text, ID_BITS)


STRENGTHS = (1.0, 1.6, 2.5, 4.0)  # tried in turn by the stamp until the mark reads back


def embed(img: Image.Image, record_id: str, *, strength: float = 1.0) -> Image.Image:
    """A copy of ``img`` carrying ``record_id`` in the current scheme."""
    return wm2.embed(img, record_id, strength=strength)


def detect(img: Image.Image, *, search: bool = True) -> WatermarkReading:
    """The first scheme that finds a mark (wm-2 or wm-1, then wm-0), or not found.

    ``search=False``: wm-2's whole-picture layer alone (a few ms per megapixel; see wm2.detect):
    for a caller that asks only whether a picture is a whole copy of a marked one."""
    current = wm2.detect(img, search=search)
    if current.found:
        return WatermarkReading(
            True,
            current.scheme,
            current.record_id,
            current.confidence,
            current.turns,
            current.mirrored,
            current.angle,
            frame=current.layer == "global",
            scale=current.scale if current.layer == "tiles" else None,
        )
    older = wm0.detect(img) if search else None
    if older is not None and older.found:
        return WatermarkReading(True, wm0.SCHEME, older.record_id, older.confidence)
    return WatermarkReading(False, SCHEME, None, 0.0)


def upright(img: Image.Image, reading: WatermarkReading) -> Image.Image:
    """``img`` turned back the way it was marked, as far as ``reading`` says: fingerprints of a
    mirrored or rotated copy then compare with the registered picture's."""
    import numpy as np

    from provenance.watermark import _tiles

    if reading.turns or reading.mirrored:
        img = Image.fromarray(_tiles.oriented(np.asarray(img), reading.turns, reading.mirrored))
    if abs(reading.angle) >= LEAST_TURN:
        img = img.rotate(reading.angle, resample=Image.Resampling.BICUBIC)
    return img


# degrees: a copy turned less is taken as it is. The tiles measure an upright copy within a tenth of a
# degree, and turning it back by that much drew black slivers into a white frame around the picture:
# a screenshot read "parts differ" at 74 % of its size and "whole" at 75 % (a walkthrough)
LEAST_TURN = 1.0


__all__ = ["ID_BITS", "LEAST_TURN", "MIN_SIDE", "READ_SIDE", "SCHEME", "SCHEMES", "WatermarkReading", "detect", "embed",
           "format_record_id", "parse_record_id", "upright"]  # fmt: skip
