"""A registered picture found inside bars, a border or a page, and copies of another owner's
picture refused however they lie.

A walkthrough registered a photo, then a copy of it with black bars above and below (an eighth
of its height each): verify matched nothing, since the whole image's hashes, bars and all, are far
from the picture's. Another owner then registered that copy, a mirrored one and a sideways one
as their own originals, and verify named them the owner of each (exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageOps

from provenance.config import Home
from provenance.register import register_paths
from provenance.verify import verify_path
from tests.conftest import SAMPLES


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Home, Image.Image]:
    home = Home(tmp_path / "archive")
    photo = tmp_path / "photo.jpg"
    picture = Image.open(SAMPLES / "coffee.png").convert("RGB").resize((900, 600))
    picture.save(photo, quality=92)
    register_paths([photo], home=home, owner="Daily Planet")
    return home, picture


def _bars(picture: Image.Image) -> Image.Image:
    return ImageOps.expand(picture, border=(0, picture.height // 5, 0, picture.height // 5), fill=(0, 0, 0))


def _post(picture: Image.Image) -> Image.Image:
    """The picture at 60 % on a white page, a line of text above it and counts below."""
    small = picture.resize((picture.width * 3 // 5, picture.height * 3 // 5))
    page = Image.new("RGB", (small.width + 80, small.height + 200), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.ellipse((20, 20, 60, 60), fill=(90, 120, 200))
    draw.text((70, 30), "Jane Doe @jane - look at this from downtown today, unbelievable scenes", fill=(0, 0, 0))
    page.paste(small, (40, 90))
    draw.text((40, 110 + small.height), "12 replies   340 reposts   1.2K likes", fill=(90, 90, 90))
    return page


def test_a_copy_inside_bars_or_a_border_is_found_and_said_so(archive: tuple[Home, Image.Image], tmp_path: Path) -> None:
    home, picture = archive
    for name, framed in (("bars", _bars(picture)), ("border", ImageOps.expand(picture, 60, (255, 255, 255)))):
        copy = tmp_path / f"{name}.jpg"
        framed.save(copy, quality=85)
        report = verify_path(copy, home=home)
        assert report.ownership.verdict == "registered", (name, report.ownership.summary)
        assert report.ownership.matches[0].owner == "Daily Planet"
        assert "found inside bars, a border or a page" in report.ownership.summary
        assert report.exit_code == 0, report.summary


def test_a_copy_on_a_page_of_text_is_found_but_not_passed_whole(
    archive: tuple[Home, Image.Image], tmp_path: Path
) -> None:
    """Named, and the text around it is content the registered picture does not have (exit 3)."""
    home, picture = archive
    copy = tmp_path / "post.jpg"
    _post(picture).save(copy, quality=85)
    report = verify_path(copy, home=home)
    assert report.ownership.matches, report.ownership.summary
    assert report.ownership.matches[0].owner == "Daily Planet"
    assert report.exit_code == 3, report.summary
    assert "content was added around it" in report.summary


def test_an_unrelated_picture_with_bars_matches_nothing(archive: tuple[Home, Image.Image], tmp_path: Path) -> None:
    home, _ = archive
    copy = tmp_path / "other.jpg"
    _bars(Image.open(SAMPLES / "chelsea.png").convert("RGB")).save(copy, quality=85)
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "no-match", report.ownership.summary
    assert report.exit_code == 3


@pytest.mark.parametrize(
    ("made", "words"),
    [
        (lambda p: p.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "(mirrored left to right)"),
        (lambda p: p.rotate(90, expand=True), "(turned 90 degrees counter-clockwise)"),
        (_bars, "(inside bars, a border or a page added around it)"),
        (_post, "(inside bars, a border or a page added around it)"),
    ],
)
def test_another_owners_picture_is_refused_however_it_lies(
    archive: tuple[Home, Image.Image], tmp_path: Path, made: object, words: str
) -> None:
    home, picture = archive
    copy = tmp_path / "mine.jpg"
    made(picture).save(copy, quality=90)  # type: ignore[operator]
    (refused,) = register_paths([copy], home=home, owner="Thief Agency")
    assert refused.status == "refused", refused
    assert "owner Daily Planet" in str(refused.error)
    assert words in str(refused.error)
    # the same owner's own copy is theirs to register
    (mine,) = register_paths([copy], home=home, owner="Daily Planet")
    assert mine.status == "registered", mine


def test_a_turned_copy_is_refused_by_a_ray_registration_too(archive: tuple[Home, Image.Image], tmp_path: Path) -> None:
    """The workers' rows carry the turned hashes and the framed picture's fingerprints."""
    from provenance.register import fingerprint_file

    _, picture = archive
    copy = tmp_path / "mine.jpg"
    _bars(picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)).save(copy, quality=90)
    row = fingerprint_file(str(copy))
    assert len(row["turned"]) == 7
    assert len(row["framed"]) == 1


def _hue(picture: Image.Image, degrees: int) -> Image.Image:
    h, s, v = picture.convert("HSV").split()
    turned = h.point(lambda x: (x + degrees * 256 // 360) % 256)
    return Image.merge("HSV", (turned, s, v)).convert("RGB")


def test_a_recoloured_copy_is_altered_and_says_how(archive: tuple[Home, Image.Image], tmp_path: Path) -> None:
    """A walkthrough's copies with hues turned 180 degrees, or red and blue swapped, read "the whole
    of the registered picture", exit 0: the detail compared is grey."""
    home, picture = archive
    red, green, blue = picture.split()
    middle = picture.copy()
    box = (picture.width * 3 // 10, picture.height * 3 // 10, picture.width * 7 // 10, picture.height * 7 // 10)
    middle.paste(_hue(picture.crop(box), 180), box)
    copies = {
        "hue180": (_hue(picture, 180), "hues", "hues turned about"),
        "swap-rb": (Image.merge("RGB", (blue, green, red)), "channels", "two colour channels swapped"),
        "swap-gb": (Image.merge("RGB", (red, blue, green)), "channels", "two colour channels swapped"),
        "part": (middle, "part", "its colours are changed in part"),
    }
    for name, (copy_of, how, words) in copies.items():
        copy = tmp_path / f"{name}.jpg"
        copy_of.save(copy, quality=90)
        report = verify_path(copy, home=home)
        assert report.ownership.matches[0].owner == "Daily Planet", report.ownership.summary
        assert report.exit_code == 3, (name, report.summary)
        assert words in report.summary, (name, report.summary)
        placed = report.ownership.matches[0].placement
        assert placed is not None
        assert placed.recolouring == how, (name, placed)


def test_honest_colour_edits_and_toning_are_not_recoloured(archive: tuple[Home, Image.Image], tmp_path: Path) -> None:
    """Warmer or much cooler (a red-team's 20 % cooler read hues turned 47-131 degrees by a median
    that let a cast tip near-grey pixels), split-toned, more saturated, or toned sepia: the same
    picture, exit 0."""
    import numpy as np
    from PIL import ImageEnhance

    home, picture = archive
    rgb = np.asarray(picture, dtype=np.float32)
    grey = np.asarray(picture.convert("L"), dtype=np.float32)[..., None]
    light = rgb.mean(axis=2, keepdims=True) / 255
    edits = {
        "warm": rgb * [1.12, 1.0, 0.88],
        "cool": rgb * [0.8, 1.0, 1.2],
        "split": rgb + (1 - light) * [-40, 12, 40] + light * [40, 12, -40],
        "sepia": grey * [1.07, 0.74, 0.43] * 1.2,
    }
    pictures = {name: Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)) for name, a in edits.items()}
    pictures["saturated"] = ImageEnhance.Color(picture).enhance(1.5)
    for name, edited in pictures.items():
        copy = tmp_path / f"{name}.jpg"
        edited.save(copy, quality=90)
        report = verify_path(copy, home=home)
        placed = report.ownership.matches[0].placement
        assert placed is not None, (name, report.summary)
        assert placed.recolouring is None, (name, report.summary)
        assert "colours are changed" not in report.summary


