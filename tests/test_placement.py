"""A picture found to be a registered one without being its signed file: where it lies in that
picture is kept and said (a crop, a rescale, parts that differ), and an altered copy is not passed
off as the signed capture (issue: "an image altered after signing passes as an authentic capture";
"nothing says a copy is a crop")."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from provenance import detect, verdicts
from provenance.config import Home
from provenance.credentials import init_identity
from provenance.fingerprint import detail, thumbnail
from provenance.policy import Policy, check_report
from provenance.policy.rules import Rule
from provenance.register import register_paths
from provenance.registry import Registry
from provenance.report import Action, CredentialReport, Placement, VerifyReport
from provenance.scan import reports
from provenance.stamp import stamp_file
from provenance.verdicts import ALTERED_AREAS
from provenance.verify import verify_path
from tests.conftest import SAMPLES, require_fixtures, run_cli


@dataclass(frozen=True)
class Signed:
    home: Home
    path: Path
    pixels: Image.Image


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    """A camera photo stamped as captured by the home's (trusted) identity, as in the README."""
    base = tmp_path_factory.mktemp("placement")
    home = Home(base / "home")
    identity = init_identity(home, org="Daily Planet")
    out = base / "stamped.jpg"
    # one record id, so one mark: a random one left a 60 % copy in a white frame unread now and then
    # (about 1 run in 15; the mark's margin on a small framed copy depends on the payload)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Registry, "new_record_id", lambda self: "0123456789abcdef")
        stamp_file(
            SAMPLES / "rocket.jpg",
            out,
            user="x",
            identity=identity,
            home=home,
            source_type="captured",
            caption="Launch",
        )
    with Image.open(out) as img:
        return Signed(home, out, img.convert("RGB"))


def _save(img: Image.Image, path: Path, quality: int = 90) -> Path:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)  # re-saved: the manifest is gone
    path.write_bytes(buf.getvalue())
    return path


def _pasted(picture: Image.Image, side: float) -> Image.Image:
    """Another picture (an AI image) pasted over ``side`` x ``side`` of the picture, top right."""
    out = picture.copy()
    w, h = out.size
    size = (round(w * side), round(h * side))
    with Image.open(SAMPLES / "astronaut.png") as other:
        out.paste(other.convert("RGB").resize(size), (w - size[0] - 10, 10))
    return out


def _verify(path: Path, home: Home) -> tuple[VerifyReport, dict[str, object]]:
    report = verify_path(path, home=home)
    return report, json.loads(report.to_json())


def test_a_copy_with_a_region_pasted_in_is_not_the_signed_capture(signed: Signed, tmp_path: Path) -> None:
    """The README's camera photo, an AI picture pasted over 16 % of it, re-saved: the signed
    manifest is still recovered (it is that picture), but the report says parts differ, the
    capture claim is reported, not counted, and provenance is not established (exit 3)."""
    path = _save(_pasted(signed.pixels, 0.4), tmp_path / "pasted.jpg")
    report, data = _verify(path, signed.home)
    cred = report.credentials
    assert cred.state == "recovered"
    placed = cred.placement
    assert placed is not None
    assert placed.state == "altered"
    assert placed.differ >= ALTERED_AREAS
    assert placed.agree + placed.differ == placed.detailed
    assert not placed.cropped
    assert data["credentials"]["placement"]["state"] == "altered"  # type: ignore[index]
    # the library's JSON is the CLI's: an altered copy's verdicts as shown, never a bare pass
    assert data["as_shown"] == {  # a walkthrough's integrator read only "recovered" from to_json()
        "credentials": "recovered+altered",
        "watermark": report.watermark.state,
        "ownership": f"{report.ownership.verdict}+altered",
        "ai": report.ai.verdict,
    }
    # and the policy check takes the report itself as well as its dict (it raised AttributeError)
    policy = Policy("p", (), (Rule("refuse-invalid", "refuse-invalid", {}),), "test")
    assert check_report(policy, report).to_dict() == check_report(policy, report.to_dict()).to_dict()
    same = report.ownership.matches[0]
    assert same.relation == "same-as"
    assert same.placement == placed
    assert report.ai.verdict != "captured"
    claim = next(s for s in report.ai.signals if "captured" in s.evidence)
    assert claim.strength == "info"
    assert "parts differ" in claim.evidence
    assert report.exit_code == 3
    assert "parts differ" in report.summary
    assert f"{placed.differ} of its {placed.detailed} detailed areas" in report.summary
    assert "(expected)" not in report.summary
    assert "parts differ" in report.ownership.summary
    row = reports.flat(report.to_dict())  # a scan's CSV row: the state, and the summary that says it
    assert row["placement"] == "altered"
    assert "parts differ" in str(row["summary"])


