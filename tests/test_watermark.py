from __future__ import annotations

import io
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from provenance import watermark
from provenance.errors import WatermarkError
from provenance.watermark import _tiles, wm0, wm1, wm2
from tests.conftest import FIXTURES, ROOT, SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.png")) + sorted(SAMPLES.glob("*.jpg"))
RECORD = "00c0ffee42decade"


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    return float(10 * np.log10(255**2 / np.mean((x - y) ** 2)))


def _reencode(img: Image.Image, fmt: str, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, fmt, quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    return _reencode(img, "JPEG", quality)


def _crop(img: Image.Image, frac: float) -> Image.Image:
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    return img.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))


Attack = Callable[[Image.Image], Image.Image]
ATTACKS: dict[str, Attack] = {
    "jpeg50": lambda im: _jpeg(im, 50),
    "crop80": lambda im: _crop(im, 0.8),
    "resize75": lambda im: im.resize((int(im.width * 0.75), int(im.height * 0.75)), Image.Resampling.BICUBIC),
    "rotate2": lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
    "brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
    "webp80": lambda im: _reencode(im, "WEBP", 80),
    # small pictures give the lattice finder too few tiles; the scale sweep finds 1.25
    "crop80-back": lambda im: _crop(im, 0.8).resize(im.size, Image.Resampling.BICUBIC),
    "screenshot": lambda im: _crop(_jpeg(im.resize((int(im.width * 0.8), int(im.height * 0.8))), 75), 0.95),
}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_current_scheme_survives_compression_crops_resizing_and_rotation(path: Path) -> None:
    img = Image.open(path).convert("RGB")
    marked = watermark.embed(img, RECORD)
    assert _psnr(img, marked) > 39
    clean = watermark.detect(marked)
    assert (clean.found, clean.scheme, clean.record_id) == (True, "provenance-wm-2", RECORD)
    for name, attack in ATTACKS.items():
        attacked = attack(marked)
        if min(attacked.size) < watermark.MIN_SIDE:
            continue
        assert watermark.detect(attacked).record_id == RECORD, name


def test_the_mark_is_added_with_saturation_as_in_float_arithmetic() -> None:
    """The embedder adds the rounded pattern in saturating uint8: the same pixels as adding in
    float and clipping, black and white included (ties of the rounding aside)."""
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    rgb[:8], rgb[8:16] = 0, 255
    pattern = (rng.standard_normal((64, 96)) * 6).astype(np.float32)
    got = np.asarray(wm1._apply(rgb, pattern, 1.7), dtype=np.int16)
    want = np.clip(np.round(rgb.astype(np.float32) + (1.7 * pattern)[..., None]), 0, 255)
    assert np.count_nonzero(got != want) <= 3
    assert np.abs(got - want).max() <= 1
    assert (got[:8].min(), got[8:16].max()) == (0, 255)  # saturated, not wrapped around
    assert got[:8].max() > 0
    assert got[8:16].min() < 255


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_unmarked_samples_are_not_detected(path: Path) -> None:
    img = Image.open(path).convert("RGB")
    reading = watermark.detect(img)
    assert not reading.found
    assert reading.record_id is None
    # the cheap rejection: no geometry of the sweep clears the gate, so besides the picture's
    # own geometry at most the best one's refinements are decoded (its second chance)
    assert wm1.detect(img).decoded <= 1 + wm1._FINE_TRIES


def _sweep_window(picture: Image.Image) -> wm1.Array:
    return wm1._central(wm1._residual(wm1._luma(np.asarray(picture.convert("RGB")))), wm1._SWEEP_WINDOW)


