"""Speed work must not change a verdict (issue 22): every fixture, and stamped, re-encoded,
cropped and registered pictures made from them, verified here and compared with the verdicts
the code gave before the speed work (tests/data/verdicts_before.json).

The expected file is written by this module run as a script against the older code:
``PYTHONPATH=OLD_TREE python tests/test_same_verdicts.py --write tests/data/verdicts_before.json``
(it was written from commit 7918c30, before issue 22's changes; main at c4526c3 writes the
same). Record ids, keys and times differ between runs; the verdict words and exit codes must not.
One deliberate change since: intact credentials from a signer this home does not trust establish
no provenance (exit 3, was 0), so the 17 reference files signed by C2PA test certificates (state
valid, or ingredient-invalid with an untrusted signer) were changed from 0 to 3 in the expected
file, exactly the 17 differences this test reported and nothing else. Another: a picture of 128 to
255 px whose watermark is read and not found is `too-small`, not `not-checked` (it was read; a
miss there says nothing), changed in the expected file for exactly the 11 cases this test
reported."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = Path(os.environ.get("PROVENANCE_FIXTURES", ROOT.parent / "shared" / "fixtures"))
EXPECTED = HERE / "data" / "verdicts_before.json"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".heic", ".tif", ".tiff", ".gif", ".bmp", ".dng"}


def _files() -> list[Path]:
    found = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix.lower() in SUFFIXES)
    if FIXTURES.is_dir():
        found += sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    return found


def _name(path: Path) -> str:
    for base in (FIXTURES, ROOT):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return path.name


def collect(work: Path) -> dict[str, list[Any]]:
    """Verdicts of every case, by name: [exit code, credentials, watermark, ownership, AI]."""
    from PIL import Image

    from provenance.config import Home
    from provenance.credentials import init_identity
    from provenance.register import register_paths
    from provenance.twin import stamp_file
    from provenance.verify import verify_path

    home = Home(work / "home")
    identity = init_identity(home, org="Verdicts")
    made = work / "made"
    made.mkdir()
    photos = sorted((FIXTURES / "photos").glob("*.jpg")) if FIXTURES.is_dir() else []
    cases: dict[str, Path] = {_name(p): p for p in _files()}
    # stamped here: an AI image and a camera photo; registered: two camera photos
    stamped = [(ROOT / "samples" / "astronaut.png", "ai"), (ROOT / "samples" / "rocket.jpg", "captured")]
    stamped += [(p, "captured") for p in photos[-1:]]
    for source, kind in stamped:
        stamped_out = made / f"stamped-{source.stem}.jpg"
        stamp_file(source, stamped_out, user="verdicts", model="test" if kind == "ai" else None, identity=identity,
                   home=home, source_type=kind)  # fmt: skip
        cases[f"made/{stamped_out.name}"] = stamped_out
        with Image.open(stamped_out) as img:
            pixels = img.convert("RGB")
        for label, variant in (
            ("jpeg70", pixels),
            ("crop70", pixels.crop((0, 0, int(pixels.width * 0.7), int(pixels.height * 0.7)))),
            ("half", pixels.resize((pixels.width // 2, pixels.height // 2), Image.Resampling.LANCZOS)),
        ):
            path = made / f"{stamped_out.stem}-{label}.jpg"
            buf = io.BytesIO()
            variant.save(buf, "JPEG", quality=70 if label == "jpeg70" else 90)
            path.write_bytes(buf.getvalue())
            cases[f"made/{path.name}"] = path
    registered = [*photos[:2], ROOT / "samples" / "coffee.png"]
    register_paths(registered, owner="verdicts", home=home)
    for original in registered:
        with Image.open(original) as img:
            pixels = img.convert("RGB")
        path = made / f"registered-{original.stem}-half.jpg"
        pixels.resize((max(1, pixels.width // 2), max(1, pixels.height // 2)), Image.Resampling.LANCZOS).save(
            path, "JPEG", quality=85
        )
        cases[f"made/{path.name}"] = path
    out: dict[str, list[Any]] = {}
    for name, path in sorted(cases.items()):
        report = verify_path(path, home=home)
        out[name] = [
            report.exit_code,
            report.credentials.state,
            report.watermark.state,
            report.ownership.verdict,
            report.ai.verdict,
            sorted({s.kind for s in report.ai.signals}),
        ]
    return out


def test_every_fixture_keeps_its_verdicts(tmp_path: Path) -> None:
    if not FIXTURES.is_dir():
        pytest.skip(f"{FIXTURES} is not present: the verdicts cannot be compared")
    expected = json.loads(EXPECTED.read_text())
    got = collect(tmp_path)
    assert sorted(got) == sorted(expected), "the cases differ from those the expected file was written for"
    changed = {name: (expected[name], got[name]) for name in got if got[name] != expected[name]}
    assert not changed, "\n".join(f"{name}: before {b}, now {a}" for name, (b, a) in changed.items())


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description="Write the verdicts this code gives (the expected file).")
    parser.add_argument("--write", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        verdicts = collect(Path(tmp))
    lines = [f"{json.dumps(name)}: {json.dumps(value)}" for name, value in sorted(verdicts.items())]
    args.write.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"{len(verdicts)} cases -> {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
