"""Marks the record's thumbnail cannot see: a copy laid on the signed picture's claim thumbnail
(provenance/fingerprint/detail.py). A headline drawn over a signed photo read as "the whole of
the signed picture" (exit 0), because at 128 px the text is 3-4 px; honest copies (re-encoded,
resized, cropped, brightened, greyed) must stay under verify's threshold."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from provenance.fingerprint import detail, thumbnail
from provenance.imaging import claim_thumbnail
from provenance.verify import EDGES_SHARE, MARKED_SHARE, REMOVED_BLOCKS, marked, removed
from tests.conftest import SAMPLES, vignette


def _picture() -> Image.Image:
    """A photo at a size a stamp is given (1200 x 800): its claim thumbnail is 600 x 400."""
    with Image.open(SAMPLES / "rocket.jpg") as img:
        return img.convert("RGB").resize((1200, 800), Image.Resampling.LANCZOS)


def _jpeg(img: Image.Image, quality: int = 85) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _headline(img: Image.Image, height: float, colour: tuple[int, int, int]) -> Image.Image:
    out = img.copy()
    font = ImageFont.load_default(size=round(out.height * height))
    ImageDraw.Draw(out).text((out.width * 0.08, out.height * 0.15), "Troops cross the border", fill=colour, font=font)
    return _jpeg(out)


def _marks(picture: Image.Image, copy: Image.Image) -> detail.Marks | None:
    placed = thumbnail.compare(copy, thumbnail.describe(picture))
    assert placed is not None
    assert placed.verdict == "same-picture"
    centre = placed.image_centre(picture.size)
    assert centre is not None
    return detail.marks(copy, claim_thumbnail(picture), picture.size, placed.scale, centre)


def _share(picture: Image.Image, copy: Image.Image) -> float | None:
    found = _marks(picture, copy)
    return None if found is None else found.share


def _half(img: Image.Image) -> Image.Image:
    return _jpeg(img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS))


def _crop(img: Image.Image) -> Image.Image:
    w, h = img.size
    return _jpeg(img.crop((w // 5, h // 6, w - w // 10, h - h // 8)))


HONEST: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg 60": lambda im: _jpeg(im, 60),
    "half size": _half,
    "crop": _crop,
    "brighter": lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(1.25)),
    "more contrast": lambda im: _jpeg(ImageEnhance.Contrast(im).enhance(1.4)),
    "grey": lambda im: _jpeg(im.convert("L").convert("RGB")),
    # a walkthrough's whole-picture edits that the new edges and lost patches first called altered
    "film grain": lambda im: _jpeg(_grain(im, 25)),
    "softened": lambda im: _jpeg(im.filter(ImageFilter.GaussianBlur(2))),
}


def _grain(img: Image.Image, sigma: float) -> Image.Image:
    rgb = np.asarray(img, np.float32)
    noise = np.random.default_rng(0).normal(0, sigma, rgb.shape[:2])[..., None]
    return Image.fromarray(np.clip(rgb + noise, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("journey", sorted(HONEST))
def test_an_honest_copy_stays_under_the_threshold(journey: str) -> None:
    picture = _picture()
    found = _marks(picture, HONEST[journey](picture))
    assert found is not None
    assert found.share < MARKED_SHARE / 2
    assert found.edges < EDGES_SHARE / 2
    assert found.removed_blocks < REMOVED_BLOCKS / 2


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png"])
def test_a_sharpened_copy_is_not_marks_drawn_over_it(name: str) -> None:
    """A newsroom sharpens what it publishes: a walkthrough's unsharp mask (radius 2, 150 %) read as
    marks drawn over 0.7 % of a photo, exit 3. The copy's sharpening is fitted before comparing
    (without it, these copies differ over 1 % and 0.3 %)."""
    with Image.open(SAMPLES / name) as img:
        picture = img.convert("RGB")
    found = _marks(picture, _jpeg(picture.filter(ImageFilter.UnsharpMask(2, 150, 3)), 90))
    assert found is not None
    assert found.share < MARKED_SHARE / 2
    assert not marked(found)
    assert not removed(found)


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png"])
def test_a_vignette_is_not_marks_drawn_over_it(name: str) -> None:
    """A phone's filter darkens the corners: a walkthrough's vignette read as marks drawn over the
    picture (exit 3) on 5 of 6 photos. A smooth gain across the picture is fitted before comparing
    (without it, these copies differ over 0.8 % and 0.9 %)."""
    with Image.open(SAMPLES / name) as img:
        picture = img.convert("RGB")
    found = _marks(picture, _jpeg(vignette(picture, 0.45), 90))
    assert found is not None
    assert found.share < MARKED_SHARE / 2
    assert not marked(found)


def _local_contrast(img: Image.Image, clip: float = 2.0) -> Image.Image:
    """An editor's "clarity": CLAHE on the lightness, 8 x 8 tiles."""
    import cv2

    lab = cv2.cvtColor(np.asarray(img.convert("RGB")), cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=clip, tileGridSize=(8, 8)).apply(lab[..., 0])
    return Image.fromarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))


