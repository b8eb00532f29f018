from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from provenance.errors import RegistryError
from provenance.fingerprint import PDQ, PHASH, Fingerprint
from provenance.registry import SCHEMA_VERSION, Record, Registry
from provenance.registry.check import check_registry
from provenance.registry.index import MIH_MIN, HashIndex
from provenance.registry.matching import agree, classify


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


def test_add_get_search_and_links(registry_location: str) -> None:
    with Registry.open(registry_location, index_dir=None) as reg:
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


def test_failed_transaction_leaves_nothing(registry_location: str) -> None:
    with Registry.open(registry_location) as reg:
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


def _random_prints(rng: np.random.Generator, n: int) -> list[bytes]:
    return [rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(n)]


def _flip(code: bytes, bits: list[int]) -> bytes:
    arr = bytearray(code)
    for b in bits:
        arr[b // 8] ^= 1 << (7 - b % 8)
    return bytes(arr)


@pytest.mark.parametrize("size", [300, 600_001])
def test_index_range_search_is_exact_against_brute_force(size: int) -> None:
    """Both methods (faiss flat, and multi-index hashing above MIH_MIN) find exactly
    what a brute-force comparison finds, at the PDQ match distance and beyond."""
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    # plant near neighbours of a query at known distances, including 31 and 32
    query = codes[0].tobytes()
    planted = {1: 0, 2: 5, 3: 17, 4: 31, 5: 32, 6: 47}
    for row, distance in planted.items():
        codes[row] = np.frombuffer(_flip(query, rng.choice(256, distance, replace=False).tolist()), dtype=np.uint8)
    index = HashIndex.build(256, ((i, codes[i].tobytes()) for i in range(size)), epoch=0)
    assert (index._mih is not None) == (size >= MIH_MIN)
    q = np.frombuffer(query, dtype=np.uint8)
    for radius in (31, 47):
        brute = np.bitwise_count(np.bitwise_xor(codes, q)).sum(axis=1)
        expected = sorted((int(d), int(i)) for i in np.flatnonzero(brute <= radius) for d in [brute[i]])
        got = sorted((d, s) for s, d in index.range_search(query, radius))
        assert got == expected
    assert (4, 31) in [(s, d) for s, d in index.range_search(query, 31)]
    assert 5 not in [s for s, _ in index.range_search(query, 31)]


def test_index_persists_catches_up_and_rebuilds_after_removal(registry_location: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    index_dir = tmp_path / "index"
    with Registry.open(registry_location, index_dir=index_dir) as reg:
        ids = []
        for code in _random_prints(rng, 50):
            rec = Record(reg.new_record_id(), "original", "alice", code.hex(), [Fingerprint(PDQ, code.hex(), 90)])
            with reg.transaction():
                reg.add(rec)
            ids.append((rec.record_id, code))
        reg.save_indexes(force=True)
    assert (index_dir / "pdq-256-pdqhash-0-2" / "state.json").is_file()
    # a reader loads the saved index and sees a record added after the save
    with Registry.open(registry_location, index_dir=index_dir) as reg:
        late = _random_prints(rng, 1)[0]
        with reg.transaction():
            reg.add(Record("00000000000000aa", "original", "bob", "late", [Fingerprint(PDQ, late.hex(), 90)]))
    reader = Registry.open_readonly(registry_location, index_dir=index_dir)
    assert reader is not None
    with reader:
        assert reader.index(PDQ).from_disk
        hits = reader.search(Fingerprint(PDQ, _flip(late, [3, 9]).hex()), 31)
        assert [(r.record_id, d) for r, d in hits] == [("00000000000000aa", 2)]
        first_id, first_code = ids[0]
        assert reader.search(Fingerprint(PDQ, first_code.hex()), 0)[0][0].record_id == first_id
    with Registry.open(registry_location, index_dir=index_dir) as reg:
        assert reg.remove(first_id)
        assert not reg.remove(first_id)
        assert reg.search(Fingerprint(PDQ, first_code.hex()), 31) == []
        assert reg.count() == 50


def test_v1_registry_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute(
            "INSERT INTO records (record_id, kind, owner, sha256, created_at)"
            " VALUES ('00000000000000ab', 'original', 'carol', 'abc', '2026-01-01T00:00:00+00:00')"
        )
        conn.execute("INSERT INTO fingerprints VALUES ('00000000000000ab', ?, 'ffffffff00000000')", (PHASH,))
    with pytest.raises(RegistryError, match="schema version 1"):
        Registry.open_readonly(path)
    with Registry.open(path) as reg:
        rec = reg.get("00000000000000ab")
        assert rec is not None
        assert rec.owner == "carol"
        assert rec.fingerprint(PHASH) == Fingerprint(PHASH, "ffffffff00000000")
        assert [r.record_id for r, _ in reg.search(Fingerprint(PHASH, "ffffffff00000001"), 2)] == [rec.record_id]
        assert reg.stats().schema_version == SCHEMA_VERSION


def test_v2_registry_gains_generation_labels_and_tokens(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(V2_SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        conn.execute(
            "INSERT INTO records (record_id, kind, owner, sha256, created_at)"
            " VALUES ('00000000000000cd', 'twin', 'dan', 'def', '2026-02-01T00:00:00+00:00')"
        )
    with Registry.open(path) as reg:
        old = reg.get("00000000000000cd")
        assert old is not None
        assert (old.generation, old.manifest_label) == (None, None)
        assert reg.database.has_table("tokens")  # the service's token hashes (provenance/service/tokens.py)
        with reg.transaction():
            reg.add(Record("00000000000000ce", "twin", "dan", "abc", generation={"seed": 7}, manifest_label="urn:x"))
        assert reg.find_by_manifest("urn:x") == reg.get("00000000000000ce")
        assert reg.find_by_manifest("00000000000000cd") == old  # older rows: found by record id
        assert reg.stats().schema_version == SCHEMA_VERSION == 5


def _drop(*columns: str) -> list[str]:
    return [f"ALTER TABLE records DROP COLUMN {column}" for column in columns]


def _older(path: Path, record: Record, version: int, *statements: str) -> None:
    """A registry at ``path`` holding ``record``, taken back to schema ``version`` by ``statements``."""
    with Registry.open(path) as reg, reg.transaction():
        reg.add(record)
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))


def test_v3_registry_gains_thumbnails_and_unsigned_inputs(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    record = Record("00000000000000e1", "stamped", "erin", "s1", [Fingerprint(PHASH, "0" * 16)], manifest=b"m")
    # back to version 3, as a registry from before thumbnails
    _older(path, record, 3, "DROP INDEX records_input_sha256", *_drop("thumbnail", "input_sha256", "reference"))
    with pytest.raises(RegistryError, match="schema version 3"):
        Registry.open_readonly(path)
    with Registry.open(path) as reg:
        old = reg.get("00000000000000e1")
        assert old is not None
        assert (old.thumbnail, old.input_sha256, old.watermarked) == (None, None, True)
        assert reg.stats().schema_version == SCHEMA_VERSION == 5


def test_v4_registry_gains_references_and_keeps_comparing_coarsely(tmp_path: Path) -> None:
    """Schema 5: an original's detailed reference picture (Record.reference); rows from before it
    have none and are compared by their thumbnail alone, as before."""
    path = tmp_path / "v4.sqlite3"
    record = Record("00000000000000e2", "original", "erin", "s2", [Fingerprint(PHASH, "0" * 16)], thumbnail=b"t")
    _older(path, record, 4, *_drop("reference"))  # as a registry from before references
    # read as it is (verify after an upgrade, before anything wrote to it): the new column reads as none
    readonly = Registry.open_readonly(path)
    assert readonly is not None
    with readonly:
        kept = readonly.get("00000000000000e2")
        assert kept is not None
        assert (kept.thumbnail, kept.reference) == (b"t", None)
        assert readonly.stats().schema_version == 4
    with Registry.open(path) as reg:
        old = reg.get("00000000000000e2")
        assert old is not None
        assert (old.thumbnail, old.reference) == (b"t", None)
        with reg.transaction():
            reg.add(Record("00000000000000e3", "original", "erin", "s3", reference=b"jpeg"))
        new = reg.get("00000000000000e3")
        assert new is not None
        assert new.reference == b"jpeg"
        assert reg.stats().schema_version == SCHEMA_VERSION == 5


def test_thumbnail_and_unsigned_input_are_kept(registry_location: str) -> None:
    with Registry.open(registry_location) as reg:
        stamped = Record("00000000000000f1", "original", "desk", "signed", [Fingerprint(PHASH, "1" * 16)],
                         manifest=b"m", input_sha256="camera-file", thumbnail=b"\x89PNG...")  # fmt: skip
        registered = Record("00000000000000f2", "original", "desk", "archive", [Fingerprint(PHASH, "2" * 16)])
        with reg.transaction():
            reg.add(stamped)
            reg.add(registered)
        assert reg.get(stamped.record_id) == stamped
        assert reg.find_by_input_sha256("camera-file") == stamped
        assert reg.find_by_input_sha256("signed") is None
        # the same file stamped again (a second edition): both stamps were made from it, earliest first
        again = Record("00000000000000f0", "stamped", "desk", "signed-again", manifest=b"m", input_sha256="camera-file",
                       created_at="2999-01-01T00:00:00+00:00")  # fmt: skip
        with reg.transaction():
            reg.add(again)
        assert reg.stamped_from("camera-file") == [stamped, again]
        assert reg.stamped_from("camera-file", limit=1) == [stamped]
        assert reg.stamped_from("signed") == []
        assert reg.find_by_input_sha256("camera-file") == stamped
        assert stamped.watermarked  # a photo stamped --source-type captured is an original, and marked
        assert not registered.watermarked  # a registered original carries no mark


def test_classify_match_inconclusive_none() -> None:
    base = "0" * 64
    near = Fingerprint(PDQ, _flip(bytes(32), list(range(20))).hex(), 90)
    band = Fingerprint(PDQ, _flip(bytes(32), list(range(45))).hex(), 90)
    far = Fingerprint(PDQ, _flip(bytes(32), list(range(120))).hex(), 90)
    ours = [Fingerprint(PDQ, base, 90)]
    assert classify(ours, [near]) == "match"
    assert classify(ours, [band]) == "inconclusive"
    assert classify(ours, [far]) == "none"
    flat = [Fingerprint(PDQ, base, 10)]  # too flat for PDQ to mean anything: never a match
    assert classify(flat, [near]) == "inconclusive"
    # handing over credentials on looks alone needs both hashes to agree
    ph = Fingerprint(PHASH, "0" * 16)
    assert agree([*ours, ph], [near, Fingerprint(PHASH, "0" * 15 + "7")])
    assert not agree([*ours, ph], [near, Fingerprint(PHASH, "ffff" + "0" * 12)])
    assert not agree(ours, [near])  # one algorithm: a collision is too cheap


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (record_id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, title TEXT,
    model TEXT, sha256 TEXT NOT NULL, source_record_id TEXT REFERENCES records(record_id), manifest BLOB,
    created_at TEXT NOT NULL);
CREATE TABLE fingerprints (record_id TEXT NOT NULL REFERENCES records(record_id) ON DELETE CASCADE,
    algorithm TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (record_id, algorithm));
"""


def test_index_saved_with_rows_added_on_top_keeps_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    first, later = _random_prints(rng, 10), _random_prints(rng, 3)
    index = HashIndex.build(256, enumerate(first, 1), epoch=4)
    index.add(zip(range(11, 14), later, strict=True))
    index.save(tmp_path / "idx", PDQ)
    loaded = HashIndex.load(tmp_path / "idx", PDQ)
    assert loaded is not None
    assert (len(loaded), loaded.max_seq, loaded.pending, loaded.state.epoch) == (13, 13, 0, 4)
    assert loaded.range_search(later[2], 0) == [(13, 0)]
    assert HashIndex.load(tmp_path / "idx", PHASH) is None  # another algorithm's index is never used


V2_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (record_id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, title TEXT,
    source_url TEXT, model TEXT, sha256 TEXT NOT NULL, source_record_id TEXT REFERENCES records(record_id),
    manifest BLOB, created_at TEXT NOT NULL);
CREATE TABLE fingerprints (seq INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL REFERENCES
    records(record_id) ON DELETE CASCADE, algorithm TEXT NOT NULL, value BLOB NOT NULL, quality INTEGER,
    UNIQUE (record_id, algorithm));
"""


def test_bulk_add_equals_one_by_one(registry_location: str, tmp_path: Path) -> None:
    prints = [[Fingerprint(PDQ, f"{i:064x}"), Fingerprint(PHASH, f"{i:016x}")] for i in range(1, 301)]
    records = [Record(f"{i:016x}", "original", "bulk", f"sha{i}", prints[i - 1]) for i in range(1, 301)]
    records.append(Record("f" * 16, "twin", "bulk", "twin", [Fingerprint(PHASH, "f" * 16)],
                          source_record_id=records[0].record_id, generation={"seed": 1}))  # fmt: skip
    with Registry.open(registry_location, index_dir=tmp_path / "index") as reg:
        with reg.transaction():
            reg.add_many(records)
        assert reg.count() == 301
        assert reg.get(records[5].record_id) == records[5]
        assert reg.get("f" * 16) == records[-1]
        hits = reg.search(Fingerprint(PHASH, f"{7:016x}"), 0)
        assert [r.record_id for r, _ in hits] == [records[6].record_id]
        assert check_registry(reg) == []


def test_owner_names_are_compared_without_case_spacing_or_unicode_form() -> None:
    """A red-team: "Café Presse" typed with a combining accent (as macOS gives it) was another
    owner than "Café Presse", and the newsroom was refused its own mirrored copy."""
    import unicodedata

    from provenance.registry import owner_key, same_owner

    composed = "Café Presse"
    assert same_owner(composed, unicodedata.normalize("NFD", composed))
    assert same_owner(composed, "  café   PRESSE ")
    assert not same_owner(composed, "Cafe Presse")
    assert owner_key(unicodedata.normalize("NFD", composed)) == "café presse"
