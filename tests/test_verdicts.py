"""Issue 19: the verdict vocabulary, the status-code table and truncation, without fixtures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import get_args

import pytest
from PIL import Image

from provenance import verdicts
from provenance.credentials import codes
from provenance.imaging import truncation
from provenance.report import AIVerdict, CredentialState, OwnershipVerdict, StatusCode, WatermarkState
from tests.conftest import SAMPLES, run_cli


@pytest.mark.parametrize(
    ("axis", "states"),
    [
        ("credentials", CredentialState),
        ("watermark", WatermarkState),
        ("ownership", OwnershipVerdict),
        ("ai", AIVerdict),
    ],
)
def test_every_state_a_report_can_carry_has_its_words(axis: str, states: object) -> None:
    for state in get_args(states):
        word = verdicts.word(axis, state)
        assert state in verdicts.AXES[axis], (axis, state)
        assert word.label, (axis, state)
        assert word.meaning, (axis, state)


@pytest.mark.parametrize(
    ("axis", "states"),
    [
        ("credentials", CredentialState),
        ("watermark", WatermarkState),
        ("ownership", OwnershipVerdict),
        ("ai", AIVerdict),
    ],
)
def test_no_word_names_a_state_no_report_can_carry(axis: str, states: object) -> None:
    """A word for a state no report takes is advertised (verify --help, the web page) and never
    produced: the AI axis listed "computational" (made by an algorithm, not AI), which a fresh-eyes
    walkthrough asked for in vain (algorithmicMedia is evidence in words, verdict no-evidence)."""
    extra = set(verdicts.AXES[axis]) - set(get_args(states))
    assert not extra, (axis, extra)


def _code(code: str, kind: str = "failure", scope: str = "active manifest") -> StatusCode:
    return StatusCode(code, "", kind, scope)  # type: ignore[arg-type]


UNTRUSTED = _code("signingCredential.untrusted")


@pytest.mark.parametrize(
    ("status", "trust", "reference", "truncated", "state"),
    [
        # only the signer's trust failed: intact
        ([UNTRUSTED], "untrusted", "Valid", False, "valid"),
        # the claim signer is trusted; only a CAWG identity is not (a separate signature)
        ([_code("cawg.x509.credential.untrusted")], "trusted", "Valid", False, "trusted"),
        # only an ingredient's manifest fails (c2pa says Invalid): this file's claim is intact
        ([UNTRUSTED, _code("claimSignature.mismatch", scope="ingredient c2pa.ingredient.v2")],
         "untrusted", "Invalid", False, "ingredient-invalid"),
        # an active-manifest assertion changed after signing: broken, even beside an ingredient code
        ([_code("ingredient.manifest.missing"), _code("assertion.hashedURI.mismatch")],
         "trusted", "Invalid", False, "invalid"),
        ([_code("claimSignature.mismatch")], "trusted", "Invalid", False, "invalid"),
        # the bytes differ: changed after signing, or cut short
        ([_code("assertion.dataHash.mismatch")], "trusted", "Invalid", False, "invalid"),
        ([_code("assertion.dataHash.mismatch")], "trusted", "Invalid", True, "truncated"),
        # a version or algorithm this tool cannot check: neither intact nor broken
        ([_code("com.adobe.prerelease")], "unknown", None, False, "unsupported"),
        ([_code("algorithm.unsupported")], "unknown", None, False, "unsupported"),
        # c2pa says Invalid and shows no reason: never more favourable than the reference
        ([], "trusted", "Invalid", False, "invalid"),
    ],
)  # fmt: skip
def test_state_follows_the_status_codes(
    status: list[StatusCode], trust: str, reference: str | None, truncated: bool, state: str
) -> None:
    assert codes.classify(status, trust=trust, reference=reference, truncated=truncated) == state  # type: ignore[arg-type]


def test_errors_c2pa_raises_map_to_the_codes_c2pa_rs_uses() -> None:
    assert codes.error_code("Other: prerelease content detected") == "com.adobe.prerelease"
    assert codes.error_code("Other: unknown algorithm") == "algorithm.unsupported"
    assert codes.error_code("Other: something else entirely") == "general.error"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _png() -> bytes:
    return (SAMPLES / "chelsea.png").read_bytes()


def test_whole_files_are_never_called_truncated() -> None:
    jpeg, png = _jpeg(), _png()
    assert truncation(jpeg, "image/jpeg") is None
    assert truncation(jpeg + b"trailing bytes after the end-of-image marker", "image/jpeg") is None
    assert truncation(png, "image/png") is None
    webp = io.BytesIO()
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(webp, "WEBP")
    assert truncation(webp.getvalue(), "image/webp") is None
    assert truncation(b"II*\x00" + b"\x00" * 10, "image/tiff") is None  # a format it does not walk


def test_files_cut_short_say_where() -> None:
    jpeg, png = _jpeg(), _png()
    assert "compressed picture data" in str(truncation(jpeg[: len(jpeg) // 2], "image/jpeg"))
    assert "end-of-image" in str(truncation(jpeg[:-2], "image/jpeg"))
    assert "segment" in str(truncation(jpeg[:30], "image/jpeg"))
    assert "IDAT" in str(truncation(png[: len(png) // 2], "image/png"))
    assert "IEND" in str(truncation(png[:-12], "image/png"))
    webp = io.BytesIO()
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(webp, "WEBP")
    assert "declares" in str(truncation(webp.getvalue()[:-100], "image/webp"))


def test_exit_words_name_the_new_states() -> None:
    assert "incomplete" in verdicts.exit_word(4).meaning  # a damaged file: not "provenance broken"
    assert "incomplete" not in verdicts.exit_word(1).meaning
    assert "cannot be checked" in verdicts.exit_word(3).meaning
    assert "ingredient" in verdicts.exit_word(0).meaning


def test_verify_help_lists_every_state_in_its_words(tmp_path: Path) -> None:
    result = run_cli("verify", "--help", home=tmp_path / "home")
    assert result.code == 0
    for axis, table in verdicts.AXES.items():
        assert f"{axis}:" in result.stdout
        for state, word in table.items():
            assert f"{state:<19} {word.label}" in result.stdout, (axis, state)
