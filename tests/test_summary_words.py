"""The summary says what was checked and what was not (a new user's reading of the README).

A check that did not run is never reported as a negative finding: ``--metadata-only``
does not look for a watermark, so "no known watermark" would be false; a watermark read
where no registry can look up its record is named, not called unconfirmable; an error
line names its file; a folder that does not exist is unreadable input (exit 4), as a
missing file is for ``verify``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from provenance.config import Home
from provenance.credentials import init_identity
from provenance.credentials.keys import home_identity
from provenance.stamp import stamp_file
from provenance.verdicts import ExitCode
from provenance.verify import VerifyOptions, verify_path
from tests.conftest import SAMPLES, run_cli


@pytest.fixture
def half(tmp_path: Path) -> Path:
    """A stamped photo downscaled to half, its manifest lost with the re-save."""
    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    source = tmp_path / "photo.jpg"
    Image.open(SAMPLES / "astronaut.png").convert("RGB").resize((1024, 1024)).save(source, quality=92)
    stamped = tmp_path / "stamped.jpg"
    stamp_file(source, stamped, user="Jane", identity=home_identity(home), home=home, source_type="captured")
    out = tmp_path / "half.jpg"
    Image.open(stamped).convert("RGB").resize((512, 512), Image.Resampling.LANCZOS).save(out, quality=90)
    return out


def test_metadata_only_never_says_no_watermark_was_found(half: Path, tmp_path: Path) -> None:
    home = Home(tmp_path / "newsroom")
    report = verify_path(half, home=home, options=VerifyOptions(pixels="never"))
    assert report.watermark.state == "not-checked"
    assert "no known watermark" not in report.summary
    assert "watermark not checked" in report.summary
    assert report.ownership.verdict == "no-match"
    assert "pixels were not checked" in report.ownership.summary
    assert "by watermark, hash or fingerprint" not in report.ownership.summary
    full = verify_path(half, home=home)  # and the pixels do carry the mark
    assert full.watermark.found
    assert full.exit_code == ExitCode.OK


def test_a_mark_where_no_registry_can_look_it_up_is_named(half: Path, tmp_path: Path) -> None:
    report = verify_path(half, home=Home(tmp_path / "elsewhere"))
    assert report.watermark.found
    assert report.ownership.verdict == "no-registry"
    assert report.exit_code == ExitCode.ABSENT
    assert f"naming record {report.watermark.record_id}, which no registry here can look up" in report.summary
    assert "no watermark that could be confirmed" not in report.summary
    assert "no registry to check against" in report.summary


def test_every_error_line_names_its_file(tmp_path: Path) -> None:
    """A stamped JPEG cut short: c2pa's "the file is incomplete" line did not name the file."""
    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    stamped = tmp_path / "stamped.jpg"
    stamp_file(SAMPLES / "rocket.jpg", stamped, user="Jane", identity=home_identity(home), home=home)
    cut = tmp_path / "cut.jpg"
    data = stamped.read_bytes()
    cut.write_bytes(data[:5000])  # inside the manifest segment: c2pa cannot parse the file
    ok = tmp_path / "ok.png"
    Image.new("RGB", (64, 64), "white").save(ok)
    result = run_cli("verify", cut, ok, home=tmp_path / "newsroom")
    errors = [line for line in result.stderr.splitlines() if line.startswith("provenance: error:")]
    assert errors, result.stderr
    assert all(str(cut) in line for line in errors), errors


def test_scan_of_a_missing_folder_is_unreadable_input(tmp_path: Path) -> None:
    result = run_cli("scan", tmp_path / "missing", home=tmp_path / "home")
    assert result.code == ExitCode.UNREADABLE
    assert "no such file or folder" in result.stderr


def test_an_untrusted_signer_establishes_the_file_not_who_signed_it(tmp_path: Path) -> None:
    """Anyone can make a key named "Reuters": intact credentials from a signer this home
    does not trust are not "provenance established"."""
    elsewhere = Home(tmp_path / "someone")
    init_identity(elsewhere, org="Reuters")
    signed = tmp_path / "signed.jpg"
    stamp_file(
        SAMPLES / "rocket.jpg", signed, user="x", identity=home_identity(elsewhere), home=elsewhere,
        source_type="captured",
    )  # fmt: skip
    report = verify_path(signed, home=Home(tmp_path / "newsroom"))
    assert report.credentials.state == "valid"
    # exit 3, not 0: an untrusted signer establishes nothing, and the words agree with the code
    assert report.exit_code == ExitCode.ABSENT
    assert report.summary.startswith("No provenance established: credentials intact, signer unproven"), report.summary
    assert "signed by Reuters" in report.summary
    trusted = verify_path(signed, home=elsewhere)  # where the signer is trusted, it is said so
    assert trusted.credentials.state == "trusted"
    assert trusted.exit_code == ExitCode.OK
    assert "signer unproven" not in trusted.summary


