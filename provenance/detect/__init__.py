"""AI signals and the verdict.

Signals come from what the other parts found (the C2PA manifest, our
watermark, the registry) and from the file itself (generator metadata, IPTC
source types, Stable Diffusion watermarks, A1111 stealth info). The verdict is
the strongest claim the evidence supports and nothing stronger: no evidence
gives ``no-evidence``, never "fake" or "real"; ``captured`` needs a valid
signed manifest that says so, from a signer this home trusts (anyone can make a key
and sign "captured": an untrusted claim is reported, not believed). Contradictions
are reported, not hidden.
"""

from __future__ import annotations

from PIL import Image

from provenance import verdicts
from provenance.detect import generators
from provenance.detect.metadata import Metadata, read_metadata
from provenance.detect.sources import describe
from provenance.registry import Record
from provenance.report import Action, AIReport, CredentialReport, Ingredient, Signal, WatermarkReport

__all__ = ["Metadata", "assess", "metadata_signals", "pixel_signals", "read_metadata", "skipped_checks", "verdict"]

_STRENGTH_ORDER = {"ai-generated": 0, "ai-edited": 1, "captured": 2, "info": 3}
_SOURCE_ORDER = {
    "c2pa.digitalSourceType": 0,
    "c2pa.ingredient": 1,
    "watermark": 2,
    "sd.watermark": 3,
    "a1111.parameters": 4,
    "comfyui.workflow": 4,
    "invokeai.metadata": 4,
    "novelai.metadata": 4,
    "fooocus.parameters": 4,
    "swarmui.parameters": 4,
    "a1111.stealth": 4,
    "xmp.digitalSourceType": 5,
    "metadata.generator": 6,
    "metadata.mention": 8,
    "registry": 7,
}


def credential_signals(credentials: CredentialReport, where: str, *, changed: str | None = None) -> list[Signal]:
    """Signals from a manifest (embedded or recovered): its actions and its ingredients.

    ``changed``: the image is not all the signed picture (a manifest recovered for a copy
    with parts that differ from it, in these words): a capture claim covers the signed
    picture, not the changes, so it is reported, not counted."""
    signals: list[Signal] = []
    intact = credentials.intact
    caveat = "" if intact else " (but the manifest is invalid)"
    for action in credentials.actions:
        if not action.digital_source_type:
            continue
        term, words, strength = describe(action.digital_source_type)
        if strength is None or (strength == "captured" and not intact):
            continue
        if strength == "captured" and not _trusted(credentials):
            signals.append(_untrusted_capture(action, term, words, where))
            continue
        if strength == "captured" and credentials.test_signer:
            signals.append(_test_capture(action, term, words, where))
            continue
        if credentials.broken:
            signals.append(_unbound_claim(credentials, action, term, words, where))
            continue
        if strength == "captured" and changed is not None:
            signals.append(_changed_capture(action, term, words, where, changed))
            continue
        agent = f", using {action.software_agent}" if action.software_agent else ""
        not_ai = "; that is not AI" if strength == "info" else ""
        signals.append(
            Signal(
                kind="c2pa.digitalSourceType",
                source=f"{where}, action {action.action}",
                evidence=f"The signed manifest says the image was {words}{agent} ({term}){not_ai}{caveat}.",
                generator=action.software_agent,
                model=action.software_agent if strength in ("ai-generated", "ai-edited") else None,
                strength=strength,
            )
        )
    if not credentials.broken:  # a manifest that is not this file's says nothing of its ingredients either
        signals += _ingredient_signals(credentials.ingredients, where, caveat)
    if credentials.cawg is not None and credentials.cawg.training_mining:
        uses = ", ".join(f"{k.removeprefix('cawg.')} {v}" for k, v in credentials.cawg.training_mining.items())
        signals.append(
            Signal(
                kind="cawg.training-mining",
                source=f"{where}, cawg.training-mining",
                evidence=f"The owner states how AI may use this image: {uses}.",
                strength="info",
            )
        )
    return signals


def _trusted(credentials: CredentialReport) -> bool:
    """Signed by a signer on this home's trust list (only such a signer's word makes a capture)."""
    return credentials.state == "trusted" or credentials.trust == "trusted"


