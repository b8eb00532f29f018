"""provenance-wm-2's embedder spends no more mark than its checks ask (issue 20, item 2): the
mark stays out of pixels that cannot take it both ways, a check that fails near its limit
raises the tiles by a small step, checked again (docs/watermark-research.md, session 13), and
the tile is laid where the decoder reads it (session 14)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFilter

from provenance.watermark import _tiles, wm2

RECORD = 0x0123456789ABCDEF


def _grey(*levels: int) -> np.ndarray[Any, Any]:
    return np.array([[[v, v, v] for v in levels]], np.uint8)


def test_a_pixels_share_of_the_tiles_is_its_room_either_way_over_the_headroom() -> None:
    """Green takes the largest share of a luminance change (1.30 of it), so on grey it runs out of
    room first: a pixel 3 grey levels from black or white moves 3 / 1.30 levels of luminance."""
    share = wm2._headroom(_grey(0, 255, 3, 252, 20, 128), np.ones((1, 6), np.float32))[0]
    green = float(wm2._SPREAD[1])
    expected = [0.0, 0.0, 3 / green / wm2._HEADROOM, 3 / green / wm2._HEADROOM, 1.0, 1.0]
    assert share == pytest.approx(expected, rel=1e-5)


def test_the_channel_nearest_its_limit_sets_a_pixels_room() -> None:
    """Saturated red on black: blue (at 0) has no room down, so the tiles leave the pixel alone."""
    rgb = np.array([[[230, 0, 0], [230, 60, 40]]], np.uint8)
    share = wm2._headroom(rgb, np.full((1, 2), 2.0, np.float32))[0]
    assert share[0] == 0.0
    red_room_up = (255 - 230) / float(wm2._SPREAD[0])  # the least room of the second pixel's channels
    assert share[1] == pytest.approx(2.0 * min(1.0, red_room_up / wm2._HEADROOM))


def _studio_shot() -> Image.Image:
    """A 512 x 384 textured object between a pure black band and a pure white one."""
    rng = np.random.default_rng(5)
    texture = rng.normal(120, 40, (384, 512)).astype(np.float32)
    plane = np.asarray(Image.fromarray(np.clip(texture, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1)))
    grey = plane.copy()
    grey[:, :128] = 0
    grey[:, -128:] = 255
    return Image.fromarray(np.stack([grey] * 3, -1))


def _tiles_only(img: Image.Image, monkeypatch: pytest.MonkeyPatch) -> np.ndarray[Any, Any]:
    """The embedding's change to ``img`` with the global layer left out (its layer made zero)."""
    monkeypatch.setattr(wm2._GlobalPlan, "layer", lambda self: np.zeros(self.shape, np.float32))
    marked = wm2.embed(img, f"{RECORD:016x}")
    return np.asarray(marked, np.int16) - np.asarray(img, np.int16)


def test_the_tiles_leave_black_and_white_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Near black or white one half of the tiles would be clipped: what is left is a shift of
    the mean and specks on white. Without the headroom they change a fifth of those values."""
    img = _studio_shot()
    change = _tiles_only(img, monkeypatch)
    assert np.count_nonzero(change[:, 8:120]) == 0
    assert np.count_nonzero(change[:, -120:-8]) == 0
    assert np.count_nonzero(change[:, 200:312]) > 0.5 * change[:, 200:312].size
    monkeypatch.setattr(wm2, "_headroom", lambda rgb, mask: mask)
    unguarded = _tiles_only(img, monkeypatch)
    assert np.count_nonzero(unguarded[:, 8:120]) > 0.1 * unguarded[:, 8:120].size


def test_the_whole_mark_leaves_black_and_white_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """The global layer too (session 14): its soft blotches no longer lighten black or darken
    white; without the headroom it changes some of those values."""
    img = _studio_shot()
    change = np.asarray(wm2.embed(img, f"{RECORD:016x}"), np.int16) - np.asarray(img, np.int16)
    assert np.count_nonzero(change[:, 8:120]) == 0
    assert np.count_nonzero(change[:, -120:-8]) == 0
    monkeypatch.setattr(wm2, "_headroom", lambda rgb, mask: mask)
    unguarded = np.asarray(wm2.embed(img, f"{RECORD:016x}"), np.int16) - np.asarray(img, np.int16)
    assert np.count_nonzero(unguarded[:, 8:120]) > 0.1 * unguarded[:, 8:120].size


def _decoders_residual(tile: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A periodic tile less its blur (sigma 1.2), as the decoder's residual sees a tiled mark."""
    import cv2

    size = len(tile)
    big = np.tile(tile, (3, 3))
    high = big - cv2.GaussianBlur(big, (0, 0), 1.2)
    return np.ascontiguousarray(high[size : 2 * size, size : 2 * size])


