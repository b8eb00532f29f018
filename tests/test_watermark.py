from __future__ import annotations

import io
import random
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from provenance import watermark
from provenance.errors import WatermarkError
from provenance.watermark import scheme
from tests.conftest import FIXTURES, ROOT, SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.png")) + sorted(SAMPLES.glob("*.jpg"))


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    return float(10 * np.log10(255**2 / np.mean((x - y) ** 2)))


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_mark_round_trips_through_png_and_jpeg_95(path) -> None:  # type: ignore[no-untyped-def]
    img = Image.open(path).convert("RGB")
    marked = watermark.embed(img, "00c0ffee42")
    assert _psnr(img, marked) > 32
    for fmt, kwargs in (("PNG", {}), ("JPEG", {"quality": 95})):
        buf = io.BytesIO()
        marked.save(buf, fmt, **kwargs)
        reading = watermark.detect(Image.open(buf).convert("RGB"))
        assert reading.found
        assert reading.record_id == "00c0ffee42"
        assert reading.confidence > 0.5


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_unmarked_samples_are_not_detected(path) -> None:  # type: ignore[no-untyped-def]
    reading = watermark.detect(Image.open(path).convert("RGB"))
    assert not reading.found
    assert reading.record_id is None


def test_unmarked_fixture_photos_are_not_detected() -> None:
    photos = sorted((FIXTURES / "photos").glob("*.jpg"))
    if not photos:
        pytest.skip("shared fixtures not present")
    for path in photos:
        img = Image.open(path).convert("RGB")
        if min(img.size) >= scheme.MIN_SIDE:
            assert not watermark.detect(img).found, path.name


def test_payload_crc_rejects_uniform_and_random_words() -> None:
    assert scheme.decode_payload([0] * 64) is None
    assert scheme.decode_payload([1] * 64) is None
    rng = random.Random(1234)
    accepted = sum(scheme.decode_payload([rng.getrandbits(1) for _ in range(64)]) is not None for _ in range(20_000))
    assert accepted == 0  # expected rate 2**-24 per word


def test_payload_round_trip_and_single_bit_error_rejected() -> None:
    bits = scheme.encode_payload(0xABCDEF0123)
    assert scheme.decode_payload(bits) == 0xABCDEF0123
    for i in range(64):
        flipped = list(bits)
        flipped[i] ^= 1
        assert scheme.decode_payload(flipped) is None


def test_record_id_range_is_enforced() -> None:
    with pytest.raises(ValueError, match="out of range"):
        scheme.parse_record_id("10000000000")


def test_small_images_cannot_be_marked_and_read_as_unmarked() -> None:
    small = Image.new("RGB", (200, 400), "gray")
    with pytest.raises(WatermarkError, match="256 px"):
        watermark.embed(small, "0000000001")
    assert not watermark.detect(small).found


def test_watermark_module_does_not_import_torch() -> None:
    code = "import sys; import provenance.watermark as w; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
