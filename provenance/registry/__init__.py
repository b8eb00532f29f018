"""The registry: every stamped, generated or registered image and its fingerprints."""

from provenance.registry.store import Record, Registry

__all__ = ["Record", "Registry"]