def test_sync_scores_read_from_the_spectrum_match_warping_and_folding() -> None:
    """The sweep's shortcut: the sync match read from one padded spectrum agrees with warping
    the residual back, folding it and correlating, at the mark's geometry; away from it both
    stay under the gate."""
    marked = wm1.embed(Image.open(SAMPLES / "rocket.jpg").convert("RGB"), RECORD)
    for attack, truth in ((ATTACKS["resize75"], (0.75, 0.0)), (ATTACKS["rotate2"], (1.0, -2.0))):
        window = _sweep_window(attack(marked))
        spectrum = wm1._spectrum(window)
        for (scale, angle), is_mark in ((truth, True), ((truth[0] * 1.1, truth[1] + 1), False)):
            [(read, _, _)] = wm1._scored(spectrum, [(scale, angle)])
            warped, _, _ = wm1._sync(wm1._fold(wm1._warp(window, scale, angle)))
            if is_mark:
                assert read == pytest.approx(warped, rel=0.15)
                assert read > 2 * wm1._GATE
            else:
                assert max(read, warped) < wm1._GATE


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sweep_gate_passes_rescaled_and_rotated_marks_and_stops_unmarked_pictures(path: Path) -> None:
    """Only geometries whose sweep score clears the gate are refined and decoded: that is
    what makes "no mark" cheap, and it must not cost a rescaled or rotated mark."""
    img = Image.open(path).convert("RGB")
    marked = wm1.embed(img, RECORD)
    for picture, is_mark in ((img, False), (ATTACKS["screenshot"](marked), True), (ATTACKS["rotate2"](marked), True)):
        best = max(z for z, _, _ in wm1._sweep(wm1._spectrum(_sweep_window(picture))))
        assert (best >= wm1._GATE) == is_mark


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_screened_sweep_finds_the_same_best_score_as_scoring_every_geometry(path: Path) -> None:
    """The sweep scores every geometry with the cheap screen and only the screen's best in
    full: on rescaled, cropped and rotated marks it must reach the best full score there is."""
    marked = wm1.embed(Image.open(path).convert("RGB"), RECORD)
    for name in ("resize75", "crop80-back", "rotate2", "screenshot"):
        spectrum = wm1._spectrum(_sweep_window(ATTACKS[name](marked)))
        every = wm1._sync_scores(spectrum, wm1._lookups(wm1._sweep_geometries()))
        best = max(z for z, _, _ in wm1._sweep(spectrum))
        assert best == pytest.approx(float(every.max()), rel=1e-6), name
        assert best >= wm1._GATE, name


def test_the_best_geometry_gets_a_second_chance_below_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weak rescaled mark (a small busy picture) can score under the gate: the best geometry
    alone is still decoded when it clears the second-chance level, and nothing is decoded
    below that."""
    marked = wm1.embed(Image.open(SAMPLES / "rocket.jpg").convert("RGB"), RECORD)
    shot = ATTACKS["screenshot"](marked)
    best = max(z for z, _, _ in wm1._sweep(wm1._spectrum(_sweep_window(shot))))
    monkeypatch.setattr(wm1, "_GATE", best + 1)
    monkeypatch.setattr(wm1, "_SECOND_CHANCE", best - 1)
    reading = wm1.detect(shot)
    assert reading.record_id == RECORD
    assert reading.scale == pytest.approx(0.8, abs=0.005)
    monkeypatch.setattr(wm1, "_SECOND_CHANCE", best + 0.5)
    assert wm1.detect(shot) == wm1.Reading(False, None, 0.0, decoded=1)
    assert wm1._shortlist([]) == []


def test_a_second_chance_decodes_one_geometry_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unmarked pictures reach the second-chance level too: it costs one warp and decode (the
    best refinement), not the gate's two."""
    img = Image.open(SAMPLES / "rocket.jpg").convert("RGB")
    monkeypatch.setattr(wm1, "_GATE", 100.0)
    monkeypatch.setattr(wm1, "_SECOND_CHANCE", 0.0)
    monkeypatch.setattr(wm1, "_DECODE_Z", 0.0)
    assert wm1.detect(img) == wm1.Reading(False, None, 0.0, decoded=2)  # its own geometry, then one
    monkeypatch.setattr(wm1, "_GATE", 0.0)
    assert wm1.detect(img).decoded > 1 + wm1._SHORTLIST  # over the gate: up to two refinements each


def test_rotated_and_rescaled_copies_are_found_through_the_tile_lattice() -> None:
    """The sweep covers a rescale or a rotation, not both; the lattice finder proposes the pair."""
    marked = wm1.embed(Image.open(SAMPLES / "coffee.png").convert("RGB"), RECORD)
    turned = marked.rotate(2, resample=Image.Resampling.BICUBIC)
    both = turned.resize((int(turned.width * 0.8), int(turned.height * 0.8)), Image.Resampling.BICUBIC)
    reading = wm1.detect(both)
    assert (reading.record_id, reading.angle) == (RECORD, -2.0)
    assert reading.scale == pytest.approx(0.8, abs=0.005)
    assert 1 < reading.decoded <= wm1.MAX_DECODED


