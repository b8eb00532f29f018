"""What a decode returns, and record ids as text: shared by every scheme."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WatermarkReading:
    """What one decode found. ``record_id`` is set only when ``found``.

    Where the mark says how the picture was turned since it was marked (provenance-wm-2's
    global layer reads mirrors and quarter turns, its tiles rotations), ``turns`` (quarter
    turns counter-clockwise), ``mirrored`` and ``angle`` (degrees counter-clockwise) undo it:
    see :func:`provenance.watermark.upright`. ``frame``: the mark was read from the whole
    picture's frame (provenance-wm-2's global layer, which a crop destroys), so the image shows
    the whole stamped picture, resized or turned perhaps, but not cropped. ``scale``: image
    pixels per pixel of the stamped picture, as the tiles measured it (None when not measured)."""

    found: bool
    scheme: str
    record_id: str | None
    confidence: float
    turns: int = 0
    mirrored: bool = False
    angle: float = 0.0
    frame: bool = False
    scale: float | None = None


def format_id(value: int, bits: int) -> str:
    """A record id as fixed-width lowercase hex (10 digits for 40 bits, 16 for 64)."""
    return f"{value:0{bits // 4}x}"


def parse_id(text: str, bits: int) -> int:
    value = int(text, 16)
    if not 0 <= value < 1 << bits:
        raise ValueError(f"record id {text!r} is out of range")
    return value