def _doubled(name: str) -> Image.Image:
    with Image.open(SAMPLES / name) as img:
        picture = img.convert("RGB")
    return picture.resize((picture.width * 2, picture.height * 2), Image.Resampling.LANCZOS)


@pytest.mark.parametrize("name", ["astronaut.png", "chelsea.png"])
def test_local_contrast_is_not_marks_drawn_over_it(name: str) -> None:
    """A newsroom's local contrast (CLAHE, "clarity") brightens one part and darkens another: one
    picture-wide curve left 2.4 % and 2.1 % of these copies reading as marks drawn over them
    (exit 3), and 24 of 28 evaluation copies. A curve per tile is fitted before comparing."""
    picture = _doubled(name)
    found = _marks(picture, _jpeg(_local_contrast(picture), 90))
    assert found is not None
    assert found.share < MARKED_SHARE
    assert not marked(found)
    assert not removed(found)


@pytest.mark.parametrize("name", ["astronaut.png", "chelsea.png"])
def test_a_headline_over_local_contrast_is_still_seen(name: str) -> None:
    """The tiles' curves are medians, so text over a minority of a tile's pixels stays out of them."""
    picture = _doubled(name)
    found = _marks(picture, _headline(_local_contrast(picture), 1 / 25, (255, 255, 255)))
    assert found is not None
    assert found.share >= MARKED_SHARE
    assert marked(found)


def test_film_grain_is_not_new_edges() -> None:
    """A walkthrough's film grain (noise of 25 levels on every pixel) gave the astronaut a gradient
    it lacks nearly everywhere: 1.2 % of it read as edges drawn over it. The least edge rises with
    the copy's typical departure from the picture's gradients."""
    with Image.open(SAMPLES / "astronaut.png") as img:
        picture = img.convert("RGB")
    found = _marks(picture, _jpeg(_grain(picture, 25), 90))
    assert found is not None
    assert found.edges < EDGES_SHARE / 2
    assert not marked(found)


