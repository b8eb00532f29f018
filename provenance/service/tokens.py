"""Service tokens: shown once, stored as SHA-256 hashes, compared in constant time.

A token reads ``pvt_<id>_<secret>``: the id finds the row, the secret is hashed
and compared with :func:`hmac.compare_digest`, so neither a database dump nor a
timing difference gives a token away. ``admin`` covers every scope.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

from provenance.config import Home
from provenance.errors import UsageError
from provenance.registry import Registry, open_home_registry

SCOPES = ("stamp", "register", "admin")
Check = Literal["ok", "missing", "invalid", "forbidden"]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(home: Home, scope: str, name: str) -> str:
    """Store a new token's hash; return the token (the only time it is seen)."""
    if scope not in SCOPES:
        raise UsageError(f"--scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    with open_home_registry(home) as registry:
        registry.add_token(token_id, name or scope, scope, _digest(secret))
    return f"pvt_{token_id}_{secret}"


def check_token(registry: Registry, presented: str | None, needed: str) -> Check:
    if not presented:
        return "missing"
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "pvt":
        return "invalid"
    row = registry.token(parts[1])
    if row is None:
        _digest(parts[2])  # same work as a real comparison
        return "invalid"
    scope, stored, revoked = row
    if not hmac.compare_digest(_digest(parts[2]), stored) or revoked:
        return "invalid"
    return "ok" if needed == "verify" or scope in (needed, "admin") else "forbidden"
