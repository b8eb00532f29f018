"""Read a file's C2PA manifest into a :class:`CredentialReport`.

Integrity and trust are reported apart: c2pa's validation state says whether
the manifest is intact, and the ``signingCredential.*`` codes say whether the
signer chains to an anchor of the active :class:`TrustPolicy`. Every
ingredient carries its own state, to any depth.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import c2pa
from cryptography import x509
from cryptography.x509.oid import NameOID

from provenance.credentials import _c2pa, codes
from provenance.credentials.claims import STAMP_ASSERTION
from provenance.credentials.codes import HARD_BINDING_CODES
from provenance.credentials.trust import AnchorSource, TrustPolicy, certificates
from provenance.imaging import truncation
from provenance.report import (
    CAMERA_PROPERTIES,
    Action,
    Cawg,
    CawgIdentity,
    Certificate,
    CredentialReport,
    CredentialState,
    Ingredient,
    SoftBinding,
    StatusCode,
    Timestamp,
    TrustState,
)
from provenance.verdicts import TEST_SIGNER

# The manifest store, crJSON and validation results are c2pa-python's JSON: foreign data whose
# shape the C2PA specification defines, read defensively as untyped dicts here and turned
# into provenance/report.py's typed objects (only a stamp's free-form generation record
# leaves as JSON, CredentialReport.generation).

UNTRUSTED_CODES = frozenset({"signingCredential.untrusted"})
_SUCCESS_WORDS = frozenset({"validated", "match", "trusted", "insideValidity", "notRevoked", "good", "skipped"})
_DN_ORDER = ("CN", "OU", "O", "L", "ST", "C")
_OID_SHORT = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
}


def read_credentials(
    mime: str,
    data: bytes,
    *,
    policy: TrustPolicy,
    sidecar: bytes | None = None,
    extract_to: Path | None = None,
) -> CredentialReport:
    """The manifest embedded in ``data`` (or in ``sidecar``); ``absent`` when none."""
    try:
        found = _c2pa.read_store(mime, data, policy=policy, manifest_data=sidecar, extract_to=extract_to)
    except _c2pa.RemoteManifest as remote:
        return _remote(remote)
    except c2pa.C2paError.NotSupported:
        return CredentialReport(state="absent")
    except c2pa.C2paError as exc:
        return _unreadable_manifest(_c2pa.reason(exc), truncation(data, mime))
    if found is None:
        return CredentialReport(state="absent")
    report = _report(found, policy, truncated=lambda: truncation(data, mime))
    report.manifest_source = "sidecar" if sidecar is not None else ("embedded" if found.embedded else "remote")
    return report


def _remote(remote: _c2pa.RemoteManifest) -> CredentialReport:
    if remote.attempted:
        why = f"fetching them failed: {remote.reason}"
    else:
        # said where the service's page shows it too, which has no such option: the command is named
        why = "fetching is off here (the command provenance verify --allow-remote fetches them)"
    return CredentialReport(
        state="remote",
        manifest_source="remote",
        remote_url=remote.url,
        remote_fetch="failed" if remote.attempted else "off",
        error=why,
    )


def _unreadable_manifest(reason: str, cut: str | None) -> CredentialReport:
    """A manifest c2pa found but could not read: unsupported, cut short, or broken."""
    code = codes.error_code(reason)
    status = StatusCode(code, reason.split(": ", 1)[-1], "failure")
    if code in codes.UNSUPPORTED_WHY:
        state: CredentialState = "unsupported"
    else:
        state = "truncated" if cut else "invalid"
    return CredentialReport(
        state=state, status_codes=[status], truncation=cut, error=f"manifest present but unreadable: {reason}"
    )


def read_recovered(mime: str, data: bytes, manifest: bytes, *, policy: TrustPolicy, via: str) -> CredentialReport:
    """Validate a manifest from the registry against a copy that lost its own.

    The hard binding cannot match (the bytes changed); everything else, the
    signature and the signer's trust above all, must still hold.
    """
    try:
        found = _c2pa.read_store(mime, data, policy=policy, manifest_data=manifest)
    except (c2pa.C2paError, _c2pa.RemoteManifest) as exc:
        report = CredentialReport(state="invalid", error=f"recovered manifest unreadable: {exc}")
    else:
        report = CredentialReport(state="invalid", error="recovered manifest is empty")
        if found is not None:
            report = _report(found, policy, recovered=True)
    report.recovered, report.recovered_via, report.manifest_source = True, via, "registry"
    return report


def stored_source_types(manifest: bytes) -> list[str] | None:
    """The digital source types the active manifest of a stored manifest store declares in its
    actions: what a registry record says its picture is, read in a millisecond or two without the
    picture (the record's own copy of what was signed, so no trust is asked of it). None when the
    store cannot be read."""
    store = _c2pa.standalone_store(manifest)
    if store is None:
        return None
    active = (store.get("manifests") or {}).get(store.get("active_manifest") or "") or {}
    assertions = {a.get("label", ""): a.get("data") or {} for a in active.get("assertions") or []}
    return [a.digital_source_type for a in _actions(assertions) if a.digital_source_type]


def stored_claim_thumbnail(manifest: bytes) -> bytes | None:
    """The claim thumbnail of a stored manifest store's active manifest: the signed picture at up
    to 1024 px (stamp makes it from the pixels it signed), finer than the registry's own thumbnail
    (fingerprint/detail.py compares copies with it). None when the store holds none."""
    return _c2pa.claim_thumbnail(manifest)


def _expected_binding(status: list[StatusCode]) -> list[StatusCode]:
    """A recovered manifest's hard-binding mismatch is no failure of this copy: say so, once per
    code. The reader reports one failure per hash it checked (a JPEG's data hash gives two
    ``assertion.dataHash.mismatch``: its exclusion range and the asset's hash), each expected
    here for the same reason: one line, at the first one's place, naming every detail."""
    out: list[StatusCode] = []
    first: dict[str, int] = {}  # code: its line's place in out
    details: dict[str, list[str]] = {}  # code: the reader's explanations, in order
    for c in status:
        if c.kind != "failure" or c.code not in HARD_BINDING_CODES or c.scope != "active manifest":
            out.append(c)
            continue
        if c.code not in first:
            first[c.code] = len(out)
            out.append(StatusCode(c.code, codes.RECOVERED_BINDING, "informational", c.scope, c.url))
            details[c.code] = []
        if c.explanation and c.explanation not in details[c.code]:
            details[c.code].append(c.explanation)
    for code, place in first.items():
        if details[code]:
            said = f"{codes.RECOVERED_BINDING} ({'; '.join(details[code])})"
            out[place] = dataclasses.replace(out[place], explanation=said)
    return out


def _ai_agent(actions: list[Action]) -> str | None:
    """The tool an AI action names (Adobe Firefly on an edit declaring AI content), when the
    created or opened action names none: the model is stated, just not on the first action."""
    from provenance.detect.sources import AI_TERMS, describe

    return next(
        (
            a.software_agent
            for a in actions
            if a.software_agent and describe(a.digital_source_type or "")[0] in AI_TERMS
        ),
        None,
    )


def _report(
    found: _c2pa.StoreRead,
    policy: TrustPolicy,
    *,
    recovered: bool = False,
    truncated: Callable[[], str | None] = lambda: None,
) -> CredentialReport:
    store = found.store
    manifests: dict[str, Any] = store.get("manifests") or {}
    label = store.get("active_manifest") or ""
    active = manifests.get(label) or {}
    status = _status_codes(store.get("validation_results") or {})
    if recovered:
        status = _expected_binding(status)
    trust = _trust(status)
    binding_failed = any(c.kind == "failure" and c.code in HARD_BINDING_CODES for c in status)
    cut = truncated() if binding_failed else None
    reference = None if recovered else found.state
    state = codes.classify(status, trust=trust, reference=reference, truncated=cut is not None) if active else "invalid"
    failures = [c for c in status if c.kind == "failure" and codes.effect(c) not in ("trust", "identity-trust")]
    assertions = {a.get("label", ""): a.get("data") or {} for a in active.get("assertions") or []}
    actions = _actions(assertions)
    created = next((a for a in actions if a.action in ("c2pa.created", "c2pa.opened")), None)
    stamp = assertions.get(STAMP_ASSERTION) or {}
    signature = active.get("signature_info") or {}
    generator = (active.get("claim_generator_info") or [{}])[0]
    cr_sig = _cr_manifest(found.crjson, label).get("signature") or {}
    certificate = _certificate(cr_sig.get("certificateInfo"))
    context = _Context(manifests, found.detailed, store.get("validation_results") or {})
    tester = _test_signer(certificate, policy)
    return CredentialReport(
        state=state,
        trust=trust,
        trust_hint=_trust_hint(policy, certificate, tester) if trust == "untrusted" else None,
        test_signer=tester,
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        signed_at=signature.get("time"),
        certificate=certificate,
        issuer_chain=_issuer_chain(certificate, policy),
        timestamp=_timestamp(cr_sig.get("timeStampInfo"), status, policy),
        manifest_label=label or None,
        claim_generator=_join(generator.get("name"), generator.get("version")) or active.get("claim_generator"),
        model=(created.software_agent if created else None) or stamp.get("model") or _ai_agent(actions),
        author=_author(assertions),
        digital_source_type=created.digital_source_type if created else None,
        record_id=stamp.get("record_id"),
        generation=_dict(stamp.get("generation")),
        caption=_creative_work(assertions, "description"),
        credit=_creative_work(assertions, "creditText"),
        declared_camera=_declared_camera(assertions),
        actions=actions,
        ingredients=[context.ingredient(i, label, frozenset({label})) for i in active.get("ingredients") or []],
        soft_bindings=_soft_bindings(active.get("assertions") or []),
        cawg=_cawg(assertions, status),
        status_codes=status,
        truncation=cut,
        extracted=[str(p) for p in found.extracted],
        error="; ".join(_problem(c) for c in failures) or None,
    )


def _problem(code: StatusCode) -> str:
    where = "" if code.scope == "active manifest" else f" [{code.scope}]"
    return f"{code.code}: {code.explanation}{where}"


def _test_signer(certificate: Certificate | None, policy: TrustPolicy) -> bool:
    """Whether the signer's certificate, or one above it, is named for testing only: C2PA's SDKs
    publish such keys and certificates for anyone to sign with (``OU=FOR TESTING_ONLY``)."""
    if certificate is None:
        return False
    names = [certificate.subject or "", *_issuer_chain(certificate, policy)]
    return any(_TESTING in name.upper().replace("_", " ") for name in names)


_TESTING = "FOR TESTING ONLY"


def _trust_hint(policy: TrustPolicy, certificate: Certificate | None, tester: bool = False) -> str | None:
    """What would change an untrusted signer's standing, said only where it plausibly would:
    the official C2PA list is not installed (whether it names this signer is unknown), or
    it is installed but switched off and names the signer's issuer. A signer the active
    official list does not name gets no hint: fetching the list again would not help. A test
    certificate gets what it is instead: no list would name it."""
    if tester:
        return TEST_SIGNER
    if policy.official == "missing":
        return (
            "the official C2PA trust list is not installed here, so whether it names this signer is unknown;"
            " the command provenance trust update fetches it"
        )
    issuer = certificate.issuer if certificate else None
    official = [AnchorSource("official", policy.official_pem or "")]
    if policy.official == "disabled" and issuer and issuer in _known(official):
        return "its issuer is on the official C2PA trust list, which this home has switched off (use_official)"
    return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _join(*parts: object) -> str | None:
    text = " ".join(str(p) for p in parts if p)
    return text or None


def _kind(code: str) -> Literal["success", "failure"]:
    """Legacy ``validation_status`` lists mix outcomes; the code's last word tells."""
    return "success" if code.rsplit(".", 1)[-1] in _SUCCESS_WORDS else "failure"


def _section_codes(section: dict[str, Any], scope: str) -> list[StatusCode]:
    kinds: tuple[Literal["success", "informational", "failure"], ...] = ("success", "informational", "failure")
    return [
        StatusCode(str(item.get("code")), str(item.get("explanation", "")), kind, scope, _url(item))
        for kind in kinds
        for item in section.get(kind) or []
        if isinstance(item, dict)
    ]


def _url(item: dict[str, Any]) -> str | None:
    url = item.get("url")
    return str(url) if url else None


def _status_codes(results: dict[str, Any]) -> list[StatusCode]:
    out = _section_codes(results.get("activeManifest") or {}, "active manifest")
    for delta in results.get("ingredientDeltas") or []:
        uri = str(delta.get("ingredientAssertionURI", ""))
        out += _section_codes(delta.get("validationDeltas") or {}, f"ingredient {uri.rsplit('/', 1)[-1]}")
    return out


def _trust(codes: list[StatusCode], scope: str | None = "active manifest") -> TrustState:
    """Trust in one signer: by default the active manifest's (ingredients have their own)."""
    names = {c.code for c in codes if scope is None or c.scope == scope}
    if "signingCredential.trusted" in names:
        return "trusted"
    if names & UNTRUSTED_CODES:
        return "untrusted"
    return "unknown"


def _cr_manifest(crjson: dict[str, Any], label: str) -> dict[str, Any]:
    for manifest in crjson.get("manifests") or []:
        if isinstance(manifest, dict) and manifest.get("label") == label:
            return manifest
    return {}


def _dn(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    parts = [f"{k}={value[k]}" for k in _DN_ORDER if value.get(k)]
    parts += [f"{k}={v}" for k, v in value.items() if k not in _DN_ORDER]
    return ", ".join(parts) or None


def _cert_dn(name: x509.Name) -> str:
    values = {_OID_SHORT.get(a.oid, a.oid.dotted_string): str(a.value) for a in name}
    return _dn(values) or ""


def _certificate(info: object) -> Certificate | None:
    if not isinstance(info, dict):
        return None
    validity = info.get("validity") or {}
    return Certificate(
        subject=_dn(info.get("subject")),
        issuer=_dn(info.get("issuer")),
        serial=info.get("serialNumber"),
        not_before=validity.get("notBefore"),
        not_after=validity.get("notAfter"),
    )


def _known(sources: list[AnchorSource]) -> dict[str, x509.Certificate]:
    return {_cert_dn(cert.subject): cert for source in sources for cert in certificates(source.pem)}


def _issuer_chain(certificate: Certificate | None, policy: TrustPolicy) -> list[str]:
    """Issuer DNs from the signer upwards, as far as the active anchors know them."""
    if certificate is None or not certificate.issuer:
        return []
    known = _known(policy.anchors)
    chain = [certificate.issuer]
    while len(chain) < 8 and (cert := known.get(chain[-1])) is not None:
        parent = _cert_dn(cert.issuer)
        if parent == chain[-1]:
            break  # a self-signed root
        chain.append(parent)
    if chain[-1] in known:
        chain[-1] += " (trust anchor)"
    return chain


def _timestamp(info: object, status: list[StatusCode], policy: TrustPolicy) -> Timestamp | None:
    if not isinstance(info, dict):
        return None
    authority = _certificate(info.get("certificateInfo"))
    listed = bool(authority and authority.issuer and authority.issuer in _known(policy.tsa_anchors))
    trusted = any(c.code == "timeStamp.trusted" for c in status)
    # a token that does not match the signature (c2pa may list it as informational) dates nothing;
    # an authority nobody here trusts is said by trusted/listed, not here
    # the file's own signature's token only: an ingredient's own time-stamp is its manifest's
    unsound = [
        c
        for c in status
        if c.code.startswith("timeStamp.") and c.code not in _TIMESTAMP_FINE and c.scope == "active manifest"
    ]
    problem = codes.plain_failure(unsound[0]) if unsound else None
    return Timestamp(time=info.get("timestamp"), authority=authority, trusted=trusted, listed=listed, problem=problem)


_TIMESTAMP_FINE = frozenset({"timeStamp.trusted", "timeStamp.validated", "timeStamp.untrusted"})


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
            source = item.get("digitalSourceType")
            out.append(
                Action(
                    action=str(item.get("action")),
                    software_agent=_agent(item.get("softwareAgent")),
                    digital_source_type=source.strip() if isinstance(source, str) else None,
                )
            )
    return out


def _creative_work(assertions: dict[str, Any], key: str) -> str | None:
    for label, data in assertions.items():
        if label.startswith("stds.schema-org.CreativeWork") and isinstance(data.get(key), str):
            return str(data[key])
    return None


def _declared_camera(assertions: dict[str, Any]) -> dict[str, str]:
    """The camera properties the manifest's metadata assertion declares (c2pa.metadata, or the
    older stds.exif), as text; others' manifests may carry any of them, or none."""
    out: dict[str, str] = {}
    for label in ("c2pa.metadata", "stds.exif"):
        data = assertions.get(label)
        if not isinstance(data, dict):
            continue
        for name in CAMERA_PROPERTIES:
            value = data.get(name)
            if name not in out and isinstance(value, (str, int, float)) and str(value).strip():
                out[name] = str(value).strip()
    return out


def _author(assertions: dict[str, Any]) -> str | None:
    for label, data in assertions.items():
        if label.startswith("stds.schema-org.CreativeWork"):
            names = [a.get("name") for a in data.get("author") or [] if isinstance(a, dict)]
            if names := [n for n in names if n]:
                return ", ".join(dict.fromkeys(names))  # a manifest may name its author twice (ocsp.jpg)
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


def _identity_trust(label: str, status: list[StatusCode]) -> TrustState:
    """One CAWG identity's trust, from the codes c2pa filed under its assertion."""
    mine = [c for c in status if c.code.startswith("cawg.") and (c.url or "").endswith(f"/{label}")]
    names = {c.code for c in mine}
    if "cawg.x509.credential.trusted" in names:
        return "trusted"
    if any(c.kind == "failure" and codes.FAILURE_EFFECT.get(c.code) == "identity-trust" for c in mine):
        return "untrusted"
    return "unknown"


def _cawg(assertions: dict[str, Any], status: list[StatusCode]) -> Cawg | None:
    report = Cawg()
    for label, data in assertions.items():
        base = label.split("__")[0]
        if base == "cawg.training-mining":
            for key, entry in (data.get("entries") or {}).items():
                if isinstance(entry, dict):
                    report.training_mining[str(key)] = str(entry.get("use"))
        elif base == "cawg.identity":
            payload = data.get("signer_payload") or {}
            info = data.get("signature_info") or {}
            report.identities.append(
                CawgIdentity(
                    sig_type=payload.get("sig_type"),
                    signer=info.get("common_name") or _named_actor(data),
                    issuer=info.get("issuer"),
                    referenced_assertions=[
                        str(r.get("url")) for r in payload.get("referenced_assertions") or [] if isinstance(r, dict)
                    ],
                    trust=_identity_trust(label, status),
                )
            )
    return report if report.identities or report.training_mining else None


def _named_actor(data: dict[str, Any]) -> str | None:
    for key in ("named_actor", "verifiedIdentities"):
        value = data.get(key)
        if isinstance(value, dict) and value.get("name"):
            return str(value["name"])
    return None


class _Context:
    """What ingredient reports need: every manifest, the detailed view, the policy."""

    def __init__(self, manifests: dict[str, Any], detailed: dict[str, Any], results: dict[str, Any]) -> None:
        self.manifests = manifests
        self.detailed = detailed.get("manifests") or {}
        self.deltas = {
            str(d.get("ingredientAssertionURI")): d.get("validationDeltas") or {}
            for d in results.get("ingredientDeltas") or []
            if isinstance(d, dict)
        }

    def _hashes(self, parent: str) -> list[tuple[str | None, str | None]]:
        store = (self.detailed.get(parent) or {}).get("assertion_store") or {}
        out = []
        for key, value in store.items():
            if key.startswith("c2pa.ingredient") and isinstance(value, dict):
                ref = value.get("activeManifest") or value.get("c2pa_manifest") or value.get("data") or {}
                out.append((value.get("dc:title") or value.get("title"), ref.get("hash") or value.get("hash")))
        return out

    def ingredient(self, item: dict[str, Any], parent: str, seen: frozenset[str]) -> Ingredient:
        label = item.get("active_manifest")
        children: list[Ingredient] = []
        if label and label in self.manifests and label not in seen:
            nested = self.manifests[label].get("ingredients") or []
            children = [self.ingredient(i, label, seen | {label}) for i in nested]
        delta = self.deltas.get(f"self#jumbf=/c2pa/{parent}/c2pa.assertions/{item.get('label')}", {})
        state, problems = _ingredient_state(item, delta) if label else (None, [])
        title = item.get("title")
        digest = next((h for t, h in self._hashes(parent) if t == title), None)
        own = self.manifests.get(label) if label else None
        assertions = {a.get("label", ""): a.get("data") or {} for a in (own or {}).get("assertions") or []}
        created = next((a for a in _actions(assertions) if a.action in ("c2pa.created", "c2pa.opened")), None)
        return Ingredient(
            title=title,
            relationship=item.get("relationship"),
            format=item.get("format"),
            has_manifest=bool(label),
            state=state,
            hash=digest,
            manifest_label=label,
            digital_source_type=created.digital_source_type if created else None,
            software_agent=created.software_agent if created else None,
            problems=problems,
            ingredients=children,
        )


def _ingredient_state(item: dict[str, Any], delta: dict[str, Any]) -> tuple[CredentialState, list[StatusCode]]:
    """An ingredient's own state: its recorded validation plus what re-validating it found."""
    title = f"ingredient {item.get('title')}"
    results = item.get("validation_results")
    codes = _status_codes(results) if isinstance(results, dict) else []
    codes += [
        StatusCode(str(c.get("code")), str(c.get("explanation", "")), _kind(str(c.get("code"))), title)
        for c in item.get("validation_status") or []
        if isinstance(c, dict)
    ]
    codes += _section_codes(delta, title)
    problems = [c for c in codes if c.kind == "failure"]
    if any(c.code not in UNTRUSTED_CODES for c in problems):
        return "invalid", problems
    if _trust(codes, scope=None) == "trusted":
        # "untrusted" recorded when the ingredient was added (under the signer's trust
        # settings) is superseded by the trust established now, under this policy.
        return "trusted", [c for c in problems if c.code not in UNTRUSTED_CODES]
    return "valid", problems