def test_a_headline_that_keeps_the_copy_from_lining_up_is_not_the_whole_signed_picture(
    signed: Signed, tmp_path: Path
) -> None:
    """A red-team walkthrough: "FAKE HEADLINE" a tenth of the picture's height, white with a black
    outline, over the sky of the signed night photo, re-saved. It pulled ECC's lay to 0.85 (under
    detail.ALIGNED), so the copy was not compared, and it read "Captured ... the whole of the signed
    picture", exit 0. Compared all the same, parts differ; the words name both causes."""
    out = signed.pixels.copy()
    font = ImageFont.load_default(size=out.height // 10)
    ImageDraw.Draw(out).text((out.width // 2, out.height // 12), "FAKE HEADLINE", fill="white", font=font,
                             stroke_width=2, stroke_fill="black")  # fmt: skip
    report, data = _verify(_save(out, tmp_path / "headline.jpg"), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "altered"
    assert placed.laid is not None
    assert placed.laid < detail.ALIGNED
    assert report.exit_code == 3
    assert "does not line up with the signed picture" in report.summary
    assert "a headline, a band or a logo laid over it, or a strong edit" in report.summary
    assert data["as_shown"]["credentials"] == "recovered+altered"  # type: ignore[index]
    # the same copy without the headline lines up, and is the whole signed picture
    plain, _ = _verify(_save(signed.pixels, tmp_path / "plain.jpg"), signed.home)
    assert plain.credentials.placement is not None
    assert plain.credentials.placement.state == "whole"
    assert plain.credentials.placement.laid is None
    assert plain.exit_code == 0


def _segments(jpeg: bytes) -> list[bytes]:
    """A JPEG's marker segments up to the scan (the rest of the file, scan and all, is the last)."""
    out, at = [], 2
    while at < len(jpeg) and jpeg[at] == 0xFF:
        if jpeg[at + 1] == 0xDA:
            out.append(jpeg[at:])
            break
        length = int.from_bytes(jpeg[at + 2 : at + 4], "big")
        out.append(jpeg[at : at + 2 + length])
        at += 2 + length
    return out


def _with_manifest_of(signed: bytes, copy: bytes) -> bytes:
    """``copy`` with ``signed``'s C2PA manifest (its APP11 segments) carried over, as a CMS that keeps
    metadata when it resizes does: after the copy's APP0/APP1, before the rest."""
    manifest = b"".join(seg for seg in _segments(signed) if seg[1] == 0xEB)
    head = [seg for seg in _segments(copy) if seg[1] in (0xE0, 0xE1)]
    rest = [seg for seg in _segments(copy) if seg[1] not in (0xE0, 0xE1)]
    return b"\xff\xd8" + b"".join(head) + manifest + b"".join(rest)


def test_a_resized_copy_that_kept_its_manifest_is_the_signed_picture_not_broken(signed: Signed, tmp_path: Path) -> None:
    """A red-team walkthrough: a CMS resized a stamp to half and kept its manifest. Its hashes are the
    signed file's, and it read "Provenance broken" (exit 1), while the same copy stripped of the
    manifest read the whole signed picture at 50 % (exit 0). Its mark is the one the manifest declares
    and its pixels are the picture: the registry's manifest (the same one) is recovered for it. The
    same manifest kept over a headline, or at the signed size, stays broken."""
    half = signed.pixels.resize((signed.pixels.width // 2, signed.pixels.height // 2), Image.Resampling.LANCZOS)
    kept = tmp_path / "half-kept.jpg"
    kept.write_bytes(_with_manifest_of(signed.path.read_bytes(), _save(half, tmp_path / "half.jpg").read_bytes()))
    report, data = _verify(kept, signed.home)
    cred = report.credentials
    assert cred.state == "recovered", report.summary
    assert cred.re_encoded
    assert cred.recovered_manifest is not None
    assert cred.recovered_manifest.manifest_label == cred.manifest_label  # the file's own manifest
    assert any(c.code == "assertion.dataHash.mismatch" and c.kind == "failure" for c in cred.status_codes)
    assert cred.placement is not None
    assert cred.placement.state == "whole"
    assert report.exit_code == 0
    assert "the credentials in the file are the signed file's" in report.summary
    assert data["as_shown"]["credentials"] == "recovered"  # type: ignore[index]
    # at the signed size the hash stays the verdict: bytes changed in place (a re-save, a byte flipped)
    resaved = tmp_path / "resaved-kept.jpg"
    resaved.write_bytes(
        _with_manifest_of(signed.path.read_bytes(), _save(signed.pixels, tmp_path / "r.jpg", 80).read_bytes())
    )
    same_size, _ = _verify(resaved, signed.home)
    assert same_size.credentials.state == "invalid"
    assert same_size.exit_code == 1
    # said to look like the signed picture still, never passed (a walkthrough could not tell a re-save
    # from a pixel edit by the summary): a headline drawn over it is not said so (below)
    assert "This does not tell a re-save from an edit: at the detail compared its pixels" in same_size.summary
    assert "the manifest vouches for neither" in same_size.summary
    drawn = signed.pixels.copy()
    font = ImageFont.load_default(size=drawn.height // 20)
    ImageDraw.Draw(drawn).text((40, 40), "Troops cross the border at dawn", fill=(255, 230, 0), font=font)
    doctored = tmp_path / "doctored-kept.jpg"
    doctored.write_bytes(_with_manifest_of(signed.path.read_bytes(), _save(drawn, tmp_path / "d.jpg").read_bytes()))
    broken, _ = _verify(doctored, signed.home)
    assert broken.credentials.state == "invalid"
    assert not broken.credentials.re_encoded
    assert "still look like" not in broken.summary
    assert broken.exit_code == 1


def test_scan_fail_on_altered_tells_a_doctored_copy_of_our_picture_from_an_unknown_one(
    signed: Signed, tmp_path: Path
) -> None:
    """A walkthrough's desk gated with `--fail-on broken` and let a copy of its own photo with a
    headline drawn over it through: an altered copy exits 3, as any picture without provenance
    does. `--fail-on altered` meets exactly the copies of a signed or registered picture whose
    parts differ (or mirrored)."""
    doctored, unknown = tmp_path / "doctored", tmp_path / "unknown"
    doctored.mkdir()
    unknown.mkdir()
    _save(_pasted(signed.pixels, 0.4), doctored / "pasted.jpg")
    with Image.open(SAMPLES / "chelsea.png") as img:
        _save(img.convert("RGB"), unknown / "cat.jpg")
    caught = run_cli("scan", doctored, "--fail-on", "altered", "--json", home=signed.home.root)
    assert caught.code == 1, caught.stderr
    assert json.loads(caught.stdout)["exit_reason"] == "1 file matched --fail-on altered"
    passed = run_cli("scan", unknown, "--fail-on", "altered", "--json", home=signed.home.root)
    assert passed.code == 0, passed.stderr
    assert run_cli("scan", unknown, "--fail-on", "absent", home=signed.home.root).code == 1
    assert "altered" in run_cli("scan", "--help", home=signed.home.root).stdout


def test_a_headline_drawn_over_the_signed_picture_is_not_the_signed_capture(signed: Signed, tmp_path: Path) -> None:
    """A walkthrough: a yellow headline 1/25 of the picture's height, drawn straight onto the
    signed photo and re-saved, read "the whole of the signed picture" with the capture claim
    counted (exit 0): at the thumbnail's 128 px every block agreed. Laid on the manifest's claim
    thumbnail, the copy differs where the text is: parts differ, the claim is reported, not
    counted, and provenance is not established (exit 3)."""
    from PIL import ImageFont

    from provenance.verify import MARKED_SHARE

    out = signed.pixels.copy()
    font = ImageFont.load_default(size=round(out.height / 25))
    ImageDraw.Draw(out).text(
        (out.width * 0.06, out.height * 0.12), "Troops cross the border", fill=(255, 230, 0), font=font
    )
    report, data = _verify(_save(out, tmp_path / "headline.jpg"), signed.home)
    placed = report.credentials.placement
    assert report.credentials.state == "recovered"
    assert placed is not None
    assert placed.state == "altered"
    assert placed.differ < ALTERED_AREAS  # the thumbnail's blocks alone would have passed it
    assert placed.marked >= MARKED_SHARE
    assert data["credentials"]["placement"]["marked"] == placed.marked  # type: ignore[index]
    assert report.ai.verdict != "captured"
    assert report.exit_code == 3
    assert "it has marks the signed picture does not have (drawn text" in report.summary
    # the same photo re-saved without the headline stays the whole signed capture
    plain, _ = _verify(_save(signed.pixels, tmp_path / "plain.jpg", 85), signed.home)
    assert plain.credentials.placement is not None
    assert (plain.credentials.placement.state, plain.credentials.placement.marked) == ("whole", 0.0)
    assert plain.exit_code == 0


def test_a_crop_says_it_is_a_crop_and_how_much_it_shows(signed: Signed, tmp_path: Path) -> None:
    """A 16:9 crop and a web-size crop: still the signed capture (exit 0), and said to be crops."""
    w, h = signed.pixels.size
    ch = round(w * 9 / 16)
    wide = _save(signed.pixels.crop((0, (h - ch) // 2, w, (h - ch) // 2 + ch)), tmp_path / "wide.jpg")
    part = signed.pixels.crop((w // 8, h // 8, w * 7 // 8, h * 7 // 8))
    web = _save(
        part.resize((round(part.width * 0.8), round(part.height * 0.8)), Image.Resampling.LANCZOS), tmp_path / "web.jpg"
    )
    for path, shown, scale in ((wide, ch / h, 1.0), (web, 0.5625, 0.8)):
        report, data = _verify(path, signed.home)
        placed = report.credentials.placement
        assert placed is not None, path.name
        assert (placed.state, placed.cropped, placed.differ) == ("crop", True, 0), placed
        assert placed.shown == pytest.approx(shown, abs=0.04)
        assert placed.scale == pytest.approx(scale, abs=0.05)
        assert report.ownership.matches[0].placement == placed
        assert data["ownership"]["matches"][0]["placement"]["state"] == "crop"  # type: ignore[index]
        assert report.ai.verdict == "captured"
        assert report.exit_code == 0
        assert f"a crop showing about {round(100 * placed.shown)} % of the signed picture" in report.summary
        assert "a crop showing about" in report.ownership.summary


def test_a_rescaled_copy_is_the_whole_picture_and_keeps_its_verdicts(signed: Signed, tmp_path: Path) -> None:
    half = signed.pixels.resize((signed.pixels.width // 2, signed.pixels.height // 2), Image.Resampling.LANCZOS)
    report, _ = _verify(_save(half, tmp_path / "half.jpg", 85), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert (placed.state, placed.cropped, placed.differ) == ("whole", False, 0)
    assert placed.scale == pytest.approx(0.5, abs=0.03)
    assert report.ai.verdict == "captured"
    assert report.exit_code == 0
    assert "the whole of the signed picture, at 50 % of its size" in report.summary


def test_the_signed_file_itself_needs_no_placement(signed: Signed) -> None:
    report, data = _verify(signed.path, signed.home)
    assert report.credentials.state == "trusted"
    assert report.credentials.placement is None
    assert data["credentials"]["placement"] is None  # type: ignore[index]
    assert report.exit_code == 0


def test_a_registered_picture_with_a_region_pasted_in_is_not_provenance(tmp_path: Path) -> None:
    """No manifest anywhere, only a registry match by fingerprint: the same words and exit code."""
    home = Home(tmp_path / "home")
    register_paths([SAMPLES / "coffee.png"], owner="alice", home=home)
    with Image.open(SAMPLES / "coffee.png") as img:
        picture = img.convert("RGB")
    honest, _ = _verify(_save(picture, tmp_path / "copy.jpg"), home)
    assert honest.ownership.verdict == "registered"
    assert honest.exit_code == 0
    report, _ = _verify(_save(_pasted(picture, 0.4), tmp_path / "pasted.jpg"), home)
    assert report.ownership.verdict == "registered"
    placed = report.ownership.matches[0].placement
    assert placed is not None
    assert placed.state == "altered"
    assert report.exit_code == 3
    assert "parts differ" in report.summary


def test_a_capture_claim_for_an_altered_copy_is_reported_not_counted() -> None:
    capture = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    manifest = CredentialReport(
        state="trusted", trust="trusted", actions=[Action("c2pa.created", digital_source_type=capture)]
    )
    assert detect.verdict(detect.credential_signals(manifest, "m")).verdict == "captured"
    changed = detect.credential_signals(manifest, "m", changed="the whole of the signed picture, but parts differ")
    assert [s.strength for s in changed] == ["info"]
    assert detect.verdict(changed).verdict == "no-evidence"
    assert changed[0].evidence.count(" but ") == 1  # one "but": the placement's own, not a second one around it


def test_a_plain_margin_cut_is_not_a_crop() -> None:
    """A picture on a plain background: the comparison trims plain margins, so even the picture
    itself shows under 90 % of its thumbnail; what was left out is flat, so it is not a crop."""
    picture = Image.new("RGB", (600, 400), "white")
    with Image.open(SAMPLES / "chelsea.png") as cat:
        picture.paste(cat.convert("RGB").resize((400, 266)), (100, 67))
    placed = thumbnail.compare(picture, thumbnail.describe(picture))
    assert placed is not None
    assert placed.verdict == "same-picture"
    assert placed.shown < 0.9
    assert placed.cut <= thumbnail.FLAT
    part = thumbnail.compare(picture.crop((100, 67, 400, 333)), thumbnail.describe(picture))
    assert part is not None
    assert part.cut > thumbnail.FLAT


def test_the_placement_words_live_in_the_vocabulary() -> None:
    for state in ("whole", "crop", "altered"):
        assert verdicts.placement_word(state).meaning
    words = verdicts.placement_words(
        "altered", shown=0.56, scale=0.8, differ=8, detailed=75, cropped=True, picture="the signed picture"
    )
    assert words.startswith("a crop showing about 56 % of the signed picture, at 80 % of its size")
    assert "8 of its 75 detailed areas" in words


def test_marks_seen_at_full_detail_are_said_plainly_once() -> None:
    """A walkthrough: "1 of its 165 detailed areas do not match; marks or text ... (0.6 % of it
    differs) (an overlay, a caption band, a logo, a pasted region?)": a wrong verb, and a guess
    tacked on after a plain finding."""
    words = verdicts.placement_words(
        "altered",
        shown=1.0,
        scale=1.0,
        differ=1,
        detailed=165,
        cropped=False,
        picture="the signed picture",
        marked=0.006,
    )
    assert words == (
        "the whole of the signed picture, but parts differ: 1 of its 165 detailed areas does not match;"
        " it has marks the signed picture does not have (drawn text, a logo, a part pasted in, painted or smoothed"
        " over, or a strong local-contrast edit: 0.6 % of it differs)"
    )
    guessed = verdicts.placement_words(
        "altered", shown=1.0, scale=1.0, differ=9, detailed=165, cropped=False, picture="the signed picture"
    )
    assert guessed.endswith(
        "9 of its 165 detailed areas do not match (an overlay, a caption band, a logo, a pasted region?)"
    )
    assert verdicts.share_words(0.0004) == "under 0.1 %"
    assert verdicts.share_words(0.25) == "25 %"


def _placed_altered(picture: Image.Image, copy: Image.Image) -> Placement:
    """``copy`` placed on ``picture``'s thumbnail as the same picture, and read ``altered``."""
    from provenance.verify import placement_of

    placed = thumbnail.compare(copy, thumbnail.describe(picture))
    assert placed is not None
    assert placed.verdict == "same-picture"
    where = placement_of(placed, picture.size, copy.size)
    assert where is not None
    assert where.state == "altered", where
    return where


def _camera_sized(path: Path) -> Image.Image:
    """A sample enlarged to 1600 px wide, a camera photo's size: small text is then fine for its thumbnail."""
    with Image.open(path) as img:
        picture = img.convert("RGB")
    return picture.resize((1600, round(1600 * picture.height / picture.width)), Image.Resampling.LANCZOS)


def _band_over(picture: Image.Image, share: float) -> Image.Image:
    """A dark caption bar with a line of text over the bottom ``share`` of the picture (same size)."""
    from PIL import ImageDraw

    out = picture.copy()
    draw = ImageDraw.Draw(out)
    top = round(out.height * (1 - share))
    draw.rectangle((0, top, out.width, out.height), fill=(20, 20, 20))
    draw.text((10, top + round(out.height * 0.03)), "BREAKING NEWS some caption text here", fill=(255, 255, 255))
    return out


def test_a_caption_bar_laid_over_the_bottom_edge_is_not_an_honest_crop(signed: Signed, tmp_path: Path) -> None:
    """The walkthrough's case: a plain bar along one edge was trimmed as if it were a frame, and
    the rest read as a crop at 107 % that passed (exit 0). A bar over the picture hides part of it."""
    path = _save(_band_over(signed.pixels, 0.18), tmp_path / "captioned.jpg")
    report, _ = _verify(path, signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "altered", placed
    assert report.exit_code == 3
    assert "parts differ" in report.summary
    # the bar hides the bottom edge, it does not crop it: the whole picture, at its own size (was "a
    # crop showing about 90 %, at 105 %")
    assert not placed.cropped, placed
    assert placed.shown >= 0.95, placed
    assert placed.scale is not None
    assert abs(placed.scale - 1.0) <= 0.02, placed
    assert "the whole of the signed picture, but parts differ" in report.summary


def test_a_plain_band_added_outside_the_picture_leaves_it_whole(signed: Signed, tmp_path: Path) -> None:
    """A plain bar added below the picture (a taller canvas) covers nothing and says nothing: the
    whole picture, as a frame is."""
    w, h = signed.pixels.size
    canvas = Image.new("RGB", (w, round(h * 1.18)), (20, 20, 20))
    canvas.paste(signed.pixels, (0, 0))
    report, _ = _verify(_save(canvas, tmp_path / "below.jpg"), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "whole", placed
    assert placed.added < 0.05
    assert report.exit_code == 0
    # the picture's own size, not the taller canvas's (was "at 109 % of its size")
    assert placed.scale is not None
    assert abs(placed.scale - 1.0) <= 0.02, placed
    # nor a stretch: its content keeps the picture's shape (a walkthrough's bar above the picture read
    # "resized to 100 % of its width and 110 % of its height")
    assert placed.sides is None, placed
    above = Image.new("RGB", (w, round(h * 1.1)), (30, 30, 40))
    above.paste(signed.pixels, (0, above.height - h))
    report, _ = _verify(_save(above, tmp_path / "above.png"), signed.home)
    assert report.credentials.placement is not None
    assert report.credentials.placement.state == "whole", report.credentials.placement
    assert report.credentials.placement.sides is None, report.credentials.placement


def test_text_added_below_the_picture_is_not_the_signed_picture(signed: Signed, tmp_path: Path) -> None:
    """The walkthrough's case: a false caption printed under the signed photo on a taller canvas
    passed as "the whole of the signed picture" (exit 0). The picture is intact, but the image is more
    than what was signed: parts differ, content was added around it (exit 3)."""
    from PIL import ImageDraw

    w, h = signed.pixels.size
    canvas = Image.new("RGB", (w, round(h * 1.4)), (20, 20, 20))
    canvas.paste(signed.pixels, (0, 0))
    ImageDraw.Draw(canvas).text((10, round(h * 1.05)), "BREAKING: ships burning in harbour", fill=(255, 255, 255))
    report, data = _verify(_save(canvas, tmp_path / "text-below.jpg"), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "altered", placed
    assert placed.added > 0
    assert data["credentials"]["placement"]["added"] == placed.added  # type: ignore[index]
    assert report.exit_code == 3
    assert "content was added around it" in report.summary
    assert "% of its size" not in report.summary  # not the picture's size: the image is more than it


@pytest.mark.parametrize("name", ["astronaut.png", "chelsea.png"])
def test_a_caption_bar_is_judged_in_place_not_trimmed_as_a_frame(name: str) -> None:
    """A plain bar with a line of text over the bottom 18 %: trimmed as if it were a frame, the rest
    of the picture read as a crop at 107 % (the walkthrough's 2 of 2). Judged in place, the detail it
    hides differs."""
    with Image.open(SAMPLES / name) as img:
        picture = img.convert("RGB")
    _placed_altered(picture, _band_over(picture, 0.18))


def test_a_signed_picture_pasted_into_a_larger_one_is_named_not_broken(signed: Signed, tmp_path: Path) -> None:
    """The walkthrough's side-by-side (and a later one's screenshot of a page): the signed picture, mark
    and all, is part of a composite. It is not that picture, so nothing is handed over (exit 3), but
    nothing in it was copied or changed either: "Provenance broken" (exit 1, until session 17) claimed
    a tampering no evidence shows. The mark's record and its owner are named as part of the image."""
    w, h = signed.pixels.size
    canvas = Image.new("RGB", (round(w * 2.2), round(h * 1.1)), (90, 120, 80))
    noise = Image.effect_noise(canvas.size, 40).convert("RGB")
    canvas = Image.blend(canvas, noise, 0.5)
    canvas.paste(signed.pixels, (round(w * 1.1), round(h * 0.05)))
    report, _ = _verify(_save(canvas, tmp_path / "side-by-side.jpg"), signed.home)
    assert report.exit_code == 3
    assert report.watermark.state == "unconfirmed"
    assert report.credentials.state == "absent"  # the signed picture's credentials are not handed over
    note = report.watermark.note or ""
    assert "part of a larger one" in note, note
    assert "copied" not in note, note
    assert report.ownership.verdict == "inconclusive"
    summary = report.ownership.summary
    assert "found whole inside a larger image" in summary, summary
    assert str(report.watermark.record_id) in summary, summary
    assert report.ai.verdict == "no-evidence"  # a captured photo: the composite holds no AI content for it


def test_a_composite_holding_an_ai_picture_stamped_here_is_ai_edited(tmp_path: Path) -> None:
    """A walkthrough's collage holding an AI twin, its mark read: "No AI signal found". The picture
    found whole inside the image, mark and all, is AI content: the composite is AI-edited."""
    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Art Desk")
    ai = tmp_path / "ai.jpg"
    stamp_file(SAMPLES / "astronaut.png", ai, user="x", identity=identity, home=home)
    with Image.open(ai) as img:
        picture = img.convert("RGB")
    w, h = picture.size
    canvas = Image.blend(
        Image.new("RGB", (round(w * 2.2), round(h * 1.1)), (90, 120, 80)),
        Image.effect_noise((round(w * 2.2), round(h * 1.1)), 40).convert("RGB"),
        0.5,
    )
    canvas.paste(picture, (round(w * 1.1), round(h * 0.05)))
    report, _ = _verify(_save(canvas, tmp_path / "collage.jpg"), home)
    assert report.exit_code == 3
    assert report.watermark.state == "unconfirmed"
    assert report.ai.verdict == "ai-edited", report.ai
    assert "Part of this image is registry record" in report.ai.signals[0].evidence
    assert "Part of it is an AI picture registered here" in report.summary


def test_a_signed_picture_on_a_page_with_little_else_is_named_as_part_of_it(signed: Signed, tmp_path: Path) -> None:
    """A walkthrough's collage: the picture at 30 % from the corner of a canvas 1.6 times its size,
    a disc in the corner. Too much around it for the same picture, too little for the evidence to
    call it different: it read "whether this picture is that record's picture, or a crop of it,
    cannot be told". Then "Inconclusive: it contains ... (owner X) ... nothing here says whose it
    is", which names the owner and denies it, while the same picture on a page it fills more of
    read as itself with content added around it. On a page (a plain background around the picture,
    imaging.picture_box), its box is compared alone: the whole of it, content added around it
    (altered, exit 3), the owner named and the signed picture's credentials shown as describing
    it, not this image."""
    w, h = signed.pixels.size
    canvas = Image.new("RGB", (round(w * 1.6), round(h * 1.6)), (30, 80, 120))
    ImageDraw.Draw(canvas).ellipse((10, 10, round(h * 0.4), round(h * 0.4)), fill=(200, 50, 50))
    canvas.paste(signed.pixels, (round(w * 0.3), round(h * 0.3)))
    report, _ = _verify(_save(canvas, tmp_path / "collage.jpg"), signed.home)
    assert report.exit_code == 3
    assert report.watermark.state == "ours"
    assert report.credentials.state == "recovered"
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "altered"
    assert placed.added > 0
    assert placed.differ == 0
    assert report.ownership.verdict == "registered"
    assert "content was added around it" in report.ownership.summary, report.ownership.summary
    assert "or a crop of it" not in report.ownership.summary


@pytest.mark.parametrize(("shrink", "border"), [(1.0, "canvas"), (0.8, "ui"), (0.8, "window"), (0.6, "frame")])
def test_the_size_reported_is_the_pictures_not_the_canvas_around_it(
    signed: Signed, tmp_path: Path, shrink: float, border: str
) -> None:
    """The walkthrough's copies: the picture at 100 % on a canvas twice as wide read 'at 173 % of its
    size', a screenshot at 80 % with a grey window border 'at 95 %', a 60 % copy in a white frame
    'at 100 %'. The size is the picture's within the image, measured where it fits."""
    from PIL import ImageOps

    w, h = signed.pixels.size
    picture = signed.pixels.resize((round(w * shrink), round(h * shrink)), Image.Resampling.LANCZOS)
    if border == "canvas":
        image = Image.new("RGB", (w * 2, round(h * 1.5)), (255, 255, 255))
        image.paste(picture, (w // 2, h // 4))
    elif border == "ui":
        image = Image.new("RGB", (picture.width + 60, picture.height + 90), (60, 60, 60))
        image.paste(picture, (30, 60))
    elif border == "window":  # a light border under a dark title bar: the edge between them is no content
        image = Image.new("RGB", (picture.width + 80, picture.height + 140), (240, 240, 240))
        ImageDraw.Draw(image).rectangle((0, 0, image.width, 50), fill=(40, 40, 60))
        image.paste(picture, (40, 90))
    else:
        image = ImageOps.expand(picture, 40, (255, 255, 255))
    report, _ = _verify(_save(image, tmp_path / f"{border}.png"), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "whole", placed
    assert placed.scale is not None
    assert abs(placed.scale - shrink) <= 0.03, placed
    # a margin on every side (a window's border and title bar, a frame) is not a stretch: a framed
    # screenshot at 73 % read "resized to 81 % of its width and 77 % of its height" (a walkthrough)
    assert placed.sides is None, placed


def test_a_stretched_copy_says_its_sides_were_resized_apart(signed: Signed, tmp_path: Path) -> None:
    """A copy squeezed to 80 % of its width is not a plain resize: one size would read as one."""
    w, h = signed.pixels.size
    squeezed = signed.pixels.resize((round(w * 0.8), h), Image.Resampling.LANCZOS)
    report, data = _verify(_save(squeezed, tmp_path / "squeezed.jpg", 90), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "whole"
    assert placed.sides == pytest.approx([0.8, 1.0], abs=0.01)
    assert data["credentials"]["placement"]["sides"] == pytest.approx([0.8, 1.0], abs=0.01)  # type: ignore[index]
    assert "the whole of the signed picture, resized to 80 % of its width and 100 % of its height" in report.summary
    assert report.exit_code == 0
    half = signed.pixels.resize((w // 2, h // 2), Image.Resampling.LANCZOS)
    report, _ = _verify(_save(half, tmp_path / "half.jpg", 90), signed.home)
    assert report.credentials.placement is not None
    assert report.credentials.placement.sides is None  # both sides alike: a plain resize


def test_the_text_line_of_a_whole_copy_does_not_call_a_plain_margin_a_crop() -> None:
    """A whole picture on a plain page: the comparison trims the margin, so it measures under 95 %;
    the line says all its detail is shown, not "Whole picture (shows about 39 %)"."""
    from cli.render import _placement_line

    placed = Placement("whole", shown=0.39, scale=1.0, agree=35, detailed=35, differ=0, cropped=False)
    line = _placement_line(placed, "the signed picture")
    assert "shows all of the signed picture's detail, about 39 % of it, the rest a plain margin" in line
    crop = Placement("crop", shown=0.56, scale=0.8, agree=70, detailed=70, differ=0, cropped=True)
    assert "shows about 56 % of the signed picture" in _placement_line(crop, "the signed picture")


def test_the_text_line_of_a_copy_at_its_own_size_names_no_resize() -> None:
    """A copy never resized measures a scale of 0.98-1.02: the line said "at 99 % of its size",
    which a reader takes for a resize that never was. The summary and the line share one rule."""
    from cli.render import _placement_line

    own = Placement("crop", shown=0.8, scale=0.99, agree=60, detailed=60, differ=0, cropped=True)
    assert "of its size" not in _placement_line(own, "the signed picture")
    assert verdicts.size_words(0.99) == ""
    assert verdicts.size_words(1.03) == ""
    half = Placement("crop", shown=0.8, scale=0.5, agree=60, detailed=60, differ=0, cropped=True)
    assert "at 50 % of its size" in _placement_line(half, "the signed picture")
    marked = Placement("altered", shown=1.0, scale=1.0, agree=60, detailed=60, differ=0, cropped=False, marked=0.02)
    assert f"2.0 % of it differs at full detail ({verdicts.MARK_KINDS})" in _placement_line(marked, "it")


def test_too_few_agreeing_areas_say_so() -> None:
    """10 of 10 agreeing areas are fewer than a verdict takes: the words say why it cannot be told."""
    few = thumbnail.Placement("cannot-tell", shown=0.3, inside=1.0, agree=10, detailed=10, correlation=0.9)
    assert few.words == (
        f"10 of 10 detailed areas agree where it fits best, too few to tell: it takes {thumbnail.SAME_BLOCKS}"
    )
    mixed = thumbnail.Placement("cannot-tell", shown=0.3, inside=1.0, agree=14, detailed=40, correlation=0.5)
    assert mixed.words == "14 of 40 detailed areas agree where it fits best"


def test_a_small_copy_matched_by_fingerprint_is_not_said_to_have_been_stripped(signed: Signed, tmp_path: Path) -> None:
    """Too small for the mark to be read, a copy may be of the unsigned file the stamp was made
    from: its credentials are recovered by fingerprint, but nothing says it ever carried them.
    A copy whose mark reads came from the signed file: stripped."""
    # under one tile (128 px) on its short side: no mark is ever read from it, whatever the payload
    small = signed.pixels.resize((160, round(160 * signed.pixels.height / signed.pixels.width)))
    report, _ = _verify(_save(small, tmp_path / "small.jpg"), signed.home)
    assert report.credentials.state == "recovered"
    assert report.credentials.recovered_via == "fingerprint"
    assert "no credentials in the file, recovered from the registry:" in report.summary
    assert "stripped" not in report.summary
    report, _ = _verify(_save(signed.pixels, tmp_path / "resaved.jpg"), signed.home)
    assert report.credentials.recovered_via == "watermark"
    # a plain re-save drops them too (a walkthrough read "stripped, or a sidecar" for one)
    lost = "no credentials in the file (lost since signing: re-saved or stripped)"
    assert f"{lost}, recovered" in report.summary


@pytest.mark.parametrize("angle", [5, 10])
def test_a_copy_turned_on_a_larger_canvas_is_not_said_to_be_stretched(
    signed: Signed, tmp_path: Path, angle: int
) -> None:
    """Turned by a few degrees with the canvas grown to hold it, the copy's width and height
    are a canvas's, not the picture's shape: read as a 'resize to 110 % of its width and 125 %
    of its height' before. The turn is named; the sides are not."""
    turned = signed.pixels.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    report, data = _verify(_save(turned, tmp_path / "turned.jpg", 90), signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.sides is None
    assert data["credentials"]["placement"]["sides"] is None  # type: ignore[index]
    assert "of its width" not in report.summary
    assert f"turned about {angle} degrees" in report.summary


def test_the_edge_between_two_plain_bands_is_not_added_content() -> None:
    """A window's dark title bar above its light border: each is plain, and the straight edge between
    them varies one way only. A walkthrough's screenshots read "content was added around it (about
    3 %)" for two photos of three; text beside the picture still counts."""
    from provenance.fingerprint import thumbnail

    query = np.full((120, 160), 240.0, np.float32)
    query[:50] = 40.0  # the title bar
    nowhere = (1.0, 1000.0, 1000.0)  # the picture placed far away: all of the query lies beyond it
    assert thumbnail._beyond(query, nowhere, (64, 64)) == 0.0
    rng = np.random.default_rng(0)
    query[80:100, 20:140] = rng.integers(0, 255, (20, 120))  # a line of text-like detail
    assert thumbnail._beyond(query, nowhere, (64, 64)) > 0.05


@pytest.mark.parametrize("canvas", [(40, 40, 40, 40), (40, 120, 40, 140)])
def test_a_stamp_shrunk_into_a_white_frame_is_read_inside_the_frame(
    tmp_path: Path, canvas: tuple[int, int, int, int]
) -> None:
    """A walkthrough: an AI stamp shrunk to half on a white page (a frame, a screenshot's canvas)
    and saved as JPEG 80 read "no known watermark" and "No AI signal found": the whole-picture layer
    is read over the whole image, the frame included, and the tiles did not survive at half size.
    Read again inside the frame, it is found; and no one else can register it as theirs."""
    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Art Desk")
    big = tmp_path / "big.png"
    with Image.open(SAMPLES / "coffee.png") as img:
        img.convert("RGB").resize((1024, 683), Image.Resampling.LANCZOS).save(big)
    out = tmp_path / "stamped.png"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Registry, "new_record_id", lambda self: "0123456789abcdef")
        stamp_file(big, out, user="art desk", identity=identity, home=home)
    left, top, right, bottom = canvas
    with Image.open(out) as img:
        half = img.convert("RGB").resize((512, 342), Image.Resampling.LANCZOS)
    page = Image.new("RGB", (512 + left + right, 342 + top + bottom), "white")
    page.paste(half, (left, top))
    copy = _save(page, tmp_path / "page.jpg", quality=80)
    from provenance import watermark

    with Image.open(copy) as img:
        assert not watermark.detect(img.convert("RGB")).found  # the case the walkthrough met
    report, _ = _verify(copy, home)
    assert report.watermark.found
    assert report.watermark.record_id == "0123456789abcdef"
    assert report.ai.verdict == "ai-generated"
    assert report.credentials.state == "recovered"
    assert report.exit_code == 0, report.summary
    claimed = register_paths([copy], home=home, owner="Someone Else")
    assert [r.status for r in claimed] == ["refused"], claimed


def _post(picture: Image.Image, scale: float) -> Image.Image:
    """A social post's screenshot: an avatar, a name and a line of text above the picture shown at
    ``scale``, counts and a rule below, on a white page."""
    from PIL import ImageDraw

    w, h = round(picture.width * scale), round(picture.height * scale)
    page = Image.new("RGB", (w + 60, h + 260), "white")
    draw = ImageDraw.Draw(page)
    draw.ellipse((30, 20, 80, 70), fill=(40, 120, 200))
    draw.text((95, 25), "Daily Planet @dailyplanet · 2h", fill=(20, 20, 20))
    draw.text(
        (95, 45), "Breaking: the scene this morning, as our photographer saw it. More on our site.", fill=(20, 20, 20)
    )
    page.paste(picture.resize((w, h), Image.Resampling.LANCZOS), (30, 90))
    draw.text((30, h + 110), "12.4K Reposts   48.1K Likes", fill=(90, 90, 90))
    draw.line((30, h + 140, w + 30, h + 140), fill=(220, 220, 220))
    return page


def test_a_social_posts_screenshot_is_read_inside_the_pictures_box(tmp_path: Path) -> None:
    """A walkthrough: a stamp shown at half size in a post (text above and below it, no plain
    margin to trim) and saved as JPEG 85 read "no known watermark" and "No registered match": the
    whole-picture layer was read over the page, and the tiles did not survive. The picture's box
    is found on the page and read there: the owner is named, with content added around it.
    Whether the whole page reads depends on the record's id (the payload), so the test reads the
    box itself rather than asserting that the page fails."""
    from provenance import watermark
    from provenance.imaging import picture_box

    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Daily Planet")
    big = tmp_path / "big.png"
    with Image.open(SAMPLES / "coffee.png") as img:
        img.convert("RGB").resize((1600, 1067), Image.Resampling.LANCZOS).save(big)
    out = tmp_path / "stamped.png"
    stamp_file(big, out, user="Ann", identity=identity, home=home, source_type="captured")
    with Image.open(out) as img:
        page = _post(img.convert("RGB"), 0.5)
    assert picture_box(np.asarray(page)) == (30, 90, 830, 624)
    copy = _save(page, tmp_path / "post.jpg", quality=85)
    with Image.open(copy) as img:
        inside = watermark.detect(img.convert("RGB").crop((30, 90, 830, 624)))
    assert inside.found
    assert inside.record_id is not None
    report, _ = _verify(copy, home)
    assert report.watermark.state == "ours", report.summary
    assert report.watermark.record_id == inside.record_id
    assert report.ownership.verdict == "registered"
    assert report.credentials.placement is not None
    assert report.credentials.placement.state == "altered"  # the post's text around it
    assert report.exit_code == 3
    assert "content was added around it" in report.summary
    assert "Daily Planet" in report.ownership.summary


def test_a_pictures_pale_edge_is_inside_its_box() -> None:
    """A walkthrough: a photograph whose top is a pale sky (a few tens of levels off white, and
    broken by darker detail) shown in a post: the box began below the sky, and the whole-picture
    read of a box missing its first rows found nothing (3 of 4 fixture photographs unread). The box
    now grows through such lines to the page's own colour, and stops at a JPEG's faint ringing."""
    from provenance.imaging import picture_box

    with Image.open(SAMPLES / "coffee.png") as img:
        picture = img.convert("RGB").resize((800, 534), Image.Resampling.LANCZOS)
    pixels = np.asarray(picture).copy()
    sky = np.full((60, 800, 3), (250, 251, 253), np.uint8)  # near white, a third of it pale clouds
    for x in range(0, 800, 60):
        sky[:, x : x + 20] = (205, 210, 220)
    pixels[:60] = sky
    page = _post(Image.fromarray(pixels), 1.0)
    assert picture_box(np.asarray(page)) == (30, 90, 830, 624)
    with io.BytesIO() as buffer:
        page.save(buffer, "JPEG", quality=75)
        buffer.seek(0)
        with Image.open(buffer) as saved:
            assert picture_box(np.asarray(saved.convert("RGB"))) == (30, 90, 830, 624)


def test_a_photograph_is_no_page_and_a_page_without_a_picture_has_no_box() -> None:
    """The box is looked for on a page only: a photograph's own edges are not a page's, and a page
    of text holds no picture."""
    from PIL import ImageDraw

    from provenance.imaging import picture_box

    photo = np.asarray(Image.open(SAMPLES / "rocket.jpg").convert("RGB"))
    assert picture_box(photo) is None
    text = Image.new("RGB", (800, 600), "white")
    for row in range(20, 580, 18):
        ImageDraw.Draw(text).text(
            (20, row), "A line of an article's text, set in the page's own font " * 2, fill="black"
        )
    assert picture_box(np.asarray(text)) is None


def test_an_upright_copy_is_not_turned_by_the_tiles_measuring_error(tmp_path: Path) -> None:
    """A walkthrough's screenshot of an AI stamp on a white page at 74 % of its size read "parts
    differ: 101 of its 206 detailed areas do not match" (75 % read whole): the tiles measured the
    upright copy 0.08 degrees off, and turning it back drew black slivers into the white frame,
    which then counted as part of the picture. A copy turned less than a degree is taken as it is;
    one turned more is turned back."""
    from provenance import watermark

    page = Image.new("RGB", (838, 958), "white")
    page.paste(Image.open(SAMPLES / "coffee.png").convert("RGB"), (40, 120))
    measured = watermark.WatermarkReading(True, watermark.SCHEME, "2d5648ba3825da57", 0.5, angle=-0.08, scale=0.741)
    assert watermark.upright(page, measured) is page  # under a degree: taken as it is
    turned = watermark.upright(page, replace(measured, angle=5.0))
    assert turned.getpixel((0, 0)) != (255, 255, 255)  # turned back: the corners filled


@pytest.fixture(scope="module")
def night_lamp(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    """A walkthrough's photo: a street lamp at night (the fixtures' canon_hdr_NO.jpg, 1536 x 2048),
    stamped as captured. Its lower part is dark wall with little detail for the thumbnail's blocks."""
    from PIL import ImageOps

    source = require_fixtures("photos", "exif-samples__hdr__canon_hdr_NO.jpg")
    base = tmp_path_factory.mktemp("night")
    home = Home(base / "home")
    identity = init_identity(home, org="Daily Planet")
    upright = base / "lamp.jpg"
    with Image.open(source) as img:
        ImageOps.exif_transpose(img).convert("RGB").save(upright, quality=95)
    out = base / "stamped.jpg"
    stamp_file(upright, out, user="x", identity=identity, home=home, source_type="captured")
    with Image.open(out) as img:
        return Signed(home, out, img.convert("RGB"))


def test_a_post_holding_the_picture_at_half_size_does_not_call_it_doctored(night_lamp: Signed, tmp_path: Path) -> None:
    """A walkthrough's post: the photo at 50 % on a white page under an avatar and a line of text,
    counts below, JPEG 75. Laid whole, the page fitted 1.6 % off the picture's scale and read
    "parts differ: 53 of its 139 detailed areas do not match (an overlay, a caption band, a logo,
    a pasted region?)" of an untouched photo. The picture's box on the page is compared alone:
    content was added around it, nothing in it differs."""
    w, h = night_lamp.pixels.size
    half = night_lamp.pixels.resize((w // 2, h // 2))
    page = Image.new("RGB", (w // 2 + 300, h // 2 + 300), "white")
    draw = ImageDraw.Draw(page)
    draw.ellipse((20, 20, 80, 80), fill=(30, 120, 200))
    draw.text((100, 40), "@dailyplanet  Breaking: scene downtown", fill="black")
    page.paste(half, (150, 120))
    draw.text((150, page.height - 60), "12 replies  340 reposts  1.2K likes", fill="gray")
    report, _ = _verify(_save(page, tmp_path / "post.jpg", 75), night_lamp.home)
    placed = report.credentials.placement
    assert placed is not None
    assert placed.state == "altered", placed
    assert placed.added > 0
    assert placed.differ < 3, placed
    assert "detailed areas do not match" not in report.summary, report.summary
    assert "content was added around it" in report.summary, report.summary
    assert report.ownership.verdict == "registered"


def test_a_small_crop_says_drawn_text_was_not_looked_for(tmp_path: Path) -> None:
    """A walkthrough drew a large handle on a 25 % crop of a 1,136 px photo: under 256 px of the claim
    thumbnail, its detail was not compared, and it read "Captured", nothing said. What was not looked
    for is said now (placement.unchecked); a larger crop of the same picture is compared."""
    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Daily Planet")
    big = tmp_path / "big.png"  # 1280 px of the samples' detail: its claim thumbnail is half its size
    mosaic = Image.new("RGB", (1280, 854))
    for i, name in enumerate(("rocket.jpg", "coffee.png", "astronaut.png", "chelsea.png")):
        with Image.open(SAMPLES / name) as img:
            part = img.convert("RGB").resize((640, 427), Image.Resampling.LANCZOS)
        mosaic.paste(part, ((i % 2) * 640, (i // 2) * 427))
    mosaic.save(big)
    out = tmp_path / "stamped.png"
    stamp_file(big, out, user="x", identity=identity, home=home, source_type="captured")
    with Image.open(out) as img:
        pixels = img.convert("RGB")
    small = _save(pixels.crop((380, 220, 880, 700)), tmp_path / "small.jpg")  # 250 x 240 px of the thumbnail
    larger = _save(pixels.crop((200, 100, 1080, 750)), tmp_path / "larger.jpg")
    report, data = _verify(small, home)
    placed = report.credentials.placement
    assert placed is not None
    assert (placed.state, placed.unchecked) == ("crop", True), placed
    assert verdicts.UNCHECKED_DETAIL in report.summary
    assert data["credentials"]["placement"]["unchecked"] is True  # type: ignore[index]
    report, _ = _verify(larger, home)
    placed = report.credentials.placement
    assert placed is not None
    assert (placed.state, placed.unchecked) == ("crop", False), placed
    assert verdicts.UNCHECKED_DETAIL not in report.summary


def test_a_picture_alone_on_a_blank_page_is_the_whole_picture(tmp_path: Path) -> None:
    """A walkthrough's phone screenshots: a stamped photo at 720 px on a white 1080 x 2340 page read
    "found whole inside a larger image ... the rest of the image is not that picture", while the
    same photo taller on the same page read as itself: the plain margins are cut at a quarter of
    each side, and what they left held the picture at under half. Alone on a blank page it is the
    picture with plain margins, whole and not altered, its centre the page's."""
    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Daily Planet")
    big = tmp_path / "big.png"
    mosaic = Image.new("RGB", (1280, 854))
    for i, name in enumerate(("rocket.jpg", "coffee.png", "astronaut.png", "chelsea.png")):
        with Image.open(SAMPLES / name) as img:
            mosaic.paste(
                img.convert("RGB").resize((640, 427), Image.Resampling.LANCZOS), ((i % 2) * 640, (i // 2) * 427)
            )
    mosaic.save(big)
    out = tmp_path / "stamped.png"
    stamp_file(big, out, user="x", identity=identity, home=home, source_type="captured")
    with Image.open(out) as img:
        shown = img.convert("RGB").resize((720, 480), Image.Resampling.LANCZOS)
    page = Image.new("RGB", (1080, 2340), "white")
    page.paste(shown, (180, 400))
    report, _ = _verify(_save(page, tmp_path / "screenshot.jpg", 85), home)
    placed = report.credentials.placement
    assert placed is not None, report.summary
    assert (placed.state, placed.cropped, placed.added, placed.laid) == ("whole", False, 0.0, None), placed
    assert report.exit_code == 0, report.summary
    assert report.ownership.verdict == "registered"
    dark = Image.new("RGB", (1080, 2340), "black")  # a dark-mode screenshot: read as a copied mark, exit 1
    dark.paste(shown, (180, 900))
    report, _ = _verify(_save(dark, tmp_path / "dark.jpg", 90), home)
    assert report.exit_code == 0, report.summary
    assert report.credentials.placement is not None
    assert report.credentials.placement.state == "whole"
    # a red-team's line of text on the page passed as the whole picture while a share of the page decided
    captioned = page.copy()
    ImageDraw.Draw(captioned).text((200, 900), "Taken yesterday in Kyiv", fill=(0, 0, 0))
    report, _ = _verify(_save(captioned, tmp_path / "captioned.png"), home)
    assert report.exit_code == 3, report.summary
    page.paste((200, 30, 30), (100, 2000, 400, 2040))  # something else on the page: not blank
    report, _ = _verify(_save(page, tmp_path / "with-more.jpg", 85), home)
    assert report.exit_code == 3, report.summary


def test_a_black_and_white_copy_says_so(signed: Signed, tmp_path: Path) -> None:
    """A walkthrough's greyscale copy of a captured photo read "the whole of the signed picture",
    nothing said of its colours. It is still that picture (a black-and-white edition is honest,
    exit 0), and the words say it is in black and white; a colour copy says nothing of it."""
    grey = _save(signed.pixels.convert("L").convert("RGB"), tmp_path / "grey.jpg")
    report, data = _verify(grey, signed.home)
    placed = report.credentials.placement
    assert placed is not None
    assert (placed.state, placed.grey) == ("whole", True), placed
    assert "in black and white (the signed picture is in colour)" in report.summary
    assert data["credentials"]["placement"]["grey"] is True  # type: ignore[index]
    assert report.exit_code == 0
    colour, _ = _verify(_save(signed.pixels, tmp_path / "colour.jpg"), signed.home)
    assert colour.credentials.placement is not None
    assert colour.credentials.placement.grey is False
    assert "black and white" not in colour.summary
    tinted = signed.pixels.convert("L").convert("RGB")  # red text on a grey copy is not black and white
    ImageDraw.Draw(tinted).rectangle((40, 40, 200, 80), fill=(220, 20, 20))
    report, _ = _verify(_save(tinted, tmp_path / "tinted.png"), signed.home)
    assert "black and white" not in report.summary


def _meme(picture: Image.Image, band: float, *, top: bool) -> Image.Image:
    """A meme of ``picture``: a white band of ``band`` of its height with a line of small text
    (12 px) above or below it, the whole resized to 62 %."""
    w, h = picture.size
    rows = round(h * band)
    canvas = Image.new("RGB", (w, h + rows), (255, 255, 255))
    canvas.paste(picture, (0, rows if top else 0))
    font = ImageFont.load_default(size=12)
    ImageDraw.Draw(canvas).text(
        (w // 20, (0 if top else h) + rows // 2), "when the wifi comes back", fill=(0, 0, 0), font=font
    )
    return canvas.resize((round(canvas.width * 0.62), round(canvas.height * 0.62)), Image.Resampling.LANCZOS)


@pytest.mark.parametrize(("band", "top"), [(0.25, True), (0.12, False)])
def test_a_memes_small_caption_band_is_content_added_not_a_stretch(band: float, top: bool) -> None:
    """A walkthrough's meme of a registered photo: a white band with a caption in small text, the
    whole resized. The text is too fine for the thumbnail's blocks, so nothing read as added, and
    the taller image read "the whole of the registered picture, resized to 62 % of its width and
    78 % of its height", exit 0. The picture fits at the image's width, flush with one end of its
    height: a band, content added (altered), not a stretch."""
    picture = _camera_sized(SAMPLES / "rocket.jpg")
    where = _placed_altered(picture, _meme(picture, band, top=top))
    assert where.added >= 0.03, where
    assert where.sides is None, where


@pytest.mark.parametrize("sides", [(0.62, 0.66), (0.62, 0.78)])
def test_a_stretched_copy_has_no_band_beside_it(sides: tuple[float, float]) -> None:
    """The band rule's other side: a copy stretched one way fits between its sides with the picture
    centred, so no band is read beside it."""
    from provenance.verify import _band_beside

    picture = _camera_sized(SAMPLES / "rocket.jpg")
    stretched = picture.resize((round(1600 * sides[0]), round(1068 * sides[1])), Image.Resampling.LANCZOS)
    placed = thumbnail.compare(_jpeg_of(stretched), thumbnail.describe(picture))
    assert placed is not None
    assert _band_beside(placed) == 0, placed


def _jpeg_of(img: Image.Image, quality: int = 85) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def test_a_meme_of_a_registered_photo_is_not_passed(tmp_path: Path) -> None:
    """End to end, as the walkthrough met it: a photo registered (not stamped), its meme found (by
    hash or keypoints) and placed as the whole picture with content added: exit 3, and the summary
    says content was added, not that the picture was resized apart."""
    home = Home(tmp_path / "home")
    init_identity(home, org="Photo Desk")
    picture = _camera_sized(SAMPLES / "rocket.jpg")
    original = tmp_path / "harbour.png"
    picture.save(original)
    register_paths([original], home=home, owner="Photo Desk")
    report, _ = _verify(_save(_meme(picture, 0.25, top=True), tmp_path / "meme.jpg", 85), home)
    assert report.exit_code == 3, report.summary
    assert "content was added around it" in report.summary, report.summary
    assert "of its width" not in report.summary
