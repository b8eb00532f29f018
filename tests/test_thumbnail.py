"""The record thumbnail: a derivative is the same picture, another picture is not, and
what cannot be told is said so (provenance/fingerprint/thumbnail.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageOps

from provenance.fingerprint import thumbnail
from tests.conftest import SAMPLES, require_fixtures, vignette


def _picture(name: str = "astronaut.png", size: tuple[int, int] = (1024, 1024)) -> Image.Image:
    return Image.open(SAMPLES / name).convert("RGB").resize(size, Image.Resampling.LANCZOS)


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _caption(img: Image.Image) -> Image.Image:
    out = img.copy()
    ImageDraw.Draw(out).rectangle((0, round(out.height * 0.84), out.width, out.height), fill=(10, 10, 10))
    return out


def test_the_stored_thumbnail_is_a_small_grey_png_naming_its_algorithm_and_size() -> None:
    stored = thumbnail.describe(_picture(size=(1200, 800)))
    assert len(stored) < 20_000
    decoded = thumbnail.decode(stored)
    assert decoded is not None
    grey, size = decoded
    assert grey.shape == (85, 128)
    assert size == (1200, 800)
    assert thumbnail.decode(b"not a thumbnail") is None
    assert thumbnail.compare(_picture(), b"\x89PNG garbage") is None


@pytest.mark.parametrize(
    "journey",
    [
        lambda im: im,
        lambda im: _jpeg(im.resize((400, 400), Image.Resampling.LANCZOS), 60),
        lambda im: im.crop((150, 150, 874, 874)),  # half the area, centred
        lambda im: im.crop((0, 300, 1024, 876)).resize((1200, 675)),  # 16:9 band, enlarged
        lambda im: im.crop((400, 0, 1024, 780)),  # off-centre 4:5
        _caption,
        lambda im: ImageOps.expand(im, border=64, fill="white"),
        lambda im: ImageOps.autocontrast(im.convert("L")).convert("RGB"),
        lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
    ],
    ids=["untouched", "small-jpeg", "crop50", "16x9-1200", "4x5-off", "caption", "border", "grey", "turn2"],
)
def test_derivatives_are_the_same_picture(journey: object) -> None:
    img = _picture()
    placement = thumbnail.compare(journey(img), thumbnail.describe(img))  # type: ignore[operator]
    assert placement is not None
    assert placement.verdict == "same-picture", placement


def test_another_picture_at_its_size_is_different() -> None:
    img = _picture()
    stored = thumbnail.describe(img)
    for name in ("rocket.jpg", "coffee.png", "chelsea.png"):
        other = _picture(name)
        placement = thumbnail.compare(other, stored)
        assert placement is not None
        assert placement.verdict == "different", (name, placement)
        assert "no part of the record's picture" in placement.words


def test_the_picture_pasted_small_into_another_is_different() -> None:
    img = _picture(size=(600, 600))
    canvas = _picture("rocket.jpg", (900, 900))
    canvas.paste(img, (60, 270))
    placement = thumbnail.compare(canvas, thumbnail.describe(img))
    assert placement is not None
    assert placement.verdict == "different"
    assert placement.pasted
    assert "shown inside a larger image" in placement.words


def test_what_cannot_be_told_is_never_called_different() -> None:
    img = _picture()
    stored = thumbnail.describe(img)
    tiny = thumbnail.compare(img.crop((0, 0, 290, 290)), stored)  # 8 % of the area: smaller than the search sees
    assert tiny is not None
    assert tiny.verdict == "cannot-tell"
    half = thumbnail.compare(_picture("rocket.jpg", (512, 512)), stored)  # might be an unseen crop, enlarged less
    assert half is not None
    assert half.verdict == "cannot-tell"
    flat = Image.new("RGB", (800, 600), (120, 130, 140))
    placement = thumbnail.compare(flat, thumbnail.describe(flat))
    assert placement is not None
    assert placement.verdict == "cannot-tell"
    assert placement.detailed == 0


def test_a_scale_the_mark_measured_keeps_the_image_where_the_mark_puts_it() -> None:
    """At a known scale (the mark's tiles measured it) the image is judged there: the fit may
    not shrink it onto a small patch of the record's picture where a few blocks agree by
    chance (it did: 40 % of a same-size picture, and a grafted mark went unflagged)."""
    pairs = (("coffee.png", "rocket.jpg"), ("rocket.jpg", "chelsea.png"), ("chelsea.png", "astronaut.png"))
    for record, other in pairs:
        stored = thumbnail.describe(_picture(record, (1024, 768)))
        decoded = thumbnail.decode(stored)
        assert decoded is not None
        thumb, size = decoded
        for scale in (1.0, 0.5):
            img = _picture(other, (round(1024 * scale), round(768 * scale)))
            placement = thumbnail._at_scale(thumb, thumbnail._trim(thumbnail._luma(img)), size, scale)
            assert placement.verdict == "different", (record, other, scale, placement)
            assert placement.shown > 0.75, (record, other, scale, placement)


def test_a_mark_grafted_onto_another_photo_is_placed_at_its_scale() -> None:
    """Evaluation pictures (C2PA's reference photos): a bridge judged at the scale of a
    window's mark is another picture, not an undecidable crop."""
    record = Image.open(require_fixtures("c2pa", "c2pa-rs", "P1000827.jpg")).convert("RGB")
    other = Image.open(require_fixtures("c2pa", "c2pa-rs", "ocsp.jpg")).convert("RGB").resize(record.size)
    placement = thumbnail.compare(other, thumbnail.describe(record), scale=1.0)
    assert placement is not None
    assert placement.verdict == "different"
    assert placement.shown > 0.75


@pytest.mark.parametrize("sides", [(0.8, 1.0), (1.0, 1.25)])
def test_a_stretched_copy_the_mark_calls_whole_is_fitted_at_its_own_shape(sides: tuple[float, float]) -> None:
    """The search keeps the copy's shape, so a copy squeezed to 80 % of its width fits the
    picture only in part, and on a picture of even detail that part may pass as the same
    picture with the rest 'differing'. Where the mark's global layer says the copy is the whole
    picture (``frame``), the fit at the frame, which has the shape right, decides when more of
    its blocks agree."""
    img = _picture("rocket.jpg", (640, 427))
    stored = thumbnail.describe(img)
    copy = _jpeg(img.resize((round(640 * sides[0]), round(427 * sides[1])), Image.Resampling.LANCZOS), 90)
    placed = thumbnail.compare(copy, stored, frame=True)
    assert placed is not None
    assert placed.verdict == "same-picture"
    assert placed.agree >= 0.95 * placed.detailed
    searched = thumbnail.compare(copy, stored)
    assert searched is not None
    assert placed.agree * searched.detailed >= searched.agree * placed.detailed
    assert thumbnail.stretched(copy.size, img.size)
    assert not thumbnail.stretched((320, 214), img.size)  # a plain halving, rounded


@pytest.mark.parametrize(
    ("photo", "kept", "scale"),
    [
        ("exif-samples__exif-org__olympus-c960.jpg", 0.5, 0.5),  # a plain sky cut off the top
        ("exif-samples__exif-org__olympus-c960.jpg", 0.5, 0.4),
        ("exif-samples__exif-org__canon-ixus.jpg", 0.7, 0.5),
        ("exif-samples__exif-org__kodak-dc240.jpg", 0.7, 0.4),
        ("exif-samples__tests__11-tests.jpg", 0.5, 0.5),
    ],
)
def test_a_crop_shrunk_small_fits_with_every_block_agreeing(photo: str, kept: float, scale: float) -> None:
    """A camera photo's central strip, shrunk for the web to 130-300 px: the fit's scale is
    climbed about the image's centre, so it lands on the true one; climbed about its corner it
    stalled 2-3 % too large and up to a fifth of the blocks disagreed ("parts differ")."""
    picture = Image.open(require_fixtures("photos", photo)).convert("RGB")
    w, h = picture.size
    strip = picture.crop((round(w * (1 - kept) / 2), 0, round(w * (1 + kept) / 2), h))
    copy = strip.resize((round(strip.width * scale), round(strip.height * scale)), Image.Resampling.LANCZOS)
    placement = thumbnail.compare(copy, thumbnail.describe(picture))
    assert placement is not None
    assert placement.verdict == "same-picture"
    assert placement.agree == placement.detailed >= thumbnail.SAME_BLOCKS
    assert placement.scale == pytest.approx(scale, rel=0.02)


def test_a_vignette_costs_no_area() -> None:
    """A phone's vignette darkens a corner's block by a sixth from one side to the other, more than
    a plain block's own tones vary: 8 of coffee's areas stopped agreeing and the copy read
    `altered` (14 of 57 design pictures). The thumbnail is lit as the copy is before blocks compare."""
    with Image.open(SAMPLES / "coffee.png") as img:
        picture = img.convert("RGB")
    stored = thumbnail.describe(picture)
    copy = _jpeg(vignette(picture, 0.6), 90)
    placement = thumbnail.compare(copy, stored)
    assert placement is not None
    assert placement.verdict == "same-picture"
    assert placement.agree >= placement.detailed - 2