def _reported_claim(action: Action, where: str, evidence: str) -> Signal:
    """A source-type claim that is reported, never counted as evidence (``evidence`` says why)."""
    return Signal(
        kind="c2pa.digitalSourceType",
        source=f"{where}, action {action.action}",
        evidence=evidence,
        generator=action.software_agent,
        strength="info",
    )


def _agent(action: Action) -> str:
    return f", using {action.software_agent}" if action.software_agent else ""


def _unbound_claim(credentials: CredentialReport, action: Action, term: str, words: str, where: str) -> Signal:
    """A claim of a manifest that does not match this file: it may have been changed after signing,
    cut short, or moved here from another picture, so it is reported, never counted as evidence."""
    claim = f"The manifest claims the image was {words}{_agent(action)} ({term}), but"
    if credentials.state == "truncated":  # damaged, not shown to be tampered with: said so
        return _reported_claim(
            action,
            where,
            f"{claim} the file is incomplete (cut short, e.g. an interrupted download), so the claim cannot be"
            " checked against its picture: it is reported, not counted.",
        )
    return _reported_claim(
        action,
        where,
        f"{claim} it does not match this file (changed after signing, or moved from another picture): the"
        " claim may be about other pixels, so it is reported, not counted.",
    )


def _changed_capture(action: Action, term: str, words: str, where: str, changed: str) -> Signal:
    """A trusted capture claim recovered for a copy with parts that differ from the signed picture."""
    return _reported_claim(
        action,
        where,
        f"The signed manifest says the signed picture was {words}{_agent(action)} ({term}); this image is"
        f" {changed}. The claim covers the signed picture, not what was changed since (which could be"
        " anything, AI-made included), so it is reported, not counted.",
    )


def _untrusted_capture(action: Action, term: str, words: str, where: str) -> Signal:
    return _reported_claim(
        action,
        where,
        f"The manifest claims the image was {words}{_agent(action)} ({term}), but its signer is not trusted"
        " here: a claim anyone with a key of their own could sign, so it is reported, not believed.",
    )


def _test_capture(action: Action, term: str, words: str, where: str) -> Signal:
    """A capture claim signed with a test certificate, trusted here or not: C2PA's SDKs publish its
    key, so anyone could have signed it (a walkthrough's home that loaded the test roots, as the
    reference tests do, read "Captured" for anything signed so)."""
    return _reported_claim(
        action,
        where,
        f"The manifest claims the image was {words}{_agent(action)} ({term}), but it is signed with a test"
        " certificate whose key C2PA's SDKs publish: anyone could have signed it, so it is reported, not believed.",
    )


def _ingredient_signals(ingredients: list[Ingredient], where: str, caveat: str) -> list[Signal]:
    out: list[Signal] = []
    for item in ingredients:
        if item.digital_source_type:
            term, words, strength = describe(item.digital_source_type)
            if strength in ("ai-generated", "ai-edited"):
                out.append(
                    Signal(
                        kind="c2pa.ingredient",
                        source=f"{where}, ingredient '{item.title}'",
                        evidence=(
                            f"One of the pictures this image was made from, '{item.title}', was {words} ({term});"
                            f" the image contains AI-made material{caveat}."
                        ),
                        generator=item.software_agent,
                        strength="ai-edited",
                    )
                )
        out += _ingredient_signals(item.ingredients, where, caveat)
    return out


def watermark_signals(mark: WatermarkReport, record: Record | None) -> list[Signal]:
    if not mark.found or record is None or record.kind not in ("twin", "stamped"):
        return []
    made = "generated here as an AI twin" if record.kind == "twin" else "stamped as AI-generated"
    return [
        Signal(
            kind="watermark",
            source=f"pixels ({mark.scheme})",
            evidence=(
                f"An invisible watermark links the pixels to registry record {record.record_id},"
                f" {made}{verdicts.model_clause(record.model)}."
            ),
            generator="provenance",
            model=record.model,
        )
    ]


CONTAINED_SOURCE = "pixels (watermark and picture, part of the image)"


