"""Verification: credentials + watermark + registry + AI signals -> one report.

Reads only. The registry is opened read-only and never created; nothing here
imports torch or diffusers. Each verdict is computed on its own and the exit
code follows the documented scheme (README, ``provenance verify --help``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provenance import detect, fingerprint, watermark
from provenance.config import Home
from provenance.credentials import read_credentials, read_recovered
from provenance.credentials.claims import SCHEME_FOR_ALG, record_id_from_soft_binding
from provenance.credentials.trust import TrustPolicy, build_policy
from provenance.errors import ExitCode, InputError
from provenance.fingerprint import PHASH, THRESHOLDS, Fingerprint
from provenance.imaging import MAX_MANIFEST_BYTES, LoadedImage, load_image, read_input
from provenance.registry import Record, Registry, read_home_registry
from provenance.registry.matching import agree, classify
from provenance.registry.matching import distances as print_distances
from provenance.report import (
    AIReport,
    CredentialReport,
    OwnershipMatch,
    OwnershipReport,
    OwnershipVerdict,
    VerifyReport,
    WatermarkReport,
)
from provenance.runtime import time_limit

# A watermark whose record's picture is further than this from the image was
# most likely copied onto another picture (docs/threat-model.md).
WATERMARK_MISMATCH_DISTANCE = 26


@dataclass
class _Found:
    """Registry records reached directly, with how and how far."""

    record: Record
    matched_by: str  # watermark, manifest, sha256, fingerprint, fingerprint-unmarked, fingerprint-inconclusive
    distances: dict[str, int]


@dataclass
class VerifyOptions:
    """How to verify: trust policy, an explicit sidecar manifest, where to extract."""

    policy: TrustPolicy | None = None
    manifest: Path | None = None
    extract_to: Path | None = None
    pixels: str = "auto"  # auto: as needed; never: metadata only (fast); always: every pixel check
    time_limit: float = 120.0  # seconds per file (main thread only; see provenance.runtime.time_limit)
    look_beside: bool = True  # use NAME.c2pa beside the file (off for uploads: there is no "beside")


def verify_path(path: Path, *, home: Home | None = None, options: VerifyOptions | None = None) -> VerifyReport:
    """Verify one file. Unreadable input becomes a report with ``error`` and exit 4."""
    home = home or Home.default()
    options = options or VerifyOptions()
    try:
        with time_limit(options.time_limit, str(path)):
            image = load_image(path)
            return verify_image(image, home=home, options=options)
    except InputError as exc:
        return _error_report(path, exc.diagnostics())


def verify_loaded(image: LoadedImage, *, home: Home, options: VerifyOptions | None = None) -> VerifyReport:
    """Verify an image already in memory (an upload). Undecodable input becomes a report with ``error``."""
    try:
        return verify_image(image, home=home, options=options)
    except InputError as exc:
        return _error_report(image.path, exc.diagnostics())


def _credentials(image: LoadedImage, options: VerifyOptions, policy: TrustPolicy) -> CredentialReport:
    """Embedded manifest first; else the sidecar (given, or ``NAME.c2pa`` beside the file)."""
    extract = options.extract_to
    if options.manifest is not None:
        sidecar = read_input(options.manifest, max_bytes=MAX_MANIFEST_BYTES)
        return read_credentials(image.mime, image.data, policy=policy, sidecar=sidecar, extract_to=extract)
    report = read_credentials(image.mime, image.data, policy=policy, extract_to=extract)
    beside = image.path.with_suffix(".c2pa")
    if report.state == "absent" and report.remote_url is None and options.look_beside and beside.is_file():
        sidecar = read_input(beside, max_bytes=MAX_MANIFEST_BYTES)
        return read_credentials(image.mime, image.data, policy=policy, sidecar=sidecar, extract_to=extract)
    return report


def verify_image(image: LoadedImage, *, home: Home, options: VerifyOptions | None = None) -> VerifyReport:
    options = options or VerifyOptions()
    policy = options.policy or build_policy(home)
    credentials = _credentials(image, options, policy)
    meta = detect.read_metadata(image.data, image.mime)
    use_pixels = options.pixels != "never"
    if use_pixels and not image.decodable and not credentials.present:
        image.pixels()  # raises the decoder's InputError
    mark, print_ = _pixel_checks(image) if use_pixels else (WatermarkReport(False, note="pixels not checked"), None)
    registry = read_home_registry(home)
    try:
        carry = print_ is not None and min(image.pixels().size) >= watermark.MIN_SIDE
        found = _lookup(registry, image, mark, credentials, print_, could_carry=carry) if registry else []
        wm_record = next((f.record for f in found if f.matched_by == "watermark"), None)
        _check_agreement(mark, credentials, wm_record, print_)
        if mark.agrees_with_manifest is False:
            # A mark that contradicts the manifest or the picture proves nothing.
            found = [f for f in found if f.matched_by != "watermark"]
            wm_record = None
        ownership = _ownership(registry, found)
        if not credentials.present and registry is not None:
            credentials = _recover(image, found, credentials, policy, print_)
    finally:
        if registry is not None:
            registry.close()
    ai = _assess(credentials, mark, wm_record, found, meta, image, options)
    code = _exit_code(credentials, mark, ownership)
    return VerifyReport(
        file=str(image.path),
        format=image.mime,
        credentials=credentials,
        watermark=mark,
        ownership=ownership,
        ai=ai,
        summary=_summary(credentials, mark, ownership, ai, code),
        exit_code=int(code),
    )


def _error_report(path: Path, message: str) -> VerifyReport:
    return VerifyReport(
        file=str(path),
        format=None,
        credentials=CredentialReport(state="absent"),
        watermark=WatermarkReport(found=False),
        ownership=OwnershipReport(),
        ai=AIReport(verdict="no-evidence"),
        summary=f"Could not be checked: {message}",
        exit_code=int(ExitCode.UNREADABLE),
        error=message,
    )


def _pixel_checks(image: LoadedImage) -> tuple[WatermarkReport, list[Fingerprint] | None]:
    if not image.decodable:
        return WatermarkReport(found=False, note="pixels could not be decoded"), None
    pixels = image.pixels()
    reading = watermark.detect(pixels)
    mark = WatermarkReport(
        found=reading.found,
        scheme=reading.scheme if reading.found else None,
        record_id=reading.record_id,
        confidence=reading.confidence,
    )
    if min(pixels.size) < watermark.MIN_SIDE:
        mark.note = f"image under {watermark.MIN_SIDE} px: too small to carry a watermark"
    # a mirrored or rotated copy is fingerprinted the way it was marked (the mark says how)
    return mark, fingerprint.compute(watermark.upright(pixels, reading))


def _lookup(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    prints: list[Fingerprint] | None,
    *,
    could_carry: bool,
) -> list[_Found]:
    found: dict[str, _Found] = {}

    def add(record: Record | None, how: str) -> None:
        if record is not None and record.record_id not in found:
            found[record.record_id] = _Found(record, how, print_distances(prints or [], record.fingerprints))

    if mark.record_id:
        add(registry.get(mark.record_id), "watermark")
    if credentials.record_id and credentials.state != "invalid":
        add(registry.get(credentials.record_id), "manifest")
    add(registry.find_by_sha256(image.sha256), "sha256")
    if prints:
        near: dict[str, Record] = {}
        for print_ in prints:
            limit = THRESHOLDS.get(print_.algorithm)
            if limit is not None:
                near.update((rec.record_id, rec) for rec, _ in registry.search(print_, limit.inconclusive))
        nearest = {rid: sorted(print_distances(prints, rec.fingerprints).values()) for rid, rec in near.items()}
        for record in sorted(near.values(), key=lambda rec: nearest[rec.record_id]):
            decision = classify(prints, record.fingerprints)
            if decision == "match":
                add(record, _fingerprint_kind(record, mark, could_carry))
            elif decision == "inconclusive":
                add(record, "fingerprint-inconclusive")
    return list(found.values())


def _fingerprint_kind(record: Record, mark: WatermarkReport, could_carry: bool) -> str:
    """A look-alike of an image we stamped, that lacks our watermark although it could
    carry one, is most likely that image's source (or a heavy edit), not the image itself:
    a near-copy twin looks just like the photo it was made from. Such a match is only
    "similar", never grounds to hand over the record's credentials or its AI nature."""
    carries_mark = record.kind in ("twin", "stamped")
    if carries_mark and could_carry and not mark.found:
        return "fingerprint-unmarked"
    return "fingerprint"