def test_an_untrusted_signer_fails_scan_on_absent_unless_this_home_registered_the_picture(tmp_path: Path) -> None:
    """A gate must not let anyone's key in any name through: scan --fail-on absent catches the
    untrusted signer (it used to exit 0), and this home's own registry still establishes it."""
    elsewhere = Home(tmp_path / "someone")
    init_identity(elsewhere, org="Reuters")
    folder = tmp_path / "in"
    folder.mkdir()
    signed = folder / "signed.jpg"
    stamp_file(SAMPLES / "rocket.jpg", signed, user="x", identity=home_identity(elsewhere), home=elsewhere)
    newsroom = tmp_path / "newsroom"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=newsroom).code == 0
    scanned = run_cli("scan", folder, "--fail-on", "absent", "--json", home=newsroom)
    assert scanned.code == 1, scanned.stdout + scanned.stderr
    assert '"3": 1' in scanned.stdout  # counted as no provenance established, not as established
    # another home's stamp (its mark names a record not held here): registered only when allowed
    assert run_cli("register", signed, "--owner", "Daily Planet", home=newsroom).code == 2
    assert run_cli("register", signed, "--owner", "Daily Planet", "--allow-contradiction", home=newsroom).code == 0
    assert verify_path(signed, home=Home(newsroom)).exit_code == ExitCode.OK  # a match in this home's registry


def test_metadata_only_of_a_signed_file_does_not_say_the_declared_mark_was_unreadable(tmp_path: Path) -> None:
    """The manifest names a watermark; --metadata-only did not look at the pixels, so the
    mark was not "unreadable": the note says the pixels were not checked."""
    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    stamped = tmp_path / "stamped.png"
    stamp_file(SAMPLES / "chelsea.png", stamped, user="Jane", identity=home_identity(home), home=home)
    report = verify_path(stamped, home=home, options=VerifyOptions(pixels="never"))
    assert report.watermark.state == "not-checked"
    assert report.watermark.note is not None
    assert "could not be read" not in report.watermark.note
    assert "the pixels were not checked" in report.watermark.note


def test_a_crops_signed_caption_carries_its_caveat(tmp_path: Path) -> None:
    """The README promises that a caption written for the whole picture is flagged on a crop;
    the recovered credentials printed it bare."""
    from provenance.verdicts import caption_caveat, vocabulary

    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    source = tmp_path / "photo.jpg"
    Image.open(SAMPLES / "astronaut.png").convert("RGB").resize((1024, 1024)).save(source, quality=92)
    stamped = tmp_path / "stamped.jpg"
    stamp_file(source, stamped, user="Jane", identity=home_identity(home), home=home, source_type="captured",
               caption="The crew of STS-41 before launch")  # fmt: skip
    crop = tmp_path / "crop.jpg"
    Image.open(stamped).convert("RGB").crop((0, 0, 600, 600)).save(crop, quality=90)
    text = run_cli("verify", crop, home=home.root).stdout
    assert "Crop of the picture" in text, text
    caption = next(line.strip() for line in text.splitlines() if line.strip().startswith("caption:"))
    assert caption == f"caption: The crew of STS-41 before launch ({caption_caveat('crop')})"
    whole = run_cli("verify", stamped, home=home.root).stdout
    assert "caption: The crew of STS-41 before launch\n" in whole  # the signed file itself: no caveat
    assert vocabulary()["captions"]["crop"] == caption_caveat("crop")  # what the web page shows


def test_a_captured_summary_says_trusted_signer_once(tmp_path: Path) -> None:
    """It read "Captured (trusted signer); signed by ... (a trusted signer); ...": the verdict's
    label and the signer's standing said the same thing twice. The signer's part, which names
    who, stays; the card's label keeps its own words."""
    from provenance import verdicts

    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    stamped = tmp_path / "stamped.png"
    stamp_file(SAMPLES / "chelsea.png", stamped, user="Jane", identity=home_identity(home), home=home,
               source_type="captured")  # fmt: skip
    report = verify_path(stamped, home=home)
    assert report.ai.verdict == "captured"
    assert report.summary.startswith("Captured; signed by Daily Planet Signer (a trusted signer);")
    assert report.summary.lower().count("trusted signer") == 1
    assert verdicts.word("ai", "captured").label == "Captured (trusted signer)"  # the chip, on its own


