"""A file's own record, found exactly, decides; records of other files that merely look like it do not.

Its own record is the one its intact manifest names, its watermark names (confirmed on the
picture), or its exact SHA-256 finds. A twin made from the picture, or another stamp of the
same picture, is near it by perceptual hash: listed, never "same-as", never its AI verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import ROOT, SAMPLES, run_cli


def _verify(path: Path, home: Path) -> Any:
    result = run_cli("verify", "--json", path, home=home)
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


def _by_title(report: Any) -> dict[str, Any]:
    return {m["title"]: m for m in report["ownership"]["matches"]}


def _stamp(src: Path, out: Path, home: Path, *extra: str) -> None:
    made = run_cli("stamp", src, "-o", out, "--user", "J. Olsen", *extra, home=home)
    assert made.code == 0, made.stderr


def _check(path: Path, home: Path, tmp_path: Path) -> dict[str, str]:
    """The example publishing policy, with the test home's organisation as ours."""
    text = (ROOT / "docs" / "examples" / "publishing-policy.toml").read_text(encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace('# our_owners = ["Daily Planet"]', 'our_owners = ["Test Newsroom"]'), "utf-8")
    checked = run_cli("check", "--json", "--policy", policy, path, home=home)
    result = json.loads(checked.stdout)
    return {r["rule"]: r["outcome"] for r in result["rules"]}


