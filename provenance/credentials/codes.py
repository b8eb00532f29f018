"""What each C2PA validation status code says about *this file*: one table, read by code.

c2pa's overall state folds everything into Trusted / Valid / Invalid. A careful
reader separates what failed: the signer's trust (not a failure of the file),
a CAWG identity's trust (a separate signature), an ingredient's own manifest
(history before this file, not this file), a version or algorithm this tool
cannot check (neither intact nor broken), the hard binding (the bytes differ:
changed, or cut short) and everything else (the manifest itself is broken).
The state follows from the codes alone, never from their explanation text.
"""

from __future__ import annotations

from typing import Literal

from provenance.report import CredentialState, StatusCode, TrustState

Effect = Literal["trust", "identity-trust", "ingredient", "unsupported", "binding", "integrity"]

# Failure codes whose meaning is not "the manifest does not match this file".
# Every failure code not listed (and not about an ingredient) is "integrity".
FAILURE_EFFECT: dict[str, Effect] = {
    "signingCredential.untrusted": "trust",
    "cawg.x509.credential.untrusted": "identity-trust",
    "cawg.ica.untrusted_issuer": "identity-trust",
    "algorithm.unsupported": "unsupported",
    "com.adobe.prerelease": "unsupported",  # c2pa-rs's code for a pre-1.0 (prerelease) manifest
    "assertion.dataHash.mismatch": "binding",
    "assertion.boxesHash.mismatch": "binding",
    "assertion.bmffHash.mismatch": "binding",
    "assertion.collectionHash.mismatch": "binding",
}
HARD_BINDING_CODES = frozenset(code for code, effect in FAILURE_EFFECT.items() if effect == "binding")
TRUST_CODES = frozenset(code for code, effect in FAILURE_EFFECT.items() if effect in ("trust", "identity-trust"))

# c2pa-python raises these instead of returning a status; the text is the Rust
# error's display, which c2pa-rs itself maps to these codes (validation_status.rs).
ERROR_CODES = {
    "prerelease content detected": "com.adobe.prerelease",
    "unknown algorithm": "algorithm.unsupported",
    "unsupported algorithm": "algorithm.unsupported",
}

# What a summary says about an "unsupported" code, in plain words.
UNSUPPORTED_WHY = {
    "com.adobe.prerelease": "a pre-1.0 (prerelease) C2PA manifest, from before the format was fixed",
    "algorithm.unsupported": "a C2PA manifest whose hash or signature algorithm is missing or unknown",
}


# What a failure says, in plain words, for a summary (the code and c2pa's own text stay in the
# details). Exact codes first, then the part of the manifest a code's prefix names.
FAILURE_WHY = {
    "assertion.dataHash.mismatch": "the file's bytes changed after signing, so its hash does not match",
    "assertion.boxesHash.mismatch": "the file's bytes changed after signing, so its hash does not match",
    "assertion.bmffHash.mismatch": "the file's bytes changed after signing, so its hash does not match",
    "assertion.collectionHash.mismatch": "a file of the signed collection changed after signing",
    "assertion.hashedURI.mismatch": "a statement in the manifest changed after signing",
    "assertion.missing": "a statement the signed claim lists is missing",
    "assertion.undeclared": "the manifest holds a statement the signed claim does not list",
    "claimSignature.mismatch": (
        "the signature does not match the claim it signs: the manifest changed after signing, or the signature"
        " is not genuine"
    ),
    "claimSignature.missing": "the manifest's signature is missing",
    "claimSignature.outsideValidity": "it was signed outside its certificate's validity",
    "signingCredential.revoked": "the signer's certificate was revoked",
    "signingCredential.expired": "the signer's certificate had expired",
    "signingCredential.invalid": "the signer's certificate is not valid for signing",
    "timeStamp.mismatch": "the timestamp does not match the signature",
    "claim.missing": "the manifest has no claim",
    "claim.hardBindings.missing": "the manifest binds to no part of the file",
    "ingredient.manifest.missing": "the manifest of an ingredient it names is missing",
}
_FAILURE_PART = {
    "assertion.": "a statement in the manifest is not sound",
    "claimSignature.": "the manifest's signature is not sound",
    "signingCredential.": "the signer's certificate is not sound",
    "timeStamp.": "the signature's timestamp is not sound",
    "claim.": "the manifest's claim is not sound",
    "manifest.": "the manifest store is not sound",
}


