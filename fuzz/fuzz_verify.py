"""Fuzz the verify path with atheris: image decoding, metadata and generator
parsers, C2PA reading, watermark decoding. The only acceptable failure is our own
error type (``ProvenanceError``) or a report carrying an error; anything else is a
crash that libFuzzer saves. Run through ``python fuzz/run.py --seconds 1800``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports():
    from target import check


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
