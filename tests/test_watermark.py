from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from provenance import watermark
from provenance.errors import WatermarkError
from provenance.watermark import wm0, wm1
from tests.conftest import FIXTURES, ROOT, SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.png")) + sorted(SAMPLES.glob("*.jpg"))
RECORD = "00c0ffee42decade"


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    return float(10 * np.log10(255**2 / np.mean((x - y) ** 2)))


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _crop(img: Image.Image, frac: float) -> Image.Image:
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    return img.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))


ATTACKS = {
    "jpeg50": lambda im: _jpeg(im, 50),
    "crop80": lambda im: _crop(im, 0.8),
    "resize75": lambda im: im.resize((int(im.width * 0.75), int(im.height * 0.75)), Image.Resampling.BICUBIC),
    "rotate2": lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
    "brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_current_scheme_survives_compression_crops_resizing_and_rotation(path: Path) -> None:
    img = Image.open(path).convert("RGB")
    marked = watermark.embed(img, RECORD)
    assert _psnr(img, marked) > 39
    clean = watermark.detect(marked)
    assert (clean.found, clean.scheme, clean.record_id) == (True, "provenance-wm-1", RECORD)
    for name, attack in ATTACKS.items():
        attacked = attack(marked)
        if min(attacked.size) < watermark.MIN_SIDE:
            continue
        assert watermark.detect(attacked).record_id == RECORD, name


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_unmarked_samples_are_not_detected(path: Path) -> None:
    reading = watermark.detect(Image.open(path).convert("RGB"))
    assert not reading.found
    assert reading.record_id is None


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