def _phash_distance(prints: list[Fingerprint] | None, record: Record) -> int | None:
    return print_distances(prints or [], record.fingerprints).get(PHASH)


_STRENGTH = {"watermark": "exact", "sha256": "exact", "manifest": "exact", "fingerprint": "match"}


def _ownership(registry: Registry | None, found: list[_Found]) -> OwnershipReport:
    if registry is None:
        return OwnershipReport()
    matches: dict[str, OwnershipMatch] = {}
    for item in found:  # direct matches first: they are the strongest claims
        relation = "similar-to" if item.matched_by == "fingerprint-unmarked" else "same-as"
        strength = _STRENGTH.get(item.matched_by, "inconclusive")
        matches[item.record.record_id] = _match(item.record, relation, strength, item.matched_by, item.distances)
    for item in found:
        if _STRENGTH.get(item.matched_by) is None:
            continue  # neither this record nor its sources are established
        for depth, (parent, child) in enumerate(_sources(registry, item.record)):
            if parent.record_id in matches and matches[parent.record_id].strength != "inconclusive":
                continue
            relation = "ancestor" if depth else ("twin-of" if child.kind == "twin" else "derivative-of")
            matches[parent.record_id] = _match(
                parent, relation, _STRENGTH[item.matched_by], "registry link", {}, via=child.record_id
            )
    ordered = sorted(matches.values(), key=_match_order)
    verdict, summary = _ownership_verdict(ordered)
    return OwnershipReport(verdict=verdict, summary=summary, matches=ordered, registry=registry.location)


