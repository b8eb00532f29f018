"""provenance-wm-2's embedder checks (issue 20's robustness rows, docs/watermark-research.md).

The global layer's raise follows the response its small check showed (smooth pictures keep
a fifth to a half of the modelled one), its rounds end when few bits are short, and the tiles
are checked after a 45-degree turn and crop as the decoder reads them. The design-set
pictures below missed under main's embedder with the benchmark's payloads.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from provenance.watermark import wm1, wm2
from tests.conftest import require_fixtures

skimage_data = pytest.importorskip("skimage.data")


def _picture(name: str) -> Image.Image:
    array = getattr(skimage_data, name)()
    array = array[0] if isinstance(array, tuple) else array  # stereo_motorcycle: (left, right, disparity)
    return Image.fromarray(array).convert("RGB")


def _benchmark_record(index: int, payload: int) -> str:
    """The record benchmarks/watermark.py embeds as design picture ``index``'s ``payload``-th."""
    rng = np.random.default_rng([2026, index])
    bits = [[int(b) for b in rng.integers(0, 2, wm2.ID_BITS)] for _ in range(payload + 1)][payload]
    return f"{int(''.join(map(str, bits)), 2):016x}"


def _encode(img: Image.Image, fmt: str, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, fmt, quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _rotate_crop(img: Image.Image, degrees: float) -> Image.Image:
    """The benchmark's rotation cropped to the largest centred rectangle without filled corners."""
    w, h = img.size
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    k = 0.995 * min(w / (w * c + h * s), h / (w * s + h * c))
    turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC)
    cw, ch = int(w * k), int(h * k)
    left, top = (w - cw) // 2, (h - ch) // 2
    return turned.crop((left, top, left + cw, top + ch))


def _read(img: Image.Image, record: str) -> bool:
    reading = wm2.detect(img)
    return reading.found and reading.record_id == record


def test_a_square_pictures_small_copy_is_its_frame() -> None:
    """The shortcut gives the generic path's numbers exactly, and is not taken where the
    small copy is not square."""
    for name in ("astronaut", "coffee"):
        y = wm1.picture_luma(_picture(name))
        frame = wm2._frame(y)
        np.testing.assert_array_equal(wm2._small_jpeg_frame(y, frame), wm2._small_jpeg_frame(y))


def test_the_small_check_keeps_less_of_a_smooth_pictures_layer() -> None:
    """What `kept` measures: the uint8 rounding and JPEG 70 at 256 px take most of a faint
    layer on a smooth picture, little of a busy picture's."""
    shares = {}
    for name in ("cell", "grass"):
        img = _picture(name)
        rgb = np.asarray(img, dtype=np.uint8)
        y = wm2._luma(rgb)
        whole = wm2._GlobalPlan(y, 0x0123456789ABCDEF, wm2._mask(y))
        host = whole.margins(wm2._small_jpeg_frame(y))
        seen = wm2._luma(wm2._apply(rgb, whole.layer()))
        shares[name] = whole.kept(whole.margins(wm2._small_jpeg_frame(seen)), host)
    assert shares["cell"] < 0.6
    assert 0.8 < shares["grass"] <= 1.0


def test_a_raise_is_the_shortfall_over_the_response_kept() -> None:
    y = wm1.picture_luma(_picture("camera"))
    whole = wm2._GlobalPlan(y, 0x0123456789ABCDEF, wm2._mask(y))
    whole.strength[:] = 1.0
    worst = np.full(len(whole.strength), wm2._G_TARGET, np.float32)
    worst[:60] = wm2._G_TARGET - 0.5  # 60 bits short by 0.5; the 6 costliest are spared
    before = whole.strength.copy()
    assert whole.strengthen(worst, 1.0)
    full = whole.strength - before
    whole.strength[:] = 1.0
    assert whole.strengthen(worst, 0.5)
    half = whole.strength - before
    raised = (full > 0) & (whole.strength < wm2._G_MAX)
    assert 50 <= np.count_nonzero(raised) <= 60
    np.testing.assert_allclose(half[raised], 2 * full[raised], rtol=1e-5)