def test_unmarked_fixture_photos_and_their_crops_are_not_detected() -> None:
    photos = sorted((FIXTURES / "photos").glob("*.jpg"))
    if not photos:
        pytest.skip("shared fixtures not present")
    for path in photos:
        img = Image.open(path).convert("RGB")
        for variant in (img, _crop(img, 0.7), _jpeg(img, 60)):
            assert not watermark.detect(variant).found, path.name


def test_older_scheme_is_still_read_and_named() -> None:
    img = Image.open(SAMPLES / "astronaut.png").convert("RGB")
    old = wm0.embed(img, "0123456789")
    reading = watermark.detect(old)
    assert (reading.found, reading.scheme, reading.record_id) == (True, "provenance-wm-0", "0123456789")


def test_marks_of_the_first_wm1_embedder_are_still_read() -> None:
    """tests/data/wm1-first-embedder.jpg was marked by wm-1's embedder as of 2026-11-20
    (relative texture mask, JPEG-only self-check); the embedder changed since, the
    patterns and payload did not, so the mark still reads, also after a rescale."""
    img = Image.open(ROOT / "tests" / "data" / "wm1-first-embedder.jpg").convert("RGB")
    for copy in (img, ATTACKS["resize75"](img), ATTACKS["crop80-back"](img)):
        reading = watermark.detect(copy)
        assert (reading.found, reading.scheme, reading.record_id) == (True, "provenance-wm-1", "5e55101c0ffee003")


def test_bch_corrects_up_to_eight_bit_errors_and_rejects_garbage() -> None:
    bits = wm1.encode_payload(0xFEEDFACE12345678)
    assert bits.size == wm1.payload_bits() == 144
    rng = random.Random(7)
    flipped = bits.copy()
    for i in rng.sample(range(bits.size), 8):
        flipped[i] ^= 1
    assert wm1.decode_payload(flipped) == (0xFEEDFACE12345678, 8)
    accepted = sum(
        wm1.decode_payload(np.array([rng.getrandbits(1) for _ in range(144)], dtype=np.uint8)) is not None
        for _ in range(5_000)
    )
    assert accepted == 0  # about 3e-12 per random word


def test_chase_decoding_recovers_errors_among_the_weakest_bits_and_rejects_noise() -> None:
    """Eleven wrong bits are past BCH (8); when three of them are the least reliable, the
    flips of the weakest bits bring the word back. Random soft values still never decode."""
    bits = wm1.encode_payload(0x0DDBA11CAFEF00D5)
    rng = np.random.default_rng(11)
    soft = (bits.astype(np.float32) * 2 - 1) * rng.uniform(1.0, 2.0, bits.size).astype(np.float32)
    wrong = rng.choice(bits.size, 11, replace=False)
    soft[wrong] *= -1
    assert wm1.decode_payload((soft > 0).astype(np.uint8)) is None
    soft[wrong[:3]] *= 0.01  # three of the wrong bits are the least reliable
    assert wm1.decode_soft(soft) == (0x0DDBA11CAFEF00D5, 11)
    noise = rng.normal(size=(3_000, bits.size)).astype(np.float32)
    assert sum(wm1.decode_soft(row) is not None for row in noise) == 0


