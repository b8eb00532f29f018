"""C2PA Content Credentials: identities, trust anchors, signing and reading."""

from provenance.credentials._c2pa import SignOptions
from provenance.credentials.claims import StampClaims
from provenance.credentials.keys import (
    Identity,
    callback_identity,
    init_identity,
    load_identity,
    resolve_identity,
)
from provenance.credentials.read import read_credentials, read_recovered
from provenance.credentials.trust import TrustPolicy, add_anchor, build_policy, load_anchors, update_official

__all__ = [
    "Identity",
    "SignOptions",
    "StampClaims",
    "TrustPolicy",
    "add_anchor",
    "build_policy",
    "callback_identity",
    "init_identity",
    "load_anchors",
    "load_identity",
    "read_credentials",
    "read_recovered",
    "resolve_identity",
    "update_official",
]