# What a recovered manifest's hard-binding "mismatch" is (its explanation begins with these words,
# c2pa's own text follows in brackets): expected, not a failure of the copy it was recovered for.
RECOVERED_BINDING = (
    "expected for recovered credentials: the manifest's hashes belong to the original file, not to this copy"
)


def plain_words(code: StatusCode, *, by_part: bool = True) -> str | None:
    """What a failure means, in plain words, or None for a code without them (c2pa's own text,
    which names Rust internals such as "jumbf manifest", is the code's explanation). ``by_part``:
    a code not named exactly gets the words for the part of the manifest it names, which only a
    failure that breaks the manifest may be given (an untrusted or unchecked signer is sound)."""
    if code.explanation.startswith(RECOVERED_BINDING):
        return RECOVERED_BINDING
    parts = _FAILURE_PART.items() if by_part else ()
    return FAILURE_WHY.get(code.code) or next((said for prefix, said in parts if code.code.startswith(prefix)), None)


def plain_failure(code: StatusCode) -> str:
    """One failure as a summary says it: plain words, then the code (c2pa's own text stays in the
    details)."""
    words = plain_words(code)
    return f"{words} ({code.code})" if words else f"{code.code}: {code.explanation}"


def plain_failures(status: list[StatusCode]) -> list[str]:
    """The failures that break a file's own manifest (its binding or its integrity; not trust, not
    an ingredient's), each once, as :func:`plain_failure` says them."""
    failures = (c for c in status if c.kind == "failure" and effect(c) in ("binding", "integrity"))
    return list(dict.fromkeys(plain_failure(c) for c in failures))


def error_code(message: str) -> str:
    """The status code for an error c2pa raised while reading (``general.error`` when unknown).
    ``message`` is c2pa-python's text, ``Kind: display``."""
    return ERROR_CODES.get(message.split(": ", 1)[-1].strip().lower(), "general.error")


def effect(code: StatusCode) -> Effect:
    """What one failure means for the file it was read from."""
    named = FAILURE_EFFECT.get(code.code)
    if named in ("trust", "identity-trust"):
        return named
    if code.scope != "active manifest" or code.code.startswith("ingredient."):
        return "ingredient"
    return named or "integrity"


def binding_only(codes: list[StatusCode]) -> bool:
    """Whether the active manifest fails only its hard binding (the signature and every assertion
    validate, the file's bytes are not the ones signed): re-saved, resized or recompressed, or
    anything else done to the file since; what was done, only its pixels can say."""
    effects = {effect(c) for c in codes if c.kind == "failure"}
    return "binding" in effects and not effects - {"binding", "trust", "identity-trust", "ingredient"}


def classify(
    codes: list[StatusCode],
    *,
    trust: TrustState,
    reference: str | None,
    truncated: bool = False,
) -> CredentialState:
    """The state of a manifest from its status codes.

    ``reference`` is c2pa's own overall state: when it says Invalid and no code
    explains why, the manifest stays invalid (never more favourable than the
    reference without a reason).
    """
    effects = {effect(c) for c in codes if c.kind == "failure"}
    if "integrity" in effects:
        return "invalid"
    if "binding" in effects:
        return "truncated" if truncated else "invalid"
    if "unsupported" in effects:
        return "unsupported"
    if reference == "Invalid" and not effects - {"trust", "identity-trust"}:
        return "invalid"  # c2pa saw a failure we were not shown
    if "ingredient" in effects:
        return "ingredient-invalid"
    return "trusted" if trust == "trusted" else "valid"


def unsupported_reason(codes: list[StatusCode]) -> str:
    for code in codes:
        if code.kind == "failure" and code.code in UNSUPPORTED_WHY:
            return f"{UNSUPPORTED_WHY[code.code]} ({code.code})"
    return "a C2PA manifest of a version or algorithm this tool cannot validate"
