"""Backups: a registry as JSON lines, and back.

``provenance registry export`` writes every record (sources before what was made
from them), its fingerprints and stored manifest; ``import`` adds an export's
records to a registry, skipping those already present, in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from provenance.config import Home
from provenance.errors import InputError, RegistryError
from provenance.fingerprint import Fingerprint
from provenance.imaging import check_output, write_atomic
from provenance.registry import open_home_registry, read_home_registry
from provenance.registry.store import Record


def _record_to_json(record: Record) -> dict[str, Any]:
    data = asdict(record)
    data["manifest"] = None if record.manifest is None else record.manifest.hex()
    data["thumbnail"] = None if record.thumbnail is None else record.thumbnail.hex()
    data["reference"] = None if record.reference is None else record.reference.hex()
    data["keypoints"] = None if record.keypoints is None else record.keypoints.hex()
    data["fingerprints"] = [asdict(f) for f in record.fingerprints]
    return data


def _record_from_json(data: dict[str, Any]) -> Record:
    try:
        prints = [Fingerprint(**f) for f in data.pop("fingerprints", [])]
        manifest, thumbnail = data.pop("manifest", None), data.pop("thumbnail", None)
        reference = data.pop("reference", None)  # exports from before schema 5 have none
        keypoints = data.pop("keypoints", None)  # nor do exports from before keypoints were kept
        return Record(
            **data,
            fingerprints=prints,
            manifest=None if manifest is None else bytes.fromhex(manifest),
            thumbnail=None if thumbnail is None else bytes.fromhex(thumbnail),
            reference=None if reference is None else bytes.fromhex(reference),
            keypoints=None if keypoints is None else bytes.fromhex(keypoints),
        )
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"not a registry export record ({exc})") from None


def export_registry(home: Home, output: Path, *, force: bool = False) -> int:
    """Write every record (sources first) as JSON lines, atomically; returns the count.
    An existing ``output`` is replaced only with ``force``."""
    check_output(output, force=force)
    registry = read_home_registry(home)
    if registry is None:
        raise RegistryError(f"{home.registry}: no registry here yet", hint="Register or stamp an image first.")
    with registry:
        lines = [json.dumps(_record_to_json(rec), sort_keys=True) for rec in registry.iter_records()]
    write_atomic(output, ("\n".join(lines) + "\n" if lines else "").encode())
    return len(lines)


def import_registry(home: Home, source: Path) -> tuple[int, int]:
    """Add the records of an export; already-present ones are skipped. (added, skipped)."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read ({exc})") from None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(_record_from_json(json.loads(line)))
        except (json.JSONDecodeError, RegistryError, AttributeError) as exc:
            raise InputError(f"{source}:{number}: not a registry export line ({exc})") from None
    added = 0
    with open_home_registry(home) as registry:
        with registry.transaction():
            for record in records:
                if registry.get(record.record_id) is not None:
                    continue
                if record.kind == "original" and registry.find_by_sha256(record.sha256, kind="original"):
                    continue
                if record.source_record_id and registry.get(record.source_record_id) is None:
                    record.source_record_id = None
                registry.add(record)
                added += 1
        registry.save_indexes()
    return added, len(records) - added