def test_the_tile_is_laid_high_passed_at_its_own_energy() -> None:
    """The decoder reads the picture less its blur: the tile's low frequencies cost PSNR and
    reach it at a tenth of their amplitude. Shaped, the same RMS gives the decoder a tenth more
    of each bit (0.8 dB), and frequencies under 0.05 cycles a pixel keep under a quarter of
    their share of the power."""
    truth = np.random.default_rng(3).choice([-1.0, 1.0], wm2.TILE_CODE.bits).astype(np.float32)
    plain = wm2._tile(truth)
    shaped = wm2._shaped(plain)
    assert float(shaped.std()) == pytest.approx(float(plain.std()), rel=1e-4)

    def response(tile: np.ndarray[Any, Any]) -> float:
        return float(np.mean(wm2.pattern_lean(_decoders_residual(tile)) * truth))

    assert response(shaped) > 1.08 * response(plain)
    radius = np.hypot(np.fft.fftfreq(len(plain))[:, None], np.fft.rfftfreq(len(plain))[None, :])

    def low_share(tile: np.ndarray[Any, Any]) -> float:
        power = np.abs(np.fft.rfft2(tile)) ** 2
        return float(power[radius < 0.05].sum() / power.sum())

    assert low_share(shaped) < 0.25 * low_share(plain)


def test_the_tiles_read_from_the_pixels_that_had_room() -> None:
    """The tiles carried by the picture's textured part alone read back exactly (the tiles'
    search, not the global layer)."""
    marked = wm2.embed(_studio_shot(), f"{RECORD:016x}")
    reading = _tiles.search(wm2._luma(np.asarray(marked)))
    assert reading.layer == "tiles"
    assert reading.record_id == f"{RECORD:016x}"


def _plan(strength: float) -> wm2._TilePlan:
    y = np.asarray(_studio_shot().convert("L"), np.float32)
    plan = wm2._TilePlan(y, RECORD, wm2._mask(y))
    plan.strength = strength
    return plan


@pytest.mark.parametrize(
    ("excess", "factor"), [(5.0, wm2._T_BOOST), (wm2._T_FAR + 0.1, wm2._T_BOOST), (1.2, wm2._T_STEP)]
)
def test_a_check_far_over_its_limit_raises_the_tiles_a_lot_and_near_it_a_little(excess: float, factor: float) -> None:
    plan = _plan(1.0)
    assert plan.strengthen(excess)
    assert plan.strength == pytest.approx(factor)


def test_the_tiles_stop_at_their_ceiling() -> None:
    plan = _plan(wm2._T_MAX / 1.05)
    assert plan.strengthen(1.2)
    assert plan.strength == pytest.approx(wm2._T_MAX)
    assert not plan.strengthen(1.2)


def test_a_failed_webp_check_is_made_again_after_the_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small step may not be enough: the WebP check is made after each raise until it passes
    (before, it was made once, and a 1.1x step left copies that WebP 80 lost)."""
    img = Image.fromarray(np.full((270, 480, 3), 150, np.uint8)).filter(ImageFilter.GaussianBlur(1))
    webp_copies: list[np.ndarray[Any, Any]] = []  # held, so that no later array can take one's id
    real_webp = wm2._webp

    def webp(y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        out = real_webp(y)
        webp_copies.append(out)
        return out

    def errors(self: wm2._TilePlan, y: np.ndarray[Any, Any]) -> int:
        if webp_copies and y is webp_copies[-1]:
            return wm2._T_CHECK_ERRORS + 1 if len(webp_copies) <= 2 else 0  # fails twice, near the limit
        return 0

    monkeypatch.setattr(wm2, "_webp", webp)
    monkeypatch.setattr(wm2._TilePlan, "errors", errors)
    monkeypatch.setattr(wm2._TilePlan, "turned_errors", lambda self, y: 0)
    raised: list[float] = []
    real_strengthen = wm2._TilePlan.strengthen

    def strengthen(self: wm2._TilePlan, excess: float) -> bool:
        raised.append(excess)
        return real_strengthen(self, excess)

    monkeypatch.setattr(wm2._TilePlan, "strengthen", strengthen)
    wm2.embed(img, f"{RECORD:016x}")
    assert len(webp_copies) == 3
    assert raised == [pytest.approx((wm2._T_CHECK_ERRORS + 1) / wm2._T_CHECK_ERRORS)] * 2


def _text_page() -> Image.Image:
    """A 640 x 480 page of black 'words' (short bars, 2 px strokes) on white."""
    rng = np.random.default_rng(11)
    page = np.full((480, 640), 255, np.uint8)
    for top in range(30, 450, 24):
        left = 30
        while left < 600:
            width = int(rng.integers(20, 70))
            page[top : top + 10 : 4, left : left + width] = 0
            page[top : top + 10, left : left + width : 6] = 0
            left += width + int(rng.integers(8, 14))
    return Image.fromarray(np.stack([page] * 3, -1))


def test_a_page_of_text_on_white_keeps_its_tiles_whole() -> None:
    """Where few pixels have room (here under a tenth), the tiles keep their full strength, clipped
    half and all: it is all that carries them."""
    rgb = np.asarray(_text_page())
    mask = np.ones(rgb.shape[:2], np.float32)
    assert wm2._headroom(rgb, mask) is mask


@pytest.mark.parametrize("least", [wm2._HEADROOM_LEAST, 0.0])
def test_a_page_of_text_turned_2_degrees_reads_only_with_its_tiles_whole(
    least: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wm2, "_HEADROOM_LEAST", least)
    marked = wm2.embed(_text_page(), f"{RECORD:016x}")
    turned = marked.rotate(2, resample=Image.Resampling.BICUBIC)
    assert (wm2.detect(turned).record_id == f"{RECORD:016x}") == (least > 0)