def _sources(registry: Registry, record: Record, limit: int = 1000) -> list[tuple[Record, Record]]:
    """(source, made-from-it) pairs up the chain, nearest first; stops on a loop."""
    chain: list[tuple[Record, Record]] = []
    seen = {record.record_id}
    child = record
    while child.source_record_id and len(chain) < limit:
        parent = registry.get(child.source_record_id)
        if parent is None or parent.record_id in seen:
            break
        chain.append((parent, child))
        seen.add(parent.record_id)
        child = parent
    return chain


_RELATION_ORDER = ("same-as", "twin-of", "derivative-of", "ancestor", "similar-to")
_STRENGTH_ORDER = ("exact", "match", "inconclusive")


def _match_order(match: OwnershipMatch) -> tuple[int, int, int]:
    nearest = min(match.distances.values(), default=0)
    return _STRENGTH_ORDER.index(match.strength), _RELATION_ORDER.index(match.relation), nearest


def _match(
    record: Record,
    relation: str,
    strength: str,
    how: str,
    distances: dict[str, int],
    *,
    via: str | None = None,
) -> OwnershipMatch:
    return OwnershipMatch(
        record_id=record.record_id,
        owner=record.owner,
        relation=relation,  # type: ignore[arg-type]
        strength=strength,  # type: ignore[arg-type]
        matched_by=how,
        kind=record.kind,
        distances=distances,
        title=record.title,
        model=record.model,
        source_url=record.source_url,
        registered_at=record.created_at,
        via_record=via,
    )