def test_an_ai_stamp_without_a_model_names_none_and_says_so(tmp_path: Path) -> None:
    """`stamp` without --model wrote "unknown model" as if it were a model's name: in the manifest
    (the action's softwareAgent, the stamp assertion), the registry row and every sentence
    ("stamped as AI-generated with unknown model"). Now no model is named (JSON null) and the
    words say "model not stated"."""
    import json

    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    out = tmp_path / "ai.png"
    made = run_cli("stamp", SAMPLES / "coffee.png", "-o", out, "--user", "Jane", home=home)
    assert made.code == 0, made.stderr
    as_json = run_cli("verify", "--json", out, home=home)
    report = json.loads(as_json.stdout)
    assert "unknown model" not in as_json.stdout
    assert report["credentials"]["model"] is None
    assert [m["model"] for m in report["ownership"]["matches"]] == [None]
    assert report["ai"]["verdict"] == "ai-generated"
    marked = next(s for s in report["ai"]["signals"] if s["kind"] == "watermark")
    assert marked["evidence"].endswith("stamped as AI-generated, model not stated.")
    assert marked["model"] is None
    text = run_cli("verify", out, home=home).stdout
    assert "unknown model" not in text
    assert "; model not stated; author Jane" in text
    # a row an older stamp wrote reads the same way
    from provenance import verdicts

    assert verdicts.model_clause("unknown model") == ", model not stated"
    assert verdicts.model_clause("dall-e-3") == " with dall-e-3"


def test_no_match_does_not_say_a_registered_picture_is_absent(tmp_path: Path) -> None:
    """A quarter of a registered (unstamped) original is beyond the fingerprints' reach: the
    verdict is no-match, but the sentence no longer says no record is near this picture; it
    says what such a match would have needed."""
    from provenance.register import register_paths

    home = Home(tmp_path / "newsroom")
    original = tmp_path / "coffee.png"
    Image.open(SAMPLES / "coffee.png").convert("RGB").save(original)
    assert register_paths([original], owner="Jane", home=home)[0].status == "registered"
    quarter = tmp_path / "quarter.jpg"
    with Image.open(original) as img:
        img.convert("RGB").crop((0, 0, img.width // 2, img.height // 2)).save(quarter, quality=90)
    report = verify_path(quarter, home=home)
    assert report.ownership.verdict == "no-match"
    assert "no record is near" not in report.ownership.summary
    # 300 x 200 px: under the watermark's least side, so the sentence says no mark could be read
    assert "a small copy, a crop or a heavy edit of a registered picture may not be recognised" in (
        report.ownership.summary
    )
    assert "under 256 px a watermark may go unread" in report.ownership.summary


def test_the_ai_sentence_says_whose_word_it_is() -> None:
    """A walkthrough's crop of an AI stamp, mark and metadata lost, read "The file itself says it
    is AI-generated (flux1-dev)": the only evidence was a registry record it looks like."""
    from provenance import detect
    from provenance.registry import Record
    from provenance.report import AIReport, Signal
    from provenance.verify import _ai_sentence

    record = Record(record_id="0123456789abcdef", kind="stamped", owner="Art desk", sha256="0" * 64,
                    fingerprints=[], model="flux1-dev.safetensors")  # fmt: skip
    unmarked = _ai_sentence(AIReport("ai-generated", detect.unmarked_stamp_signals([record])))
    assert "itself" not in unmarked
    assert unmarked.startswith(" It looks like an AI image stamped here, without that image's watermark, so it is")
    assert "flux1-dev.safetensors" in unmarked
    hashed = _ai_sentence(AIReport("ai-generated", detect.registry_signals([record])))
    assert hashed.startswith(" Its record here, found by perceptual hash, says it is")
    metadata = _ai_sentence(
        AIReport("ai-generated", [Signal(kind="a1111.parameters", source="PNG text", evidence="x")])
    )
    assert metadata.startswith(" The file itself says it is")


def test_an_ai_file_summary_does_not_deny_a_registry_it_then_names(tmp_path: Path) -> None:
    """A walkthrough: an AI file in a home with no registry read "No Content Credentials, provenance
    watermark or registry match" beside "No registry to check against"; a blurred copy of an AI
    stamp read "... or registry match. It looks like registered record ..."."""
    from PIL import ImageFilter

    from tests.metadata_files import png, text_chunk

    ai = tmp_path / "ai.png"
    ai.write_bytes(png(text_chunk("tEXt", "parameters", "a cat\nSteps: 20, Sampler: Euler a, Model: sd_xl_base_1.0")))
    bare = verify_path(ai, home=Home(tmp_path / "empty"))
    assert bare.ownership.verdict == "no-registry"
    assert "(no registry to check against)" in bare.summary, bare.summary
    assert "registry match" not in bare.summary, bare.summary

    home = Home(tmp_path / "studio")
    init_identity(home, org="Studio X")
    stamped = tmp_path / "stamped.png"
    stamp_file(SAMPLES / "astronaut.png", stamped, user="x", identity=home_identity(home), home=home)
    blurred = tmp_path / "blurred.jpg"
    Image.open(stamped).convert("RGB").filter(ImageFilter.GaussianBlur(4)).save(blurred, quality=85)
    near = verify_path(blurred, home=home)
    assert near.ownership.verdict == "similar", near.summary  # the mark gone, the look-alike named
    assert "no registry match that settles it" in near.summary, near.summary
    assert "provenance watermark or registry match" not in near.summary, near.summary