def _date(img: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    """A camera's date imprint in the bottom right corner, 1/30 of the height (a walkthrough's)."""
    out = img.copy()
    font = ImageFont.load_default(size=round(out.height / 30))
    draw = ImageDraw.Draw(out)
    box = draw.textbbox((0, 0), "'24 06 12", font=font)
    draw.text(
        (out.width - box[2] - out.width // 30, out.height - box[3] - out.height // 20),
        "'24 06 12",
        fill=colour,
        font=font,
    )
    return _jpeg(out, 92)


@pytest.mark.parametrize("colour", [(255, 150, 30), (255, 255, 255)])
def test_a_date_imprint_is_seen_by_its_new_edges(colour: tuple[int, int, int]) -> None:
    """Short text is a small share of any picture: a walkthrough's date imprint differed over
    under 0.2 % of the copy and passed as the whole signed capture (exit 0). Its strokes are edges
    where the picture had none."""
    picture = _picture()
    found = _marks(picture, _date(picture, colour))
    assert found is not None
    assert found.share < MARKED_SHARE  # what the count alone missed
    assert found.edges >= EDGES_SHARE
    assert marked(found)


def _blurred(img: Image.Image, box: tuple[int, int, int, int], pixelate: bool) -> Image.Image:
    out = img.copy()
    part = out.crop(box)
    if pixelate:
        part = part.resize((8, 8), Image.Resampling.BOX).resize(part.size, Image.Resampling.NEAREST)
    else:
        part = part.filter(ImageFilter.GaussianBlur(12))
    out.paste(part, box[:2])
    return _jpeg(out, 90)


@pytest.mark.parametrize("pixelate", [False, True])
def test_a_region_blurred_or_pixelated_out_is_seen(pixelate: bool) -> None:
    """A walkthrough blurred (or pixelated) a box of 1/6 x 1/6 of a stamped photo: every pixel
    stayed inside the signed picture's range, and the copy passed as the whole signed capture.
    The detail it lost there, while the rest keeps it, is a patch of lost blocks."""
    with Image.open(SAMPLES / "astronaut.png") as img:  # detail nearly everywhere (the rocket's is sky)
        picture = img.convert("RGB")
    w, h = picture.size
    found = _marks(picture, _blurred(picture, (w // 2, h * 2 // 5, w // 2 + w // 6, h * 2 // 5 + h // 6), pixelate))
    assert found is not None
    assert found.removed_blocks >= REMOVED_BLOCKS
    assert removed(found)
    assert 0.01 < found.removed < 0.04  # about the box's 2.8 %
    softer = _marks(picture, _jpeg(picture.filter(ImageFilter.GaussianBlur(1.5))))  # softer all over: not a patch
    assert softer is not None
    assert not removed(softer)


@pytest.mark.parametrize(
    ("height", "colour", "least"), [(1 / 25, (255, 230, 0), 2 * MARKED_SHARE), (1 / 40, (255, 255, 255), MARKED_SHARE)]
)
def test_a_headline_drawn_over_the_picture_is_seen(height: float, colour: tuple[int, int, int], least: float) -> None:
    """A yellow headline 1/25 of the picture's height (the walkthrough's) and a white one 1/40."""
    picture = _picture()
    share = _share(picture, _headline(picture, height, colour))
    assert share is not None
    assert share >= least


def test_a_headline_on_a_half_size_copy_is_seen_at_the_copys_resolution() -> None:
    picture = _picture()
    share = _share(picture, _headline(_half(picture), 1 / 25, (255, 230, 0)))
    assert share is not None
    assert share >= 2 * MARKED_SHARE


def test_what_cannot_be_judged_is_not_judged() -> None:
    picture = _picture()
    reference = claim_thumbnail(picture)
    assert detail.marks(picture, b"not a picture", picture.size, 1.0, (0.5, 0.5)) is None
    tiny = picture.resize((240, 160))  # under LEAST_SIDE: a headline would be a few pixels
    assert detail.marks(tiny, reference, picture.size, 240 / picture.width, (0.5, 0.5)) is None
    other = Image.effect_noise(picture.size, 60).convert("RGB")  # nothing to lay it on: not laid
    found = detail.marks(other, reference, picture.size, 1.0, (0.5, 0.5))
    assert found is None or not found.laid


def test_the_copy_is_laid_by_its_whole_centre_when_plain_margins_were_cut() -> None:
    """The thumbnail places an image less its plain margins; a dark studio backdrop's rows put a copy
    laid by the whole image's centre 50 px off, and an honest 9:16 crop of a product shot lay at
    correlation 0.63 (a design picture). Laid by :meth:`Placement.image_centre`, it lines up."""
    picture = Image.new("RGB", (640, 512), (8, 8, 8))
    with Image.open(SAMPLES / "chelsea.png") as img:
        picture.paste(img.convert("RGB").resize((520, 380)), (60, 120))  # dark rows above and beside it
    crop = _jpeg(picture.crop((0, 0, 288, 512)))
    placed = thumbnail.compare(crop, thumbnail.describe(picture))
    assert placed is not None
    assert placed.verdict == "same-picture"
    assert placed.margins[0] > 0  # the dark rows above were cut before the fit
    centre = placed.image_centre(picture.size)
    assert centre is not None
    assert centre[0] == pytest.approx(144 / 640, abs=0.01)
    assert centre[1] == pytest.approx(0.5, abs=0.01)
    found = detail.marks(crop, claim_thumbnail(picture), picture.size, placed.scale, centre)
    assert found is not None
    assert found.laid
    assert not marked(found)


def test_a_headline_that_keeps_the_copy_from_lining_up_is_compared_all_the_same() -> None:
    """A headline a tenth of the picture's height, outlined, over a night sky: ECC lays the copy
    under :data:`detail.ALIGNED`, and it was not compared at all; it is, and its marks are seen."""
    with Image.open(SAMPLES / "rocket.jpg") as img:
        picture = img.convert("RGB")
    out = picture.copy()
    font = ImageFont.load_default(size=picture.height // 10)
    ImageDraw.Draw(out).text((picture.width // 2, picture.height // 12), "FAKE HEADLINE", fill="white", font=font,
                             stroke_width=2, stroke_fill="black")  # fmt: skip
    found = _marks(picture, _jpeg(out, 90))
    assert found is not None
    assert not found.laid
    assert marked(found)


def test_a_transparent_copy_is_seen_on_white_as_its_claim_thumbnail_shows_it() -> None:
    """A stamped PNG with a transparent border, copied as it is: the claim thumbnail shows the
    border white; read as RGB alone, its hidden colour would differ everywhere there."""
    picture = _picture().convert("RGBA")
    alpha = Image.new("L", picture.size, 255)
    ImageDraw.Draw(alpha).rectangle((0, 0, picture.width, 120), fill=0)  # the top band transparent...
    picture.putalpha(alpha)
    hidden = Image.new("RGBA", picture.size, (0, 200, 0, 0))  # ...its hidden colour green
    copy = Image.composite(picture, hidden, alpha)
    placed = thumbnail.compare(copy, thumbnail.describe(picture))
    assert placed is not None
    assert placed.centre is not None
    found = detail.marks(copy, claim_thumbnail(picture), picture.size, placed.scale, placed.centre)
    assert found is not None
    assert found.share < MARKED_SHARE / 2


def test_a_copy_that_does_not_line_up_is_altered_by_new_edges_or_a_lost_patch_only() -> None:
    """Under detail.ALIGNED a share differing may be the lay's and a strong edit's (a newsroom's local
    contrast differed by 0.4-1.6 % with no new edges on the design set): it takes new edges (a headline,
    a logo, a caption's text) or a lost patch (a black bar over a dark edge) to call the copy altered."""
    from provenance.verify import LAID_EDGES, REMOVED_BLOCKS, differs

    def found(**kw: float) -> detail.Marks:
        return detail.Marks(**{"share": 0.01, **kw})  # type: ignore[arg-type]

    assert differs(found(aligned=0.95))  # laid: the share alone, as ever
    assert not differs(found(aligned=0.85, edges=LAID_EDGES / 10))  # a strong local contrast's
    assert differs(found(aligned=0.85, edges=LAID_EDGES * 5))  # a headline's
    assert differs(found(aligned=0.85, removed_blocks=REMOVED_BLOCKS + 100))  # a black bar over a dark edge
    assert not differs(found(aligned=0.85, share=0.0))  # nothing differs: nothing to say


def _pasted(img: Image.Image, side: int, at: tuple[int, int], source: tuple[int, int]) -> Image.Image:
    """A disc of ``side`` px from ``source`` pasted over ``at`` with a soft edge (a feathered brush:
    a person removed or doubled), under 1 % of the picture."""
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((side * 0.05, side * 0.05, side * 0.95, side * 0.95), fill=255)
    out = img.copy()
    out.paste(
        img.crop((*source, source[0] + side, source[1] + side)), at, mask.filter(ImageFilter.GaussianBlur(side / 12))
    )
    return _jpeg(out)


def test_a_small_part_pasted_over_in_one_place_is_seen() -> None:
    """A walkthrough: a cyclist cloned out of a signed photo, or pasted onto it (0.5-0.9 % of the
    picture), passed as the whole signed capture: its differing share stays under MARKED_SHARE and a
    soft edge makes no new edges. All of it lies in one place, where an honest copy's stray pixels
    are scattered: marked."""
    picture = _picture()
    edited = _pasted(picture, 90, (600, 500), (820, 120))
    found = _marks(picture, edited)
    assert found is not None
    assert found.share < MARKED_SHARE, found  # what the share alone missed
    assert found.edges < EDGES_SHARE, found  # and the new edges
    assert found.local >= 150, found
    assert found.local_share >= 0.9, found
    assert marked(found)
    for honest in (_jpeg(picture, 70), _half(picture), _crop(picture)):
        kept = _marks(picture, honest)
        assert kept is not None
        assert not marked(kept), kept
