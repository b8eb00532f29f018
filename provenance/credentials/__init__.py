"""C2PA Content Credentials: identities, trust anchors, signing and reading."""

from provenance.credentials.claims import SourceIngredient, StampClaims
from provenance.credentials.keys import Identity, init_identity, load_identity, resolve_identity
from provenance.credentials.read import read_credentials, read_recovered
from provenance.credentials.trust import add_anchor, load_anchors

__all__ = [
    "Identity",
    "SourceIngredient",
    "StampClaims",
    "add_anchor",
    "init_identity",
    "load_anchors",
    "load_identity",
    "read_credentials",
    "read_recovered",
    "resolve_identity",
]
