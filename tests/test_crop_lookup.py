"""Crops of register-only pictures, found by their keypoints.

A walkthrough registered a drawing and found a 60 % crop of it on the web: verify said "No
registered match", since a crop moves the picture's hashes past any threshold and a registered
(not stamped) picture has no watermark to name its record. The registry now keeps each picture's
keypoints; a picture its hashes match with nothing is looked up by them, and the record's
thumbnail decides."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.config import Home
from provenance.fingerprint import KEYPOINTS, keypoints
from provenance.register import fingerprint_file, register_paths
from provenance.registry import open_home_registry
from provenance.registry.backup import export_registry, import_registry
from provenance.registry.check import check_registry
from provenance.verify import verify_path
from tests.conftest import SAMPLES


def _crop(picture: Image.Image, share: float, where: tuple[float, float]) -> Image.Image:
    w, h = picture.size
    cw, ch = round(w * share), round(h * share)
    x, y = round((w - cw) * where[0]), round((h - ch) * where[1])
    return picture.crop((x, y, x + cw, y + ch))


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Home, Image.Image, Path]:
    """A newsroom's photo registered (not stamped): no watermark names its record."""
    home = Home(tmp_path / "archive")
    photo = tmp_path / "photo.jpg"
    picture = Image.open(SAMPLES / "coffee.png").convert("RGB").resize((1200, 800), Image.Resampling.LANCZOS)
    picture.save(photo, quality=92)
    [result] = register_paths([photo], home=home, owner="Daily Planet")
    assert result.status == "registered"
    return home, picture, photo


def test_keypoints_keep_their_bytes_and_refuse_others() -> None:
    picture = Image.open(SAMPLES / "astronaut.png").convert("RGB")
    found = keypoints.describe(picture)
    assert 100 < len(found.descriptors) <= keypoints.STORED
    again = keypoints.Keypoints.from_bytes(found.to_bytes())
    assert again is not None
    assert again.size == picture.size
    assert np.array_equal(again.descriptors, found.descriptors)
    assert np.allclose(again.points, found.points, atol=1 / 16)
    assert keypoints.Keypoints.from_bytes(b"not keypoints") is None
    assert keypoints.Keypoints.from_bytes(found.to_bytes()[:-1]) is None
    flat = keypoints.describe(Image.new("RGB", (600, 400), (120, 130, 140)))
    assert len(flat.descriptors) == 0
    assert keypoints.KeypointIndex([("flat", flat.to_bytes())]).candidates(found) == []


@pytest.mark.parametrize(
    ("share", "where", "width"),
    [(0.6, (0.8, 0.3), 640), (0.5, (0.0, 1.0), 900), (0.8, (0.5, 0.5), 500)],
)
def test_a_crop_of_a_registered_picture_names_its_owner(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path, share: float, where: tuple[float, float], width: int
) -> None:
    """Crops of 80 % down to 50 % of each side, off centre, resized for a page and saved as JPEG 80:
    each matched nothing before; now the registered original is named, as a crop, exit 0."""
    home, picture, _ = archive
    crop = _crop(picture, share, where)
    copy = tmp_path / "crop.jpg"
    crop.resize((width, round(width * crop.height / crop.width)), Image.Resampling.LANCZOS).save(copy, quality=80)
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "registered", report.ownership.summary
    [match] = report.ownership.matches
    assert match.owner == "Daily Planet"
    assert match.matched_by == "keypoints"
    assert match.placement is not None
    assert match.placement.cropped
    assert match.placement.shown == pytest.approx(share * share, abs=0.08)
    assert "found by the keypoints it shares" in report.ownership.summary
    assert report.exit_code == 0, report.summary


