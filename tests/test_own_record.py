"""A file's own record, found exactly, decides; records of other files that merely look like it do not.

Its own record is the one its intact manifest names, its watermark names (confirmed on the
picture), or its exact SHA-256 finds. A twin made from the picture, or another stamp of the
same picture, is near it by perceptual hash: listed, never "same-as", never its AI verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import SAMPLES, run_cli


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


def test_a_twin_of_a_registered_photo_is_its_twin_not_a_stamp_that_looks_like_it(
    keyed_home: Path, tmp_path: Path
) -> None:
    """samples/chelsea.png stamped as stamped.png (captured), samples/ registered, then a twin of chelsea.png."""
    _stamp(SAMPLES / "chelsea.png", tmp_path / "stamped.png", keyed_home, "--source-type", "captured")
    registered = run_cli("register", SAMPLES, "--owner", "Test Newsroom", home=keyed_home)
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