def test_the_rounds_end_when_few_bits_are_short() -> None:
    y = wm1.picture_luma(_picture("camera"))
    whole = wm2._GlobalPlan(y, 0x0123456789ABCDEF, wm2._mask(y))
    before = whole.strength.copy()
    worst = np.full(len(whole.strength), wm2._G_TARGET, np.float32)
    worst[: wm2._G_WEAK + wm2._G_STOP] = 0.0  # the spared ones and _G_STOP more
    assert not whole.strengthen(worst)
    np.testing.assert_array_equal(whole.strength, before)
    worst[: wm2._G_WEAK + wm2._G_STOP + 1] = 0.0
    assert whole.strengthen(worst)


def test_the_turned_check_is_for_copies_we_promise_to_read() -> None:
    """A 45-degree turn cropped to remove its corners keeps 362 of 512 px; of a 451 x 300
    picture, under 256 (not counted by the benchmark): that one is checked turned on its own
    canvas, the corners filled, which the benchmark counts."""
    assert wm2._turn_kept(512, 512)
    assert not wm2._turn_kept(300, 451)  # tests/test_watermark_small.py: checked on its own canvas


def test_the_turned_check_counts_the_tiles_errors() -> None:
    img = _picture("astronaut")
    record = 0x0123456789ABCDEF
    y = wm1.picture_luma(img)
    tiles = wm2._TilePlan(y, record, wm2._mask(y))
    marked = wm1.picture_luma(wm2.embed(img, f"{record:016x}"))
    assert tiles.turned_errors(marked) <= wm2._T_TURN_ERRORS
    assert tiles.turned_errors(y) > 40  # unmarked: about half of the 152 bits


def test_stereo_motorcycle_turned_45_degrees_and_cropped_reads() -> None:
    """Main's embedder left the tiles 13-14 bits wrong after this copy (the benchmark's
    second payload): the turned check strengthens them."""
    record = _benchmark_record(15, 1)
    marked = wm2.embed(_picture("stereo_motorcycle"), record)
    assert _read(_rotate_crop(marked, 45), record)


