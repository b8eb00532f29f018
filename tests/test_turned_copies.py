"""A registered picture found again when its copy is sideways or mirrored.

A resize that drops the EXIF orientation leaves a photo sideways; a mirrored copy is a
common re-post (and a common misrepresentation: the scene reversed, so it is not the signed
picture as it stands). Upright, their hashes are as far from the original as another picture's;
verify looks up the seven other orientations' PDQ hashes when nothing matches upright,
turns the copy back and says how it lies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from provenance.config import Home
from provenance.register import register_paths
from provenance.verify import verify_path
from tests.conftest import SAMPLES, require_fixtures, run_cli


@pytest.fixture
def archive(tmp_path: Path) -> Home:
    home = Home(tmp_path / "archive")
    photo = tmp_path / "photo.jpg"
    Image.open(SAMPLES / "astronaut.png").convert("RGB").resize((1024, 1024)).save(photo, quality=92)
    register_paths([photo], home=home, owner="Daily Planet")
    return home


def _stamped(tmp_path: Path, sample: str) -> tuple[Home, Path]:
    """A newsroom's home, and ``sample`` stamped there as a captured photo."""
    from provenance.credentials import init_identity
    from provenance.credentials.keys import home_identity
    from provenance.stamp import stamp_file

    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    stamped = tmp_path / "stamped.png"
    stamp_file(SAMPLES / sample, stamped, user="Jane", identity=home_identity(home), home=home,
               source_type="captured")  # fmt: skip
    return home, stamped


@pytest.mark.parametrize(
    ("transpose", "words"),
    [
        (Image.Transpose.ROTATE_270, "turned 90 degrees clockwise"),
        (Image.Transpose.ROTATE_90, "turned 90 degrees counter-clockwise"),
        (Image.Transpose.FLIP_LEFT_RIGHT, "mirrored left to right"),
    ],
)
def test_a_sideways_or_mirrored_copy_is_matched_and_said_so(
    archive: Home, tmp_path: Path, transpose: Image.Transpose, words: str
) -> None:
    copy = tmp_path / "copy.jpg"
    Image.open(tmp_path / "photo.jpg").transpose(transpose).resize((600, 600)).save(copy, quality=85)
    report = verify_path(copy, home=archive)
    assert report.ownership.verdict == "registered", report.ownership.summary
    assert report.ownership.matches[0].owner == "Daily Planet"
    assert f"This copy is {words} relative to the registered picture." in report.ownership.summary
    assert report.ownership.lies == words  # for a program reading the JSON, not only the summary
    plain = verify_path(tmp_path / "photo.jpg", home=archive)
    assert plain.ownership.lies is None


def test_another_picture_turned_matches_nothing(archive: Home, tmp_path: Path) -> None:
    other = tmp_path / "other.jpg"
    Image.open(SAMPLES / "rocket.jpg").convert("RGB").transpose(Image.Transpose.ROTATE_90).save(other)
    report = verify_path(other, home=archive)
    assert report.ownership.verdict == "no-match"
    assert "This copy is" not in report.ownership.summary


