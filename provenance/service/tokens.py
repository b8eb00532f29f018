"""Service tokens: shown once, stored as SHA-256 hashes, compared in constant time.

A token reads ``pvt_<id>_<secret>``: the id finds the row, the secret is hashed
and compared with :func:`hmac.compare_digest`, so neither a database dump nor a
timing difference gives a token away. ``admin`` covers every scope.

The hashes live in the registry's database (table ``tokens``, created by its
migrations) so that one file holds a newsroom's state; reading and writing them is
this module's business, not the registry's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from provenance.config import Home
from provenance.errors import UsageError
from provenance.registry import Registry, open_home_registry, read_home_registry

SCOPES = ("stamp", "register", "admin")
Check = Literal["ok", "missing", "invalid", "forbidden"]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: never the token or its hash."""

    token_id: str
    name: str
    scope: str
    created_at: str
    revoked: bool


def create_token(home: Home, scope: str, name: str) -> str:
    """Store a new token's hash; return the token (the only time it is seen)."""
    if scope not in SCOPES:
        raise UsageError(f"--scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with open_home_registry(home) as registry, registry.transaction():
        registry.database.execute(
            "INSERT INTO tokens (token_id, name, scope, secret_sha256, created_at) VALUES (?, ?, ?, ?, ?)",
            (token_id, name or scope, scope, _digest(secret), created),
        )
    return f"pvt_{token_id}_{secret}"


def list_tokens(home: Home) -> list[TokenInfo]:
    """Every token's id, name, scope, time and state, oldest first."""
    registry = read_home_registry(home)
    if registry is None:
        return []
    with registry:
        rows = registry.database.execute(
            "SELECT token_id, name, scope, created_at, revoked FROM tokens ORDER BY created_at"
        )
    return [TokenInfo(str(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4])) for r in rows]


def revoke_token(home: Home, token_id: str) -> bool:
    """Revoke a token by id; False when there is no such token."""
    with open_home_registry(home) as registry, registry.transaction():
        db = registry.database
        found = bool(db.execute("SELECT 1 FROM tokens WHERE token_id = ?", (token_id,)))
        db.execute("UPDATE tokens SET revoked = 1 WHERE token_id = ?", (token_id,))
    return found


def _stored(registry: Registry, token_id: str) -> tuple[str, str, bool] | None:
    """(scope, secret_sha256, revoked) of a token, or None."""
    rows = registry.database.execute("SELECT scope, secret_sha256, revoked FROM tokens WHERE token_id = ?", (token_id,))
    return (str(rows[0][0]), str(rows[0][1]), bool(rows[0][2])) if rows else None


def check_token(registry: Registry, presented: str | None, needed: str) -> Check:
    if not presented:
        return "missing"
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "pvt":
        return "invalid"
    row = _stored(registry, parts[1])
    if row is None:
        _digest(parts[2])  # same work as a real comparison
        return "invalid"
    scope, stored, revoked = row
    if not hmac.compare_digest(_digest(parts[2]), stored) or revoked:
        return "invalid"
    return "ok" if needed == "verify" or scope in (needed, "admin") else "forbidden"