def test_a_twin_made_from_our_signed_photo_leaves_the_photo_captured(keyed_home: Path, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    _stamp(SAMPLES / "chelsea.png", photo, keyed_home, "--source-type", "captured")
    twin = tmp_path / "photo_twin.png"
    made = run_cli("twin", photo, "-o", twin, "--user", "A. Artist", home=keyed_home)
    assert made.code == 0, made.stderr

    report = _verify(photo, keyed_home)
    matches = _by_title(report)
    assert matches["photo.png"]["relation"] == "same-as"
    assert matches["photo.png"]["strength"] == "exact"
    # the twin looks like the photo (the demo model's twins do) and was made from it: not the photo
    assert matches["photo_twin.png"]["relation"] == "has-twin"
    assert matches["photo_twin.png"]["matched_by"] == "fingerprint"
    assert report["ownership"]["verdict"] == "registered"
    assert "'photo.png'" in report["ownership"]["summary"]
    assert report["ai"]["verdict"] == "captured"
    assert report["ai"]["conflicts"] == []
    told = [s for s in report["ai"]["signals"] if s["kind"] == "registry"]
    assert [s["strength"] for s in told] == ["info"]
    assert "A twin of this picture is registered" in told[0]["evidence"]
    assert not report["summary"].startswith("AI-generated")
    # a twin someone made from our photo is no claim on the photo: nothing to disclose, nothing to review
    assert _check(photo, keyed_home, tmp_path) == dict.fromkeys(
        ("require-provenance", "refuse-invalid", "ai-disclosure", "rights-review"), "pass"
    )

    # the twin itself: its own record decides there too (an AI twin of the photo)
    own = _verify(twin, keyed_home)
    assert own["ownership"]["verdict"] == "derived"
    assert _by_title(own)["photo.png"]["relation"] == "twin-of"
    assert own["ai"]["verdict"] == "ai-generated"


def test_a_captured_restamp_is_not_ai_because_an_earlier_ai_stamp_looks_like_it(
    keyed_home: Path, tmp_path: Path
) -> None:
    """stamp (default: AI) then stamp again with --source-type captured, as the tool advises."""
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    _stamp(SAMPLES / "coffee.png", first, keyed_home)
    _stamp(SAMPLES / "coffee.png", second, keyed_home, "--source-type", "captured")

    report = _verify(second, keyed_home)
    matches = _by_title(report)
    assert matches["b.png"]["relation"] == "same-as"
    assert matches["a.png"]["relation"] == "similar-to"  # another record of the same picture, not this one
    assert report["ai"]["verdict"] == "captured"
    assert report["ai"]["conflicts"] == []
    told = [s for s in report["ai"]["signals"] if s["kind"] == "registry"]
    assert [s["strength"] for s in told] == ["info"]
    assert "another record of a near-identical picture" in told[0]["evidence"].lower()

    outcomes = _check(second, keyed_home, tmp_path)
    assert outcomes["ai-disclosure"] == "pass"
    # the earlier AI stamp is J. Olsen's work made here, not another owner's original to clear rights for
    assert outcomes["rights-review"] == "pass"

    # the AI stamp is still AI
    assert _verify(first, keyed_home)["ai"]["verdict"] == "ai-generated"


def test_a_twin_of_a_registered_photo_is_its_twin_not_a_stamp_that_looks_like_it(
    keyed_home: Path, tmp_path: Path
) -> None:
    """samples/chelsea.png stamped as stamped.png (captured), samples/ registered anyway, then a twin of chelsea.png."""
    _stamp(SAMPLES / "chelsea.png", tmp_path / "stamped.png", keyed_home, "--source-type", "captured")
    # chelsea.png is the stamp's unsigned source: registering it too takes the explicit override
    registered = run_cli("register", SAMPLES, "--owner", "Test Newsroom", "--allow-contradiction", home=keyed_home)
    assert registered.code == 0, registered.stderr
    twin = tmp_path / "twin.png"
    made = run_cli("twin", SAMPLES / "chelsea.png", "-o", twin, "--user", "A. Artist", home=keyed_home)
    assert made.code == 0, made.stderr

    report = _verify(twin, keyed_home)
    matches = _by_title(report)
    assert matches["twin.png"]["relation"] == "same-as"
    assert matches["chelsea.png"]["relation"] == "twin-of"
    assert report["ownership"]["verdict"] == "derived"
    assert report["ownership"]["summary"].startswith(
        "This image is an AI twin of the registered original 'chelsea.png'"
    )
    # the stamp of the same photo looks like the twin, but is another file's record
    assert matches["stamped.png"]["relation"] == "similar-to"
    assert all(m["relation"] != "same-as" for m in report["ownership"]["matches"] if m["title"] != "twin.png")


def test_look_alikes_of_a_file_found_exactly_are_listed_without_placing_their_thumbnails(
    keyed_home: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    """Placing a look-alike's thumbnail costs a search per look-alike (an original with twins pays
    it once per twin) and could only say where another file's picture lies."""
    from provenance.config import Home
    from provenance.fingerprint import thumbnail
    from provenance.verify import verify_path

    first, second = tmp_path / "first.png", tmp_path / "second.png"
    _stamp(SAMPLES / "chelsea.png", first, keyed_home, "--source-type", "captured")
    _stamp(SAMPLES / "chelsea.png", second, keyed_home, "--source-type", "captured")
    placed: list[str] = []
    compare = thumbnail.compare

    def counted(*args: Any, **kwargs: Any) -> Any:
        placed.append("placed")
        return compare(*args, **kwargs)

    monkeypatch.setattr(thumbnail, "compare", counted)

    report = verify_path(second, home=Home(keyed_home))
    matches = {m.title: m for m in report.ownership.matches}
    assert (matches["second.png"].relation, matches["second.png"].strength) == ("same-as", "exact")
    assert matches["first.png"].relation == "similar-to"  # still listed, by its hashes
    assert matches["first.png"].placement is None
    assert placed == []
    # the unstamped photo has no record of its own: both stamps are found as made from it (its
    # SHA-256 is their input's), so neither is a candidate whose thumbnail needs placing
    report = verify_path(SAMPLES / "chelsea.png", home=Home(keyed_home))
    assert [(m.relation, m.matched_by) for m in report.ownership.matches] == [("source-of", "input-sha256")] * 2
    assert placed == []


def test_restamping_our_own_stamped_file_makes_a_derivative_not_a_second_original(
    keyed_home: Path, tmp_path: Path
) -> None:
    """stamp chelsea.png -> a.png (captured), then stamp a.png -> b.png: b was registered as a
    second original, and verify of a.png called b another record of the same picture."""
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    _stamp(SAMPLES / "chelsea.png", first, keyed_home, "--source-type", "captured")
    made = run_cli("stamp", first, "-o", second, "--user", "J. Olsen", "--source-type", "captured", home=keyed_home)
    assert made.code == 0, made.stderr
    own = _verify(first, keyed_home)["ownership"]["matches"][0]["record_id"]
    registered = next(line for line in made.stdout.splitlines() if line.strip().startswith("registered"))
    assert f"not a new original: the input is registered here as record {own}" in registered
    assert f"source      record {own}" in made.stdout

    report = _verify(second, keyed_home)
    matches = _by_title(report)
    assert (matches["b.png"]["relation"], matches["b.png"]["kind"]) == ("same-as", "stamped")
    assert (matches["a.png"]["relation"], matches["a.png"]["record_id"]) == ("derivative-of", own)
    assert report["ownership"]["verdict"] == "derived"
    assert "derived from the registered original 'a.png'" in report["summary"]
    assert report["ai"]["verdict"] == "captured"  # a stamped record is not AI when its manifest says captured
    assert report["ai"]["conflicts"] == []

    report = _verify(first, keyed_home)
    matches = _by_title(report)
    assert matches["a.png"]["relation"] == "same-as"
    assert matches["b.png"]["relation"] == "has-derivative"
    assert [m["relation"] for m in report["ownership"]["matches"]].count("same-as") == 1
    assert report["ai"]["verdict"] == "captured"
    assert not [s for s in report["ai"]["signals"] if s["kind"] == "registry"]


@pytest.mark.parametrize("enlarged", [1, 4])
def test_a_stripped_copy_of_our_stamp_is_found_by_its_watermark_when_stamped_again(
    keyed_home: Path, tmp_path: Path, enlarged: int
) -> None:
    """A copy that lost the manifest and the bytes (re-saved as JPEG) is still the stamped
    picture by its watermark: stamping it again links it to that record. Enlarged 4 times
    (1804 x 1200), the mark is read from a box-reduced copy (400 px) (verify._box_reduced)."""
    from PIL import Image

    first = tmp_path / "a.png"
    _stamp(SAMPLES / "chelsea.png", first, keyed_home, "--source-type", "captured")
    copy = tmp_path / "copy.jpg"
    with Image.open(first) as img:
        picture = img.convert("RGB")
    picture.resize((picture.width * enlarged, picture.height * enlarged), Image.Resampling.LANCZOS).save(
        copy, quality=92
    )
    second = tmp_path / "b.png"
    _stamp(copy, second, keyed_home, "--source-type", "captured")

    matches = _by_title(_verify(second, keyed_home))
    assert matches["a.png"]["relation"] == "derivative-of"
    assert matches["b.png"]["kind"] == "stamped"


def test_a_small_copy_of_a_photo_or_its_twin_is_neither_when_the_hashes_cannot_tell(
    keyed_home: Path, tmp_path: Path
) -> None:
    """The walkthrough's case: a small copy of an AI twin (too small for the watermark) was
    "the registered original" photo, AI-generated, exit 0; a copy of the photo itself read
    AI-generated too. A near-copy twin looks like its source: both records match, so neither is
    established, nothing is recovered and neither record's AI claim is the verdict."""
    from PIL import Image

    photo = tmp_path / "photo.png"
    _stamp(SAMPLES / "chelsea.png", photo, keyed_home, "--source-type", "captured")
    twin = tmp_path / "photo_twin.png"
    assert run_cli("twin", photo, "-o", twin, "--user", "A. Artist", home=keyed_home).code == 0
    for made in (photo, twin):
        copy = tmp_path / f"{made.stem}-small.jpg"
        with Image.open(made) as img:
            img.convert("RGB").resize((img.width // 4, img.height // 4)).save(copy, quality=90)  # under 256 px: no mark
        result = run_cli("verify", "--json", copy, home=keyed_home)
        assert result.code == 3, result.stdout
        report = json.loads(result.stdout)
        assert report["ownership"]["verdict"] == "inconclusive"
        matches = _by_title(report)
        assert {m["matched_by"] for m in matches.values()} == {"fingerprint-ambiguous"}
        assert set(matches) == {"photo.png", "photo_twin.png"}
        assert "cannot be told" in report["ownership"]["summary"]
        assert report["credentials"]["state"] == "absent"
        assert report["ai"]["verdict"] == "no-evidence"


def test_captured_stamps_of_a_registered_photo_are_not_called_ai_by_each_other_or_by_it(
    keyed_home: Path, tmp_path: Path
) -> None:
    """Register a photo, stamp it twice as captured (a second edition with a caption). Each stamp
    called the other "another record of a near-identical picture [that] declares it AI-generated",
    and verify of the photo said "an AI image made from this picture is registered": a look-alike
    was assumed AI unless its manifest was in hand. Its record keeps the manifest it was signed
    with, which says digitalCapture. And the second stamp, made from this very file like the
    first, was related to the photo by its hashes alone (inconclusive), not by its input's SHA-256."""
    photo = tmp_path / "photo.jpg"
    photo.write_bytes((SAMPLES / "rocket.jpg").read_bytes())
    registered = run_cli("register", photo, "--owner", "Test Newsroom", home=keyed_home)
    assert registered.code == 0, registered.stderr
    first, second = tmp_path / "cap1.jpg", tmp_path / "cap2.jpg"
    _stamp(photo, first, keyed_home, "--source-type", "captured")
    _stamp(photo, second, keyed_home, "--source-type", "captured", "--caption", "second edition")

    for own, other in ((first, second), (second, first)):
        report = _verify(own, keyed_home)
        matches = _by_title(report)
        assert matches[own.name]["relation"] == "same-as"
        assert matches[other.name]["relation"] == "similar-to"
        assert report["ai"]["verdict"] == "captured"
        assert [s for s in report["ai"]["signals"] if s["kind"] == "registry"] == []
        assert "AI-generated" not in json.dumps(report["ai"])

    report = _verify(photo, keyed_home)
    matches = _by_title(report)
    assert matches["photo.jpg"]["relation"] == "same-as"
    for stamp in (first, second):  # both made from this very file
        made = matches[stamp.name]
        assert (made["relation"], made["strength"], made["matched_by"]) == ("has-derivative", "exact", "input-sha256")
    assert [s for s in report["ai"]["signals"] if s["kind"] == "registry"] == []
    assert "AI image" not in json.dumps(report["ai"])


def _registered_and_stamped(home: Path, tmp_path: Path) -> tuple[Path, Path]:
    """samples/coffee.png registered, then stamped from twice: as AI (the default) and as captured
    (both kind stamped: the picture is registered here)."""
    photo = tmp_path / "photo.png"
    photo.write_bytes((SAMPLES / "coffee.png").read_bytes())
    registered = run_cli("register", photo, "--owner", "Test Newsroom", home=home)
    assert registered.code == 0, registered.stderr
    ai, captured = tmp_path / "ai.png", tmp_path / "captured.png"
    _stamp(photo, ai, home)
    _stamp(photo, captured, home, "--source-type", "captured")
    return ai, captured


def test_a_look_alike_is_ai_by_what_its_record_holds(keyed_home: Path, tmp_path: Path) -> None:
    """An AI stamp and a captured stamp of one picture: each look-alike is judged by its own
    record's stored manifest, so the AI one is still reported beside the captured one, and not
    the other way round."""
    ai, captured = _registered_and_stamped(keyed_home, tmp_path)

    report = _verify(ai, keyed_home)
    assert _by_title(report)["captured.png"]["kind"] == "stamped"
    assert _by_title(report)["captured.png"]["relation"] == "similar-to"
    assert report["ai"]["verdict"] == "ai-generated"
    assert [s for s in report["ai"]["signals"] if s["kind"] == "registry"] == []  # the captured one claims no AI

    report = _verify(captured, keyed_home)
    assert _by_title(report)["ai.png"]["relation"] == "similar-to"
    assert report["ai"]["verdict"] == "captured"
    told = [s for s in report["ai"]["signals"] if s["kind"] == "registry"]
    assert [s["strength"] for s in told] == ["info"]
    assert "declares it AI-generated, model not stated" in told[0]["evidence"]


def test_a_stamped_record_is_ai_by_its_stored_manifest_and_not_when_that_cannot_be_read(
    keyed_home: Path, tmp_path: Path
) -> None:
    """The watermark's record, with no signed manifest of its in hand, was AI by default."""
    from provenance.config import Home
    from provenance.registry import Record, read_home_registry
    from provenance.report import CredentialReport
    from provenance.verify import _made_by_ai, record_is_ai

    _registered_and_stamped(keyed_home, tmp_path)
    registry = read_home_registry(Home(keyed_home))
    assert registry is not None
    with registry:
        records = {r.title: r for r in registry.iter_records()}
    ai, captured = records["ai.png"], records["captured.png"]
    assert ai.kind == captured.kind == "stamped"
    nothing_in_hand = CredentialReport(state="absent")
    assert _made_by_ai(ai, nothing_in_hand) is True
    assert _made_by_ai(captured, nothing_in_hand) is False
    assert (record_is_ai(ai), record_is_ai(captured)) == (True, False)
    # what cannot be told is not called AI; a twin is made here by a model
    assert record_is_ai(Record("1", "stamped", "x", "00", manifest=b"not a manifest")) is False
    assert record_is_ai(Record("2", "stamped", "x", "00")) is False
    assert record_is_ai(Record("3", "twin", "x", "00")) is True
    assert record_is_ai(Record("4", "original", "x", "00")) is False


def test_a_stamp_whose_declaration_cannot_be_read_is_not_said_to_be_ai_when_refusing() -> None:
    """stamp's guard errs towards refusing a contradicting --source-type, but does not claim what it
    cannot read: verify calls such a record nothing (record_is_ai), the refusal says it is unknown."""
    from provenance.registry import Record
    from provenance.stamp import _record_says

    said = _record_says(Record("00000000000000aa", "stamped", "alice", "00"), frozenset(), None, None)  # type: ignore[arg-type]
    assert len(said) == 1
    assert "declaration unreadable" in said[0]
    assert "as AI-generated" not in said[0]


def test_an_ai_image_registered_as_an_original_is_registered_with_a_warning(keyed_home: Path, tmp_path: Path) -> None:
    """The walkthrough registered an AI image made elsewhere as a newsroom original without a
    word. It is still registered (an artist's own AI work is theirs), with a warning naming
    what its manifest declares; a camera photo gets no such warning."""
    made = tmp_path / "made-elsewhere.png"
    _stamp(SAMPLES / "astronaut.png", made, keyed_home, "--source-type", "ai")
    other = tmp_path / "archive"
    # another home's stamp: refused as another owner's original, unless allowed (then said)
    refused = run_cli("register", made, "--owner", "Archive", home=other)
    assert refused.code == 2, refused.stdout
    assert "which this registry does not hold (another home stamped it" in refused.stdout + refused.stderr
    result = run_cli("register", made, "--owner", "Archive", "--allow-contradiction", home=other)
    assert result.code == 0, result.stderr
    assert "registered" in result.stdout
    assert "registered as Archive's original anyway (--allow-contradiction)" in result.stderr
    assert "declare it created by a trained AI model (trainedAlgorithmicMedia)" in result.stderr
    assert "signed by Test Newsroom" in result.stderr  # whose declaration it is
    # a copy of it stripped of the manifest is still an AI picture: the record keeps the declaration
    copy = tmp_path / "copy.jpg"
    with Image.open(made) as img:
        img.convert("RGB").save(copy, quality=90)
    seen = json.loads(run_cli("verify", "--json", copy, home=other).stdout)
    assert seen["ownership"]["verdict"] == "registered"
    assert seen["ai"]["verdict"] == "ai-generated", seen["ai"]
    assert "declared it so" in seen["ai"]["signals"][0]["evidence"]
    plain = run_cli("register", SAMPLES / "coffee.png", "--owner", "Archive", home=other)
    assert plain.code == 0, plain.stderr
    assert "warning" not in plain.stderr


def test_one_title_for_a_folder_of_pictures_is_said(tmp_path: Path) -> None:
    """A walkthrough's `register DIR --title 'Agency pool'` named five different photos alike in
    every report, without a word."""
    folder = tmp_path / "pool"
    folder.mkdir()
    for name in ("coffee.png", "rocket.jpg"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    result = run_cli("register", folder, "--owner", "Agency", "--title", "Agency pool", home=tmp_path / "home")
    assert result.code == 0, result.stderr
    assert "--title 'Agency pool' was given to each of 2 pictures" in result.stderr
    one = run_cli("register", SAMPLES / "chelsea.png", "--owner", "A", "--title", "Cat", home=tmp_path / "home")
    assert "was given to each" not in one.stderr


def test_a_crop_of_our_stamp_stamped_again_for_another_owner_is_made_from_it(keyed_home: Path, tmp_path: Path) -> None:
    """A crop keeps the mark only in its tiles: read from the whole-picture layer alone, stamp
    registered another owner's crop of our photo as that owner's original (a walkthrough),
    which then answered for the picture. The tiles are searched, as register searches them."""
    first = tmp_path / "a.png"
    _stamp(SAMPLES / "coffee.png", first, keyed_home, "--source-type", "captured")
    crop = tmp_path / "crop.jpg"
    with Image.open(first) as img:
        img.convert("RGB").crop((60, 40, 540, 360)).save(crop, quality=92)
    second = tmp_path / "b.jpg"
    made = run_cli(
        "stamp",
        crop,
        "-o",
        second,
        "--user",
        "R. Val",
        "--source-type",
        "captured",
        "--owner",
        "Rival Agency",
        home=keyed_home,
    )
    assert made.code == 0, made.stderr
    own = _verify(first, keyed_home)["ownership"]["matches"][0]["record_id"]
    assert f"not a new original: the input is registered here as record {own}" in made.stdout
    assert f"source      record {own}" in made.stdout

    matches = _by_title(_verify(second, keyed_home))
    assert (matches["b.jpg"]["relation"], matches["b.jpg"]["kind"]) == ("same-as", "stamped")
    assert (matches["a.png"]["relation"], matches["a.png"]["record_id"]) == ("derivative-of", own)
