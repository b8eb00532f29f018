"""The registry's integrity check: the database engine's own, then our invariants.

``provenance registry check`` runs it; a sound registry gives an empty list.
"""

from __future__ import annotations

from provenance.fingerprint import BITS, KEYPOINTS
from provenance.registry.schema import SCHEMA_VERSION, schema_version
from provenance.registry.store import Registry


def check_registry(registry: Registry) -> list[str]:
    """Integrity problems, in words; an empty list means the registry is sound.

    The database engine's own check (SQLite ``integrity_check`` and
    ``foreign_key_check``), then our invariants: the schema version, fingerprints
    of known algorithms with the right length and an existing record, sources
    that exist, one original per SHA-256, manifests with a label."""
    db = registry.database
    problems: list[str] = []
    if db.dialect == "sqlite":
        verdict = [str(r[0]) for r in db.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            problems += [f"SQLite integrity: {line}" for line in verdict[:20]]
        if keys := db.execute("PRAGMA foreign_key_check"):
            problems.append(f"{len(keys)} rows break a foreign key (first: {keys[0]})")
    if (version := schema_version(db)) != SCHEMA_VERSION:
        problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
    for algorithm, length, count in db.execute(
        "SELECT algorithm, LENGTH(value), COUNT(*) FROM fingerprints GROUP BY algorithm, LENGTH(value)"
    ):
        bits = BITS.get(str(algorithm))
        if algorithm == KEYPOINTS:  # one row of variable length per picture (fingerprint/keypoints.py)
            continue
        if bits is None:
            problems.append(f"{count} fingerprints of unknown algorithm {algorithm}")
        elif int(length) * 8 != bits:
            problems.append(f"{count} {algorithm} fingerprints are {length} bytes, not {bits // 8}")
    orphans = db.execute(
        "SELECT COUNT(*) FROM fingerprints f WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = f.record_id)"
    )[0][0]
    if orphans:
        problems.append(f"{orphans} fingerprints belong to no record")
    dangling = db.execute(
        "SELECT COUNT(*) FROM records r WHERE source_record_id IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM records s WHERE s.record_id = r.source_record_id)"
    )[0][0]
    if dangling:
        problems.append(f"{dangling} records name a source that does not exist")
    doubled = db.execute(
        "SELECT COUNT(*) FROM (SELECT sha256 FROM records WHERE kind = 'original' GROUP BY sha256"
        " HAVING COUNT(*) > 1) d"
    )[0][0]
    if doubled:
        problems.append(f"{doubled} files are registered as originals more than once")
    bare = db.execute(
        "SELECT COUNT(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM fingerprints f WHERE f.record_id = r.record_id)"
    )[0][0]
    if bare:
        problems.append(f"{bare} records have no fingerprint (half-written?)")
    return problems