def test_cell_survives_webp_80_and_a_halving_with_jpeg_70() -> None:
    """Main's embedder missed WebP 80 of the first payload and 50% + JPEG 70 of the second
    (the global layer 19-20 bits wrong, the tiles too weak to stand in)."""
    img = _picture("cell")
    first, second = _benchmark_record(3, 0), _benchmark_record(3, 1)
    assert _read(_encode(wm2.embed(img, first), "WEBP", 80), first)
    marked = wm2.embed(img, second)
    half = marked.resize((marked.width // 2, marked.height // 2), Image.Resampling.BICUBIC)
    assert _read(_encode(half, "JPEG", 70), second)


def test_a_dark_photos_smooth_centre_turned_30_degrees_and_cropped_reads() -> None:
    """sample1.avif (1204 x 800, a white statue's smooth centre in a dark garden) turned 30
    degrees and cropped: at its true turn the tiles read with 3-5 bits wrong, but a turn screen
    on a 2 px grid of offsets ranked that turn 3rd to 17th, past the 2 it scores in full (3 of
    6 payloads lost). Its 1.6 px grid ranks it first. The records are those that missed."""
    with Image.open(require_fixtures("c2pa", "c2pa-rs", "sample1.avif")) as source:
        img = source.convert("RGB")
    missed = [_benchmark_record(25, 1)]  # the first evaluation set's miss (index 25 there)
    rng = np.random.default_rng([31, 80, 0])  # a design probe's payload (docs/watermark-research.md)
    missed.append(f"{int(rng.integers(0, 2**63)):016x}")
    for record in missed:
        assert _read(_rotate_crop(wm2.embed(img, record), 30), record)


def test_a_large_pictures_turn_is_found_around_its_central_window() -> None:
    """On a large picture the mark is at its faintest (sized for all the tiles a turned copy
    keeps) and the 512 px central window that the main sweep reads holds a 16th of them or
    less: the same sweep is run on the 1024 px window shrunk by half, where design photographs
    of 3000 x 4000 px turned and saved as JPEG 75 read (docs/watermark-research.md, session 12).
    Here the central window holds no mark at all (a flat patch over it): only that sweep finds it."""
    img = _picture("astronaut").resize((1280, 1280), Image.Resampling.BICUBIC)
    record = "5eed5eed12345678"
    marked = np.asarray(wm2.embed(img, record)).copy()
    marked[340:940, 340:940] = 128
    turned = Image.fromarray(marked).rotate(10, resample=Image.Resampling.BICUBIC)
    assert _read(_encode(turned, "JPEG", 90), record)


def test_a_window_brought_back_reads_nothing_past_its_edges() -> None:
    """wm1._warp fills what a turn brings in from past the window by reflection (a reflected mark);
    turned_back reads the residual inside the turned window only, the same numbers there."""
    rng = np.random.default_rng(12)
    y = rng.normal(128, 30, (300, 400)).astype(np.float32)
    back = wm2.turned_back(y, 1.25, 30.0)
    plain = wm2.residual(wm1._warp(y, 1.25, 30.0))
    assert back.shape == plain.shape
    h, w = back.shape
    assert not back[:10, :10].any()  # the corners come from past the window
    assert not back[-10:, -10:].any()
    centre = (slice(h // 2 - 40, h // 2 + 40), slice(w // 2 - 40, w // 2 + 40))
    np.testing.assert_array_equal(back[centre], plain[centre])
    assert 0.4 < np.count_nonzero(back) / back.size < 0.9


def test_a_decode_reads_past_the_central_1024_px() -> None:
    """A turned copy is decoded from up to DECODE_WINDOW px around its centre, not 1024: on a
    large picture the tiles are at their faintest and a 1024 px window folds too few of them.
    Here the central 1000 px hold no mark at all: only a wider window reads it (at the true turn)."""
    from provenance.watermark import _tiles

    img = _picture("astronaut").resize((2048, 2048), Image.Resampling.BICUBIC)
    record = "5eed5eed87654321"
    marked = np.asarray(wm2.embed(img, record)).copy()
    marked[524:1524, 524:1524] = 128
    y = wm1.picture_luma(Image.fromarray(marked).rotate(10, resample=Image.Resampling.BICUBIC))
    luma = _tiles.whole(y)
    decoded = _tiles._decode(
        wm1._fold(wm2.turned_back(luma.central(_tiles._decode_window(1.0)), 1.0, -10.0)), own=False
    )
    assert decoded is not None
    assert decoded[1] == int(record, 16)
    narrow = _tiles._decode(wm1._fold(wm2.turned_back(luma.central(1024), 1.0, -10.0)), own=False)
    assert narrow is None or narrow[1] != int(record, 16)


def _web_crop(name: str) -> Image.Image:
    """The benchmark's 16:9 web crop of a scikit-image picture, 480 x 270 (benchmarks/watermark.py)."""
    img = _picture(name)
    w, h = img.size
    ch = min(h, w * 9 / 16)
    cw = ch * 16 / 9
    box = (round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2))
    return img.crop(box).resize((480, 270), Image.Resampling.LANCZOS)


def _enlarged_crop(img: Image.Image) -> Image.Image:
    """The benchmark's 80% crop resized back: the tiles 1.25 times their stamped size."""
    w, h = img.size
    cw, ch = int(w * 0.8), int(h * 0.8)
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch)).resize((w, h), Image.Resampling.BICUBIC)


@pytest.mark.parametrize("seed", [2, 5])
def test_the_sync_screen_is_matched_to_the_laid_tile(seed: int) -> None:
    """The tile is laid high-passed; the screen weighed its faint low frequencies, which the
    picture fills, as much as the rest, and ranked this enlarged crop's true scale 6th or 7th
    in wm-1's band (only SCALE_PEAKS are scored in full). Matched, the true scale is among the
    peaks there, and in the scales' wider screen, and its full score passes the gate."""
    from provenance.watermark import _tiles

    record = f"{np.random.default_rng(seed).integers(0, 2**63):016x}"
    copy = _enlarged_crop(wm2.embed(_web_crop("immunohistochemistry"), record))
    y = wm1.picture_luma(copy)
    _, seen = wm2.residual_fold(y, wm1._SWEEP_WINDOW)
    spectrum = wm1._spectrum(seen)
    true = int(np.argmin(np.abs(_tiles.SCALES - 1.25)))

    def rank(screen: Any) -> int:
        return int(np.count_nonzero(np.asarray(screen) > max(screen[true - 1 : true + 2])))

    narrow = wm1._lookups([(float(s), 0.0) for s in _tiles.SCALES], wm1._SCREEN)  # the scales' screen until session 16
    assert rank(wm1._sync_scores(spectrum, narrow, wm1._SCREEN)) >= _tiles.SCALE_PEAKS  # plain
    assert rank(_tiles._scores(spectrum, narrow, wm1._SCREEN)) < _tiles.SCALE_PEAKS
    lookups, _ = _tiles._screen_lookups()
    assert rank(_tiles._scores(spectrum, lookups, _tiles.SCALE_SCREEN)) < _tiles.SCALE_PEAKS
    found = _tiles.sweep(spectrum)
    assert max(z for z, scale, angle in found if abs(scale / 1.25 - 1) < 0.01 and angle == 0) >= _tiles.GATE
    assert wm2.detect(copy).record_id == record


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "camera"])
def test_the_tiles_are_read_through_their_own_shaping(name: str) -> None:
    """The payload read is the matched filter of the laid tile (wm2.matched): on a picture's own
    residual it gives each bit a tenth more margin over the picture than the plain correlation
    (measured 1.12 on these three), which the embedder's checks then ask less strength for."""
    y = wm1.picture_luma(_picture(name))
    truth = wm2.TILE_CODE.encode(0x0123456789ABCDEF).astype(np.float32) * 2 - 1
    laid = wm2._tiled(y.shape, truth, np.ones(y.shape, np.float32))
    signal = wm1._fold(wm2.residual(y + laid) - wm2.residual(y))
    noise = wm1._fold(wm2.residual(y))

    def margin(read: Any) -> float:
        return float(np.mean(wm2.pattern_lean(read(signal)) * truth) / np.std(wm2.pattern_lean(read(noise))))

    assert margin(wm2.matched) > 1.08 * margin(lambda folded: folded)


