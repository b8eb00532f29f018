"""provenance-wm-2 on small pictures (issue 20, docs/watermark-research.md, 2026-12-05).

The design set's web-sized crops (16:9 at 480 px and others) showed three things: a copy
turned by another program lies a fraction of a pixel off the tile grid, a small picture's
45-degree turn is only promised with its corners filled, and WebP 80 takes more of a faint
mark on a small picture than JPEG 50 does. These tests use the samples (no scikit-image), so
they run in `make test`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from provenance.watermark import _tiles, wm1, wm2
from tests.conftest import SAMPLES


def _wide(name: str) -> Image.Image:
    """The benchmark design set's 16:9 crop at 480 x 270 (benchmarks/watermark.py, web_crops)."""
    img = Image.open(SAMPLES / name).convert("RGB")
    ch = min(img.height, img.width * 9 / 16)
    cw = ch * 16 / 9
    left, top = (img.width - cw) / 2, (img.height - ch) / 2
    box = (round(left), round(top), round(left + cw), round(top + ch))
    return img.crop(box).resize((480, 270), Image.Resampling.LANCZOS)


def _read(img: Image.Image, record: str) -> bool:
    reading = wm2.detect(img)
    return reading.found and reading.record_id == record


def test_the_tiles_are_aligned_to_a_fraction_of_a_pixel() -> None:
    """A folded tile half a pixel off its grid reads as it does on the grid: the soft values
    keep their margins, where whole-pixel alignment lost a fifth of them."""
    record = 0x0123456789ABCDEF
    marked = wm1.picture_luma(wm2.embed(Image.open(SAMPLES / "astronaut.png").convert("RGB"), f"{record:016x}"))
    folded = wm1._fold(wm2.residual(marked))
    n = folded.shape[0]
    ramp = np.exp(-2j * np.pi * (np.fft.fftfreq(n)[:, None] * 7.5 + np.fft.rfftfreq(n)[None, :] * 3.5))
    moved = np.fft.irfft2(np.fft.rfft2(folded) * ramp, s=folded.shape).astype(np.float32)
    truth = wm2.TILE_CODE.encode(record).astype(np.float32) * 2 - 1
    _, on_grid = wm2.tile_soft_folded(folded)
    _, off_grid = wm2.tile_soft_folded(moved)
    assert float(np.mean(off_grid * truth)) >= 0.98 * float(np.mean(on_grid * truth))


def test_a_small_wide_picture_is_checked_turned_on_its_own_canvas() -> None:
    """Its 45-degree turn cropped to remove the corners is under 256 px (not promised); the
    turn with the corners filled is, and the embedder checks that one."""
    img = _wide("astronaut.png")
    assert not wm2._turn_kept(270, 480)
    y = wm1.picture_luma(img)
    tiles = wm2._TilePlan(y, 0x0123456789ABCDEF, wm2._mask(y))
    assert tiles.turn_check
    marked = wm1.picture_luma(wm2.embed(img, "0123456789abcdef"))
    assert tiles.turned_errors(marked) <= wm2._T_TURN_ERRORS < tiles.turned_errors(y)


def test_a_small_wide_copy_turned_45_degrees_reads() -> None:
    record = "0123456789abcdef"
    marked = wm2.embed(_wide("astronaut.png"), record)
    assert _read(marked.rotate(45, resample=Image.Resampling.BICUBIC), record)


def test_a_faint_mark_on_a_small_picture_survives_webp_80() -> None:
    """samples/rocket.jpg's 480 x 270 crop with this record: without the embedder's WebP check
    its WebP 80 copy did not read (measured); the check strengthens the tiles."""
    record = "63191f6190ef5c68"
    img = _wide("rocket.jpg")
    assert img.width * img.height < wm2._WEBP_PIXELS
    buf = io.BytesIO()
    wm2.embed(img, record).save(buf, "WEBP", quality=80)
    assert _read(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), record)


def test_a_strong_sync_whose_decode_fails_is_decoded_a_step_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refinement's geometry is a few tenths of a percent off on small turned copies; where
    its decode fails, the geometries NEAR it are decoded. The refined ones are made to fail here."""
    record = "0123456789abcdef"
    copy = wm2.embed(_wide("astronaut.png"), record).rotate(30, resample=Image.Resampling.BICUBIC)
    refined: list[tuple[float, float]] = []
    warped: list[tuple[float, float]] = []
    real_refine, real_warp, real_decode = _tiles.refine, wm1._warp, _tiles._decode

    def refine(spectrum: Any, scale: float, angle: float) -> list[tuple[float, float, float]]:
        out = real_refine(spectrum, scale, angle)
        refined.extend((s, a) for _, s, a in out)
        return out

    def warp(y: Any, scale: float, angle: float) -> Any:
        warped.append((scale, angle))
        return real_warp(y, scale, angle)

    def decode(folded: Any, *, own: bool) -> Any:
        return None if own or warped[-1] in refined else real_decode(folded, own=own)

    monkeypatch.setattr(_tiles, "refine", refine)
    monkeypatch.setattr(wm1, "_warp", warp)
    monkeypatch.setattr(_tiles, "_decode", decode)
    reading = _tiles.search(wm1.picture_luma(copy))
    assert reading.found
    assert reading.record_id == record
    scale, angle = refined[0]
    near = [(scale * (1 + ds), angle + da) for ds, da in _tiles.NEAR]
    assert any(np.allclose(w, n, rtol=0, atol=1e-9) for w in warped for n in near)


def test_the_near_decodes_stay_within_the_false_decode_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """However many strong geometries a picture shows, at most MAX_DECODED words are decoded."""
    strong = [(20.0, 1.0 + k / 50, 0.0, "main") for k in range(1, 12)]
    monkeypatch.setattr(_tiles, "candidates", lambda y, seen: (strong, {"main": None}))
    monkeypatch.setattr(_tiles, "refine", lambda spectrum, s, a: [(20.0, s, a), (20.0, s * 1.001, a)])
    monkeypatch.setattr(wm1, "_warp", lambda y, s, a: y)
    monkeypatch.setattr(_tiles, "_decode", lambda folded, own: None)
    reading = _tiles.search(np.full((300, 300), 128, np.float32))
    assert not reading.found
    assert reading.decoded == _tiles.MAX_DECODED