def contained_ai_signals(record: Record) -> list[Signal]:
    """An AI picture made or stamped here found whole, its mark read, as part of this image (a
    collage, a page): the image holds AI-generated content, whatever the rest of it is."""
    made = "an AI twin made here" if record.kind == "twin" else "an AI image stamped here"
    return [
        Signal(
            kind="watermark",
            source=CONTAINED_SOURCE,
            evidence=(
                f"Part of this image is registry record {record.record_id}, {made}"
                f" ({verdicts.made_with(record.model)}): its watermark is read and its picture found whole"
                " within the image, so the image holds AI-generated content."
            ),
            generator="provenance",
            model=record.model,
            strength="ai-edited",
        )
    ]


def registry_signals(records: list[Record]) -> list[Signal]:
    """This file's own record, found by perceptual hash alone, when it says it is AI (the caller
    passes only such records: verify.record_is_ai)."""
    return [
        Signal(
            kind="registry",
            source="registry fingerprint match",
            evidence=(
                f"The picture matches registry record {r.record_id} by perceptual hash: an AI image"
                f" ({verdicts.made_with(r.model)})"
                + (
                    ", registered as an original whose own Content Credentials declared it so."
                    if r.kind == "original"
                    else "."
                )
            ),
            model=r.model,
        )
        for r in records
        if r.kind in ("twin", "stamped") or (r.kind == "original" and r.model is not None)
    ]


# the source of a signal from a registry record the picture looks like without carrying its mark
UNMARKED_SOURCE = "registry fingerprint match (without the record's watermark)"


def unmarked_stamp_signals(records: list[Record]) -> list[Signal]:
    """AI images stamped here that this picture looks like without carrying their mark: it is a
    copy of one (the mark lost: blurred, a small crop) or of the AI image it was stamped from,
    AI-made either way. (Not a twin: its look-alike may be the photo it was made from.) The
    caller passes only stamped records that declare AI (verify.record_is_ai)."""
    return [
        Signal(
            kind="registry",
            source=UNMARKED_SOURCE,
            evidence=(
                f"The picture looks like registry record {r.record_id}, an AI image stamped here"
                f" ({verdicts.made_with(r.model)}), but lacks its watermark: a copy of it, or of the AI image"
                " it was stamped from; AI-made either way."
            ),
            model=r.model,
        )
        for r in records
        if r.kind == "stamped"
    ]


def unmarked_twin_signals(records: list[Record]) -> list[Signal]:
    """AI twins made here that this picture looks like, their mark not read (lost, or the picture too
    small to read it). A near-copy twin
    looks like the photo it was made from, so the copy may be of either: reported (``info``), never
    counted, so that a reader of the AI verdict learns of the twin the ownership verdict lists."""
    return [
        Signal(
            kind="registry",
            source=UNMARKED_SOURCE,
            evidence=(
                f"The picture looks like registry record {r.record_id}, an AI twin made here"
                f" ({verdicts.made_with(r.model)}), but its watermark is not read here: a copy of the twin (blurred,"
                " small, a crop), or of the photo the twin was made from, which looks alike; which of them"
                " cannot be told: reported, not counted."
            ),
            model=r.model,
            strength="info",
        )
        for r in records
        if r.kind == "twin"
    ]


def look_alike_signals(records: list[tuple[Record, bool]]) -> list[Signal]:
    """AI records near this picture by perceptual hash that are another file's, this file's
    own record being found exactly (its manifest, its watermark or its SHA-256): a twin or stamp
    made from this picture (``True``), or another record of a near-identical picture, such as
    an earlier AI stamp of the same photo. What another file's record declares is not what this
    file is: reported (``info``), never counted, never a conflict with this file's own claim.
    The caller passes only records that say they are AI (verify.record_is_ai: a stamp by its
    stored manifest)."""
    out = []
    for r, made_from_this in records:
        if r.kind not in ("twin", "stamped"):
            continue
        if made_from_this:
            what = "A twin of this picture" if r.kind == "twin" else "An AI image made from this picture"
            said = f"{what} is registered (record {r.record_id}, {verdicts.made_with(r.model)})"
        else:
            said = (
                f"Another record of a near-identical picture, {r.record_id}, declares it"
                f" AI-generated{verdicts.model_clause(r.model)}"
            )
        out.append(
            Signal(
                kind="registry",
                source="registry fingerprint match (another file's record)",
                evidence=(
                    f"{said}; it looks like this picture by perceptual hash, but this file's own record was"
                    " found exactly and decides: reported, not counted."
                ),
                model=r.model,
                strength="info",
            )
        )
    return out