def _ownership_verdict(matches: list[OwnershipMatch]) -> tuple[OwnershipVerdict, str]:
    solid = [m for m in matches if m.strength != "inconclusive" and m.relation != "similar-to"]
    originals = [m for m in solid if m.kind == "original"]
    if any(m.relation == "same-as" for m in originals):
        m = next(m for m in originals if m.relation == "same-as")
        return "registered", f"Matches the registered original {_name(m)}, owned by {m.owner}."
    if originals:
        m = originals[0]
        how = {"twin-of": "an AI twin of", "derivative-of": "derived from", "ancestor": "descended from"}[m.relation]
        return "derived", f"This image is {how} the registered original {_name(m)}, owned by {m.owner}."
    if solid:
        m = solid[0]
        return "registered", f"This image is registered ({m.kind} {_name(m)}, owner {m.owner})."
    if matches:
        m = matches[0]
        near = ", ".join(f"{alg.split('/')[0]} {d}" for alg, d in m.distances.items())
        return "inconclusive", (
            f"Inconclusive: it resembles registered record {_name(m)} (owner {m.owner}; distance {near}),"
            " but not closely enough to say it is that picture."
        )
    return "no-match", "No registered image matches."


def _name(match: OwnershipMatch) -> str:
    return f"'{match.title}' ({match.record_id})" if match.title else match.record_id


def _fingerprints_agree(item: _Found, prints: list[Fingerprint] | None) -> bool:
    return prints is not None and agree(prints, item.record.fingerprints)


def _recover(
    image: LoadedImage,
    found: list[_Found],
    credentials: CredentialReport,
    policy: TrustPolicy,
    prints: list[Fingerprint] | None,
) -> CredentialReport:
    """Credentials stripped: fetch the signed manifest the registry kept."""
    for item in sorted(found, key=lambda f: f.matched_by != "watermark"):
        if item.matched_by == "fingerprint" and not _fingerprints_agree(item, prints):
            continue  # one hash alone is too easy to collide with to hand over credentials
        if item.record.manifest and item.matched_by in ("watermark", "fingerprint", "sha256"):  # never on a guess
            via = "watermark" if item.matched_by == "watermark" else "fingerprint"
            recovered = read_recovered(image.mime, image.data, item.record.manifest, policy=policy, via=via)
            credentials.recovered = True
            credentials.recovered_via = via
            credentials.recovered_manifest = recovered
            return credentials
    return credentials


def _check_agreement(
    mark: WatermarkReport,
    credentials: CredentialReport,
    wm_record: Record | None,
    prints: list[Fingerprint] | None,
) -> None:
    declared = [record_id_from_soft_binding(b.value) for b in credentials.soft_bindings if b.alg in SCHEME_FOR_ALG]
    if declared and credentials.present:
        if mark.found:
            mark.agrees_with_manifest = mark.record_id in declared
            if not mark.agrees_with_manifest:
                mark.note = f"the manifest declares watermark record {declared[0]}, the pixels carry {mark.record_id}"
        else:
            mark.note = "the manifest declares a watermark that could not be read from the pixels"
    if mark.found and wm_record is not None and prints is not None:
        distance = _phash_distance(prints, wm_record)
        if distance is not None and distance > WATERMARK_MISMATCH_DISTANCE:
            mark.agrees_with_manifest = False
            mark.note = (
                f"the watermark names record {wm_record.record_id}, but this picture does not look"
                f" like it (pHash distance {distance}): the mark was probably copied onto another image"
            )


def _assess(  # noqa: PLR0917 - one call site, every argument a different part's result
    credentials: CredentialReport,
    mark: WatermarkReport,
    wm_record: Record | None,
    found: list[_Found],
    meta: detect.Metadata,
    image: LoadedImage,
    options: VerifyOptions,
) -> AIReport:
    signals = []
    if credentials.present:
        signals += detect.credential_signals(credentials, "C2PA manifest")
    if credentials.recovered_manifest is not None and credentials.recovered_manifest.state != "invalid":
        signals += detect.credential_signals(credentials.recovered_manifest, "recovered C2PA manifest")
    if mark.agrees_with_manifest is not False:
        signals += detect.watermark_signals(mark, wm_record)
    by_print = [f.record for f in found if f.matched_by == "fingerprint"]
    signals += detect.registry_signals(by_print)
    pixels = image.pixels() if options.pixels != "never" and image.decodable else None
    # Images we stamped may also carry their generator's own watermark (diffusers'
    # SDXL watermarker): look for it so both marks are reported.
    ours = credentials.record_id is not None or wm_record is not None
    deep = options.pixels == "always" or ours
    return detect.assess(signals, meta=meta, data=image.data, pixels=pixels, deep=deep)


