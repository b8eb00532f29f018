"""The registry: every stamped, generated or registered image and its fingerprints.

:class:`Registry` (store.py) holds the records; schema.py the tables and migrations;
index.py the search index files; check.py the integrity check; backup.py export and
import; _backend.py the two database drivers, whose every error is a RegistryError.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from provenance.config import Home
from provenance.registry._backend import Backend as Database
from provenance.registry._backend import is_postgres, redact
from provenance.registry.schema import SCHEMA_VERSION
from provenance.registry.store import Record, Registry, Stats, owner_key, same_owner

__all__ = [
    "SCHEMA_VERSION", "Database", "Record", "Registry", "Stats", "open_home_registry", "owner_key",
    "read_home_registry", "same_owner",
]  # fmt: skip


def open_home_registry(home: Home) -> Registry:
    """The home's registry for writing (its SQLite file, or the PostgreSQL URL it is
    pointed at), created and migrated as needed."""
    return Registry.open(home.registry, index_dir=_index_dir(home))


def read_home_registry(home: Home) -> Registry | None:
    """The home's registry, read-only; None when nothing was ever registered."""
    return Registry.open_readonly(home.registry, index_dir=_index_dir(home))


def _index_dir(home: Home) -> Path | None:
    """PostgreSQL keeps its search index in the home's cache, named by a hash of the
    password-free URL; a SQLite registry keeps it beside its file (None: the default)."""
    if not is_postgres(home.registry):
        return None
    key = hashlib.sha256(redact(str(home.registry)).encode()).hexdigest()[:16]
    return home.root / "cache" / f"index-{key}"
