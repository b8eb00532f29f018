"""SQLite storage for records and fingerprints.

One row per image the toolkit stamped, generated or was asked to register, with
its fingerprints in a side table keyed by algorithm (so new hash algorithms need
no migration) and the signed manifest bytes, so a stripped copy can get its
credentials back. WAL mode and one transaction per write keep it consistent if
a process is killed. Verification opens it read-only and never creates it.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from provenance.errors import RegistryError
from provenance.fingerprint import Fingerprint
from provenance.watermark import ID_BITS, format_record_id

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('original', 'twin', 'stamped')),
    owner TEXT NOT NULL,
    title TEXT,
    model TEXT,
    sha256 TEXT NOT NULL,
    source_record_id TEXT REFERENCES records(record_id),
    manifest BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_sha256 ON records (sha256);
CREATE TABLE IF NOT EXISTS fingerprints (
    record_id TEXT NOT NULL REFERENCES records(record_id) ON DELETE CASCADE,
    algorithm TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (record_id, algorithm)
);
"""


@dataclass
class Record:
    """One registered image. ``kind``: original, twin (made here) or stamped."""

    record_id: str
    kind: str
    owner: str
    sha256: str
    fingerprints: list[Fingerprint] = field(default_factory=list)
    title: str | None = None
    model: str | None = None
    source_record_id: str | None = None
    manifest: bytes | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def fingerprint(self, algorithm: str) -> Fingerprint | None:
        return next((f for f in self.fingerprints if f.algorithm == algorithm), None)


class Registry:
    """A registry database. Use :meth:`open` (read-write) or :meth:`open_readonly`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Registry:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            registry = cls(conn, path)
            registry._migrate()
        except sqlite3.DatabaseError as exc:
            raise RegistryError(f"{path}: registry unusable ({exc})") from None
        return registry

    @classmethod
    def open_readonly(cls, path: Path) -> Registry | None:
        """The registry if it exists, else None; never creates or writes."""
        if not path.exists():
            return None
        try:
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
            registry = cls(conn, path)
            version = registry._schema_version()
        except sqlite3.DatabaseError as exc:
            raise RegistryError(f"{path}: registry unreadable ({exc})") from None
        if version != SCHEMA_VERSION:
            raise RegistryError(
                f"{path}: registry schema version {version}, this tool reads {SCHEMA_VERSION}",
                hint="Open it once with a command that writes (e.g. stamp) to migrate it.",
            )
        return registry

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _schema_version(self) -> int:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise RegistryError(
                f"{self.path}: registry schema version {version} is newer than this tool ({SCHEMA_VERSION})",
                hint="Upgrade provenance.",
            )
        if version < SCHEMA_VERSION:
            with self.transaction():
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def new_record_id(self) -> str:
        """A random id that fits the watermark payload and is not yet taken."""
        while True:
            candidate = format_record_id(secrets.randbits(ID_BITS))
            if self.get(candidate) is None:
                return candidate

    def add(self, record: Record) -> None:
        """Insert a record and its fingerprints (call inside :meth:`transaction`)."""
        self._conn.execute(
            "INSERT INTO records (record_id, kind, owner, title, model, sha256, source_record_id,"
            " manifest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.record_id,
                record.kind,
                record.owner,
                record.title,
                record.model,
                record.sha256,
                record.source_record_id,
                record.manifest,
                record.created_at,
            ),
        )
        self._conn.executemany(
            "INSERT INTO fingerprints (record_id, algorithm, value) VALUES (?, ?, ?)",
            [(record.record_id, f.algorithm, f.value) for f in record.fingerprints],
        )

    def get(self, record_id: str) -> Record | None:
        row = self._conn.execute(
            "SELECT record_id, kind, owner, title, model, sha256, source_record_id, manifest,"
            " created_at FROM records WHERE record_id = ?",
            (record_id,),
        ).fetchone()
        return self._record(row) if row else None

    def find_by_sha256(self, sha256: str, *, kind: str | None = None) -> Record | None:
        query = "SELECT record_id FROM records WHERE sha256 = ?"
        params: tuple[str, ...] = (sha256,)
        if kind is not None:
            query += " AND kind = ?"
            params = (sha256, kind)
        row = self._conn.execute(query + " ORDER BY created_at LIMIT 1", params).fetchone()
        return self.get(row[0]) if row else None

    def search(self, fingerprint: Fingerprint, max_distance: int) -> list[tuple[Record, int]]:
        """Records whose fingerprint of the same algorithm is within ``max_distance``,
        nearest first. A linear scan: fine for tens of thousands of rows."""
        hits: list[tuple[str, int]] = []
        for record_id, value in self._conn.execute(
            "SELECT record_id, value FROM fingerprints WHERE algorithm = ?",
            (fingerprint.algorithm,),
        ):
            distance = fingerprint.distance(Fingerprint(fingerprint.algorithm, value))
            if distance <= max_distance:
                hits.append((record_id, distance))
        hits.sort(key=lambda hit: (hit[1], hit[0]))
        return [(rec, d) for rid, d in hits if (rec := self.get(rid)) is not None]

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def _record(self, row: tuple[object, ...]) -> Record:
        record_id = str(row[0])
        fingerprints = [
            Fingerprint(str(alg), str(val))
            for alg, val in self._conn.execute(
                "SELECT algorithm, value FROM fingerprints WHERE record_id = ? ORDER BY algorithm",
                (record_id,),
            )
        ]
        manifest = row[7]
        return Record(
            record_id=record_id,
            kind=str(row[1]),
            owner=str(row[2]),
            title=None if row[3] is None else str(row[3]),
            model=None if row[4] is None else str(row[4]),
            sha256=str(row[5]),
            source_record_id=None if row[6] is None else str(row[6]),
            manifest=bytes(manifest) if isinstance(manifest, (bytes, memoryview)) else None,
            created_at=str(row[8]),
            fingerprints=fingerprints,
        )
