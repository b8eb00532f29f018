"""The one place that talks to c2pa-python: contexts, reading and signing.

Keeping the native library behind a few functions means its settings (no
remote fetching, our trust anchors) are always applied, and its exceptions
always become ours.
"""

from __future__ import annotations

import io
import json
from typing import Any

import c2pa

from provenance.credentials.keys import Identity
from provenance.errors import CredentialError, KeyMaterialError


def context(*, anchors: str | None = None, thumbnails: bool = True) -> c2pa.Context:
    settings: dict[str, Any] = {
        "verify": {"remote_manifest_fetch": False},
        "builder": {"thumbnail": {"enabled": thumbnails}},
    }
    if anchors:
        settings["trust"] = {"trust_anchors": anchors}
    return c2pa.Context.from_dict(settings)


def read_store(
    mime: str, data: bytes, *, anchors: str | None, manifest_data: bytes | None = None
) -> tuple[dict[str, Any], str | None] | None:
    """(manifest store JSON, validation state) or None when there is no manifest.

    Raises ``c2pa.C2paError`` for a manifest that exists but cannot be parsed;
    the caller decides what that means.
    """
    reader = c2pa.Reader.try_create(mime, io.BytesIO(data), manifest_data, context=context(anchors=anchors))
    if reader is None:
        return None
    with reader:
        store: dict[str, Any] = json.loads(reader.json())
        return store, reader.get_validation_state()


def sign(
    manifest: dict[str, Any],
    identity: Identity,
    mime: str,
    asset: bytes,
    ingredient: tuple[dict[str, Any], str, bytes] | None,
) -> tuple[bytes, bytes]:
    """Sign ``asset`` with ``manifest``; returns (signed asset, manifest bytes)."""
    try:
        signer = c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(identity.alg.encode(), identity.cert_chain_pem, identity.key_pem, None)
        )
    except c2pa.C2paError as exc:
        raise KeyMaterialError(f"signing identity rejected by c2pa ({_reason(exc)})") from None
    try:
        with signer, c2pa.Builder(manifest, context=context()) as builder:
            if ingredient is not None:
                ingredient_json, ingredient_mime, ingredient_data = ingredient
                builder.add_ingredient(ingredient_json, ingredient_mime, io.BytesIO(ingredient_data))
            out = io.BytesIO()
            manifest_bytes = builder.sign(signer, mime, io.BytesIO(asset), out)
            return out.getvalue(), bytes(manifest_bytes)
    except c2pa.C2paError as exc:
        raise CredentialError(f"could not sign the C2PA manifest ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
