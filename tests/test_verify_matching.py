"""Verify's matching logic on the journeys a stamped picture takes (issue 19, cases 1, 2, 13).

A crop or rescale of our own stamped picture is a derivative, never "broken"; a mark
grafted onto another picture still is. The unsigned original a picture was stamped
from is named for what it is and never handed the stamp's credentials. Only a
trusted signer's manifest makes a picture "captured".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from provenance.config import Home
from provenance.credentials import init_identity
from provenance.credentials.keys import home_identity
from provenance.stamp import stamp_file
from provenance.verify import verify_path
from tests.conftest import SAMPLES


@pytest.fixture
def newsroom(tmp_path: Path) -> Home:
    home = Home(tmp_path / "newsroom")
    init_identity(home, org="Daily Planet")
    return home


def _stamp(home: Home, source: Path, out: Path, source_type: str = "captured") -> str:
    result = stamp_file(source, out, user="Jane Doe", identity=home_identity(home), home=home, source_type=source_type)
    return result.record_id


def _photo(tmp_path: Path, name: str, size: tuple[int, int], sample: str = "astronaut.png") -> Path:
    """A camera-like JPEG of a sample picture, at ``size``."""
    path = tmp_path / name
    Image.open(SAMPLES / sample).convert("RGB").resize(size, Image.Resampling.LANCZOS).save(path, quality=92)
    return path


def test_a_capture_claim_signed_by_an_untrusted_key_is_not_captured(newsroom: Home, tmp_path: Path) -> None:
    # case 13: the newsroom's key means nothing in another home that does not trust it
    stamped = tmp_path / "stamped.jpg"
    _stamp(newsroom, _photo(tmp_path, "photo.jpg", (640, 640)), stamped)
    elsewhere = Home(tmp_path / "elsewhere")
    init_identity(elsewhere, org="Someone Else")
    report = verify_path(stamped, home=elsewhere)
    assert report.credentials.state == "valid"
    assert report.ai.verdict == "no-evidence"
    claims = [s for s in report.ai.signals if s.kind == "c2pa.digitalSourceType"]
    assert [s.strength for s in claims] == ["info"]
    assert "signer is not trusted" in claims[0].evidence
    assert verify_path(stamped, home=newsroom).ai.verdict == "captured"  # at home, its signer is trusted