def test_the_turned_hashes_come_with_the_same_fingerprints_as_ever() -> None:
    """Verify hashes once for both: its fingerprints must be the registry's, bit for bit."""
    from provenance import fingerprint

    img = Image.open(SAMPLES / "coffee.png").convert("RGB").resize((1200, 800))
    prints, turned = fingerprint.compute_with_turns(img)
    assert prints == fingerprint.compute(img)
    assert len(turned) == 7
    mirrored = fingerprint.pdq(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert min(t.distance(mirrored) for t in turned) <= 12


@pytest.mark.parametrize(
    ("transpose", "words"),
    [
        (Image.Transpose.ROTATE_270, "turned 90 degrees clockwise"),
        (Image.Transpose.ROTATE_90, "turned 90 degrees counter-clockwise"),
        (Image.Transpose.ROTATE_180, "upside down (turned 180 degrees)"),
        (Image.Transpose.FLIP_LEFT_RIGHT, "mirrored left to right"),
    ],
)
def test_a_stamped_copy_turned_says_so_when_its_watermark_found_it(
    tmp_path: Path, transpose: Image.Transpose, words: str
) -> None:
    """Found by its watermark (which reads the turn), a turned copy was called the whole
    picture with no word of how it lies; found by fingerprint, it was said."""
    home, stamped = _stamped(tmp_path, "coffee.png")
    copy = tmp_path / "copy.jpg"
    Image.open(stamped).convert("RGB").transpose(transpose).save(copy, quality=90)
    report = verify_path(copy, home=home)
    assert report.watermark.found
    assert f"This copy is {words} relative to the registered picture." in report.ownership.summary
    if report.exit_code == 0:
        assert f"this copy is {words}" in report.summary  # the headline says it too (it dropped it)
    else:  # a mirror image is not the signed picture as it stands: the headline says why
        assert transpose == Image.Transpose.FLIP_LEFT_RIGHT
        assert "but mirrored (a mirror image shows the scene reversed)" in report.summary
    plain = verify_path(stamped, home=home)
    assert "This copy is" not in plain.ownership.summary


@pytest.mark.parametrize(
    ("transpose", "altered"),
    [(Image.Transpose.FLIP_TOP_BOTTOM, True), (Image.Transpose.TRANSPOSE, True), (Image.Transpose.ROTATE_180, False)],
)
def test_every_mirror_is_altered_and_no_turn_is(tmp_path: Path, transpose: Image.Transpose, altered: bool) -> None:
    """A flip top to bottom is a mirror too, though its words ("flipped top to bottom") do not say
    "mirrored": the rule follows the transpose, not the wording. A half turn is no mirror."""
    home, stamped = _stamped(tmp_path, "coffee.png")
    copy = tmp_path / "copy.jpg"
    Image.open(stamped).convert("RGB").transpose(transpose).save(copy, quality=90)
    report = verify_path(copy, home=home)
    assert report.credentials.placement is not None
    assert report.credentials.placement.mirrored is altered
    assert report.exit_code == (3 if altered else 0), report.summary
    assert report.credentials.placement.only_mirrored is altered, report.credentials.placement
    if altered:
        # labelled for what it is: "Parts differ" beside "every area matches" read as a contradiction
        shown = run_cli("verify", copy, home=home.root)
        assert "this picture: Mirror image (" in shown.stdout, shown.stdout
        assert "Parts differ" not in shown.stdout


def test_a_turned_copy_is_compared_without_its_filled_corners() -> None:
    """A 480 x 270 picture turned 45 degrees and back has filled corners whose edges the
    registered picture lacks: compared whole, a quarter to a third of its detailed areas
    disagreed ('parts differ'; on the walkthrough's stamped JPEG, 'no part matches': exit 1).
    Compared inside the largest rectangle free of them, every one agrees."""
    from types import SimpleNamespace
    from typing import cast

    from provenance.fingerprint import thumbnail
    from provenance.registry import Record
    from provenance.verify import _same_picture, _Seen

    picture = Image.open(SAMPLES / "astronaut.png").convert("RGB").crop((0, 112, 512, 400)).resize((480, 270))
    record = cast("Record", SimpleNamespace(thumbnail=thumbnail.describe(picture)))
    back = picture.rotate(45, resample=Image.Resampling.BICUBIC).rotate(-45, resample=Image.Resampling.BICUBIC)
    verdict, _, placed = _same_picture(_Seen(back, 1.0, False, angle=-45.0), record, None)
    assert verdict == "same-picture"
    assert placed is not None
    assert placed.agree == placed.detailed > 0
    assert placed.shown > 0.5  # how much the copy shows is the whole copy's, not the rectangle's


def test_small_stamped_copies_turned_45_degrees_are_never_called_copied_marks(tmp_path: Path) -> None:
    """The walkthrough's 480 x 270 stamped photo turned 45 degrees on its own canvas read
    'Provenance broken: the mark was probably copied' (exit 1) once its mark was read. Where
    the mark reads (not on every record's payload at this size), the copy is its picture and
    the turn is named; where it does not, the verdict is inconclusive."""
    from provenance.credentials import init_identity
    from provenance.credentials.keys import home_identity
    from provenance.stamp import stamp_file

    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    read = 0
    for top in (0, 56, 112, 168, 224):
        small = tmp_path / f"small-{top}.jpg"
        Image.open(SAMPLES / "astronaut.png").convert("RGB").crop((0, top, 512, top + 288)).resize((480, 270)).save(
            small
        )
        stamped = tmp_path / f"stamped-{top}.jpg"
        stamp_file(small, stamped, user="Jane", identity=home_identity(home), home=home, source_type="captured")
        turned = tmp_path / f"turned-{top}.jpg"
        Image.open(stamped).rotate(45, resample=Image.Resampling.BICUBIC).save(turned, quality=90)
        report = verify_path(turned, home=home)
        assert report.exit_code != 1, report.summary
        if report.watermark.found:
            read += 1
            assert report.exit_code == 0, report.summary
            assert "turned about 45 degrees counter-clockwise" in report.ownership.summary
    assert read >= 2


def test_a_stamped_copy_stretched_is_its_picture_not_a_copied_mark(tmp_path: Path) -> None:
    """The walkthrough's 400 x 500 stamped camera photo stretched wider: its whole-picture mark
    read, but the picture search (which keeps the shape) found no part of it and the verdict was
    'Provenance broken' (exit 1; this photo at 600 x 500). The mark's frame says the image is
    the whole picture: judged there, it is."""
    from provenance.credentials import init_identity
    from provenance.credentials.keys import home_identity
    from provenance.stamp import stamp_file

    photo = require_fixtures("photos", "exif-samples__exif-org__fujifilm-dx10.jpg")
    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    tall = tmp_path / "tall.jpg"
    Image.open(photo).convert("RGB").resize((400, 500)).save(tall)
    stamped = tmp_path / "stamped.jpg"
    stamp_file(tall, stamped, user="Jane", identity=home_identity(home), home=home, source_type="captured")
    for width in (520, 600):
        stretched = tmp_path / f"stretched-{width}.jpg"
        Image.open(stamped).resize((width, 500), Image.Resampling.BICUBIC).save(stretched, quality=90)
        report = verify_path(stretched, home=home)
        assert report.watermark.state == "ours", report.watermark.note
        assert report.exit_code == 0, report.summary


def test_a_turned_copy_shows_what_its_own_pixels_show(tmp_path: Path) -> None:
    """A copy turned on its own canvas loses the picture's corners (a square turned 45 degrees
    keeps 2(sqrt 2 - 1) = 83 % of it) and was called 'the whole of the signed picture'; turned
    on a canvas that holds it, it shows all of it; a centred 360 px crop of a 512 px picture
    turned 30 degrees shows (360/512)^2 = 49 %, where the copy turned back on its own canvas
    showed 41 %."""
    from provenance.credentials import init_identity
    from provenance.credentials.keys import home_identity
    from provenance.stamp import stamp_file

    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    stamped = tmp_path / "stamped.png"
    stamp_file(SAMPLES / "astronaut.png", stamped, user="Jane", identity=home_identity(home), home=home,
               source_type="captured")  # fmt: skip
    picture = Image.open(stamped).convert("RGB")
    wide = picture.rotate(30, resample=Image.Resampling.BICUBIC, expand=True)
    cx, cy = wide.width // 2, wide.height // 2
    copies = {
        "own-canvas-45": (picture.rotate(45, resample=Image.Resampling.BICUBIC), 0.828, "crop"),
        "expanded-45": (picture.rotate(45, resample=Image.Resampling.BICUBIC, expand=True), 1.0, "whole"),
        "crop-of-30": (wide.crop((cx - 180, cy - 180, cx + 180, cy + 180)), (360 / 512) ** 2, "crop"),
    }
    # a wide picture and a tall one (the walkthrough's 1600 x 1200 photo turned 45 degrees read
    # "a crop showing about 7 %", its 1536 x 2048 one "the whole"): their share from a mask turned alike
    for sample in ("coffee.png", "rocket.jpg"):
        stamped_other = tmp_path / f"stamped-{sample}.png"
        stamp_file(SAMPLES / sample, stamped_other, user="Jane", identity=home_identity(home), home=home,
                   source_type="captured")  # fmt: skip
        other = Image.open(stamped_other).convert("RGB")
        mask = Image.new("L", other.size, 255).rotate(45)
        share = sum(i * n for i, n in enumerate(mask.histogram())) / (255 * other.width * other.height)
        copies[f"own-canvas-45-{sample}"] = (other.rotate(45, resample=Image.Resampling.BICUBIC), share, "crop")
    for name, (img, shown, state) in copies.items():
        path = tmp_path / f"{name}.png"
        img.save(path)
        report = verify_path(path, home=home)
        assert report.exit_code == 0, report.summary
        placed = report.ownership.matches[0].placement
        assert placed is not None, name
        assert placed.state == state, (name, placed)
        assert placed.shown == pytest.approx(shown, abs=0.03), (name, placed)


@pytest.mark.parametrize(
    ("make", "lies", "transpose", "turn_back"),
    [
        (lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "mirrored left to right", "FLIP_LEFT_RIGHT", 0.0),
        (lambda im: im.transpose(Image.Transpose.ROTATE_90), "turned 90 degrees counter-clockwise", "ROTATE_270", 0.0),
        (
            lambda im: im.rotate(20, resample=Image.Resampling.BICUBIC),
            "turned about 20 degrees counter-clockwise",
            None,
            -20,
        ),
    ],
)
def test_the_json_says_how_a_turned_copy_lies_and_how_to_bring_it_back(
    tmp_path: Path, make: Callable[[Image.Image], Image.Image], lies: str, transpose: str | None, turn_back: float
) -> None:
    """A CMS should not have to parse English: the report names the transpose and the turn that
    bring the copy back, and applying them gives back the stamped picture."""
    import json

    import numpy as np

    home, stamped = _stamped(tmp_path, "coffee.png")
    original = Image.open(stamped).convert("RGB")
    copy = tmp_path / "copy.png"
    make(original).save(copy)
    mark = json.loads(verify_path(copy, home=home).to_json())["watermark"]
    assert (mark["lies"], mark["transpose"]) == (lies, transpose)
    assert mark["turn_back"] == pytest.approx(turn_back, abs=0.5)
    back: Image.Image = Image.open(copy)
    back = back.transpose(Image.Transpose[mark["transpose"]]) if mark["transpose"] else back
    back = back.rotate(mark["turn_back"], resample=Image.Resampling.BICUBIC)
    centre = (slice(150, 250), slice(200, 400))  # clear of the corners a turn fills
    error = np.abs(np.asarray(back, np.float32)[centre] - np.asarray(original, np.float32)[centre]).mean()
    assert error < 8, error
    upright = json.loads(verify_path(stamped, home=home).to_json())["watermark"]
    assert (upright["lies"], upright["transpose"], upright["turn_back"]) == (None, None, 0.0)


def test_a_stamped_photo_mirrored_and_cropped_is_traced_to_its_record(tmp_path: Path) -> None:
    """A meme's journey: flipped, then cropped. Its mark was lost (the global layer cannot place a
    crop, the tile search read only upright copies); now it is read and the copy placed."""
    home, stamped = _stamped(tmp_path, "coffee.png")
    flipped = Image.open(stamped).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    copy = tmp_path / "meme.jpg"
    flipped.crop((60, 40, 540, 360)).save(copy, quality=85)
    report = verify_path(copy, home=home)
    assert report.watermark.found
    assert report.watermark.lies == "mirrored left to right"
    assert report.ownership.verdict == "registered"
    assert "this copy is mirrored left to right" in report.ownership.summary.lower()
    # a mirror image shows the scene reversed, which no one signed: not the signed capture as it
    # stands (a walkthrough's flipped news photo passed, exit 0, said only in the summary's last words)
    assert report.credentials.placement is not None
    assert (report.credentials.placement.state, report.credentials.placement.mirrored) == ("altered", True)
    assert report.credentials.placement.cropped
    assert "but mirrored (a mirror image shows the scene reversed)" in report.summary
    assert report.exit_code == 3
    assert report.ai.verdict != "captured"  # the capture claim is the signed picture's, not this copy's
