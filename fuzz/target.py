"""The fuzz target, importable without atheris (the regression tests replay through it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from provenance.config import Home
from provenance.credentials.trust import build_policy
from provenance.errors import ProvenanceError
from provenance.imaging import LoadedImage, sniff_mime
from provenance.verify import VerifyOptions, verify_loaded

_HOME = Home(Path(tempfile.mkdtemp(prefix="provenance-fuzz-")))
_OPTIONS = VerifyOptions(policy=build_policy(_HOME), look_beside=False)


def check(data: bytes) -> None:
    """Verify ``data`` as an uploaded file would be; raise on anything but our errors."""
    mime = sniff_mime(data[:32]) or "image/jpeg"  # unknown bytes still go through the readers
    try:
        report = verify_loaded(LoadedImage(Path("fuzz-input"), data, mime), home=_HOME, options=_OPTIONS)
        report.to_json()
    except ProvenanceError:
        pass
