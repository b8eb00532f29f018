"""Records and fingerprints in SQLite or PostgreSQL: add, get, find, remove, search.

One row per image the toolkit stamped, generated or was asked to register, with
its fingerprints in a side table keyed by algorithm (so a new hash algorithm needs
no migration), the signed manifest bytes, so a stripped copy can get its
credentials back, a small grey thumbnail that tells a crop of the picture from
another picture (provenance/fingerprint/thumbnail.py), and for a stamp the SHA-256
of the unsigned file it was made from, so that file is known for what it is. Every
write is one transaction, so a killed process leaves the registry as it was before
or after a record, never between. Verification opens it read-only and never
creates it.

The other parts live beside it: the tables and migrations (:mod:`.schema`), the
search index files (:mod:`.index`), the integrity check (:mod:`.check`), backup
export and import (:mod:`.backup`); the database drivers and their errors sit
behind :mod:`._backend`. The service's API tokens are the service's
(provenance/service/tokens.py).
"""

from __future__ import annotations

import json
import secrets
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from provenance.errors import RegistryError
from provenance.fingerprint import KEYPOINTS, Fingerprint, find
from provenance.registry._backend import Backend, PostgresBackend, SQLiteBackend, is_postgres
from provenance.registry.schema import READS_FROM, SCHEMA_VERSION, migrate, schema_version, set_meta

if TYPE_CHECKING:  # numpy (the search index) and the watermark are imported where they are used:
    from provenance.fingerprint.keypoints import Candidate, KeypointIndex, Keypoints
    from provenance.registry.index import HashIndex, IndexFiles  # a lookup by id or hash needs neither

_PRINT_COLUMNS = ("record_id", "algorithm", "value", "quality")
_COLUMNS = (
    "record_id", "kind", "owner", "title", "source_url", "model", "sha256", "source_record_id", "manifest",
    "created_at", "generation", "manifest_label", "input_sha256", "thumbnail", "reference",
)  # fmt: skip
_RECORD_COLUMNS = ", ".join(_COLUMNS)


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
    source_url: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    generation: dict[str, Any] | None = None  # how a twin was generated (model, seed, ...), for replay
    manifest_label: str | None = None  # the stored manifest's id (urn:c2pa:...), for soft-binding lookups
    input_sha256: str | None = None  # a stamp's unsigned input file, which carries neither mark nor manifest
    thumbnail: bytes | None = None  # provenance/fingerprint/thumbnail.py; None on rows from before schema 4
    # an original's detailed reference (imaging.claim_thumbnail, as a stamp's manifest carries one): what
    # verify lays a copy on to see boxes, text or a patch drawn over it (fingerprint/detail.py); a stamp's
    # is in its manifest. None on rows from before schema 5, which are compared by the thumbnail alone
    reference: bytes | None = None
    # the picture's keypoints (fingerprint/keypoints.py), how a crop of it is found: stored as a
    # fingerprint row of its own algorithm; None on records registered before them
    keypoints: bytes | None = None

    def fingerprint(self, algorithm: str) -> Fingerprint | None:
        return find(self.fingerprints, algorithm)

    def public_fields(self) -> dict[str, Any]:
        """The record as JSON data (the service's /v1/records/{id}, ``registry show --json``): every
        field but its manifest's, thumbnail's and reference's bytes, and ``manifest_id`` naming the stored manifest
        (None when there is none)."""
        fields = asdict(self)
        fields.pop("manifest")
        fields.pop("reference", None)  # JPEG bytes, as the thumbnail's
        fields.pop("thumbnail", None)  # PNG bytes, not JSON (the record's picture stays in the registry)
        fields.pop("keypoints", None)  # binary descriptors, not JSON
        fields["fingerprints"] = [asdict(f) for f in self.fingerprints]
        fields["manifest_id"] = (self.manifest_label or self.record_id) if self.manifest else None
        # whether copies are compared at full detail (drawn text, a pasted part): the signed manifest's claim
        # thumbnail, or an original's own reference (originals registered before schema 5 have none until the
        # file is registered again; a walkthrough could not tell which of its records had one)
        fields["detail_reference"] = self.detail_reference
        # how many keypoints its crops are found by (None: registered before they were kept; registering the
        # file again adds them)
        fields["keypoints_kept"] = self.keypoints_kept
        return fields

    @property
    def detail_reference(self) -> Literal["claim-thumbnail", "reference", "none"]:
        """What copies of this record's picture are compared with at full detail."""
        if self.manifest:
            return "claim-thumbnail"
        return "reference" if self.reference else "none"

    @property
    def keypoints_kept(self) -> int | None:
        """How many keypoints are kept to find crops of this picture by (None: none were kept)."""
        if self.keypoints is None:
            return None
        from provenance.fingerprint.keypoints import Keypoints

        found = Keypoints.from_bytes(self.keypoints)
        return None if found is None else len(found.descriptors)

    @property
    def watermarked(self) -> bool:
        """Stamped here (a twin, an AI image or a newsroom's own photo, whatever its kind):
        its picture carries our watermark and its signed manifest is kept. A look-alike that
        lacks the mark is not this picture. Registered originals carry neither."""
        return self.manifest is not None or self.kind in ("twin", "stamped")