def test_a_copiers_framed_or_mirrored_record_never_takes_the_owners_copies(
    archive: tuple[Home, Image.Image], tmp_path: Path
) -> None:
    """A red-team registered copies of another owner's photo in bars of noise and mirrored (forced
    here; its dodges got past the refusal); the owner's own copy in plain bars then read as the
    copier's, exit 0, and a mirrored one named the copier alone. Now both owners are named:
    contested, exit 3."""
    import numpy as np

    home, picture = archive
    noise = np.random.default_rng(3).integers(0, 60, (picture.height // 5, picture.width, 3), dtype=np.uint8)
    bars = Image.fromarray(np.concatenate([noise, np.asarray(picture), noise]))
    theirs = [tmp_path / "theirs-bars.jpg", tmp_path / "theirs-mirror.jpg"]
    bars.save(theirs[0], quality=90)
    picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(theirs[1], quality=90)
    results = register_paths(theirs, home=home, owner="Thief Co", allow_contradiction=True)
    assert [r.status for r in results] == ["registered", "registered"], results
    ours = {"bars": _bars(picture), "mirror": picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((600, 400))}
    for name, copy_of in ours.items():
        copy = tmp_path / f"ours-{name}.jpg"
        copy_of.save(copy, quality=85)
        report = verify_path(copy, home=home)
        owners = {m.owner for m in report.ownership.matches}
        assert {"Daily Planet", "Thief Co"} <= owners, (name, report.ownership.summary)
        assert report.exit_code == 3, (name, report.summary)
        assert report.ownership.verdict == "inconclusive", (name, report.ownership.summary)
