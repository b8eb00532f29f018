"""Replays every input the fuzzer ever found (tests/fuzz_regressions/) plus a few
built here: verify must end in a report or our own error, never anything else."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

REGRESSIONS = sorted(p for p in (ROOT / "tests" / "fuzz_regressions").iterdir() if not p.name.startswith("."))
BUILT = {
    "empty": b"",
    "jpeg-magic-only": b"\xff\xd8\xff",
    "png-signature-only": b"\x89PNG\r\n\x1a\n",
    "riff-webp-lying-length": b"RIFF\xff\xff\xff\x7fWEBPVP8X" + b"\x00" * 24,
    "jumbf-garbage-in-jpeg": b"\xff\xd8\xff\xeb\x00\x10JP\x00\x01\x00\x00\x00\x01jumb" + b"\xff" * 64,
}


@pytest.mark.parametrize("data", [p.read_bytes() for p in REGRESSIONS] + list(BUILT.values()),
                         ids=[p.name for p in REGRESSIONS] + list(BUILT))  # fmt: skip
def test_verify_never_raises_anything_but_our_error(data: bytes) -> None:
    sys.path.insert(0, str(ROOT / "fuzz"))
    from target import check  # type: ignore[import-not-found]

    check(data)
