"""The per-image work every engine runs: verify one file, return one JSON-able row.

Each worker builds its state once (home, trust policy) and then turns every
path into a row, whatever happens: an unreadable file is a row with an error,
and so is a bug (exit 5), so one bad file never ends a run of a million.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

from PIL import Image

from provenance.config import Home
from provenance.credentials.trust import TrustPolicy, build_policy
from provenance.errors import ProvenanceError
from provenance.imaging import as_rgb
from provenance.report import VerifyReportJSON
from provenance.runtime import keep_freed_memory, single_threaded
from provenance.verify import VerifyOptions, verify_path

THUMB_SIDE = 96
_THUMB_MAX_PIXELS = 50_000_000


class ScanRow(TypedDict):
    """One image's result as engines return it, the checkpoint stores it and reports read it (JSON)."""

    path: str  # the resolved path, the scan's key
    report: VerifyReportJSON
    thumbnail: NotRequired[str | None]  # a data URI, for the HTML report only


@dataclass(frozen=True)
class ItemOptions:
    """Everything a worker needs, picklable (sent to processes and Ray actors)."""

    home_root: str
    registry_url: str | None = None
    policy: TrustPolicy | None = None
    pixels: str = "auto"
    thumbnails: bool = False


class Verifier:
    """Verifies paths with state built once per process."""

    def __init__(self, options: ItemOptions) -> None:
        self.options = options
        self.home = Home(Path(options.home_root), options.registry_url)
        self.policy = options.policy or build_policy(self.home)
        single_threaded()
        keep_freed_memory()

    def __call__(self, path: str) -> ScanRow:
        try:
            report = verify_path(
                Path(path), home=self.home, options=VerifyOptions(policy=self.policy, pixels=self.options.pixels)
            ).to_dict()
        except ProvenanceError as exc:
            report = error_report(path, exc.diagnostics(), int(exc.exit_code))
        except Exception as exc:  # noqa: BLE001 - a bug must not end the run; it is reported as one
            report = error_report(path, f"internal error: {type(exc).__name__}: {exc}", 5)
        row: ScanRow = {"path": path, "report": report}
        if self.options.thumbnails and not report.get("error"):
            row["thumbnail"] = thumbnail(path)
        return row


def error_report(path: str, message: str, code: int) -> VerifyReportJSON:
    """A report for a file that could not be verified at all."""
    return {"file": path, "format": None, "summary": message, "exit_code": code, "error": message}


def thumbnail(path: str) -> str | None:
    """A small JPEG as a data URI (for the HTML report), or None if it cannot be made."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                if img.width * img.height > _THUMB_MAX_PIXELS:
                    return None
                img.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))
                small = as_rgb(img)
                small.thumbnail((THUMB_SIDE, THUMB_SIDE))
                buffer = io.BytesIO()
                small.save(buffer, "JPEG", quality=70)
    except Exception:  # noqa: BLE001 - a thumbnail is decoration; the verdict already stands
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