def owner_key(owner: str) -> str:
    """An owner's name as compared: without case, with runs of spaces as one (a red-team's
    newsroom was refused its own picture as "Daily Planet " and "daily planet"), and in one Unicode
    form (NFKC: "Café" typed with a combining accent, as macOS keyboards and file names give it, was
    another owner than "Café")."""
    return " ".join(unicodedata.normalize("NFKC", owner).casefold().split())


def same_owner(a: str, b: str) -> bool:
    """Whether two owner names name one owner (:func:`owner_key`)."""
    return owner_key(a) == owner_key(b)


def _row(record: Record) -> tuple[object, ...]:
    return (
        record.record_id,
        record.kind,
        record.owner,
        record.title,
        record.source_url,
        record.model,
        record.sha256,
        record.source_record_id,
        record.manifest,
        record.created_at,
        None if record.generation is None else json.dumps(record.generation, sort_keys=True),
        record.manifest_label,
        record.input_sha256,
        record.thumbnail,
        record.reference,
    )


def _print_rows(records: list[Record]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (r.record_id, f.algorithm, f.to_bytes(), f.quality) for r in records for f in r.fingerprints
    ]
    return rows + [(r.record_id, KEYPOINTS, r.keypoints, None) for r in records if r.keypoints is not None]


@dataclass(frozen=True)
class Stats:
    location: str
    backend: str
    schema_version: int
    records: dict[str, int]
    fingerprints: dict[str, int]
    owners: int
    with_manifest: int
    low_quality: int