def metadata_signals(meta: Metadata) -> list[Signal]:
    """Generator metadata, read without decoding pixels."""
    return generators.metadata_signals(meta)


def pixel_signals(pixels: Image.Image, data: bytes, meta: Metadata) -> list[Signal]:
    """Signals that need decoded pixels: Stable Diffusion watermarks, A1111 stealth info."""
    from provenance.detect import sd_watermark, stealth  # numpy: only where pixels are checked

    signals = [
        Signal(
            kind="sd.watermark",
            source=f"pixels (invisible-watermark dwtDct, {mark.channel_order})",
            evidence=(
                f"The pixels carry the invisible watermark that {mark.name} software adds to everything it"
                f" generates ({round(mark.agreement * mark.bits)} of {mark.bits} bits match)."
            ),
            generator=mark.name,
        )
        for mark in sd_watermark.detect(pixels)
    ]
    if meta.has_alpha and (text := stealth.read_stealth(data)):
        parsed = generators.parse_a1111(text)
        model = parsed["model"]
        signals.append(
            Signal(
                kind="a1111.stealth",
                source="alpha channel (A1111 stealth PNG info)",
                evidence=(
                    "Stable Diffusion generation settings are hidden in the transparency channel"
                    f" (AUTOMATIC1111 stealth info){f', model {model}' if model else ''}."
                ),
                generator=parsed["generator"],
                model=model,
                prompt=parsed["prompt"],
                negative_prompt=parsed["negative_prompt"],
            )
        )
    return signals


def _conflicts(signals: list[Signal]) -> list[str]:
    captured = [s for s in signals if s.strength == "captured"]
    ai = [s for s in signals if s.strength in ("ai-generated", "ai-edited")]
    return [
        f"{c.source} says the image was captured, but {a.source} says otherwise: {a.evidence}"
        for c in captured
        for a in ai
    ]


def verdict(signals: list[Signal], *, pixels_checked: bool = False) -> AIReport:
    """The strongest supported verdict, signals strongest first, contradictions listed."""
    ordered = sorted(signals, key=lambda s: (_STRENGTH_ORDER[s.strength], _SOURCE_ORDER.get(s.kind, 8)))
    strengths = {s.strength for s in ordered}
    level = next((lv for lv in ("ai-generated", "ai-edited", "captured") if lv in strengths), "no-evidence")
    return AIReport(
        verdict=level,  # type: ignore[arg-type]
        signals=ordered,
        conflicts=_conflicts(ordered),
        pixels_checked=pixels_checked,
    )


def assess(
    signals: list[Signal],
    *,
    meta: Metadata,
    data: bytes,
    pixels: Image.Image | None,
    deep: bool = False,
) -> AIReport:
    """Add the file's own metadata signals, and pixel signals when metadata is silent
    (or ``deep``), then decide."""
    signals = signals + metadata_signals(meta)
    silent = not any(s.strength in ("ai-generated", "ai-edited") for s in signals)
    checked = pixels is not None and (silent or deep)
    if checked and pixels is not None:
        signals += pixel_signals(pixels, data, meta)
    report = verdict(signals, pixels_checked=checked)
    if checked and pixels is not None:
        report.skipped = skipped_checks(pixels)
    return report


def skipped_checks(pixels: Image.Image) -> list[str]:
    """The pixel checks this image is too small for, each with why: named in the report (after
    "not checked:", apart from the signals), never dropped silently (an empty list: every pixel
    check ran)."""
    from provenance.detect import sd_watermark

    if pixels.width * pixels.height >= sd_watermark.MIN_PIXELS:
        return []
    return [
        f"Stable Diffusion watermarks (invisible-watermark dwtDct): the image has under"
        f" {sd_watermark.MIN_PIXELS:,} pixels, the smallest that decoder reads"
    ]
