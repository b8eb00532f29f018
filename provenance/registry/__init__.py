"""The registry: every stamped, generated or registered image and its fingerprints."""

from __future__ import annotations

from provenance.config import Home
from provenance.registry._backend import is_postgres
from provenance.registry.store import SCHEMA_VERSION, Record, Registry, Stats

__all__ = ["SCHEMA_VERSION", "Record", "Registry", "Stats", "open_home_registry"]


def open_home_registry(home: Home, *, readonly: bool = False) -> Registry | None:
    """The home's registry (its SQLite file, or the PostgreSQL URL it is pointed at).

    Read-only: None when nothing was ever registered. PostgreSQL keeps its search
    index in the home's cache folder, named by a hash of the (password-free) URL."""
    location = home.registry
    index_dir = None
    if is_postgres(location):
        import hashlib

        from provenance.registry._backend import _redact

        key = hashlib.sha256(_redact(str(location)).encode()).hexdigest()[:16]
        index_dir = home.root / "cache" / f"index-{key}"
    if readonly:
        return Registry.open_readonly(location, index_dir=index_dir)
    return Registry.open(location, index_dir=index_dir)
