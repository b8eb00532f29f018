"""The one place that talks to c2pa-python: contexts, reading, extracting, signing.

Keeping the native library behind a few functions means its settings (remote
fetching off unless asked, our trust policy) are always applied, and its
exceptions always become ours.
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import c2pa

from provenance.credentials.trust import TrustPolicy
from provenance.errors import CredentialError, InputError, KeyMaterialError
from provenance.imaging import png_closed, truncation, write_atomic
from provenance.runtime import foreign_calls, interruptible

if TYPE_CHECKING:  # keys (cryptography's key handling) loads where a picture is signed, not read
    from provenance.credentials.keys import Identity

# Manifest stores and manifest definitions cross this boundary as c2pa-python's JSON
# (untyped dicts): foreign data, shaped by the C2PA specification, not by this package.

_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/svg+xml": "svg"}
_ALGS = {
    "es256": c2pa.C2paSigningAlg.ES256,
    "es384": c2pa.C2paSigningAlg.ES384,
    "es512": c2pa.C2paSigningAlg.ES512,
    "ps256": c2pa.C2paSigningAlg.PS256,
    "ps384": c2pa.C2paSigningAlg.PS384,
    "ps512": c2pa.C2paSigningAlg.PS512,
    "ed25519": c2pa.C2paSigningAlg.ED25519,
}


class RemoteManifest(Exception):
    """The file points at a manifest stored elsewhere that was not read: fetching
    is off (``attempted`` False), or the fetch failed (``reason`` says how)."""

    def __init__(self, url: str | None, reason: str, *, attempted: bool) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.attempted = attempted


# c2pa names the URL as "url https://..." or "url (https://...)".
_REMOTE_URL = re.compile(r"url \(?([^\s()]+)\)?")


@dataclass
class StoreRead:
    """What c2pa returned for one file: three views of the same manifest store."""

    store: dict[str, Any]
    state: str | None
    crjson: dict[str, Any]
    detailed: dict[str, Any]
    embedded: bool
    remote_url: str | None
    extracted: list[Path]


_THUMBNAIL_ID = "claim-thumbnail.jpg"


@dataclass(frozen=True)
class SignOptions:
    thumbnails: bool = True
    tsa_url: str | None = None
    sidecar: bool = False


def context(policy: TrustPolicy | None = None, *, thumbnails: bool = True) -> c2pa.Context:
    settings: dict[str, Any] = {
        "verify": {"remote_manifest_fetch": bool(policy and policy.allow_remote)},
        "builder": {"thumbnail": {"enabled": thumbnails}},
    }
    if policy is not None and (trust := policy.c2pa_settings()):
        settings["trust"] = trust
    return c2pa.Context.from_dict(settings)


@foreign_calls()
def read_store(
    mime: str,
    data: bytes,
    *,
    policy: TrustPolicy,
    manifest_data: bytes | None = None,
    extract_to: Path | None = None,
) -> StoreRead | None:
    """The manifest store of ``data`` (or ``manifest_data`` bound to it), or None.

    Raises :class:`RemoteManifest` for a remote manifest that was not fetched,
    :class:`InputError` when c2pa cannot parse the asset itself, and
    ``c2pa.C2paError`` for a manifest that exists but cannot be read.
    """
    try:
        reader = c2pa.Reader.try_create(mime, interruptible(data), manifest_data, context=context(policy))
    except c2pa.C2paError as exc:
        text = reason(exc)
        if text.startswith("Remote") or "remote manifest" in text.lower():
            raise _remote(text, attempted=policy.allow_remote) from None
        if "asset could not be parsed" in text:
            if cut := truncation(data, mime):
                # a PNG cut inside its picture data still holds a manifest stored before it: read from
                # the PNG closed after its last whole chunk, it says who signed and what (its binding
                # cannot match: the state is truncated), as a JPEG cut short does (a walkthrough's
                # PNG printed one error line and lost its AI declaration)
                if mime == "image/png" and (closed := png_closed(data)) is not None and closed != data:
                    return read_store(mime, closed, policy=policy, manifest_data=manifest_data, extract_to=extract_to)
                raise InputError(f"the file is incomplete: {cut} (an interrupted download or copy?)") from None
            said = text.partition("asset could not be parsed")[2].lstrip(": ") or text  # not the SDK's "Other:"
            raise InputError(f"the file's structure is unreadable ({said})") from None
        raise
    if reader is None:
        return None
    with reader:
        store: dict[str, Any] = json.loads(reader.json())
        result = StoreRead(
            store=store,
            state=reader.get_validation_state(),
            crjson=_json_or_empty(reader.crjson),
            detailed=_json_or_empty(reader.detailed_json),
            embedded=reader.is_embedded(),
            remote_url=reader.get_remote_url(),
            extracted=[],
        )
        if extract_to is not None:
            result.extracted = _extract(reader, store, extract_to)
        return result


def _remote(text: str, *, attempted: bool) -> RemoteManifest:
    """The URL, and the innermost cause of the failure, from c2pa's message (which names both)."""
    match = _REMOTE_URL.search(text)
    cause = _REMOTE_URL.sub("", text).rsplit(": ", 1)[-1].strip()
    return RemoteManifest(match.group(1) if match else None, re.sub(r"\s+(for|from)$", "", cause), attempted=attempted)