def _exit_code(credentials: CredentialReport, mark: WatermarkReport, ownership: OwnershipReport) -> ExitCode:
    if credentials.state == "invalid" or mark.agrees_with_manifest is False:
        return ExitCode.BROKEN
    recovered = credentials.recovered_manifest
    if recovered is not None and recovered.state == "invalid":
        return ExitCode.BROKEN
    if credentials.present or recovered is not None or ownership.verdict in ("registered", "derived"):
        return ExitCode.OK
    return ExitCode.ABSENT


def _ai_sentence(ai: AIReport) -> str:
    if ai.verdict not in ("ai-generated", "ai-edited") or not ai.signals:
        return ""
    top = ai.signals[0]
    named = ", ".join(x for x in (top.generator, top.model) if x and x != "provenance")
    what = "AI-generated" if ai.verdict == "ai-generated" else "edited with AI"
    conflict = " Some evidence contradicts this (see conflicts)." if ai.conflicts else ""
    return f" The file itself says it is {what}{f' ({named})' if named else ''}.{conflict}"


def _summary(
    credentials: CredentialReport,
    mark: WatermarkReport,
    ownership: OwnershipReport,
    ai: AIReport,
    code: ExitCode,
) -> str:
    if code == ExitCode.BROKEN:
        if credentials.state == "invalid":
            why = credentials.error or "validation failed"
            return f"Provenance broken: the Content Credentials do not match this file ({why})."
        return f"Provenance broken: {mark.note or 'the recovered credentials are invalid'}."
    if code == ExitCode.ABSENT and credentials.remote_url:
        return (
            f"The Content Credentials are stored remotely ({credentials.remote_url}) and were not"
            " fetched: remote fetching is off unless --allow-remote is given." + _ai_sentence(ai)
        )
    if code == ExitCode.ABSENT:
        similar = [m for m in ownership.matches if m.relation == "similar-to" or m.strength == "inconclusive"]
        looks = ""
        if similar:
            m = similar[0]
            looks = (
                f" It looks like registered record {m.record_id} ('{m.title}', owner {m.owner}) but lacks that"
                " image's watermark: possibly its source, or a heavily edited copy."
                if m.relation == "similar-to"
                else " " + ownership.summary
            )
        if ai.verdict in ("ai-generated", "ai-edited"):
            return "No Content Credentials, watermark of ours or registry match." + looks + _ai_sentence(ai)
        return (
            "No provenance found: no Content Credentials, no known watermark and no exact registry match."
            + looks
            + " That alone says nothing about whether the image is genuine."
        )
    parts: list[str] = []
    kind = {"ai-generated": "AI-generated image", "ai-edited": "AI-edited image", "captured": "Captured photo"}
    parts.append(kind.get(ai.verdict, "Image with provenance"))
    shown = credentials if credentials.present else credentials.recovered_manifest
    if shown is not None:
        trust = "a trusted signer" if shown.state == "trusted" else "a signer this home does not trust"
        how = (
            "signed"
            if credentials.present
            else f"credentials stripped, recovered via {credentials.recovered_via}; signed"
        )
        parts.append(f"{how} by {shown.signer or 'an unnamed signer'} ({trust})")
    if mark.found:
        parts.append(f"carries the {mark.scheme} watermark (record {mark.record_id})")
    if ownership.verdict in ("registered", "derived"):
        parts.append(ownership.summary.rstrip(".")[0].lower() + ownership.summary.rstrip(".")[1:])
    conflict = " Some evidence contradicts the verdict (see conflicts)." if ai.conflicts else ""
    return "; ".join(parts) + "." + conflict
