"""Register originals: a newsroom's archive, so that copies can be traced to their owner.

Each file is registered in its own transaction: a killed bulk run leaves every file
either fully registered or not at all, and running it again skips what is done
(the file's SHA-256 identifies it), so nothing is lost or doubled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from provenance import fingerprint
from provenance.config import Home
from provenance.errors import InputError, RegistryError
from provenance.imaging import check_output, image_files, load_image, write_atomic
from provenance.registry import Record, Registry, open_home_registry, read_home_registry


@dataclass
class RegisterResult:
    path: str
    status: Literal["registered", "already-registered", "error"]
    record_id: str | None = None
    owner: str | None = None
    low_quality: bool = False
    error: str | None = None


def register_paths(
    paths: Iterable[Path],
    *,
    owner: str,
    home: Home,
    title: str | None = None,
    source_url: str | None = None,
    on_result: Callable[[RegisterResult], None] | None = None,
    engine: Literal["local", "ray"] = "local",
    jobs: int = 1,
    ray_address: str | None = None,
) -> list[RegisterResult]:
    """Register every image under ``paths`` as an original owned by ``owner``.

    ``engine="ray"`` fingerprints on a Ray cluster (the scan's pipeline) and
    commits here, one transaction per file, so the registry has one writer."""
    if not owner.strip():
        raise RegistryError("an owner is needed to register images", hint="Pass --owner NAME.")
    files = image_files(paths)  # nothing to register is an error, not a silent success
    results = []
    with open_home_registry(home) as registry:
        if engine == "ray":
            from provenance.scan.engines import ray_map

            rows = ray_map([str(p) for p in files], lambda: fingerprint_file, jobs, ray_address)
            items = (_commit(registry, row, owner=owner, title=title, source_url=source_url) for row in rows)
        else:
            items = (_register_one(registry, path, owner=owner, title=title, source_url=source_url) for path in files)
        for result in items:
            results.append(result)
            if on_result is not None:
                on_result(result)
        registry.save_indexes()
    return results


def fingerprint_file(path: str) -> dict[str, Any]:
    """What registering needs from a file, computed anywhere (a Ray worker): JSON-able."""
    try:
        image = load_image(Path(path))
        prints = fingerprint.compute(image.pixels())
    except InputError as exc:
        return {"path": path, "error": exc.diagnostics()}
    return {"path": path, "sha256": image.sha256, "fingerprints": [asdict(f) for f in prints]}


def _commit(
    registry: Registry, row: dict[str, Any], *, owner: str, title: str | None, source_url: str | None
) -> RegisterResult:
    path = Path(row["path"])
    if row.get("error"):
        return RegisterResult(str(path), "error", error=str(row["error"]))
    prints = [fingerprint.Fingerprint(**f) for f in row["fingerprints"]]
    return _add(registry, path, str(row["sha256"]), prints, owner=owner, title=title, source_url=source_url)


def _register_one(
    registry: Registry, path: Path, *, owner: str, title: str | None, source_url: str | None
) -> RegisterResult:
    try:
        image = load_image(path)
        existing = registry.find_by_sha256(image.sha256, kind="original")
        if existing is not None:
            return RegisterResult(str(path), "already-registered", existing.record_id, existing.owner)
        prints = fingerprint.compute(image.pixels())
    except InputError as exc:
        return RegisterResult(str(path), "error", error=exc.diagnostics())
    return _add(registry, path, image.sha256, prints, owner=owner, title=title, source_url=source_url)


def _add(
    registry: Registry,
    path: Path,
    sha256: str,
    prints: list[fingerprint.Fingerprint],
    *,
    owner: str,
    title: str | None,
    source_url: str | None,
) -> RegisterResult:
    record = Record(
        record_id=registry.new_record_id(),
        kind="original",
        owner=owner,
        sha256=sha256,
        fingerprints=prints,
        title=title or path.name,
        source_url=source_url,
    )
    with registry.transaction():
        if (raced := registry.find_by_sha256(sha256, kind="original")) is not None:
            return RegisterResult(str(path), "already-registered", raced.record_id, raced.owner)
        registry.add(record)
    low = any(f.low_quality for f in prints)
    return RegisterResult(str(path), "registered", record.record_id, owner, low_quality=low)


# export / import ----------------------------------------------------------------------


def _record_to_json(record: Record) -> dict[str, Any]:
    data = asdict(record)
    data["manifest"] = None if record.manifest is None else record.manifest.hex()
    data["fingerprints"] = [asdict(f) for f in record.fingerprints]
    return data


def _record_from_json(data: dict[str, Any]) -> Record:
    try:
        prints = [fingerprint.Fingerprint(**f) for f in data.pop("fingerprints", [])]
        manifest = data.pop("manifest", None)
        return Record(**data, fingerprints=prints, manifest=None if manifest is None else bytes.fromhex(manifest))
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
