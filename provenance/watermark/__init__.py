"""Invisible watermarks: ours, and reading the older scheme.

``embed`` writes ``provenance-wm-1`` (64-bit record id, BCH, survives crops, resizing
and small rotations). ``detect`` reads ``provenance-wm-1`` first and falls back to
``provenance-wm-0`` (the first scheme, dwtDctSvd with a 40-bit id), so images stamped
before keep their record, reported under their older scheme's name.
"""

from __future__ import annotations

from PIL import Image

from provenance.watermark import wm0, wm1
from provenance.watermark._reading import WatermarkReading, format_id, parse_id

SCHEME = wm1.SCHEME
SCHEMES = (wm1.SCHEME, wm0.SCHEME)
ID_BITS = wm1.ID_BITS
MIN_SIDE = wm1.MIN_SIDE


def format_record_id(value: int) -> str:
    return format_id(value, ID_BITS)


def parse_record_id(text: str) -> int:
    return parse_id(text, ID_BITS)


STRENGTHS = (1.0, 1.6, 2.5, 4.0)  # tried in turn by the stamp until the mark reads back


def embed(img: Image.Image, record_id: str, *, strength: float = 1.0) -> Image.Image:
    """A copy of ``img`` carrying ``record_id`` in the current scheme."""
    return wm1.embed(img, record_id, strength=strength)


def detect(img: Image.Image) -> WatermarkReading:
    """The first scheme that finds a mark (current first), or not found."""
    current = wm1.detect(img)
    if current.found:
        return WatermarkReading(True, wm1.SCHEME, current.record_id, current.confidence)
    older = wm0.detect(img)
    if older.found:
        return WatermarkReading(True, wm0.SCHEME, older.record_id, older.confidence)
    return WatermarkReading(False, wm1.SCHEME, None, 0.0)


__all__ = ["ID_BITS", "MIN_SIDE", "SCHEME", "SCHEMES", "WatermarkReading", "detect", "embed", "format_record_id",
           "parse_record_id"]  # fmt: skip
