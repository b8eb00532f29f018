"""C2PA Content Credentials: identities, trust anchors, signing and reading."""

from typing import TYPE_CHECKING, Any

from provenance.credentials._c2pa import SignOptions
from provenance.credentials.claims import StampClaims
from provenance.credentials.read import read_credentials, read_recovered
from provenance.credentials.trust import TrustPolicy, add_anchor, build_policy, load_anchors, update_official

if TYPE_CHECKING:
    from provenance.credentials.keys import (
        Identity,
        callback_identity,
        home_organisation,
        init_identity,
        load_identity,
        resolve_identity,
    )

# Signing identities load on first use: reading credentials needs none of cryptography's key handling.
_KEYS = frozenset(
    {"Identity", "callback_identity", "home_organisation", "init_identity", "load_identity", "resolve_identity"}
)


def __getattr__(name: str) -> Any:
    if name in _KEYS:
        from provenance.credentials import keys

        return getattr(keys, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Identity",
    "SignOptions",
    "StampClaims",
    "TrustPolicy",
    "add_anchor",
    "build_policy",
    "callback_identity",
    "home_organisation",
    "init_identity",
    "load_anchors",
    "load_identity",
    "read_credentials",
    "read_recovered",
    "resolve_identity",
    "update_official",
]