def test_older_scheme_votes_match_invisible_watermark() -> None:
    """wm0's batched decoder casts the same votes as invisible-watermark's block loop."""
    import cv2
    import pywt

    from provenance.watermark import _imwatermark

    img = _jpeg(wm0.embed(Image.open(SAMPLES / "coffee.png").convert("RGB"), "0123456789"), 75)
    library = _imwatermark.dwt_dct_svd().EmbedDwtDctSvd(watermarks=[], wmLen=wm0.PAYLOAD_BITS, scales=[0, 36, 0])
    bgr = np.ascontiguousarray(np.asarray(img)[:, :, ::-1])
    rows, cols = bgr.shape[:2]
    band, _ = pywt.dwt2(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)[: rows // 4 * 4, : cols // 4 * 4, 1], "haar")
    scores = library.decode_frame(band, 36, [[] for _ in range(wm0.PAYLOAD_BITS)])
    assert np.array_equal(wm0._vote_fractions(img), np.array([np.mean(s) for s in scores]))


@pytest.mark.parametrize("name", ["coffee.png", "astronaut.png", "rocket.jpg", "noise"])
def test_own_dwt_dct_svd_encoder_matches_invisible_watermark(name: str) -> None:
    """The light install (no invisible-watermark) embeds wm-0 with our batched copy of
    the library's encoder: the same pixels and so the same decoded bits."""
    from provenance.watermark import _imwatermark

    if not _imwatermark.installed():
        pytest.skip("invisible-watermark not installed (the generate extra)")
    if name == "noise":
        rgb = np.random.default_rng(5).integers(0, 256, (301, 263, 3), dtype=np.uint8)  # odd sides: partial blocks
    else:
        rgb = np.asarray(Image.open(SAMPLES / name).convert("RGB"))
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    bits = wm0.encode_payload(0x0123456789)
    theirs = _imwatermark.dwt_dct_svd().EmbedDwtDctSvd(watermarks=bits, wmLen=len(bits), scales=[0, 36, 0], block=4)
    expected = theirs.encode(bgr.copy())
    ours = _imwatermark.encode_dwt_dct_svd(bgr.copy(), bits, [0, 36, 0], own=True)
    assert ours.dtype == expected.dtype
    assert ours.shape == expected.shape
    assert np.array_equal(ours, expected)
    decoder = _imwatermark.dwt_dct_svd().EmbedDwtDctSvd(watermarks=[], wmLen=len(bits), scales=[0, 36, 0])
    assert np.array_equal(decoder.decode(ours), decoder.decode(expected))


def test_first_scheme_payload_crc() -> None:
    assert wm0.decode_payload([0] * 64) is None
    assert wm0.decode_payload([1] * 64) is None
    bits = wm0.encode_payload(0xABCDEF0123)
    assert wm0.decode_payload(bits) == 0xABCDEF0123


def test_record_id_range_is_enforced() -> None:
    with pytest.raises(ValueError, match="out of range"):
        watermark.parse_record_id("1" + "0" * 16)


def test_small_images_cannot_be_marked_and_read_as_unmarked() -> None:
    small = Image.new("RGB", (200, 400), "gray")
    with pytest.raises(WatermarkError, match="256 px"):
        watermark.embed(small, RECORD)
    assert not watermark.detect(small).found


def test_watermark_module_does_not_import_torch() -> None:
    code = "import sys; import provenance.watermark as w; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# ---- provenance-wm-2: what the web does to pictures (issue 20)


def _to_short_side(img: Image.Image, side: int) -> Image.Image:
    f = side / min(img.size)
    return img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.BICUBIC)


def _rotated_and_cropped(img: Image.Image, degrees: float) -> Image.Image:
    """Turned by ``degrees`` and cropped to the largest centred rectangle of the picture's
    shape that holds no filled corner."""
    w, h = img.size
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    k = 0.995 * min(w / (w * c + h * s), h / (w * s + h * c))
    return _crop(img.rotate(degrees, resample=Image.Resampling.BICUBIC), k)


