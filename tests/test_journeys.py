"""The journeys benchmark's machinery: expectations, grading, file surgery, one small run end to end."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import journeys as J


def _case(condition: str, journey: str, origin: str = "camera", claim: str = "captured") -> J.Case:
    return J.Case("design", 0, "d-x", origin, claim, condition, journey, "camera", "camera")


def test_grades_separate_right_acceptable_miss_and_wrong_with_the_reason() -> None:
    expect = J._e({"recovered"}, {"absent"}, {"invalid": J.BROKEN})
    assert [expect.grade(s) for s in ("recovered", "absent", "invalid", "trusted")] == [
        "right",
        "acceptable",
        "WRONG",
        "WRONG",
    ]
    assert expect.why("invalid") == J.BROKEN
    assert expect.why("trusted") == "not among the acceptable states"
    assert J._e({"named"}, {"no-match"}, required=True).grade("no-match") == "miss"


def test_expectations_forbid_what_issue_19_forbids() -> None:
    crop = J.expectations(_case("stamped", "crop50-1x1-centre"), area=0.5, short=400)
    assert crop["exit"].grade("1") == "WRONG"
    assert crop["exit"].why("1") == J.BROKEN
    assert crop["ownership"].required
    assert crop["ownership"].grade("no-match") == "miss"
    small = J.expectations(_case("stamped", "crop30-1x1-centre"), area=0.3, short=300)
    assert not small["ownership"].required
    assert small["ownership"].grade("wrong-owner") == "WRONG"
    original = J.expectations(_case("stamped", "unsigned-original"), area=0.0, short=400)
    assert original["credentials"].grade("recovered") == "WRONG"
    assert original["credentials"].why("recovered") == J.NEVER_CARRIED
    assert original["ai"].grade("captured") == "WRONG"
    moved = J.expectations(_case("stamped", "graft-manifest", claim="ai"), area=0.0, short=0)
    assert moved["exit"].grade("1") == "right"
    assert moved["exit"].grade("3") == "WRONG"
    assert moved["ai"].grade("ai-generated") == "WRONG"  # the manifest belongs to another picture
    never = J.expectations(_case("never", "jpeg60"), area=1.0, short=400)
    assert never["ai"].why("ai-generated") == J.NOT_AI
    assert never["ownership"].grade("wrong-owner") == "WRONG"


def test_crop_boxes_keep_the_asked_area_and_aspect() -> None:
    box, area = J.crop_box((1000, 750), 0.5, 1.0, True)
    assert box[2] - box[0] == box[3] - box[1]
    assert area == pytest.approx(0.5, abs=0.01)
    box, area = J.crop_box((1000, 750), 0.9, 16 / 9, False)  # 16:9 at 90 % does not fit a 4:3 picture
    assert box[2] - box[0] == 1000
    assert area < 0.9
    assert box[1] < (750 - (box[3] - box[1])) / 2


def test_turned_copies_keep_the_share_of_the_picture_their_canvas_holds() -> None:
    """A square turned 45 degrees on its own canvas keeps 2(sqrt 2 - 1) = 83 % of itself; the
    straightened copy keeps the crop's share, and no filled corner."""
    buf = io.BytesIO()
    Image.new("RGB", (400, 400), (200, 120, 40)).save(buf, "PNG")
    given = J.Given(buf.getvalue(), "PNG", Path("o"), Path("s"), Path("t"))
    turned = J._turn(45, False)(given)
    assert turned.area == pytest.approx(2 * (2**0.5 - 1), abs=0.01)
    straight = J._turn(10, True)(given)
    img = Image.open(io.BytesIO(straight.data)).convert("RGB")
    assert straight.area == pytest.approx(img.width * img.height / 400**2)
    corners = np.asarray(img)[[0, -1]][:, [0, -1]]
    assert int(corners.min()) > 30  # no filled corner


def test_manifest_moves_and_metadata_strips_at_the_byte_level() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, "JPEG", exif=exif)
    plain = buf.getvalue()
    segment = b"\xff\xeb\x00\x0cJP\x00\x01manife"  # APP11, length 12 (the length field included)
    donor = plain[:2] + segment + plain[2:]
    grafted = J.graft_manifest(donor, plain, "JPEG")
    assert segment in grafted
    assert Image.open(io.BytesIO(grafted)).size == (32, 32)
    stripped = J.strip_metadata(grafted, "JPEG")
    assert segment not in stripped
    assert b"Exif" not in stripped
    assert Image.open(io.BytesIO(stripped)).tobytes() == Image.open(io.BytesIO(plain)).tobytes()


def test_a_handful_of_journeys_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("skimage")  # two of the six design pictures are scikit-image's
    plan = J.build("design", J.design_sources()[:6], [], tmp_path, jobs=1)
    J._PLANS[plan.set] = plan
    stamped = next(pid for pid in plan.starts if pid in plan.homes[0].stamped)
    never = plan.homes[0].never[0]
    picked = [
        J.Case("design", 0, stamped, "camera", plan.starts[stamped].source.claim, "stamped", name, "camera", "camera")
        for name in ("untouched", "strip-metadata", "graft-manifest", "unsigned-original", "turn45")
    ]
    picked.append(J.Case("design", 0, never, "camera", "captured", "never", "untouched", "camera", "camera"))
    rows = [J.run_case((i, case)) for i, case in enumerate(picked)]
    by = {(r["case"].condition, r["case"].journey): r for r in rows}
    assert all(g == "right" for g in by["stamped", "untouched"]["grade"].values()), by["stamped", "untouched"]
    assert by["stamped", "strip-metadata"]["got"]["credentials"] == "recovered"
    assert by["stamped", "graft-manifest"]["got"]["exit"] == "1"
    assert by["stamped", "graft-manifest"]["grade"]["exit"] == "right"
    assert all(g == "right" for g in by["never", "untouched"]["grade"].values()), by["never", "untouched"]
    # a stamped photo turned 45 degrees on its own canvas: its owner named, never "broken"
    assert by["stamped", "turn45"]["got"]["ownership"] == "named", by["stamped", "turn45"]
    assert "WRONG" not in by["stamped", "turn45"]["grade"].values()
    out = tmp_path / "journeys.md"
    J.write(out, [plan], rows, seconds=1.0, argv=["--set", "design"], jobs=1, measured="x")
    text = out.read_text()
    for heading in ("## Pictures: design set", "### Must-show", "### WRONG rows by pattern", "expected \\ got (exit)"):
        assert heading in text