def _json_or_empty(method: Any) -> dict[str, Any]:
    try:
        value = json.loads(method())
    except (c2pa.C2paError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_")[:80] or "manifest"


def _extract(reader: c2pa.Reader, store: dict[str, Any], folder: Path) -> list[Path]:
    """Write the store as JSON and every thumbnail as an image file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "manifest_store.json"]
    write_atomic(written[0], json.dumps(store, indent=2).encode())
    for index, (label, manifest) in enumerate((store.get("manifests") or {}).items()):
        thumbs = [("claim", manifest.get("thumbnail"))]
        thumbs += [(f"ingredient-{i}", ing.get("thumbnail")) for i, ing in enumerate(manifest.get("ingredients") or [])]
        for kind, thumb in thumbs:
            if not isinstance(thumb, dict) or not thumb.get("identifier"):
                continue
            data = _resource(reader, thumb)
            if data is None:
                continue
            ext = _EXT.get(str(thumb.get("format")), "bin")
            target = folder / f"{index:02d}-{_safe(label)}-{kind}.{ext}"
            write_atomic(target, data)
            written.append(target)
    return written


def signer_for(identity: Identity, tsa_url: str | None) -> c2pa.Signer:
    try:
        if identity.callback is not None:
            return c2pa.Signer.from_callback(
                identity.callback, _ALGS[identity.alg], identity.cert_chain_pem.decode(), tsa_url
            )
        assert identity.key_pem is not None
        info = c2pa.C2paSignerInfo(
            identity.alg.encode(),
            identity.cert_chain_pem,
            identity.key_pem,
            tsa_url.encode() if tsa_url else None,
        )
        return c2pa.Signer.from_info(info)
    except c2pa.C2paError as exc:
        raise KeyMaterialError(f"signing identity rejected by c2pa ({reason(exc)})") from None


@foreign_calls()
def sign(
    manifest: dict[str, Any],
    identity: Identity,
    mime: str,
    asset: bytes,
    *,
    ingredients: list[tuple[dict[str, Any], str, bytes]] | None = None,
    options: SignOptions | None = None,
    thumbnail: bytes | None = None,
) -> tuple[bytes, bytes]:
    """Sign ``asset`` with ``manifest``; returns (asset to write, manifest bytes).

    With ``options.sidecar`` the asset comes back without an embedded manifest
    and the manifest bytes are meant for a ``.c2pa`` file beside it. ``thumbnail``
    (JPEG bytes) is the claim's thumbnail when thumbnails are on; without it c2pa
    makes one from ``asset`` (slower: it decodes the whole picture again). c2pa still
    makes the ingredients' thumbnails (they are small pictures, or carry their own).
    """
    options = options or SignOptions()
    ours = options.thumbnails and thumbnail is not None
    if ours:
        manifest = {**manifest, "thumbnail": {"format": "image/jpeg", "identifier": _THUMBNAIL_ID}}
    signer = signer_for(identity, options.tsa_url)
    try:
        with signer, c2pa.Builder(manifest, context=context(thumbnails=options.thumbnails)) as builder:
            if ours:
                builder.add_resource(_THUMBNAIL_ID, io.BytesIO(thumbnail or b""))
            if options.sidecar:
                builder.set_no_embed()
            for ingredient_json, ingredient_mime, ingredient_data in ingredients or []:
                builder.add_ingredient(ingredient_json, ingredient_mime, io.BytesIO(ingredient_data))
            out = io.BytesIO()
            manifest_bytes = builder.sign(signer, mime, io.BytesIO(asset), out)
            return (asset if options.sidecar else out.getvalue()), bytes(manifest_bytes)
    except c2pa.C2paError as exc:
        raise CredentialError(f"could not sign the C2PA manifest ({reason(exc)})") from None


@foreign_calls()
def thumbnail_uris(mime: str, data: bytes, manifest_data: bytes | None = None) -> dict[str, str]:
    """Every thumbnail in the file's manifest store (or in ``manifest_data``, a store recovered
    for it from the registry) as a data URI, keyed ``LABEL|claim`` for a manifest's own and
    ``LABEL|TITLE`` for its ingredients'."""
    try:
        reader = c2pa.Reader.try_create(mime, interruptible(data), manifest_data)
    except c2pa.C2paError:
        return {}
    if reader is None:
        return {}
    out: dict[str, str] = {}
    with reader:
        store = json.loads(reader.json())
        for label, manifest in (store.get("manifests") or {}).items():
            thumbs = [(f"{label}|claim", manifest.get("thumbnail"))]
            ingredients = manifest.get("ingredients") or []
            thumbs += [(f"{label}|{ing.get('title')}", ing.get("thumbnail")) for ing in ingredients]
            for key, thumb in thumbs:
                found = _resource(reader, thumb)
                if found is None:
                    continue
                encoded = base64.b64encode(found).decode()
                out[key] = f"data:{thumb.get('format') or 'image/jpeg'};base64,{encoded}"
    return out