GLOBAL_ATTACKS: dict[str, Attack] = {
    "down50": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.BICUBIC),
    "to256": lambda im: _to_short_side(im, 256),
    "down50-jpeg70": lambda im: _jpeg(im.resize((im.width // 2, im.height // 2), Image.Resampling.BICUBIC), 70),
    "up2": lambda im: im.resize((im.width * 2, im.height * 2), Image.Resampling.BICUBIC),
    "width80": lambda im: im.resize((int(im.width * 0.8), im.height), Image.Resampling.BICUBIC),
    "height125": lambda im: im.resize((im.width, int(im.height * 1.25)), Image.Resampling.BICUBIC),
}
TURNS = {
    "rot90": Image.Transpose.ROTATE_90,
    "rot180": Image.Transpose.ROTATE_180,
    "rot270": Image.Transpose.ROTATE_270,
    "mirror": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip": Image.Transpose.FLIP_TOP_BOTTOM,
}


@pytest.fixture(scope="module")
def astronaut_wm2() -> tuple[Image.Image, Image.Image]:
    img = Image.open(SAMPLES / "astronaut.png").convert("RGB")
    return img, watermark.embed(img, RECORD)


def test_new_marks_are_wm2_and_invisible_enough(astronaut_wm2: tuple[Image.Image, Image.Image]) -> None:
    img, marked = astronaut_wm2
    assert _psnr(img, marked) > 38  # a busy picture; the benchmark gives the averages
    reading = watermark.detect(marked)
    assert (reading.found, reading.scheme, reading.record_id) == (True, "provenance-wm-2", RECORD)
    assert wm2.detect(marked).layer == "global"


@pytest.mark.parametrize("name", GLOBAL_ATTACKS)
def test_wm2_survives_downscaling_upscaling_and_aspect_changes(
    name: str, astronaut_wm2: tuple[Image.Image, Image.Image]
) -> None:
    """The global layer's frame is the whole picture at 256 x 256: any resize of the whole
    picture, to 256 px on the short side, twice the size or a stretched width, leaves it in place."""
    _, marked = astronaut_wm2
    attacked = GLOBAL_ATTACKS[name](marked)
    assert min(attacked.size) >= watermark.MIN_SIDE
    reading = wm2.detect(attacked)
    assert (reading.record_id, reading.layer) == (RECORD, "global"), name


@pytest.mark.parametrize("name", TURNS)
def test_wm2_reads_mirrors_and_quarter_turns_and_says_how_to_undo_them(
    name: str, astronaut_wm2: tuple[Image.Image, Image.Image]
) -> None:
    img, marked = astronaut_wm2
    turned = marked.transpose(TURNS[name])
    reading = watermark.detect(turned)
    assert (reading.scheme, reading.record_id) == ("provenance-wm-2", RECORD), name
    back = np.asarray(watermark.upright(turned, reading), dtype=np.float64)
    assert back.shape == np.asarray(img).shape
    assert np.abs(back - np.asarray(marked, dtype=np.float64)).max() == 0  # exactly the marked picture


@pytest.mark.parametrize("degrees", [5, 15, 30, 45])
def test_wm2_tiles_find_rotations_to_45_degrees_with_corners_filled_or_cropped(
    degrees: int, astronaut_wm2: tuple[Image.Image, Image.Image]
) -> None:
    _, marked = astronaut_wm2
    for copy in (marked.rotate(degrees, resample=Image.Resampling.BICUBIC), _rotated_and_cropped(marked, degrees)):
        assert min(copy.size) >= watermark.MIN_SIDE
        reading = wm2.detect(copy)
        assert (reading.record_id, reading.layer) == (RECORD, "tiles"), (degrees, copy.size)
        assert reading.angle == pytest.approx(-degrees, abs=0.3)
        assert reading.decoded <= _tiles.MAX_DECODED


def test_wm2_tiles_survive_crops_and_the_screenshot_chain() -> None:
    marked = watermark.embed(Image.open(SAMPLES / "rocket.jpg").convert("RGB"), RECORD)
    for name in ("crop80", "crop80-back", "screenshot", "rotate2"):
        reading = wm2.detect(ATTACKS[name](marked))
        assert (reading.record_id, reading.layer) == (RECORD, "tiles"), name


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_unmarked_samples_mirrored_and_rotated_are_not_detected(path: Path) -> None:
    img = Image.open(path).convert("RGB")
    for copy in (img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), img.rotate(20, resample=Image.Resampling.BICUBIC)):
        reading = wm2.detect(copy)
        assert not reading.found
        # the gate keeps unmarked pictures cheap: their own geometry, then at most a second chance
        assert reading.decoded <= 1 + _tiles.FINE_TRIES


def test_wm1_marks_are_found_by_the_shared_search_and_named_wm1() -> None:
    marked = wm1.embed(Image.open(SAMPLES / "coffee.png").convert("RGB"), RECORD)
    for name in ("none", "resize75", "crop80-back"):
        copy = marked if name == "none" else ATTACKS[name](marked)
        reading = watermark.detect(copy)
        assert (reading.found, reading.scheme, reading.record_id) == (True, "provenance-wm-1", RECORD), name


def test_wm2_codes_reject_random_words() -> None:
    """Both layers' codewords carry a CRC-24: a random word passes BCH and the CRC with
    1.4e-21 (global, t=16) and 2e-14 (tiles, t=8) per word; none of these may."""
    rng = np.random.default_rng(3)
    for code in (wm2.GLOBAL_CODE, wm2.TILE_CODE):
        bits = code.encode(0xFEEDFACE12345678)
        assert code.decode(bits) == (0xFEEDFACE12345678, 0)
        flipped = bits.copy()
        flipped[rng.choice(bits.size, code.t, replace=False)] ^= 1
        assert code.decode(flipped) == (0xFEEDFACE12345678, code.t)
        words = rng.integers(0, 2, (3_000, code.bits), dtype=np.uint8)
        assert sum(code.decode(word) is not None for word in words) == 0
        assert sum(code.decode_soft(rng.normal(size=code.bits).astype(np.float32)) is not None for _ in range(300)) == 0


# ---- crops resized for the web (issue 19): the tiles 0.4 to 3.2 times their stamped size


def _stamped(img: Image.Image) -> Image.Image:
    """Marked and saved as the stamp saves a JPEG (quality 95)."""
    return _jpeg(watermark.embed(img, RECORD), 95)


def _crop_resized(img: Image.Image, area: float, aspect: float, long_side: int) -> Image.Image:
    """The largest centred crop of ``aspect`` holding ``area`` of the picture, resized to
    ``long_side`` and posted as JPEG 92 (benchmarks/journeys.py's crop journeys)."""
    w, h = img.size
    ch = min(h, w / aspect, np.sqrt(area * w * h / aspect))
    cw = round(ch * aspect)
    ch = round(ch)
    left, top = (w - cw) // 2, (h - ch) // 2
    part = img.crop((left, top, left + cw, top + ch))
    f = long_side / max(part.size)
    return _jpeg(part.resize((round(part.width * f), round(part.height * f)), Image.Resampling.LANCZOS), 92)


def _camera_sized(img: Image.Image) -> Image.Image:
    """A picture the size the journeys stamp (1280 px on the long side)."""
    f = 1280 / max(img.size)
    return img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.LANCZOS)


