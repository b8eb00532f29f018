"""Newsroom publishing: stamping our own photos, and the policy gate before publishing."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from provenance import camera
from provenance.policy import Policy, check_report
from provenance.policy.rules import Rule
from provenance.report import VerifyReportJSON
from tests import metadata_files as mf
from tests.conftest import ROOT, SAMPLES, require_fixtures, run_cli

POLICY = ROOT / "docs" / "examples" / "publishing-policy.toml"
PHOTO = "exif-samples__exif-org__nikon-e950.jpg"


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    return home


def _verify(path: Path, home: Path) -> dict[str, object]:
    result = run_cli("verify", "--json", path, home=home)
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _check(home: Path, *paths: Path, policy: Path = POLICY, caption: str | None = None) -> tuple[int, object]:
    args: list[str | Path] = ["check", "--policy", policy, *paths, "--json"]
    if caption is not None:
        args += ["--caption", caption]
    result = run_cli(*args, home=home)
    return result.code, json.loads(result.stdout) if result.stdout.strip() else result.stderr


def _stamp_captured(source: Path, out: Path, home: Path, *more: str) -> None:
    result = run_cli(
        "stamp", source, "-o", out, "--source-type", "captured", "--user", "Jane Doe",
        "--caption", "Flooding on Main Street", "--credit", "Jane Doe / Daily Planet",
        "--edit", "cropped", "--no-ai-training", *more, home=home,
    )  # fmt: skip
    assert result.code == 0, result.stderr


def test_a_camera_photo_stamped_as_captured_by_the_organisation(newsroom: Path, tmp_path: Path) -> None:
    photo = require_fixtures("photos", PHOTO)
    out = tmp_path / "published.jpg"
    _stamp_captured(photo, out, newsroom)
    report = _verify(out, newsroom)
    cred = report["credentials"]
    assert isinstance(cred, dict)
    assert cred["state"] == "trusted"
    assert cred["digital_source_type"] == "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    assert cred["author"] == "Jane Doe"
    assert "O=Daily Planet" in (cred["signer"] or "") or cred["issuer"] == "Daily Planet"
    assert cred["caption"] == "Flooding on Main Street"
    assert cred["credit"] == "Jane Doe / Daily Planet"
    assert [a["action"] for a in cred["actions"]] == ["c2pa.created", "c2pa.cropped", "c2pa.watermarked"]
    assert cred["cawg"]["training_mining"]["cawg.ai_generative_training"] == "notAllowed"
    assert report["ai"]["verdict"] == "captured"  # type: ignore[index]
    ownership = report["ownership"]
    assert isinstance(ownership, dict)
    assert ownership["verdict"] == "registered"
    assert ownership["matches"][0]["kind"] == "original"
    assert ownership["matches"][0]["owner"] == "Daily Planet"


def test_a_photo_with_a_manifest_keeps_it_as_the_parent_ingredient(newsroom: Path, tmp_path: Path) -> None:
    first = tmp_path / "camera-signed.jpg"
    _stamp_captured(SAMPLES / "rocket.jpg", first, newsroom)  # stands in for a camera that signs
    edited = tmp_path / "edited.jpg"
    result = run_cli(
        "stamp", first, "-o", edited, "--source-type", "edited", "--user", "Desk", "--edit", "color_adjustments",
        home=newsroom,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    # our own picture, signed and registered by us first: the edit is made from its record, not a second original
    assert "registered  as stamped here, owner Daily Planet (not a new original: the input is registered here" in (
        result.stdout
    )
    assert "Warning" not in result.stderr
    cred = _verify(edited, newsroom)["credentials"]
    assert isinstance(cred, dict)
    assert cred["state"] == "trusted"
    assert cred["actions"][0]["action"] == "c2pa.opened"
    parent = cred["ingredients"][0]
    assert (parent["title"], parent["relationship"], parent["state"]) == ("camera-signed.jpg", "parentOf", "trusted")
    assert parent["digital_source_type"].endswith("digitalCapture")


def test_a_reference_manifest_from_elsewhere_is_kept_too(newsroom: Path, tmp_path: Path) -> None:
    signed = require_fixtures("c2pa", "c2pa-rs", "CA.jpg")
    out = tmp_path / "ours.jpg"
    assert run_cli("stamp", signed, "-o", out, "--source-type", "edited", "--user", "Desk", home=newsroom).code == 0
    cred = _verify(out, newsroom)["credentials"]
    assert isinstance(cred, dict)
    assert cred["ingredients"][0]["title"] == "CA.jpg"
    assert cred["ingredients"][0]["has_manifest"] is True
    assert cred["ingredients"][0]["ingredients"], "the original manifest's own ingredients are kept"


def test_a_picture_someone_else_signed_is_not_registered_as_our_original(newsroom: Path, tmp_path: Path) -> None:
    """Stamping a file that carries a third party's signed manifest (the C2PA reference
    CA.jpg) as the newsroom's photo registered it as the newsroom's original, silently. The
    manifest is still kept as the parent ingredient; now stamp warns, its output names the
    first signer, and the registry records the picture as stamped here, not as an original."""
    signed = require_fixtures("c2pa", "c2pa-rs", "CA.jpg")
    out = tmp_path / "ours.jpg"
    result = run_cli("stamp", signed, "-o", out, "--source-type", "edited", "--user", "Desk", home=newsroom)
    assert result.code == 0, result.stderr
    assert "Warning: CA.jpg carries a C2PA manifest signed by C2PA Signer" in result.stderr
    assert "not as an original of yours" in result.stderr
    registered = next(line for line in result.stdout.splitlines() if line.strip().startswith("registered"))
    assert "as stamped here" in registered
    assert "not an original: the input was signed first by C2PA Signer" in registered
    report = _verify(out, newsroom)
    assert report["credentials"]["ingredients"][0]["title"] == "CA.jpg"  # type: ignore[index]
    matches = report["ownership"]["matches"]  # type: ignore[index]
    assert [(m["relation"], m["kind"]) for m in matches] == [("same-as", "stamped")]


@pytest.fixture
def published(newsroom: Path, tmp_path: Path) -> Path:
    out = tmp_path / "published.jpg"
    _stamp_captured(SAMPLES / "coffee.png", out, newsroom)
    return out


def test_policy_passes_our_photo_and_refuses_undisclosed_ai(newsroom: Path, published: Path, tmp_path: Path) -> None:
    code, result = _check(newsroom, published)
    assert code == 0
    assert isinstance(result, dict)
    assert result["status"] == "pass"

    twin = tmp_path / "twin.png"
    made = run_cli(
        "twin", SAMPLES / "chelsea.png", "-o", twin, "--steps", "2", "--strength", "0.5", "--user", "Daily Planet",
        home=newsroom,
    )  # fmt: skip
    assert made.code == 0, made.stderr
    code, result = _check(newsroom, twin)
    assert code == 1
    assert isinstance(result, dict)
    assert result["status"] == "fail"
    failed = {r["rule"]: r for r in result["rules"] if r["outcome"] == "fail"}
    assert set(failed) == {"ai-disclosure"}
    assert "disclose it" in failed["ai-disclosure"]["reason"]
    assert "no caption does not" not in failed["ai-disclosure"]["reason"]
    code, result = _check(newsroom, twin, caption="An AI-generated illustration of a cat")
    assert code == 0


@pytest.mark.parametrize(
    ("caption", "discloses"),
    [
        ("NOT AI-generated", False),
        ("This is not an AI-generated image", False),
        ("A non-AI-generated photo of a cat", False),
        ("It isn\u2019t AI generated", False),
        ("A Thai illustration of the harbour", False),  # its letters hold "ai illustration", its words do not
        ("No retouching. AI-generated illustration of a cat", True),  # the denial is another sentence's
        ("An ai generated picture", True),
        ("Generated with AI from a sketch", True),
    ],
)
def test_a_caption_that_denies_ai_or_only_contains_the_letters_does_not_disclose_it(
    caption: str, discloses: bool
) -> None:
    ai: VerifyReportJSON = {"file": "x.png", "ai": {"verdict": "ai-generated", "signals": []}}
    policy = Policy("p", ("Us",), (Rule("ai-disclosure", "ai-disclosure", {}),), "p.toml")
    result = check_report(policy, ai, caption)
    assert result.status == ("pass" if discloses else "fail"), result.summary


def test_an_ai_stamp_whose_signed_caption_says_not_ai_is_refused(newsroom: Path, tmp_path: Path) -> None:
    stamped = tmp_path / "denied.png"
    made = run_cli(
        "stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "Daily Planet", "--caption", "NOT AI-generated",
        home=newsroom,
    )  # fmt: skip
    assert made.code == 0, made.stderr
    code, result = _check(newsroom, stamped)
    assert code == 1
    assert isinstance(result, dict)
    failed = {r["rule"]: r for r in result["rules"] if r["outcome"] == "fail"}
    assert "ai-disclosure" in failed
    assert '"NOT AI-generated" does not disclose it' in failed["ai-disclosure"]["reason"]


def test_policy_refuses_a_tampered_file(newsroom: Path, published: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.jpg"
    data = bytearray(published.read_bytes())
    data[-5000] ^= 0xFF  # a change in the pixels the manifest's hash covers
    tampered.write_bytes(bytes(data))
    code, result = _check(newsroom, tampered)
    assert code == 1
    assert isinstance(result, dict)
    failed = {r["rule"]: r for r in result["rules"] if r["outcome"] == "fail"}
    assert "refuse-invalid" in failed
    assert "do not validate" in failed["refuse-invalid"]["reason"]


def test_policy_flags_another_owners_original_for_rights_review(newsroom: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "agency-original.png"
    shutil.copy(SAMPLES / "astronaut.png", theirs)
    assert run_cli("register", theirs, "--owner", "Other Agency", home=newsroom).code == 0
    copy = tmp_path / "copy.jpg"
    Image.open(theirs).convert("RGB").save(copy, "JPEG", quality=85)
    code, result = _check(newsroom, copy)  # the bare copy: no credentials either
    assert isinstance(result, dict)
    outcomes = {r["rule"]: r["outcome"] for r in result["rules"]}
    assert outcomes["rights-review"] == "review"
    assert outcomes["require-provenance"] == "fail"
    resubmitted = tmp_path / "resubmitted.jpg"
    # a photographer files someone else's picture as theirs: refused, naming the agency's record; forced,
    # the stamp goes to rights review
    refused = run_cli("stamp", copy, "-o", resubmitted, "--source-type", "captured", "--user", "J", home=newsroom)
    assert refused.code == 2, refused.stdout
    assert "(owner Other Agency, title 'agency-original.png'), registered as an original" in refused.stderr
    _stamp_captured(copy, resubmitted, newsroom, "--allow-contradiction")
    code, result = _check(newsroom, resubmitted)
    assert code == 1
    assert isinstance(result, dict)
    assert result["status"] == "review"
    review = next(r for r in result["rules"] if r["outcome"] == "review")
    assert review["rule"] == "rights-review"
    assert "Other Agency" in review["reason"]


def test_a_policy_without_our_owners_takes_the_homes_organisation(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough edited the example policy's our_owners by hand for each desk. Left out, it is
    the home's own organisation (its signing certificate's O=); --our-owner overrides either."""
    import re

    ours = tmp_path / "ours.png"
    shutil.copy(SAMPLES / "coffee.png", ours)
    assert run_cli("register", ours, "--owner", "Daily Planet", home=newsroom).code == 0
    copy = tmp_path / "copy.jpg"
    Image.open(ours).convert("RGB").save(copy, "JPEG", quality=90)
    bare = tmp_path / "no-owners.toml"
    bare.write_text(re.sub(r"(?m)^our_owners = .*$", "", POLICY.read_text()))
    code, result = _check(newsroom, copy, policy=bare)
    assert isinstance(result, dict)
    assert code == 0, result
    outcomes = {r["rule"]: r["outcome"] for r in result["rules"]}
    assert outcomes["require-provenance"] == "pass", result  # a registered original of ours
    assert outcomes["rights-review"] == "pass", result
    said = run_cli("check", "--policy", bare, "--our-owner", "Other Agency", "--json", copy, home=newsroom)
    rules = {r["rule"]: r for r in json.loads(said.stdout)["rules"]}
    assert rules["rights-review"]["outcome"] == "review"  # Daily Planet's picture, seen from another desk
    assert "Daily Planet" in rules["rights-review"]["reason"]
    elsewhere = tmp_path / "no-keys"
    assert run_cli("register", ours, "--owner", "Daily Planet", home=elsewhere).code == 0
    keyless = run_cli("check", "--policy", bare, copy, home=elsewhere)
    assert "no registry owner counts as ours" in keyless.stderr
    assert "--our-owner" in keyless.stderr


