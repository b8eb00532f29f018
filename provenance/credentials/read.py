"""Read a file's C2PA manifest into a :class:`CredentialReport`.

Integrity and trust are reported apart: c2pa's validation state says whether
the manifest is intact, and the ``signingCredential.*`` codes say whether the
signer chains to one of this home's anchors.
"""

from __future__ import annotations

from typing import Any

import c2pa

from provenance.credentials import _c2pa
from provenance.credentials.claims import STAMP_ASSERTION
from provenance.report import (
    Action,
    CredentialReport,
    CredentialState,
    Ingredient,
    SoftBinding,
    StatusCode,
    TrustState,
)

# Codes that only say the manifest no longer sits on its original bytes: expected
# for a manifest recovered for a stripped or re-encoded copy.
HARD_BINDING_CODES = frozenset(
    {"assertion.dataHash.mismatch", "assertion.boxesHash.mismatch", "assertion.bmffHash.mismatch"}
)
UNTRUSTED_CODES = frozenset({"signingCredential.untrusted"})
_STATE: dict[str, CredentialState] = {"Trusted": "trusted", "Valid": "valid", "Invalid": "invalid"}


def read_credentials(mime: str, data: bytes, *, anchors: str | None) -> CredentialReport:
    """The manifest embedded in ``data``; state ``absent`` when there is none."""
    try:
        found = _c2pa.read_store(mime, data, anchors=anchors)
    except c2pa.C2paError.NotSupported:
        return CredentialReport(state="absent")
    except c2pa.C2paError as exc:
        return CredentialReport(state="invalid", error=f"manifest present but unreadable: {_reason(exc)}")
    if found is None:
        return CredentialReport(state="absent")
    store, state = found
    return _report(store, state)


def read_recovered(
    mime: str, data: bytes, manifest: bytes, *, anchors: str | None, via: str
) -> CredentialReport:
    """Validate a manifest from the registry against a copy that lost its own.

    The hard binding cannot match (the bytes changed); everything else, the
    signature and the signer's trust above all, must still hold.
    """
    try:
        found = _c2pa.read_store(mime, data, anchors=anchors, manifest_data=manifest)
    except c2pa.C2paError as exc:
        report = CredentialReport(state="invalid", error=f"recovered manifest unreadable: {_reason(exc)}")
    else:
        report = CredentialReport(state="invalid", error="recovered manifest is empty")
        if found is not None:
            store, _ = found
            report = _report(store, None, ignore=HARD_BINDING_CODES)
    report.recovered, report.recovered_via = True, via
    return report


def _reason(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _report(
    store: dict[str, Any], state: str | None, *, ignore: frozenset[str] = frozenset()
) -> CredentialReport:
    manifests: dict[str, Any] = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "") or {}
    codes = _status_codes(store.get("validation_results") or {})
    trust = _trust(codes)
    failures = [c for c in codes if c.kind == "failure" and c.code not in ignore | UNTRUSTED_CODES]
    if state in _STATE and not ignore:
        credential_state = _STATE[state]
    elif failures or not active:
        credential_state = "invalid"
    else:
        credential_state = "trusted" if trust == "trusted" else "valid"
    assertions = {a.get("label", ""): a.get("data") or {} for a in active.get("assertions") or []}
    actions = _actions(assertions)
    created = next((a for a in actions if a.action in ("c2pa.created", "c2pa.opened")), None)
    stamp = assertions.get(STAMP_ASSERTION) or {}
    signature = active.get("signature_info") or {}
    generator = (active.get("claim_generator_info") or [{}])[0]
    return CredentialReport(
        state=credential_state,
        trust=trust,
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        signed_at=signature.get("time"),
        claim_generator=_join(generator.get("name"), generator.get("version"))
        or active.get("claim_generator"),
        model=(created.software_agent if created else None) or stamp.get("model"),
        author=_author(assertions),
        digital_source_type=created.digital_source_type if created else None,
        record_id=stamp.get("record_id"),
        actions=actions,
        ingredients=[_ingredient(i, manifests, set()) for i in active.get("ingredients") or []],
        soft_bindings=_soft_bindings(active.get("assertions") or []),
        status_codes=codes,
        error=None if not failures else "; ".join(f"{c.code}: {c.explanation}" for c in failures),
    )


def _join(*parts: object) -> str | None:
    text = " ".join(str(p) for p in parts if p)
    return text or None


def _status_codes(results: dict[str, Any]) -> list[StatusCode]:
    out: list[StatusCode] = []
    sections = [results.get("activeManifest") or {}]
    sections += [d.get("validationDeltas") or {} for d in results.get("ingredientDeltas") or []]
    for section in sections:
        for kind in ("success", "informational", "failure"):
            for item in section.get(kind) or []:
                out.append(StatusCode(str(item.get("code")), str(item.get("explanation", "")), kind))
    return out


def _trust(codes: list[StatusCode]) -> TrustState:
    names = {c.code for c in codes}
    if "signingCredential.trusted" in names:
        return "trusted"
    if names & UNTRUSTED_CODES:
        return "untrusted"
    return "unknown"


def _agent(value: object) -> str | None:
    if isinstance(value, dict):
        return _join(value.get("name"), value.get("version"))
    return str(value) if value else None


def _actions(assertions: dict[str, Any]) -> list[Action]:
    out: list[Action] = []
    for label, data in assertions.items():
        if label.split("__")[0] not in ("c2pa.actions", "c2pa.actions.v2"):
            continue
        for item in data.get("actions") or []:
            out.append(
                Action(
                    action=str(item.get("action")),
                    software_agent=_agent(item.get("softwareAgent")),
                    digital_source_type=item.get("digitalSourceType"),
                )
            )
    return out


def _author(assertions: dict[str, Any]) -> str | None:
    for label, data in assertions.items():
        if label.startswith("stds.schema-org.CreativeWork"):
            names = [a.get("name") for a in data.get("author") or [] if isinstance(a, dict)]
            if names := [n for n in names if n]:
                return ", ".join(names)
    return None


def _soft_bindings(assertions: list[dict[str, Any]]) -> list[SoftBinding]:
    out: list[SoftBinding] = []
    for assertion in assertions:
        if not str(assertion.get("label", "")).startswith("c2pa.soft-binding"):
            continue
        data = assertion.get("data") or {}
        for block in data.get("blocks") or []:
            out.append(SoftBinding(alg=str(data.get("alg")), value=str(block.get("value"))))
    return out


def _ingredient(item: dict[str, Any], manifests: dict[str, Any], seen: set[str]) -> Ingredient:
    label = item.get("active_manifest")
    children: list[Ingredient] = []
    if label and label in manifests and label not in seen:
        nested = manifests[label].get("ingredients") or []
        children = [_ingredient(i, manifests, seen | {label}) for i in nested]
    return Ingredient(
        title=item.get("title"),
        relationship=item.get("relationship"),
        format=item.get("format"),
        has_manifest=bool(label),
        ingredients=children,
    )
