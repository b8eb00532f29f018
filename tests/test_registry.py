from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from provenance.errors import RegistryError
from provenance.fingerprint import PHASH, Fingerprint
from provenance.registry import Record, Registry


def _record(registry: Registry, phash: str, **kw: object) -> Record:
    return Record(
        record_id=registry.new_record_id(),
        kind=str(kw.get("kind", "original")),
        owner=str(kw.get("owner", "alice")),
        sha256=str(kw.get("sha256", phash * 4)),
        fingerprints=[Fingerprint(PHASH, phash)],
        source_record_id=kw.get("source"),  # type: ignore[arg-type]
        manifest=kw.get("manifest"),  # type: ignore[arg-type]
    )


def test_add_get_search_and_links(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "r.db") as reg:
        original = _record(reg, "ffffffff00000000")
        with reg.transaction():
            reg.add(original)
        twin = _record(reg, "0f0f0f0f0f0f0f0f", kind="twin", source=original.record_id, manifest=b"\x00c2pa")
        with reg.transaction():
            reg.add(twin)
        got = reg.get(twin.record_id)
        assert got is not None
        assert got.manifest == b"\x00c2pa"
        assert got.source_record_id == original.record_id
        hits = reg.search(Fingerprint(PHASH, "ffffffff00000003"), 4)
        assert [(r.record_id, d) for r, d in hits] == [(original.record_id, 2)]
        assert reg.search(Fingerprint(PHASH, "00000000ffffffff"), 10) == []
        assert reg.find_by_sha256(original.sha256) is not None
        assert reg.count() == 2


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Registry.open(tmp_path / "r.db") as reg:
        rec = _record(reg, "1234567812345678")
        with pytest.raises(RuntimeError), reg.transaction():
            reg.add(rec)
            raise RuntimeError("crash between row and file")
        assert reg.get(rec.record_id) is None
        assert reg.count() == 0


def test_readonly_open_never_creates(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    assert Registry.open_readonly(path) is None
    assert not path.exists()


def test_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    Registry.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(RegistryError, match="newer than this tool"):
        Registry.open(path)
    with pytest.raises(RegistryError, match="schema version 99"):
        Registry.open_readonly(path)


def test_corrupt_registry_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RegistryError, match="registry"):
        Registry.open(path)


def test_fingerprints_of_other_algorithms_are_not_compared() -> None:
    with pytest.raises(ValueError, match="cannot compare"):
        Fingerprint(PHASH, "00").distance(Fingerprint("pdq-256", "00"))