def _overexposed(name: str, lift: float) -> NDArray[np.uint8]:
    """A scikit-image photograph with its tones squeezed into the top ``lift`` of the range:
    nearly every pixel over 212, which a 20% brightening turns white."""
    array = np.asarray(_picture(name), dtype=np.float32) / 255
    return (255 * (1 - (1 - array) * lift)).astype(np.uint8)


def test_a_bright_picture_is_checked_after_brightening(monkeypatch: pytest.MonkeyPatch) -> None:
    """A picture most of whose pixels a 20% brightening turns white loses the tiles there; the
    embedder reads them after that brightening and raises them until they pass (the design
    set's products on white and a bright print lost every such copy before)."""
    bright = _overexposed("chelsea", 0.2)
    assert wm2._brightened_share(bright) > wm2._BRIGHT_SHARE
    record = "00c0ffee12345678"
    truth = wm2.TILE_CODE.encode(int(record, 16)) > 0

    def errors_after_brightening(img: Image.Image) -> int:
        seen = wm2._brightened(np.asarray(img, dtype=np.uint8))
        return int(np.count_nonzero((wm2._lean(wm2.residual(seen)) > 0) != truth))

    checked = errors_after_brightening(wm2.embed(Image.fromarray(bright), record))
    monkeypatch.setattr(wm2, "_BRIGHT_SHARE", 1.0)  # no picture is that bright: the check is off
    unchecked = errors_after_brightening(wm2.embed(Image.fromarray(bright), record))
    assert checked <= wm2._T_CHECK_ERRORS < unchecked


def test_a_brightened_copy_is_what_pillow_makes() -> None:
    """The check's brightening is Pillow's ImageEnhance.Brightness(1.2) to within a grey level."""
    from PIL import ImageEnhance

    rgb = np.asarray(_picture("astronaut"), dtype=np.uint8)
    pillow = np.asarray(ImageEnhance.Brightness(Image.fromarray(rgb)).enhance(wm2._BRIGHT_GAIN).convert("L"))
    ours = wm2._brightened(rgb)
    assert float(np.abs(ours - pillow.astype(np.float32)).max()) <= 1.5
    assert wm2._brightened_share(rgb) == pytest.approx(float(np.mean((rgb > 212).any(axis=2))))