def test_another_homes_stamp_is_not_registered_or_stamped_as_our_original(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough: a second newsroom registered a re-saved copy of the first one's stamp, and
    stamped a half-size copy as its own captured original, with no word of the mark it carried
    (its record is not in their registry); verify then passed it as theirs. Both are refused now,
    naming the mark; allowed, it is said and recorded as stamped there, not as an original."""
    big, stamped = tmp_path / "harbour.jpg", tmp_path / "stamped.jpg"
    with Image.open(SAMPLES / "rocket.jpg") as img:
        img.convert("RGB").resize((1280, 854), Image.Resampling.LANCZOS).save(big, quality=92)
    _stamp_captured(big, stamped, newsroom)
    record = _verify(stamped, newsroom)["watermark"]["record_id"]  # type: ignore[index]
    resaved, half = tmp_path / "resaved.jpg", tmp_path / "half.jpg"
    with Image.open(stamped) as img:
        img.convert("RGB").save(resaved, quality=80)
        img.convert("RGB").resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS).save(half, quality=90)
    rival = tmp_path / "rival"
    assert run_cli("keys", "init", "--org", "Valley Times", home=rival).code == 0
    registered = run_cli("register", resaved, "--owner", "Valley Times", home=rival)
    assert registered.code == 2, registered.stdout + registered.stderr
    assert f"it carries this toolkit's watermark for record {record}, which this registry does not hold" in (
        registered.stdout + registered.stderr
    )
    taken = run_cli("stamp", half, "-o", tmp_path / "theirs.jpg", "--source-type", "captured", "--user", "V",
                    home=rival)  # fmt: skip
    assert taken.code == 2, taken.stdout
    assert f"record {record}" in taken.stderr
    assert "not stamped as Valley Times's original" in taken.stderr
    assert not (tmp_path / "theirs.jpg").exists()
    allowed = run_cli("stamp", half, "-o", tmp_path / "theirs.jpg", "--source-type", "captured", "--user", "V",
                      "--allow-contradiction", home=rival)  # fmt: skip
    assert allowed.code == 0, allowed.stderr
    said = allowed.stdout + allowed.stderr
    assert f"record {record}, which this registry does not hold" in said, said
    assert "registered as stamped here, not as an original (--allow-contradiction)" in said, said
    assert "as an original, owner Valley Times" not in said, said


def test_our_registered_original_signed_by_someone_we_do_not_trust_goes_to_review(
    newsroom: Path, tmp_path: Path
) -> None:
    """A walkthrough: a rival stamped our registered original with its own key; verify matched the
    registry's original and the policy passed it, while register and stamp refused the same file.
    Published as it is, the file credits the rival: it goes to review, naming the signer."""
    ours = tmp_path / "harbour.jpg"
    with Image.open(SAMPLES / "rocket.jpg") as img:
        img.convert("RGB").save(ours, quality=92)
    assert run_cli("register", ours, "--owner", "Daily Planet", home=newsroom).code == 0
    rival = tmp_path / "rival"
    assert run_cli("keys", "init", "--org", "Valley Times", home=rival).code == 0
    theirs = tmp_path / "theirs.jpg"
    signed = run_cli("stamp", ours, "-o", theirs, "--source-type", "captured", "--user", "V. Rival", home=rival)
    assert signed.code == 0, signed.stderr
    code, result = _check(newsroom, theirs)
    assert code == 1, result
    assert isinstance(result, dict)
    assert result["status"] == "review", result
    reason = next(r["reason"] for r in result["rules"] if r["rule"] == "require-provenance")
    assert "a registered original of Daily Planet" in reason
    assert "signed by Valley Times Signer, author V. Rival, a signer this home does not trust" in reason
    code, result = _check(newsroom, ours)  # our own file still passes
    assert code == 0, result


def test_a_strangers_ai_claim_on_our_registered_original_is_a_conflict(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough: a rival stamped our registered original as AI (an untrusted key) and verify
    said "AI-generated" with no conflict. The claim is still counted (it may be true), but it is a
    stranger's word about a picture registered here, and the report says so; our own AI stamp of
    a registered original, and the rival's claim on a picture not registered here, are no conflict."""
    ours = tmp_path / "harbour.png"
    shutil.copy(SAMPLES / "coffee.png", ours)
    assert run_cli("register", ours, "--owner", "Daily Planet", home=newsroom).code == 0
    rival = tmp_path / "rival"
    assert run_cli("keys", "init", "--org", "Valley Times", home=rival).code == 0
    theirs = tmp_path / "theirs.png"
    assert run_cli("stamp", ours, "-o", theirs, "--user", "V. Rival", home=rival).code == 0
    report = json.loads(run_cli("verify", "--json", theirs, home=newsroom).stdout)
    assert report["ai"]["verdict"] == "ai-generated"
    [conflict] = report["ai"]["conflicts"]
    assert "the word of Valley Times Signer, author V. Rival, a signer this home does not trust" in conflict
    assert "'harbour.png'" in conflict
    assert "owner Daily Planet" in conflict
    assert "contradicts" in report["summary"]
    # the summary opens with the dispute, not "AI-generated image" (a walkthrough's reading)
    assert report["summary"].startswith("Disputed: AI-generated only in the word of an unproven signer"), report
    alone = json.loads(run_cli("verify", "--json", theirs, home=rival).stdout)  # their home: not registered there
    assert alone["ai"]["conflicts"] == []
    mine = tmp_path / "mine.png"
    assert run_cli("stamp", ours, "-o", mine, "--user", "A. Reporter", home=newsroom).code == 0
    assert json.loads(run_cli("verify", "--json", mine, home=newsroom).stdout)["ai"]["conflicts"] == []


def test_a_strangers_ai_claim_on_our_stamped_artwork_is_a_conflict_and_names_us(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough: an artist stamped her painting (an edit, not AI); a thief stamped a re-save of
    it as AI in his own home, his mark laid over hers. In her home the painting read "AI-generated"
    with no conflict (her own stamp of it, being a stamp, silenced the check), and the summary never
    named her."""
    painting = tmp_path / "painting.png"
    shutil.copy(SAMPLES / "coffee.png", painting)
    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", painting, "-o", stamped, "--source-type", "digital-art", "--user", "Mira",
                   "--owner", "Mira Studio", home=newsroom)  # fmt: skip
    assert made.code == 0, made.stderr
    resaved = tmp_path / "resaved.jpg"
    Image.open(stamped).convert("RGB").save(resaved, quality=92)
    thief = tmp_path / "thief"
    assert run_cli("keys", "init", "--org", "Grafix Daily", home=thief).code == 0
    theirs = tmp_path / "theirs.jpg"
    assert run_cli("stamp", resaved, "-o", theirs, "--user", "Grafix", home=thief).code == 0
    report = json.loads(run_cli("verify", "--json", theirs, home=newsroom).stdout)
    assert report["ai"]["conflicts"], report["ai"]
    assert "owner Mira Studio" in report["ai"]["conflicts"][0]
    assert "Mira Studio" in report["summary"]
    assert report["summary"].count("(see conflicts)") == 1, report["summary"]


def test_our_own_staffs_ai_stamp_is_no_rights_review(newsroom: Path, tmp_path: Path) -> None:
    """The walkthrough's case: an AI image a staff member stamped here (owner: that user) was
    "a registered original of A. Reporter" for rights review. Only originals are cleared for rights."""
    stamped = tmp_path / "ai-stamped.png"
    made = run_cli("stamp", SAMPLES / "astronaut.png", "-o", stamped, "--user", "A. Reporter", home=newsroom)
    assert made.code == 0, made.stderr
    code, result = _check(newsroom, stamped, caption="An AI-generated illustration")
    assert isinstance(result, dict)
    outcomes = {r["rule"]: r["outcome"] for r in result["rules"]}
    assert outcomes["rights-review"] == "pass", result
    assert code == 0


def test_an_empty_policy_refuses_everything_and_a_bad_one_is_an_error(
    newsroom: Path, published: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text('name = "nothing yet"\n')
    code, result = _check(newsroom, published, policy=empty)
    assert code == 1
    assert isinstance(result, dict)
    assert result["status"] == "fail"
    assert "has no rules" in result["summary"]
    text = run_cli("check", "--policy", empty, published, home=newsroom)
    assert "refusing everything" in text.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nkind = "trust-me"\n')
    wrong = run_cli("check", "--policy", bad, published, home=newsroom)
    assert wrong.code == 2
    assert "known kinds" in wrong.stderr


def test_check_and_the_service_give_the_same_answers(newsroom: Path, tmp_path: Path) -> None:
    pytest.importorskip("fastapi", reason="the service extra is not installed")
    from fastapi.testclient import TestClient

    from provenance.config import Home
    from provenance.service import ServiceSettings, create_app

    published = tmp_path / "published.jpg"
    _stamp_captured(SAMPLES / "coffee.png", published, newsroom)
    plain = tmp_path / "plain.jpg"
    buffer = io.BytesIO()
    Image.open(SAMPLES / "rocket.jpg").save(buffer, "JPEG")
    plain.write_bytes(buffer.getvalue())
    client = TestClient(create_app(Home(newsroom), ServiceSettings(policy=str(POLICY))))
    for path in (published, plain):
        code, cli = _check(newsroom, path)
        answer = client.post("/v1/check", files={"file": (path.name, path.read_bytes())})
        assert answer.status_code == 200, answer.text
        api = answer.json()
        assert isinstance(cli, dict)
        assert Path(api.pop("file")).name == Path(cli.pop("file")).name
        assert api == cli
        assert api["exit_code"] == code
    no_policy = TestClient(create_app(Home(newsroom), ServiceSettings()))
    refused = no_policy.post("/v1/check", files={"file": (plain.name, plain.read_bytes())})
    assert refused.status_code == 409


# Issue 19, case 14: a stamped photo keeps its camera's EXIF (but not, by default, where it was taken),
# and a declared source type the file itself contradicts is refused.
def _camera_jpeg(path: Path) -> Path:
    """A camera-like JPEG, every EXIF byte written by hand: make, model, capture time and its
    offset, orientation 6 (stored sideways), a GPS position, maker notes and a thumbnail."""
    exif = mf.Exif(big_endian=False)
    exif.ifd0 += [mf.ascii_tag(0x010F, "Canon"), mf.ascii_tag(0x0110, "Canon EOS R5"), exif.short(0x0112, 6)]
    exif.exif += [
        mf.ascii_tag(0x9003, "2024:05:01 10:11:12"),
        mf.ascii_tag(0x9011, "+02:00"),
        mf.Tag(0x927C, mf.UNDEFINED, b"CANON-MAKERNOTE" * 4),
        exif.short(0xA002, 640),
        exif.short(0xA003, 427),
    ]
    exif.gps += [
        mf.Tag(1, mf.ASCII, b"N\0"),
        exif.rationals(2, (51, 1), (30, 1), (30, 1)),
        mf.Tag(3, mf.ASCII, b"W\0"),
        exif.rationals(4, (0, 1), (7, 1), (0, 1)),
    ]
    exif.thumbnail = mf.jpeg(size=(32, 24))
    pixels = Image.open(SAMPLES / "rocket.jpg").convert("RGB")  # 640x427, shown upright as 427x640
    path.write_bytes(mf.jpeg(mf.exif_segment(exif), pixels=pixels))
    return path


def _manifest_assertion(path: Path, label: str) -> dict[str, object] | None:
    import c2pa

    with path.open("rb") as fh:
        store = json.loads(c2pa.Reader("image/jpeg", fh).json())
    active = store["manifests"][store["active_manifest"]]
    data = next((a["data"] for a in active["assertions"] if a["label"] == label), None)
    return data if isinstance(data, dict) else None


def _icc(path: Path) -> bytes | None:
    with Image.open(path) as img:
        profile = img.info.get("icc_profile")
    return profile if isinstance(profile, bytes) else None


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_stamped_picture_keeps_its_colour_profile(newsroom: Path, tmp_path: Path, suffix: str) -> None:
    """A walkthrough: stamp dropped the input's ICC profile, so a wide-gamut photo's colours changed (its
    pixel values were read as sRGB). The profile says what the values mean: the output keeps it, JPEG
    and PNG, from a real camera JPEG and from a PNG carrying the same profile."""
    photo = require_fixtures("c2pa", "c2pa-rs", "no_manifest.jpg")  # a camera JPEG with an RGB ICC profile
    profile = _icc(photo)
    assert profile is not None
    png = tmp_path / "profiled.png"
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(png, icc_profile=profile)
    for source in (photo, png):
        out = tmp_path / f"stamped-{source.stem}{suffix}"
        made = run_cli("stamp", source, "-o", out, "--source-type", "captured", "--user", "Jane Doe", home=newsroom)
        assert made.code == 0, made.stderr
        assert _icc(out) == profile, source.name
        assert _verify(out, newsroom)["exit_code"] == 0  # still the signed file: the profile is part of it


def test_a_profile_of_another_colour_space_than_the_pixels_is_not_kept() -> None:
    """Pixels are decoded to RGB without colour management: a CMYK or grey profile would misdescribe them."""
    from provenance.imaging import rgb_icc_profile

    rgb = _icc(require_fixtures("c2pa", "c2pa-rs", "no_manifest.jpg"))
    assert rgb is not None
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buf, "JPEG", icc_profile=rgb)
    assert rgb_icc_profile(buf.getvalue()) == rgb
    cmyk = rgb[:16] + b"CMYK" + rgb[20:]
    buf = io.BytesIO()
    Image.new("CMYK", (64, 64)).save(buf, "JPEG", icc_profile=cmyk)
    assert rgb_icc_profile(buf.getvalue()) is None


def test_a_stamped_photo_keeps_its_camera_exif_but_not_its_location(newsroom: Path, tmp_path: Path) -> None:
    photo = _camera_jpeg(tmp_path / "camera.jpg")
    out = tmp_path / "published.jpg"
    result = run_cli("stamp", photo, "-o", out, "--source-type", "captured", "--user", "Jane Doe", home=newsroom)
    assert result.code == 0, result.stderr
    assert "location removed (pass --keep-gps to keep it)" in result.stdout
    assert "Canon EOS R5, taken 2024-05-01T10:11:12+02:00" in result.stdout
    with Image.open(out) as img:
        assert img.size == (427, 640)  # stored upright, so the orientation tag must go
        exif = img.getexif()
        assert (exif.get(0x010F), exif.get(0x0110)) == ("Canon", "Canon EOS R5")
        assert 0x0112 not in exif
        assert not exif.get_ifd(0x8825), "the GPS location travelled without --keep-gps"
        sub = exif.get_ifd(0x8769)
        assert sub.get(0x9003) == "2024:05:01 10:11:12"
        assert 0x927C not in sub
        assert (sub.get(0xA002), sub.get(0xA003)) == (427, 640)
        assert not exif.get_ifd(-1), "the old thumbnail (IFD1) was copied"
    assert _manifest_assertion(out, "c2pa.metadata") == {
        "@context": {"exif": "http://ns.adobe.com/exif/1.0/", "tiff": "http://ns.adobe.com/tiff/1.0/"},
        "tiff:Make": "Canon",
        "tiff:Model": "Canon EOS R5",
        "exif:DateTimeOriginal": "2024-05-01T10:11:12+02:00",
    }
    report = _verify(out, newsroom)
    assert report["credentials"]["state"] == "trusted"  # type: ignore[index]
    assert report["ai"]["verdict"] == "captured"  # type: ignore[index]
    assert report["watermark"]["found"] is True  # type: ignore[index]


def test_a_photo_without_a_location_gets_no_empty_gps_block() -> None:
    """A walkthrough's privacy audit: every photo stamped without a location came out with a GPS
    pointer (an empty GPS IFD) that `file` reports as "GPS-Data"; none is written now."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "NIKON", "E950"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG", exif=exif)
    kept = camera.keep(buffer.getvalue(), (64, 48))
    assert kept.data is not None
    written = Image.Exif()
    written.load(kept.data)
    assert 0x8825 not in written, dict(written)
    assert written.get(0x010F) == "NIKON"


def test_verify_shows_the_camera_the_stamp_declared(newsroom: Path, tmp_path: Path) -> None:
    """stamp records make, model and capture time (and a kept location) in the manifest; verify
    did not show them. Now the text report says them as what the signer declared, not proof, and
    --json carries them (credentials.declared_camera), the recovered manifest's too."""
    photo = _camera_jpeg(tmp_path / "camera.jpg")
    out = tmp_path / "published.jpg"
    made = run_cli("stamp", photo, "-o", out, "--source-type", "captured", "--user", "Jane Doe", "--keep-gps",
                   home=newsroom)  # fmt: skip
    assert made.code == 0, made.stderr
    declared = {
        "tiff:Make": "Canon",
        "tiff:Model": "Canon EOS R5",
        "exif:DateTimeOriginal": "2024-05-01T10:11:12+02:00",
        "exif:GPSLatitude": "51,30.500000N",
        "exif:GPSLongitude": "0,7.000000W",
    }
    assert _verify(out, newsroom)["credentials"]["declared_camera"] == declared  # type: ignore[index]
    text = run_cli("verify", out, home=newsroom).stdout
    line = "camera, as the signer declared it (not proof): Canon EOS R5, taken 2024-05-01T10:11:12+02:00, location"
    assert f"{line} 51,30.500000N 0,7.000000W" in text, text
    stripped = tmp_path / "stripped.jpg"
    with Image.open(out) as img:
        img.convert("RGB").save(stripped, quality=92)
    recovered = _verify(stripped, newsroom)["credentials"]["recovered_manifest"]  # type: ignore[index]
    assert recovered["declared_camera"] == declared
    plain = _verify(SAMPLES / "rocket.jpg", newsroom)["credentials"]
    assert plain["declared_camera"] == {}  # type: ignore[index]


def test_keep_gps_keeps_the_location_and_records_it(newsroom: Path, tmp_path: Path) -> None:
    photo = _camera_jpeg(tmp_path / "camera.jpg")
    out = tmp_path / "located.png"
    result = run_cli(
        "stamp", photo, "-o", out, "--source-type", "captured", "--user", "Jane Doe", "--keep-gps", home=newsroom
    )
    assert result.code == 0, result.stderr
    assert "location kept (--keep-gps) and recorded in the manifest" in result.stdout
    with Image.open(out) as img:
        gps = img.getexif().get_ifd(0x8825)
    assert gps[1] == "N"
    assert [float(v) for v in gps[2]] == [51.0, 30.0, 30.0]
    import c2pa

    with out.open("rb") as fh:
        store = json.loads(c2pa.Reader("image/png", fh).json())
    active = store["manifests"][store["active_manifest"]]
    metadata = next(a["data"] for a in active["assertions"] if a["label"] == "c2pa.metadata")
    assert (metadata["exif:GPSLatitude"], metadata["exif:GPSLongitude"]) == ("51,30.500000N", "0,7.000000W")


def test_a_real_camera_photo_keeps_its_exif(newsroom: Path, tmp_path: Path) -> None:
    photo = require_fixtures("photos", "exif-samples__hdr__canon_hdr_NO.jpg")  # orientation 6, a GPS block
    out = tmp_path / "published.jpg"
    result = run_cli("stamp", photo, "-o", out, "--source-type", "captured", "--user", "Jane Doe", home=newsroom)
    assert result.code == 0, result.stderr
    assert "location removed" in result.stdout
    with Image.open(photo) as original, Image.open(out) as img:
        assert img.size == original.size[::-1]
        exif = img.getexif()
        assert exif.get(0x0110) == "Canon PowerShot SX60 HS"
        assert exif.get_ifd(0x8769).get(0x9003) == "2015:02:09 22:47:44"
        assert 0x0112 not in exif
        assert not exif.get_ifd(0x8825)


def test_a_source_type_the_file_contradicts_is_refused_unless_allowed(newsroom: Path, tmp_path: Path) -> None:
    ai = tmp_path / "ai.png"
    assert run_cli("stamp", SAMPLES / "chelsea.png", "-o", ai, "--user", "bot", home=newsroom).code == 0
    composite = tmp_path / "composite.jpg"
    made = run_cli("stamp", SAMPLES / "rocket.jpg", "-o", composite, "--source-type", "composite", "--user", "Desk",
                   home=newsroom)  # fmt: skip
    assert made.code == 0, made.stderr
    a1111 = tmp_path / "a1111.png"
    a1111.write_bytes(
        mf.png(mf.text_chunk("tEXt", "parameters", "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Model: sd15"))
    )
    cases = [(ai, "captured", "trainedAlgorithmicMedia"), (composite, "captured", "compositeCapture"),
             (a1111, "edited", "Stable Diffusion generation settings")]  # fmt: skip
    for image, declared, named in cases:
        out = tmp_path / f"out-{image.stem}.png"
        refused = run_cli("stamp", image, "-o", out, "--source-type", declared, "--user", "Desk", home=newsroom)
        assert refused.code == 2, (image.name, refused.stdout)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert f"--source-type {declared} contradicts the file" in refused.stderr
        assert named in refused.stderr
        assert not out.exists()
    out = tmp_path / "overridden.png"
    allowed = run_cli(
        "stamp", ai, "-o", out, "--source-type", "captured", "--user", "Desk", "--allow-contradiction", home=newsroom
    )
    assert allowed.code == 0, allowed.stderr
    assert "Warning: ai.png: --source-type captured contradicts the file" in allowed.stderr
    assert out.exists()
    # What the file says and the declaration agree: no refusal (a capture stamped again as edited).
    photo = tmp_path / "photo.jpg"
    _stamp_captured(SAMPLES / "rocket.jpg", photo, newsroom)
    again = run_cli("stamp", photo, "-o", tmp_path / "edited.jpg", "--source-type", "edited", "--user", "Desk",
                    home=newsroom)  # fmt: skip
    assert again.code == 0, again.stderr
    assert "Warning" not in again.stderr


@pytest.mark.parametrize(
    ("name", "term"),
    [("C.jpg", "algorithmicMedia"), ("CIE-sig-CA.jpg", "algorithmicMedia"), ("ocsp.jpg", "TrainedAlgorithmicMedia")],
)
def test_a_reference_file_whose_own_manifest_says_algorithmic_is_not_stamped_as_captured(
    newsroom: Path, tmp_path: Path, name: str, term: str
) -> None:
    """Real files signed elsewhere whose own manifest declares algorithmicMedia, or an AI composite
    (ocsp.jpg: compositeWithTrainedAlgorithmicMedia), are refused as captures like the laundering
    guard refuses an AI record; --allow-contradiction signs them with a warning."""
    image = require_fixtures("c2pa", "c2pa-rs", name)
    out = tmp_path / "out.jpg"
    refused = run_cli("stamp", image, "-o", out, "--source-type", "captured", "--user", "Desk", home=newsroom)
    assert refused.code == 2, refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert f"{name}: --source-type captured contradicts the file: its own C2PA manifest says it" in line
    assert term in line
    assert not out.exists()
    allowed = run_cli("stamp", image, "-o", out, "--source-type", "captured", "--user", "Desk",
                      "--allow-contradiction", home=newsroom)  # fmt: skip
    assert allowed.code == 0, allowed.stderr
    assert f"{name}: --source-type captured contradicts the file" in allowed.stderr


@pytest.mark.parametrize(
    ("name", "code"), [("XCA.jpg", "assertion.dataHash.mismatch"), ("E-sig-CA.jpg", "claimSignature.mismatch")]
)
def test_a_file_changed_after_signing_is_not_stamped_as_a_capture(
    newsroom: Path, tmp_path: Path, name: str, code: str
) -> None:
    """A walkthrough stamped the reference's XCA.jpg (its bytes changed after signing) --source-type
    captured: exit 0, and verify then read "Captured (trusted signer)", provenance established. A new
    signature saying "captured" vouches for the change: refused, one line, unless allowed; an edit
    declares a change and is signed."""
    image = require_fixtures("c2pa", "c2pa-rs", name)
    out = tmp_path / "out.jpg"
    refused = run_cli("stamp", image, "-o", out, "--source-type", "captured", "--user", "Desk", home=newsroom)
    assert refused.code == 2, refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert f"{name}: --source-type captured contradicts the file: its own C2PA manifest does not match it" in line
    assert code in line
    assert "signingCredential.untrusted" not in line  # who signed is another question than what changed
    assert not out.exists()
    edited = run_cli("stamp", image, "-o", out, "--source-type", "edited", "--user", "Desk", home=newsroom)
    assert edited.code == 0, edited.stderr
    allowed = run_cli("stamp", image, "-o", tmp_path / "allowed.jpg", "--source-type", "captured", "--user", "Desk",
                      "--allow-contradiction", home=newsroom)  # fmt: skip
    assert allowed.code == 0, allowed.stderr
    assert f"{name}: --source-type captured contradicts the file" in allowed.stderr


@pytest.mark.parametrize(
    ("name", "words"), [("prerelease.jpg", "pre-1.0"), ("cloud.jpg", "remote Content Credentials")]
)
def test_credentials_a_stamp_cannot_keep_are_not_silently_replaced(
    newsroom: Path, tmp_path: Path, name: str, words: str
) -> None:
    """A walkthrough stamped reference files whose manifests this tool cannot keep (pre-1.0, remote,
    a sidecar) --source-type captured: each was registered as the newsroom's original, the
    manifest gone without a word. Refused unless allowed; an AI stamp warns and is kind stamped."""
    image = require_fixtures("c2pa", "c2pa-rs", name)
    out = tmp_path / "out.jpg"
    refused = run_cli("stamp", image, "-o", out, "--source-type", "captured", "--user", "Desk", home=newsroom)
    assert refused.code == 2, refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert f"{name} carries" in line
    assert words in line
    assert "which the stamped file cannot keep" in line
    assert not out.exists()
    as_ai = run_cli("stamp", image, "-o", out, "--source-type", "ai", "--user", "Desk", home=newsroom)
    assert as_ai.code == 0, as_ai.stderr
    assert "registered  as stamped here" in as_ai.stdout
    assert "which the stamped file cannot keep" in as_ai.stderr


def test_a_manifest_beside_the_file_is_its_own_to_a_declaration(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough: an AI image signed elsewhere with its manifest in a sidecar (NAME.c2pa beside it, which
    verify reads as the file's own: "the file itself says it is AI-generated") was stamped --source-type
    captured and registered as the newsroom's original photo. Refused, naming the sidecar, as an embedded
    manifest is. (The reference's CA.jpg, which the walkthrough named, declares no source type: its own
    manifest opens A.jpg and adjusts its colours, so nothing in it contradicts a capture.)"""
    elsewhere = tmp_path / "elsewhere"
    assert run_cli("keys", "init", "--org", "Generator Inc", home=elsewhere).code == 0
    ai = tmp_path / "ai.png"
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", ai, "--user", "bot", "--sidecar", home=elsewhere)
    assert made.code == 0, made.stderr
    assert (tmp_path / "ai.c2pa").is_file()
    said = _verify(ai, newsroom)["ai"]
    assert isinstance(said, dict)
    assert said["verdict"] == "ai-generated"  # verify reads the sidecar as the file's own
    out = tmp_path / "captured.png"
    refused = run_cli("stamp", ai, "-o", out, "--source-type", "captured", "--user", "Desk", home=newsroom)
    assert refused.code == 2, refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert "its own C2PA manifest (the sidecar ai.c2pa beside it) says it was created by a trained AI model" in line
    assert not out.exists()
    ca = require_fixtures("c2pa", "c2pa-rs", "CA.jpg")
    accepted = run_cli("stamp", ca, "-o", tmp_path / "ca.jpg", "--source-type", "captured", "--user", "Desk",
                       home=newsroom)  # fmt: skip
    assert accepted.code == 0, accepted.stderr
    assert "contradicts" not in accepted.stderr


def _record_of(stamped: str) -> str:
    """The record id a stamp's output names (its ``record`` line)."""
    return next(line.split()[1] for line in stamped.splitlines() if line.strip().startswith("record "))


def _stripped(path: Path, out: Path) -> Path:
    """A copy that lost its manifest and metadata: the pixels re-saved as JPEG."""
    with Image.open(path) as img:
        img.convert("RGB").save(out, quality=90)
    return out


def test_a_stripped_copy_of_an_ai_stamp_is_not_stamped_as_a_capture(newsroom: Path, tmp_path: Path) -> None:
    """stamp an AI image, re-save it as JPEG, stamp the copy with --source-type captured: it was
    signed, and verify called the result a capture from a trusted signer. The copy says nothing
    of itself; its own record here (found by its watermark) says it is AI, and that decides."""
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", tmp_path / "ai-stamped.png", "--user", "bot",
                   home=newsroom)  # fmt: skip
    assert made.code == 0, made.stderr
    record = _record_of(made.stdout)
    copy = _stripped(tmp_path / "ai-stamped.png", tmp_path / "copy.jpg")
    for declared in ("captured", "edited", "composite"):
        out = tmp_path / f"launder-{declared}.jpg"
        refused = run_cli("stamp", copy, "-o", out, "--source-type", declared, "--user", "X", home=newsroom)
        assert refused.code == 2, (declared, refused.stdout)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert f"copy.jpg: --source-type {declared} contradicts the file" in refused.stderr
        assert f"registered here as record {record} ('ai-stamped.png')" in refused.stderr
        assert "trainedAlgorithmicMedia" in refused.stderr
        assert not out.exists()
    # stamped as what it is (AI, the default), it is a derivative of its record, as before
    again = run_cli("stamp", copy, "-o", tmp_path / "as-ai.jpg", "--user", "X", home=newsroom)
    assert again.code == 0, again.stderr
    assert "contradicts" not in again.stderr
    assert f"the input is registered here as record {record}" in again.stdout
    # --allow-contradiction signs it, with the reason as a warning
    forced = tmp_path / "forced.jpg"
    allowed = run_cli("stamp", copy, "-o", forced, "--source-type", "captured", "--user", "X",
                      "--allow-contradiction", home=newsroom)  # fmt: skip
    assert allowed.code == 0, allowed.stderr
    warned = "Warning: copy.jpg: --source-type captured contradicts the file: it is the picture registered here as"
    assert f"{warned} record {record}" in allowed.stderr
    # ...and what was made from it stays AI-made: a copy of the forced capture is refused in turn
    twice = run_cli("stamp", _stripped(forced, tmp_path / "copy2.jpg"), "-o", tmp_path / "twice.jpg",
                    "--source-type", "captured", "--user", "X", home=newsroom)  # fmt: skip
    assert twice.code == 2, twice.stdout
    assert f"it was made from the picture registered here as record {record}" in twice.stderr


def test_a_stripped_copy_of_a_twin_is_not_stamped_as_a_capture(newsroom: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.png"
    made = run_cli("twin", SAMPLES / "coffee.png", "-o", twin, "--user", "A. Artist", home=newsroom)
    assert made.code == 0, made.stderr
    copy = _stripped(twin, tmp_path / "copy.jpg")
    out = tmp_path / "launder.jpg"
    refused = run_cli("stamp", copy, "-o", out, "--source-type", "captured", "--user", "X", home=newsroom)
    assert refused.code == 2, refused.stdout
    assert f"registered here as record {_record_of(made.stdout)} ('twin.png'), an AI twin generated here" in (
        refused.stderr
    )
    assert not out.exists()
    # the photo the twin was made from is registered here too, as an original: that says nothing against a capture
    photo = run_cli("stamp", SAMPLES / "coffee.png", "-o", tmp_path / "p.jpg", "--source-type", "captured",
                    "--user", "X", home=newsroom)  # fmt: skip
    assert photo.code == 0, photo.stderr
    assert "contradicts" not in photo.stderr
    assert "the input is registered here as record" in photo.stdout


def test_the_claim_thumbnail_is_made_from_the_stamped_pixels(newsroom: Path, tmp_path: Path) -> None:
    """Ours, not c2pa's: c2pa would decode the signed file again and shrink it at full size
    (ten times the signature's cost); the stamp hands it the thumbnail of the pixels it holds.
    ``--no-thumbnail`` still leaves the claim without one."""
    import c2pa

    from provenance.credentials._c2pa import thumbnail_uris
    from provenance.imaging import CLAIM_THUMBNAIL_SIDE, claim_thumbnail

    source = tmp_path / "wide.jpg"
    Image.open(SAMPLES / "astronaut.png").convert("RGB").resize((1600, 1200)).save(source, quality=92)
    out = tmp_path / "stamped.jpg"
    _stamp_captured(source, out, newsroom)
    data = out.read_bytes()
    with c2pa.Reader("image/jpeg", io.BytesIO(data)) as reader:
        store = json.loads(reader.json())
        ref = store["manifests"][store["active_manifest"]]["thumbnail"]
        stored = io.BytesIO()
        reader.resource_to_stream(ref["identifier"], stored)
    assert ref["format"] == "image/jpeg"
    with Image.open(out) as stamped:
        assert stored.getvalue() == claim_thumbnail(stamped.convert("RGB"))
    with Image.open(stored) as thumb:
        assert CLAIM_THUMBNAIL_SIDE // 2 < max(thumb.size) <= CLAIM_THUMBNAIL_SIDE
        assert thumb.size == (800, 600)  # 1600 x 1200 box-reduced by 2
    bare = tmp_path / "bare.jpg"
    result = run_cli("stamp", source, "-o", bare, "--user", "Jane Doe", "--no-thumbnail", home=newsroom)
    assert result.code == 0, result.stderr
    assert thumbnail_uris("image/jpeg", bare.read_bytes()) == {}


def test_stamp_says_what_it_declares_and_refuses_a_camera_photo_it_is_not_told_about(
    newsroom: Path, tmp_path: Path
) -> None:
    """The default declaration is AI-generated. A camera photo stamped without --source-type was
    signed AI-generated with a warning whose remedy (remove the record, stamp again) left the signed
    file trusted as AI forever (two walkthroughs): refused until the declaration is said; said as
    AI, it is signed with the camera named."""
    photo = require_fixtures("photos", PHOTO)
    out = tmp_path / "as-ai.jpg"
    refused = run_cli("stamp", photo, "-o", out, "--user", "Desk", home=newsroom)
    assert refused.code == 2, refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert "its EXIF names a camera (NIKON E950), and no --source-type says what it is" in line
    assert "--source-type captured" in line
    assert not out.exists()
    said = run_cli("stamp", photo, "-o", out, "--source-type", "ai", "--user", "Desk", home=newsroom)
    assert said.code == 0, said.stderr
    assert "declared    created by a trained AI model (--source-type ai: trainedAlgorithmicMedia" in said.stdout
    assert "EXIF names a camera (NIKON E950)" in said.stderr
    captured = run_cli("stamp", photo, "-o", tmp_path / "cap.jpg", "--source-type", "captured", "--user", "Desk",
                       home=newsroom)  # fmt: skip
    assert captured.code == 0, captured.stderr
    assert "(--source-type captured: digitalCapture)" in captured.stdout
    assert "Warning" not in captured.stderr
    plain = run_cli("stamp", SAMPLES / "rocket.jpg", "-o", tmp_path / "ai.jpg", "--user", "Desk", home=newsroom)
    assert plain.code == 0, plain.stderr
    assert "Warning" not in plain.stderr  # no camera named: nothing to warn about


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "LA", "I;16", "CMYK"])
@pytest.mark.parametrize("size", [(300, 200), (1024, 700), (1155, 866), (2100, 1000), (5657, 4243), (40, 9000)])
def test_claim_thumbnails_fit_between_half_and_the_whole_side_in_every_mode(mode: str, size: tuple[int, int]) -> None:
    from provenance.imaging import CLAIM_THUMBNAIL_SIDE, claim_thumbnail

    with Image.open(io.BytesIO(claim_thumbnail(Image.new(mode, size)))) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.mode == "RGB"
        side = max(thumb.size)
        if max(size) <= CLAIM_THUMBNAIL_SIDE:
            assert thumb.size == size
        else:
            assert CLAIM_THUMBNAIL_SIDE // 2 < side <= CLAIM_THUMBNAIL_SIDE


def test_a_copy_of_our_original_with_a_region_pasted_in_is_not_passed(newsroom: Path, tmp_path: Path) -> None:
    """verify says parts of it differ from our stamped picture (placement altered, exit 3): the
    require-provenance rule used to pass it as "a registered original of Daily Planet"."""
    stamped = tmp_path / "ours.jpg"
    _stamp_captured(SAMPLES / "rocket.jpg", stamped, newsroom)
    with Image.open(stamped) as img:
        picture = img.convert("RGB")
    w, h = picture.size
    with Image.open(SAMPLES / "astronaut.png") as other:
        pasted = other.convert("RGB").resize((round(w * 0.4), round(h * 0.4)))
    picture.paste(pasted, (w - pasted.width - 10, 10))
    altered = tmp_path / "altered.jpg"
    picture.save(altered, quality=90)
    assert run_cli("verify", altered, home=newsroom).code == 3
    code, result = _check(newsroom, altered, caption="Flooding on Main Street")
    assert code == 1
    assert isinstance(result, dict)
    assert result["status"] != "pass"
    rule = next(r for r in result["rules"] if r["rule"] == "require-provenance")
    assert rule["outcome"] == "review", rule
    assert "parts differ" in rule["reason"], rule
    assert "detailed areas do not match" in rule["reason"], rule
    assert _check(newsroom, stamped)[0] == 0  # the stamped picture itself still passes


def test_the_unsigned_file_a_stamp_was_made_from_goes_to_review_not_through(newsroom: Path, tmp_path: Path) -> None:
    """verify calls it the unsigned source of our record (exit 3): published as it is, it carries no
    watermark and no credentials. The gate used to pass it as "a registered original of Daily Planet"."""
    source = tmp_path / "source.jpg"
    shutil.copyfile(SAMPLES / "rocket.jpg", source)
    stamped = tmp_path / "ours.jpg"
    _stamp_captured(source, stamped, newsroom)
    assert run_cli("verify", source, home=newsroom).code == 3
    code, result = _check(newsroom, source, caption="Flooding on Main Street")
    assert code == 1
    assert isinstance(result, dict)
    rule = next(r for r in result["rules"] if r["rule"] == "require-provenance")
    assert rule["outcome"] == "review", rule
    assert "stamped from" in rule["reason"], rule
    assert "publish the stamped copy" in rule["reason"], rule
    assert _check(newsroom, stamped, caption="Flooding on Main Street")[0] == 0


def test_copies_whose_trusted_credentials_are_recovered_pass_with_their_signed_caption(
    newsroom: Path, tmp_path: Path
) -> None:
    """A walkthrough's copies of a trusted AI stamp (half size, stripped, cropped) verified exit 0 with
    credentials recovered, yet the gate failed them ("Credentials recovered from the registry; and
    not a registered original") and read no caption, though the recovered manifest signs one. A copy
    whose parts differ still goes to review."""
    stamped = tmp_path / "ai.jpg"
    made = run_cli("stamp", SAMPLES / "astronaut.png", "-o", stamped, "--user", "Art Desk",
                   "--caption", "AI-generated illustration of an astronaut", home=newsroom)  # fmt: skip
    assert made.code == 0, made.stderr
    half, crop = tmp_path / "half.jpg", tmp_path / "crop.jpg"
    with Image.open(stamped) as img:
        picture = img.convert("RGB")
    picture.resize((picture.width // 2, picture.height // 2)).save(half, quality=90)
    picture.crop((64, 64, 448, 448)).save(crop, quality=90)
    for copy, words in ((half, "the whole of the signed picture, at 50 %"), (crop, "a crop showing about")):
        code, result = _check(newsroom, copy)
        assert isinstance(result, dict)
        assert code == 0, result
        rule = next(r for r in result["rules"] if r["rule"] == "require-provenance")
        assert rule["reason"].startswith("trusted Content Credentials recovered from the registry"), rule
        assert words in rule["reason"], rule
        disclosed = next(r for r in result["rules"] if r["rule"] == "ai-disclosure")
        assert "the caption discloses it" in disclosed["reason"], disclosed
    text = run_cli("check", "--policy", POLICY, half, home=newsroom)
    assert "require-provenance: trusted Content Credentials recovered from the registry" in text.stdout


def test_a_stamps_camera_file_is_not_stamped_again_for_another_owner(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough stamped a camera file already stamped here with --owner "Rival Wire": a second
    original, and the first stamp's copies went to rights review. Refused as register refuses it;
    the same owner may stamp it again (another caption)."""
    source = tmp_path / "source.jpg"
    shutil.copyfile(SAMPLES / "rocket.jpg", source)
    _stamp_captured(source, tmp_path / "ours.jpg", newsroom)
    rival = tmp_path / "rival.jpg"
    refused = run_cli("stamp", source, "-o", rival, "--source-type", "captured", "--user", "Bob",
                      "--owner", "Rival Wire", home=newsroom)  # fmt: skip
    assert refused.code == 2, refused.stdout
    (line,) = refused.stderr.strip().splitlines()
    assert "was stamped from this very file; not stamped again for Rival Wire" in line
    assert not rival.exists()
    again = run_cli("stamp", source, "-o", tmp_path / "again.jpg", "--source-type", "captured", "--user", "Bob",
                    home=newsroom)  # fmt: skip
    assert again.code == 0, again.stderr


def test_a_collage_holding_our_picture_and_a_stretched_copy_go_to_review(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough's collage holding our stamped photo whole failed the gate as "No Content
    Credentials; and not a registered original" though verify names our record in it; a copy
    squeezed to 80 % of its width passed. Both go to a person."""
    stamped = tmp_path / "ours.jpg"
    _stamp_captured(SAMPLES / "rocket.jpg", stamped, newsroom)
    with Image.open(stamped) as img, Image.open(SAMPLES / "astronaut.png") as other:
        picture = img.convert("RGB")
        page = other.convert("RGB").resize((round(picture.width * 1.6), round(picture.height * 1.6)))
    page.paste(picture, (20, 20))
    collage, squeezed = tmp_path / "collage.jpg", tmp_path / "squeezed.jpg"
    page.save(collage, quality=92)
    picture.resize((round(picture.width * 0.8), picture.height)).save(squeezed, quality=92)
    for path, words in ((collage, "it carries the watermark of"), (squeezed, "its proportions were changed")):
        code, result = _check(newsroom, path, caption="Flooding on Main Street")
        assert isinstance(result, dict)
        assert code == 1, result
        rule = next(r for r in result["rules"] if r["rule"] == "require-provenance")
        assert rule["outcome"] == "review", rule
        assert words in rule["reason"], rule


def test_a_twin_of_a_stamps_camera_file_is_made_from_that_stamp(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough made a twin of the camera file a captured stamp was made from: the twin
    registered that file as a new original, so it verified "Provenance established", passed the
    gate, and a small copy of the twin got the photo's "captured" credentials. The twin is made
    from the stamp's record; the camera file stays the stamp's unsigned source."""
    source = tmp_path / "source.jpg"
    shutil.copyfile(SAMPLES / "rocket.jpg", source)
    stamped = tmp_path / "ours.jpg"
    _stamp_captured(source, stamped, newsroom)
    record = _verify(stamped, newsroom)["credentials"]
    assert isinstance(record, dict)
    twin = tmp_path / "twin.png"
    made = run_cli("twin", source, "-o", twin, "--user", "Art Desk", home=newsroom)
    assert made.code == 0, made.stderr
    assert f"source      record {record['record_id']}" in made.stdout
    assert run_cli("verify", source, home=newsroom).code == 3
    assert _check(newsroom, source, caption="Flooding on Main Street")[0] == 1
    small = tmp_path / "small.jpg"
    with Image.open(twin) as img:
        img.convert("RGB").resize((img.width // 4, img.height // 4)).save(small, quality=90)
    report = _verify(small, newsroom)
    credentials = report["credentials"]
    assert isinstance(credentials, dict)
    ai = report["ai"]
    assert isinstance(ai, dict)
    # no "captured" pinned on it: nothing recovered, or (since the thumbnails tell a twin's copy from its
    # photo's) the twin's own AI credentials
    assert ai["verdict"] == "ai-generated", ai
    assert credentials["state"] in ("absent", "recovered"), credentials
    assert not any(s["strength"] == "captured" for s in ai["signals"]), ai


def test_stamping_a_comfyui_image_records_the_model_its_graph_names(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough stamped a ComfyUI PNG: the signed output keeps no generator metadata, and
    verify then read "model not stated" though the input named sd_xl_base_1.0. The model its
    graph names goes into the manifest, said; --model still wins."""
    made = require_fixtures("ai", "comfyui", "sdxl_sdxl_simple_example.png")
    out = tmp_path / "stamped.png"
    result = run_cli("stamp", made, "-o", out, "--user", "Desk", home=keyed_home)
    assert result.code == 0, result.stderr
    assert "generator metadata names it" in result.stderr
    report = json.loads(run_cli("verify", "--json", out, home=keyed_home).stdout)
    models = [s.get("model") or "" for s in report["ai"]["signals"]]
    assert any("sd_xl_base_1.0" in m for m in models), models
    given = run_cli("stamp", made, "-o", tmp_path / "given.png", "--user", "Desk", "--model", "SDXL 1.0",
                    home=keyed_home)  # fmt: skip
    assert given.code == 0, given.stderr
    assert "generator metadata names it" not in given.stderr


def test_our_registered_original_is_ours_whatever_the_case_of_its_owner(newsroom: Path, tmp_path: Path) -> None:
    """A red-team: a copy of a photo registered to "DAILY PLANET" failed the Daily Planet desk's
    check, rights review and all, while register and verify take the two names for one owner."""
    photo = tmp_path / "photo.png"
    shutil.copy(SAMPLES / "astronaut.png", photo)
    assert run_cli("register", photo, "--owner", "DAILY  PLANET", home=newsroom).code == 0
    copy = tmp_path / "copy.jpg"
    Image.open(photo).convert("RGB").save(copy, "JPEG", quality=85)
    code, result = _check(newsroom, copy)
    assert isinstance(result, dict)
    outcomes = {r["rule"]: r["outcome"] for r in result["rules"]}
    assert outcomes["rights-review"] == "pass", result
    assert outcomes["require-provenance"] == "pass", result
    assert code == 0


def test_an_artists_own_work_is_stamped_as_digital_art_neither_ai_nor_a_capture(newsroom: Path, tmp_path: Path) -> None:
    """A walkthrough's illustrator could declare her painting only AI-made or a camera's capture."""
    art = tmp_path / "art.png"
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", art, "--source-type", "digital-art", "--user", "Mira",
                   home=newsroom)  # fmt: skip
    assert made.code == 0, made.stderr
    assert "digitalCreation" in made.stdout
    assert "as an original" in made.stdout
    report = _verify(art, newsroom)
    ai = report["ai"]
    assert isinstance(ai, dict)
    assert ai["verdict"] == "no-evidence", ai
    assert any("created digitally by a person" in s["evidence"] for s in ai["signals"]), ai
    assert report["exit_code"] == 0
    # an AI image declared an artwork contradicts what it says of itself
    ai_image = tmp_path / "ai.png"
    assert run_cli("stamp", SAMPLES / "coffee.png", "-o", ai_image, "--user", "bot", home=newsroom).code == 0
    refused = run_cli("stamp", ai_image, "-o", tmp_path / "no.png", "--source-type", "digital-art", "--user", "Mira",
                      home=newsroom)  # fmt: skip
    assert refused.code == 2, refused.stdout
    assert "--source-type digital-art contradicts the file" in refused.stderr