class Registry:
    """A registry database. Use :meth:`open` (read-write) or :meth:`open_readonly`.

    ``location`` is a file path (SQLite) or a ``postgresql://`` URL. ``index_dir``
    is where the search index is kept: beside a SQLite file by default; the caller
    names one for PostgreSQL (the home folder's cache)."""

    def __init__(self, backend: Backend, *, readonly: bool, index_dir: Path | None) -> None:
        self._db = backend
        self.readonly = readonly
        self.location = backend.location
        self._index_dir = index_dir
        self._index_files: IndexFiles | None = None
        self._select = _RECORD_COLUMNS  # what a record is read as (an older schema's missing columns: NULL)

    @property
    def database(self) -> Backend:
        """The connection, for the parts that keep their own tables here (service tokens)
        or read across tables (the integrity check). Its errors are RegistryErrors."""
        return self._db

    @classmethod
    def open(cls, location: str | Path, *, index_dir: Path | None = None) -> Registry:
        backend = _connect(location, readonly=False)
        registry = cls(backend, readonly=False, index_dir=index_dir or _default_index_dir(location, backend))
        try:
            migrate(backend)
        except RegistryError:
            backend.close()
            raise
        return registry

    @classmethod
    def open_readonly(cls, location: str | Path, *, index_dir: Path | None = None) -> Registry | None:
        """The registry if it exists, else None; never creates or writes."""
        if not is_postgres(location) and not Path(location).exists():
            return None
        backend = _connect(location, readonly=True)
        registry = cls(backend, readonly=True, index_dir=index_dir or _default_index_dir(location, backend))
        try:
            version = schema_version(backend)
        except RegistryError:
            backend.close()
            raise
        if version == 0 and is_postgres(location):
            backend.close()
            return None  # an empty database: nothing registered yet
        if not READS_FROM <= version <= SCHEMA_VERSION:
            backend.close()
            raise RegistryError(
                f"{backend.location}: registry schema version {version}, this tool reads {SCHEMA_VERSION}",
                hint="Open it once with a command that writes (e.g. provenance registry stats) to migrate it.",
            )
        if version < 5:  # no detailed references yet: read as none (compared by the thumbnail alone)
            registry._select = ", ".join("NULL AS reference" if c == "reference" else c for c in _COLUMNS)
        return registry

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes, rolled back on any exception."""
        with self._db.transaction():
            yield

    # records ------------------------------------------------------------------------

    @property
    def _indexes(self) -> IndexFiles:
        if self._index_files is None:
            from provenance.registry.index import IndexFiles

            self._index_files = IndexFiles(self._db, self._index_dir, readonly=self.readonly)
        return self._index_files

    def new_record_id(self) -> str:
        """A random id that fits the watermark payload and is not yet taken."""
        from provenance.watermark import ID_BITS, format_record_id

        while True:
            candidate = format_record_id(secrets.randbits(ID_BITS))
            if self.get(candidate) is None:
                return candidate

    def add(self, record: Record) -> None:
        """Insert a record and its fingerprints (call inside :meth:`transaction`)."""
        marks = ", ".join("?" for _ in _COLUMNS)
        self._db.execute(f"INSERT INTO records ({_RECORD_COLUMNS}) VALUES ({marks})", _row(record))
        self._db.executemany(
            f"INSERT INTO fingerprints ({', '.join(_PRINT_COLUMNS)}) VALUES (?, ?, ?, ?)", _print_rows([record])
        )

    def add_many(self, records: list[Record]) -> None:
        """Insert many records at once (call inside :meth:`transaction`): COPY on PostgreSQL.
        For bulk loads of new records; sources must come before what was made from them."""
        self._db.bulk_insert("records", _COLUMNS, [_row(r) for r in records])
        self._db.bulk_insert("fingerprints", _PRINT_COLUMNS, _print_rows(records))

    def keep_reference(self, record_id: str, reference: bytes) -> bool:
        """Give a record registered before schema 5 its detailed reference picture (Record.reference),
        when it has none: registering the same file again does (a red-team's upgraded registry could
        not otherwise get one). False when the record has one already or is not here."""
        with self.transaction():
            rows = self._db.execute(
                "SELECT 1 FROM records WHERE record_id = ? AND reference IS NULL AND manifest IS NULL", (record_id,)
            )
            if not rows:
                return False
            self._db.execute("UPDATE records SET reference = ? WHERE record_id = ?", (reference, record_id))
        return True

    def keep_keypoints(self, record_id: str, keypoints: bytes) -> bool:
        """Give a record registered before keypoints were kept its keypoints (Record.keypoints):
        registering the same file again does. False when it has them already or is not here."""
        with self.transaction():
            if not self._db.execute("SELECT 1 FROM records WHERE record_id = ?", (record_id,)):
                return False
            if self._db.execute(
                "SELECT 1 FROM fingerprints WHERE record_id = ? AND algorithm = ?", (record_id, KEYPOINTS)
            ):
                return False
            self._db.execute(
                f"INSERT INTO fingerprints ({', '.join(_PRINT_COLUMNS)}) VALUES (?, ?, ?, ?)",
                (record_id, KEYPOINTS, keypoints, None),
            )
        return True

    def remove(self, record_id: str) -> bool:
        """Delete a record (its fingerprints go with it; records derived from it keep
        their rows but lose the link). Bumps the index epoch so indexes rebuild."""
        with self.transaction():
            if not self._db.execute("SELECT 1 FROM records WHERE record_id = ?", (record_id,)):
                return False
            self._db.execute("UPDATE records SET source_record_id = NULL WHERE source_record_id = ?", (record_id,))
            self._db.execute("DELETE FROM fingerprints WHERE record_id = ?", (record_id,))
            self._db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))
            set_meta(self._db, "epoch", str(self._indexes.epoch() + 1))
        self._indexes.forget()
        return True

    def get(self, record_id: str) -> Record | None:
        rows = self._db.execute(f"SELECT {self._select} FROM records WHERE record_id = ?", (record_id,))
        return self._record(rows[0]) if rows else None

    def find_by_manifest(self, manifest_id: str) -> Record | None:
        """The record whose stored manifest has this label (or, for older rows, this record id)."""
        rows = self._db.execute("SELECT record_id FROM records WHERE manifest_label = ? LIMIT 1", (manifest_id,))
        return self.get(str(rows[0][0])) if rows else self.get(manifest_id)

    def find_by_input_sha256(self, sha256: str) -> Record | None:
        """The earliest record stamped from the unsigned file with this SHA-256."""
        found = self.stamped_from(sha256, limit=1)
        return found[0] if found else None

    def stamped_from(self, sha256: str, *, limit: int = 100) -> list[Record]:
        """The records stamped from the unsigned file with this SHA-256, earliest first: one file
        may be stamped more than once (a second edition, another caption), and each stamp is
        made from it, not merely like it."""
        rows = self._db.execute(
            "SELECT record_id FROM records WHERE input_sha256 = ? ORDER BY created_at, record_id LIMIT ?",
            (sha256, limit),
        )
        return [record for row in rows if (record := self.get(str(row[0]))) is not None]

    def made_from(self, record_id: str) -> list[str]:
        """The ids of the records made from ``record_id`` (its twins and stamps), earliest first."""
        rows = self._db.execute(
            "SELECT record_id FROM records WHERE source_record_id = ? ORDER BY created_at, record_id", (record_id,)
        )
        return [str(row[0]) for row in rows]

    def find_by_sha256(self, sha256: str, *, kind: str | None = None) -> Record | None:
        query = "SELECT record_id FROM records WHERE sha256 = ?"
        params: tuple[str, ...] = (sha256,)
        if kind is not None:
            query += " AND kind = ?"
            params = (sha256, kind)
        rows = self._db.execute(query + " ORDER BY created_at, record_id LIMIT 1", params)
        return self.get(str(rows[0][0])) if rows else None

    def iter_records(self) -> Iterator[Record]:
        """Every record, sources before what was made from them (for export)."""
        ids = [str(r[0]) for r in self._db.execute("SELECT record_id FROM records ORDER BY created_at, record_id")]
        done: set[str] = set()
        for rid in ids:
            yield from self._with_sources(rid, done)

    def _with_sources(self, record_id: str, done: set[str]) -> Iterator[Record]:
        chain: list[Record] = []
        current = self.get(record_id)
        while current is not None and current.record_id not in done:
            done.add(current.record_id)  # also ends a (corrupt) loop of sources
            chain.append(current)
            current = self.get(current.source_record_id) if current.source_record_id else None
        yield from reversed(chain)

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM records")[0][0])

    def has_watermarked(self) -> bool:
        """Whether any record was stamped here (:attr:`Record.watermarked`): with none, no
        picture can carry a mark this registry knows, and a search for one can be skipped."""
        query = "SELECT 1 FROM records WHERE manifest IS NOT NULL OR kind IN ('twin', 'stamped') LIMIT 1"
        return bool(self._db.execute(query))

    def stats(self) -> Stats:
        kinds = {str(k): int(n) for k, n in self._db.execute("SELECT kind, COUNT(*) FROM records GROUP BY kind")}
        prints = {
            str(a): int(n)
            for a, n in self._db.execute("SELECT algorithm, COUNT(*) FROM fingerprints GROUP BY algorithm")
        }
        # owners as register compares them (owner_key): "daily planet " is Daily Planet
        owners = len({owner_key(str(o)) for (o,) in self._db.execute("SELECT DISTINCT owner FROM records")})
        manifests = int(self._db.execute("SELECT COUNT(*) FROM records WHERE manifest IS NOT NULL")[0][0])
        low = int(
            self._db.execute("SELECT COUNT(*) FROM fingerprints WHERE quality IS NOT NULL AND quality < 50")[0][0]
        )
        return Stats(self.location, self._db.dialect, schema_version(self._db), kinds, prints, owners, manifests, low)

    def _record(self, row: tuple[object, ...]) -> Record:
        record_id = str(row[0])
        fingerprints: list[Fingerprint] = []
        keypoints: bytes | None = None
        for alg, val, q in self._db.execute(
            "SELECT algorithm, value, quality FROM fingerprints WHERE record_id = ? ORDER BY algorithm", (record_id,)
        ):
            if alg == KEYPOINTS:
                keypoints = bytes(val)
            else:
                fingerprints.append(Fingerprint(str(alg), bytes(val).hex(), None if q is None else int(q)))
        manifest, thumbnail, reference = row[8], row[13], row[14]

        def text(value: object) -> str | None:
            return None if value is None else str(value)

        return Record(
            record_id=record_id,
            kind=str(row[1]),
            owner=str(row[2]),
            title=text(row[3]),
            source_url=text(row[4]),
            model=text(row[5]),
            sha256=str(row[6]),
            source_record_id=text(row[7]),
            manifest=bytes(manifest) if isinstance(manifest, (bytes, memoryview)) else None,
            created_at=str(row[9]),
            generation=None if row[10] is None else json.loads(str(row[10])),
            manifest_label=text(row[11]),
            input_sha256=text(row[12]),
            thumbnail=bytes(thumbnail) if isinstance(thumbnail, (bytes, memoryview)) else None,
            reference=bytes(reference) if isinstance(reference, (bytes, memoryview)) else None,
            fingerprints=fingerprints,
            keypoints=keypoints,
        )

    # search -------------------------------------------------------------------------

    def search(self, fingerprint: Fingerprint, max_distance: int) -> list[tuple[Record, int]]:
        """Records whose fingerprint of the same algorithm is within ``max_distance``,
        nearest first: exact, through the persisted index (:mod:`.index`)."""
        index = self._indexes.get(fingerprint.algorithm)
        hits = index.range_search(fingerprint.to_bytes(), max_distance)
        if not hits:
            return []
        by_seq = self._record_ids_for(fingerprint.algorithm, [seq for seq, _ in hits])
        out = []
        for seq, distance in hits:
            rid = by_seq.get(seq)
            if rid is not None and (rec := self.get(rid)) is not None:
                out.append((rec, distance))
        return out

    def crop_candidates(self, query: Keypoints) -> list[tuple[Record, Candidate]]:
        """Records whose picture ``query`` (a picture's keypoints) may be part of, by keypoints
        (fingerprint/keypoints.py): candidates for the thumbnail to judge, never matches. Every
        stored keypoint is compared; the index is read once per process and registry (and again
        after a write: a batch opens the registry once per file)."""
        out = []
        for candidate in self._keypoint_index().candidates(query):
            if (record := self.get(candidate.key)) is not None:
                out.append((record, candidate))
        return out

    def keypoint_pictures(self) -> int:
        """How many records have keypoints (what a crop lookup compares)."""
        return int(self._db.execute("SELECT COUNT(*) FROM fingerprints WHERE algorithm = ?", (KEYPOINTS,))[0][0])

    def _keypoint_index(self) -> KeypointIndex:
        from provenance.fingerprint.keypoints import KeypointIndex

        rows = self._db.execute(
            "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM fingerprints WHERE algorithm = ?", (KEYPOINTS,)
        )
        state = (int(rows[0][0]), int(rows[0][1]), self._indexes.epoch())
        with _KEYPOINTS_HELD_LOCK:
            held = _KEYPOINTS_HELD.get(self.location)
            if held is None or held[0] != state:
                stored = self._db.iterate("SELECT record_id, value FROM fingerprints WHERE algorithm = ?", (KEYPOINTS,))
                held = (state, KeypointIndex((str(rid), bytes(value)) for rid, value in stored))
                _KEYPOINTS_HELD[self.location] = held
        return held[1]

    def _record_ids_for(self, algorithm: str, seqs: list[int]) -> dict[int, str]:
        marks = ", ".join("?" for _ in seqs)
        rows = self._db.execute(
            f"SELECT seq, record_id FROM fingerprints WHERE algorithm = ? AND seq IN ({marks})",
            (algorithm, *seqs),
        )
        return {int(seq): str(rid) for seq, rid in rows}

    def index(self, algorithm: str) -> HashIndex:
        """The search index of one algorithm, up to date with the database."""
        return self._indexes.get(algorithm)

    def save_indexes(self, *, force: bool = False) -> None:
        """Persist each algorithm's search index when stale enough to matter (writers only)."""
        self._indexes.save(force=force)


# The keypoint index of each registry this process has searched, with the state it was read at
# (keypoint rows, their last sequence number, the removal epoch): one per registry location.
_KEYPOINTS_HELD: dict[str, tuple[tuple[int, int, int], KeypointIndex]] = {}
_KEYPOINTS_HELD_LOCK = threading.Lock()


def _connect(location: str | Path, *, readonly: bool) -> Backend:
    if is_postgres(location):
        return PostgresBackend(str(location), readonly=readonly)
    return SQLiteBackend(Path(location), readonly=readonly)


def _default_index_dir(location: str | Path, backend: Backend) -> Path | None:
    if isinstance(backend, SQLiteBackend):
        return backend.path.with_name(backend.path.name + ".index")
    return None