def test_a_crop_lying_sideways_is_turned_back_and_said_so(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    """A resize that drops the EXIF orientation leaves a crop sideways: found, and how it lies is said."""
    home, picture, _ = archive
    copy = tmp_path / "sideways.jpg"
    _crop(picture, 0.7, (0.2, 0.6)).transpose(Image.Transpose.ROTATE_90).save(copy, quality=85)
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "registered", report.ownership.summary
    assert report.ownership.matches[0].matched_by == "keypoints"
    assert "turned 90 degrees counter-clockwise" in report.ownership.summary


def test_an_unrelated_picture_or_crop_matches_nothing(archive: tuple[Home, Image.Image, Path], tmp_path: Path) -> None:
    home, _, _ = archive
    for name in ("astronaut.png", "chelsea.png", "rocket.jpg"):
        other = Image.open(SAMPLES / name).convert("RGB")
        copy = tmp_path / f"other-{name}.jpg"
        _crop(other, 0.6, (0.5, 0.5)).save(copy, quality=85)
        report = verify_path(copy, home=home)
        assert report.ownership.verdict == "no-match", (name, report.ownership.summary)
        assert not report.ownership.matches


def test_a_record_from_before_keypoints_gets_them_when_registered_again(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    """An upgraded registry's records have no keypoints: their crops are not found until the file is
    registered again, which keeps the record and adds them."""
    home, picture, photo = archive
    with sqlite3.connect(home.registry) as db:
        db.execute("DELETE FROM fingerprints WHERE algorithm = ?", (KEYPOINTS,))
    copy = tmp_path / "crop.jpg"
    _crop(picture, 0.6, (0.5, 0.5)).save(copy, quality=85)
    assert verify_path(copy, home=home).ownership.verdict == "no-match"
    with open_home_registry(home) as registry:
        [before] = list(registry.iter_records())
        assert before.public_fields()["keypoints_kept"] is None  # said in registry show: register it again
    [again] = register_paths([photo], home=home, owner="Daily Planet")
    assert again.status == "already-registered"
    with open_home_registry(home) as registry:
        record = registry.get(again.record_id or "")
        assert record is not None
        assert record.public_fields()["keypoints_kept"] == keypoints.STORED
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "registered", report.ownership.summary
    assert report.ownership.matches[0].record_id == again.record_id


def test_keypoints_travel_through_export_import_and_pass_the_check(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    home, picture, _ = archive
    with open_home_registry(home) as registry:
        assert check_registry(registry) == []
        [record] = list(registry.iter_records())
        assert record.keypoints is not None
        assert KEYPOINTS not in {f.algorithm for f in record.fingerprints}  # never compared as a hash
        assert "keypoints" not in record.public_fields()
    dump = tmp_path / "export.jsonl"
    export_registry(home, dump)
    other = Home(tmp_path / "restored")
    import_registry(other, dump)
    copy = tmp_path / "crop.jpg"
    _crop(picture, 0.6, (0.2, 0.2)).save(copy, quality=85)
    report = verify_path(copy, home=other)
    assert report.ownership.verdict == "registered", report.ownership.summary


def test_a_registering_worker_carries_the_keypoints(archive: tuple[Home, Image.Image, Path]) -> None:
    """The archive-scale path (a Ray worker fingerprints, the driver commits) keeps them too."""
    _, picture, photo = archive
    row = fingerprint_file(str(photo))
    found = keypoints.Keypoints.from_bytes(bytes.fromhex(row["keypoints"]))
    assert found is not None
    assert found.size == picture.size
    assert len(found.descriptors) == keypoints.STORED


def test_past_its_limit_the_crop_lookup_says_it_did_not_look(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookup compares every stored keypoint: past its limit it is not run, and "no match"
    says crops were not looked for rather than implying none exists."""
    from provenance import verify

    home, picture, _ = archive
    monkeypatch.setattr(verify, "_KEYPOINTS_MOST", 0)
    copy = tmp_path / "crop.jpg"
    _crop(picture, 0.6, (0.5, 0.5)).save(copy, quality=85)
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "no-match"
    assert "Crops were not looked for" in report.ownership.summary


def test_another_owners_crop_is_refused_and_ones_own_is_not(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    """A crop of a newsroom's registered photo registered as someone else's original would be
    named theirs (exit 0): refused, saying whose picture it is part of. The newsroom may register
    its own crops; an unrelated picture is not refused."""
    home, picture, _ = archive
    crop = tmp_path / "crop.jpg"
    _crop(picture, 0.6, (0.7, 0.4)).save(crop, quality=88)
    [refused] = register_paths([crop], home=home, owner="Someone Else")
    assert refused.status == "refused", refused
    assert refused.error is not None
    assert "it is a crop of record" in refused.error
    assert "owner Daily Planet" in refused.error
    [own] = register_paths([crop], home=home, owner="Daily Planet")
    assert own.status == "registered", own
    other = tmp_path / "other.jpg"
    _crop(Image.open(SAMPLES / "astronaut.png").convert("RGB"), 0.6, (0.5, 0.5)).save(other, quality=88)
    [fine] = register_paths([other], home=home, owner="Someone Else")
    assert fine.status == "registered", fine


def test_a_mirrored_crop_is_found_never_passed_and_never_anothers(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    """ORB's keypoints are not a mirror's: a walkthrough's rival registered a mirrored crop of the
    newsroom's photo, and verify named the rival (exit 0). The crop is looked up mirrored too: the
    newsroom's picture is named, the copy is not passed as it (a mirror shows the scene reversed),
    and the rival's registration is refused, saying how the copy lies."""
    home, picture, _ = archive
    copy = tmp_path / "mirrored.jpg"
    _crop(picture, 0.7, (0.3, 0.5)).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(copy, quality=85)
    report = verify_path(copy, home=home)
    [match] = report.ownership.matches
    assert match.owner == "Daily Planet", report.ownership.summary
    assert match.matched_by == "keypoints"
    assert match.placement is not None
    assert match.placement.mirrored
    assert report.exit_code == 3, report.summary
    [refused] = register_paths([copy], home=home, owner="Rival")
    assert refused.status == "refused", refused
    assert refused.error is not None
    assert "(mirrored left to right)" in refused.error


def test_a_straightened_crop_is_turned_back_not_called_altered(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    """A crop turned 3 degrees and cropped in (no filled corners) read "12 of its 63 detailed areas
    do not match (an overlay, a caption band, a logo?)", exit 3: compared unturned, its edges
    missed. The keypoints' transform turns it back, and the summary says how it lay."""
    home, picture, _ = archive
    copy = tmp_path / "straightened.jpg"
    _crop(picture.rotate(3, Image.Resampling.BICUBIC), 0.7, (0.5, 0.5)).save(copy, quality=88)
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "registered", report.ownership.summary
    assert "turned about 3 degrees counter-clockwise" in report.ownership.summary
    assert report.ownership.lies == "turned about 3 degrees counter-clockwise"  # the JSON says it too
    assert json.loads(report.to_json())["ownership"]["lies"] == report.ownership.lies
    assert report.exit_code == 0, report.summary


def test_a_copy_found_by_its_hashes_does_not_say_keypoints_found_it(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    home, picture, photo = archive
    copy = tmp_path / "resaved.jpg"
    picture.resize((600, 400)).save(copy, quality=80)
    for path in (copy, photo):
        report = verify_path(path, home=home)
        assert report.ownership.verdict == "registered", report.ownership.summary
        assert report.ownership.matches[0].matched_by != "keypoints"
        assert "keypoints" not in report.summary


def test_a_straightened_crop_its_hashes_found_is_turned_back_too(
    archive: tuple[Home, Image.Image, Path], tmp_path: Path
) -> None:
    """A walkthrough's 3-degree crop whose hashes were near enough to find it was compared unturned
    and read "34 of its 77 detailed areas do not match", exit 3, while crops found by keypoints
    passed. Its keypoints' transform now turns it back there too."""
    home, picture, _ = archive
    copy = tmp_path / "straightened.jpg"
    _crop(picture.rotate(3, Image.Resampling.BICUBIC), 0.9, (0.5, 0.5)).save(copy, quality=88)
    report = verify_path(copy, home=home)
    [match] = report.ownership.matches
    assert match.matched_by == "fingerprint"  # found by its hashes, not by keypoints
    assert match.placement is not None
    assert match.placement.state == "crop", report.summary
    assert "turned about 3 degrees counter-clockwise" in report.ownership.summary
    assert report.exit_code == 0, report.summary
