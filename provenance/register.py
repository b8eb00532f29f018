"""Register originals: a newsroom's archive, so that copies can be traced to their owner.

Each file is registered in its own transaction: a killed bulk run leaves every file
either fully registered or not at all, and running it again skips what is done
(the file's SHA-256 identifies it), so nothing is lost or doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, NotRequired, TypedDict, cast

from provenance import fingerprint
from provenance.config import Home
from provenance.errors import InputError, RegistryError
from provenance.fingerprint import thumbnail
from provenance.imaging import image_files, load_image
from provenance.registry import Record, Registry, open_home_registry


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


class _PrintJSON(TypedDict):
    algorithm: str
    value: str
    quality: int | None


class FingerprintRow(TypedDict):
    """What registering needs from a file (or why it cannot), as JSON from a Ray worker."""

    path: str
    error: NotRequired[str]
    sha256: NotRequired[str]
    fingerprints: NotRequired[list[_PrintJSON]]
    thumbnail: NotRequired[str]  # hex


def fingerprint_file(path: str) -> FingerprintRow:
    """What registering needs from a file, computed anywhere (a Ray worker): JSON-able."""
    try:
        image = load_image(Path(path))
        prints = fingerprint.compute(image.pixels())
        thumb = thumbnail.describe(image.pixels())
    except InputError as exc:
        return {"path": path, "error": exc.diagnostics()}
    fingerprints = [cast("_PrintJSON", asdict(f)) for f in prints]  # Fingerprint's fields
    return {"path": path, "sha256": image.sha256, "fingerprints": fingerprints, "thumbnail": thumb.hex()}


def _commit(
    registry: Registry, row: FingerprintRow, *, owner: str, title: str | None, source_url: str | None
) -> RegisterResult:
    path = Path(row["path"])
    if row.get("error"):
        return RegisterResult(str(path), "error", error=str(row["error"]))
    prints = [fingerprint.Fingerprint(**f) for f in row["fingerprints"]]
    thumb = bytes.fromhex(row["thumbnail"]) if row.get("thumbnail") else None
    return _add(registry, path, str(row["sha256"]), prints, thumb, owner=owner, title=title, source_url=source_url)


def _register_one(
    registry: Registry, path: Path, *, owner: str, title: str | None, source_url: str | None
) -> RegisterResult:
    try:
        image = load_image(path)
        existing = registry.find_by_sha256(image.sha256, kind="original")
        if existing is not None:
            return RegisterResult(str(path), "already-registered", existing.record_id, existing.owner)
        prints = fingerprint.compute(image.pixels())
        thumb = thumbnail.describe(image.pixels())
    except InputError as exc:
        return RegisterResult(str(path), "error", error=exc.diagnostics())
    return _add(registry, path, image.sha256, prints, thumb, owner=owner, title=title, source_url=source_url)


def _add(
    registry: Registry,
    path: Path,
    sha256: str,
    prints: list[fingerprint.Fingerprint],
    thumb: bytes | None,
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
        thumbnail=thumb,
    )
    with registry.transaction():
        if (raced := registry.find_by_sha256(sha256, kind="original")) is not None:
            return RegisterResult(str(path), "already-registered", raced.record_id, raced.owner)
        registry.add(record)
    low = any(f.low_quality for f in prints)
    return RegisterResult(str(path), "registered", record.record_id, owner, low_quality=low)