@foreign_calls()
def claim_thumbnail(manifest: bytes) -> bytes | None:
    """The active manifest's claim thumbnail (image bytes) in a standalone manifest store; None
    when it has none or c2pa cannot read it."""
    try:
        reader = c2pa.Reader("application/c2pa", interruptible(manifest))
    except c2pa.C2paError:
        return None
    with reader:
        store = json.loads(reader.json())
        active = (store.get("manifests") or {}).get(store.get("active_manifest") or "") or {}
        return _resource(reader, active.get("thumbnail"))


def _resource(reader: c2pa.Reader, ref: object) -> bytes | None:
    """The bytes of a resource a manifest names (``{"identifier": ...}``, a thumbnail); None when
    it names none or c2pa cannot give it."""
    if not isinstance(ref, dict) or not ref.get("identifier"):
        return None
    buffer = io.BytesIO()
    try:
        reader.resource_to_stream(ref["identifier"], buffer)
    except c2pa.C2paError:
        return None
    return buffer.getvalue() or None


@foreign_calls()
def has_manifest(mime: str, data: bytes) -> bool:
    """Whether the file carries a C2PA manifest (embedded), valid or not."""
    try:
        reader = c2pa.Reader.try_create(mime, interruptible(data))
    except c2pa.C2paError:
        return False  # unreadable as C2PA: nothing we could keep; the stamp writes a fresh manifest
    if reader is None:
        return False
    reader.close()
    return True


@foreign_calls()
def standalone_store(manifest: bytes) -> dict[str, Any] | None:
    """A standalone manifest store (the registry's copy of what a stamp signed) as c2pa's JSON,
    read without an asset or trust settings; None when c2pa cannot read it."""
    try:
        reader = c2pa.Reader("application/c2pa", interruptible(manifest))
    except c2pa.C2paError:
        return None
    with reader:
        store: dict[str, Any] = json.loads(reader.json())
    return store


def manifest_label(manifest: bytes) -> str | None:
    """The active manifest's label (``urn:c2pa:...``) of a standalone manifest store."""
    label = (standalone_store(manifest) or {}).get("active_manifest")
    return str(label) if label else None


def reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