CROP_JOURNEYS = {
    # astronaut (512 px): 70 % kept as 16:9 is 512 x 288, resized to 1200 px: the tiles at 2.34 times their size
    "crop70-16x9-1200px": ("astronaut.png", False, 0.7, 16 / 9, 1200),
    # rocket at 1280 px: a 50 % square is 739 px, resized to 400 px: the tiles at 0.54 times their size
    "crop50-1x1-400px": ("rocket.jpg", True, 0.5, 1.0, 400),
}


@pytest.mark.parametrize("name", CROP_JOURNEYS)
def test_wm2_tiles_read_crops_resized_for_the_web_and_nothing_in_unmarked_ones(name: str) -> None:
    """A crop changes the global layer's frame, so the tiles alone carry the mark; resized
    afterwards, they are far outside the search's 0.7-1.45 (issue 19): the small and large
    scales' sweeps find them, and the same journeys of the unmarked picture read nothing."""
    file, camera_sized, area, aspect, long_side = CROP_JOURNEYS[name]
    img = Image.open(SAMPLES / file).convert("RGB")
    img = _camera_sized(img) if camera_sized else img
    copy = _crop_resized(_stamped(img), area, aspect, long_side)
    reading = wm2.detect(copy)
    assert (reading.found, reading.record_id, reading.layer) == (True, RECORD, "tiles"), name
    assert not 0.7 <= reading.scale <= 1.45
    assert reading.decoded <= _tiles.MAX_DECODED
    assert watermark.detect(copy).record_id == RECORD
    unmarked = wm2.detect(_crop_resized(img, area, aspect, long_side))
    assert not unmarked.found
    assert unmarked.decoded <= 1 + _tiles.FINE_TRIES


def test_frequencies_past_the_nyquist_limit_are_not_read() -> None:
    """At scales under 0.62 the full band's highest tile frequencies lie past what the picture
    holds: their lookups carry sign 0 (and the rest read as before)."""
    _, _, sign = wm1._lookups([(0.4, 0.0), (1.0, 0.0)])
    ky, kx = wm1._band_frequencies(wm1._FULL)
    nyquist = 0.4 * wm1.TILE / 2  # cycles per tile: a tile of 51 px holds no more
    rows = wm1._FULL.width
    assert np.array_equal(sign[:rows] == 0, (np.abs(ky) > nyquist) | (kx > nyquist))
    assert np.all(np.abs(sign[rows:]) == 1)


def test_the_whole_picture_read_finds_a_whole_copy_without_the_tile_search() -> None:
    """``search=False`` (the stamp's look for a picture registered here) reads the global
    layer alone: a re-encoded, rescaled copy reads; a picture without a mark does not."""
    plain = Image.open(SAMPLES / "chelsea.png").convert("RGB")
    marked = watermark.embed(plain, "00c0ffee00c0ffee")
    buffer = io.BytesIO()
    marked.resize((marked.width * 3 // 4, marked.height * 3 // 4)).save(buffer, "JPEG", quality=85)
    copy = Image.open(buffer).convert("RGB")
    assert watermark.detect(copy, search=False).record_id == "00c0ffee00c0ffee"
    assert not watermark.detect(plain, search=False).found
