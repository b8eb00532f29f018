"""The stamp: watermark -> signed manifest -> registry row, for any image.

Order matters. The watermark changes pixels, so it goes first; the manifest's
hard binding covers the final encoded bytes, so signing comes after encoding;
the registry row and the output file are committed together, so neither exists
without the other. The mark is decoded back from the encoded bytes before
anything is written: a stamp never leaves with a mark that does not read.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from provenance import camera, detect, fingerprint, watermark
from provenance.camera import KeptExif
from provenance.config import Home
from provenance.credentials import _c2pa, build_policy, codes, read_credentials, read_recovered
from provenance.credentials._c2pa import SignOptions
from provenance.credentials.claims import EDITS, PARENT_LABEL, SOURCE_TYPES, StampClaims, manifest_definition
from provenance.credentials.codes import TRUST_CODES
from provenance.credentials.keys import Identity, organisation_of
from provenance.detect.sources import AI_TERMS, CAPTURE_TERMS, DIGITAL_SOURCE_TYPES, describe
from provenance.errors import UsageError, WatermarkError
from provenance.fingerprint import keypoints, thumbnail
from provenance.imaging import (
    MIME_FOR_FORMAT,
    LoadedImage,
    check_output,
    claim_thumbnail,
    decode_pixels,
    encode_image,
    load_image,
    output_format,
    rgb_icc_profile,
    write_atomic,
)
from provenance.registry import Record, Registry, open_home_registry, same_owner
from provenance.report import CredentialReport, Ingredient
from provenance.verify import (
    anothers_picture_lying,
    file_credentials,
    foreign_mark,
    framed_prints,
    input_record,
    lays,
    made_from,
    titled,
)

# --source-type -> the IPTC terms a file may say of itself without contradicting it
# (anything else it says, AI, composite or computer-made, contradicts the declaration).
COMPATIBLE_TERMS = {
    "captured": CAPTURE_TERMS,
    "edited": CAPTURE_TERMS | {"humanEdits"},
    "composite": CAPTURE_TERMS | {"humanEdits", "compositeCapture", "composite"},
    "digital-art": CAPTURE_TERMS | {"digitalCreation", "digitalArt", "humanEdits", "composite", "compositeSynthetic"},
}


@dataclass
class StampRequest:
    """Who made the image, with what, and from what."""

    author: str
    model: str | None
    title: str
    kind: str = "stamped"  # "twin" when generated here; "original" for a newsroom's own photo
    source: LoadedImage | None = None
    generation: dict[str, Any] = field(default_factory=dict)
    parent: LoadedImage | None = None  # the input itself, when it carries a manifest to keep
    source_type: str = "ai"  # captured, edited, composite, digital-art, ai (claims.SOURCE_TYPES)
    edits: tuple[str, ...] = ()
    caption: str | None = None
    credit: str | None = None
    organisation: str | None = None
    owner: str | None = None  # who the registry row belongs to (default: the author)
    # Who a source registered here as an original belongs to (default: the author). Stamp and twin
    # both give the signer's organisation, as stamp does for a newsroom's own photo: a registered
    # original is the organisation's; the AI image or twin made from it is the user's.
    source_owner: str | None = None
    ai_training: bool | None = None
    exif: bytes | None = None  # the input's EXIF block, for the output file (camera.keep)
    icc_profile: bytes | None = None  # the input's RGB colour profile, kept in the output (imaging.rgb_icc_profile)
    camera: dict[str, str] = field(default_factory=dict)  # make, model, capture time: for the manifest
    input_sha256: str | None = None  # the unsigned file stamped (none for a twin: its pixels were made here)
    # the file stamped is a picture registered here (stamp, not twin: its own record found as verify
    # finds it, verify.input_record): the new record is made from that record, never a second original
    input_record: Record | None = None


@dataclass(frozen=True)
class OwnRecord:
    """A file's own record in this home's registry, and the records it was made from (nearest first)."""

    record: Record
    made_from: list[Record]


@dataclass
class StampResult:
    output: Path
    record_id: str
    source_record_id: str | None
    data: bytes
    manifest: bytes
    fingerprints: list[fingerprint.Fingerprint]
    watermark_confidence: float
    sidecar: bool = False
    exif: KeptExif | None = None  # what of the input's EXIF the output kept
    warnings: list[str] = field(default_factory=list)
    source_type: str = "ai"  # what the manifest declares the picture to be (--source-type)
    kind: str = "stamped"  # the registry record's kind: original, stamped or twin
    owner: str | None = None  # the registry record's owner
    prior_signer: str | None = None  # who signed a manifest the input carried, when not this signer
    input_record_id: str | None = None  # the input's own record here, when it had one (a re-stamp)
    # the owner the source was registered to by this stamp, as an original (a twin's source photo not
    # registered before): said, since verify then names that owner for the photo and its copies
    source_registered_to: str | None = None


def stamp_pixels(
    pixels: Image.Image,
    output: Path,
    fmt: str,
    request: StampRequest,
    *,
    identity: Identity,
    home: Home,
    options: SignOptions | None = None,
) -> StampResult:
    """Watermark, sign, register and atomically write ``pixels`` to ``output``
    (and the manifest to ``output.c2pa`` when ``options.sidecar``)."""
    options = options or SignOptions()
    mime = MIME_FOR_FORMAT[fmt]
    with open_home_registry(home) as registry:
        record_id = registry.new_record_id()
        encoded, final_pixels, reading = _marked(
            pixels, record_id, fmt, output, request.exif, icc_profile=request.icc_profile
        )
        prints = fingerprint.compute(final_pixels)
        claims = StampClaims(
            title=request.title,
            author=request.author,
            model=request.model,
            record_id=record_id,
            fingerprints=prints,
            digital_source_type=SOURCE_TYPES[request.source_type],
            generation=request.generation,
            opened=request.parent is not None,
            edits=request.edits,
            caption=request.caption,
            credit=request.credit,
            organisation=request.organisation,
            ai_training=request.ai_training,
            camera=request.camera,
        )
        signed, manifest = _c2pa.sign(
            manifest_definition(claims),
            identity,
            mime,
            encoded,
            ingredients=_ingredients(request),
            options=options,
            thumbnail=claim_thumbnail(final_pixels) if options.thumbnails else None,
        )
        own = request.input_record
        # a picture registered here is not a new original: stamped again, made from its record
        kind = "stamped" if own is not None and request.kind == "original" else request.kind
        with registry.transaction():
            source_id, source_owner = _register_source(registry, request) if request.source else (None, None)
            source_id = own.record_id if own is not None else source_id
            registry.add(
                Record(
                    record_id=record_id,
                    kind=kind,
                    owner=request.owner or request.author,
                    sha256=hashlib.sha256(signed).hexdigest(),
                    fingerprints=prints,
                    title=request.title,
                    model=request.model,
                    source_record_id=source_id,
                    manifest=manifest,
                    generation=request.generation or None,
                    manifest_label=_c2pa.manifest_label(manifest),
                    input_sha256=request.input_sha256,
                    thumbnail=thumbnail.describe(final_pixels),
                    keypoints=keypoints.stored(final_pixels),
                )
            )
            write_atomic(output, signed)
            if options.sidecar:
                write_atomic(sidecar_path(output), manifest)
        registry.save_indexes()
    result = StampResult(output, record_id, source_id, signed, manifest, prints, reading.confidence, options.sidecar)
    result.kind, result.owner = kind, request.owner or request.author
    result.input_record_id = own.record_id if own is not None else None
    result.source_registered_to = source_owner if own is None else None
    return result


def _stamped_before(home: Home, image: LoadedImage, owner: str, *, allow: bool) -> list[str]:
    """The unsigned file a stamp here was made from, stamped again for another owner: a second
    original of the same picture, whose claim puts the first owner's copies on rights review (a
    walkthrough). Refused as register refuses it, or with ``allow`` a warning. The same owner
    stamping it again (another edition, another caption) is as before."""
    with open_home_registry(home) as registry:
        other = next(
            (r for r in registry.stamped_from(image.sha256) if r.kind == "original" and not same_owner(r.owner, owner)),
            None,
        )
    if other is None:
        return []
    record = f"record {other.record_id} here (owner {other.owner}{titled(other)})"
    said = f"{image.path.name}: {record} was stamped from this very file"
    if allow:
        return [f"{said}; stamped for {owner} anyway (--allow-contradiction)"]
    raise UsageError(
        f"{said}; not stamped again for {owner}",
        hint="Publish that stamp, or pass --allow-contradiction to stamp it anyway",
    )


def _anothers(
    home: Home, image: LoadedImage, contained: list[Record], owner: str, *, allow: bool, ai: bool = False
) -> list[str]:
    """Another owner's picture that ``image`` holds whole (a collage) or is like (a stamped one
    without its mark, a registered original: :func:`verify.anothers_picture`), declared ``owner``'s
    photo or (``ai``) AI-made: refused as register refuses it (a walkthrough stamped a collage
    holding our picture as a rival's original), or with ``allow`` a warning (a photo declaration is
    then registered as stamped here, not as an original)."""
    with open_home_registry(home) as registry:
        prints, turned = fingerprint.compute_with_turns(image.pixels())
        views = lays(registry, prints, turned, framed_prints(image.pixels()), image.pixels)
        crop = ((keypoints.stored(image.pixels()), None), image.pixels)
        found = anothers_picture_lying(registry, contained, views, owner, image.sha256, crop=crop)
    if found is None:
        return []
    said = f"{image.path.name}: {found[1]}"
    if ai:
        if allow:
            return [f"{said}; stamped as AI-made anyway (--allow-contradiction)"]
        raise UsageError(
            f"{said}; not stamped as AI-made: copies of that picture would read as AI",
            hint="Pass --allow-contradiction to stamp it anyway",
        )
    if allow:
        return [f"{said}; registered as stamped here, not as {owner}'s original (--allow-contradiction)"]
    raise UsageError(
        f"{said}; not stamped as {owner}'s original",
        hint="Pass --allow-contradiction to stamp it anyway (registered as stamped here, not as an original)",
    )


def _foreign(name: str, foreign: list[str], owner: str, *, ours: bool, allow: bool) -> list[str]:
    """A file carrying a mark of ours for a record this registry does not hold (another home's
    stamp, or a copy of it: a walkthrough stamped a half-size copy of another newsroom's stamp as
    its own captured original, burying that mark under its own): a photo declaration is refused,
    or with ``allow`` registered as stamped here, not as an original; an AI stamp is warned."""
    if not foreign:
        return []
    said = foreign_mark(name, foreign[0])
    if ours and not allow:
        raise UsageError(
            f"{said}; not stamped as {owner}'s original",
            hint="Pass --allow-contradiction to stamp it anyway (registered as stamped here, not as an original)",
        )
    return [f"{said}; registered as stamped here, not as an original" + (" (--allow-contradiction)" if ours else "")]


def own_records(
    home: Home,
    images: list[LoadedImage | None],
    contained: list[Record] | None = None,
    foreign: list[str] | None = None,
) -> list[OwnRecord | None]:
    """Each image's own record in this home's registry (:func:`verify.input_record`: its SHA-256,
    the record its intact manifest names, or its watermark confirmed on the picture), with the
    records it was made from; None for an image that has none here (or for None). Opened as the
    stamp opens it, to write (an old registry is migrated, not refused as unreadable).

    The mark's tiles are searched as register searches them (a claim: a stamp registers its
    output): read from the whole-picture layer alone, a crop of a picture stamped here was
    stamped as a new original, another owner's, of that picture (a walkthrough). The search
    costs about as much as reading the picture again; a registry with no marked record has
    nothing it could find and is not searched. ``contained`` receives the records whose
    pictures the first image holds whole as part of a larger one (a collage), ``foreign`` the
    record a mark of ours in it names that this registry does not hold."""
    policy = build_policy(home)
    with open_home_registry(home) as registry:
        search = registry.has_watermarked()
        found = [
            input_record(
                registry,
                image,
                policy,
                search=search,
                contained=contained if i == 0 else None,
                foreign=foreign if i == 0 else None,
            )
            if image is not None
            else None
            for i, image in enumerate(images)
        ]
        return [OwnRecord(rec, made_from(registry, rec)) if rec is not None else None for rec in found]


def _marked(
    pixels: Image.Image,
    record_id: str,
    fmt: str,
    output: Path,
    exif: bytes | None = None,
    *,
    icc_profile: bytes | None = None,
) -> tuple[bytes, Image.Image, watermark.WatermarkReading]:
    """Embed at the lowest strength whose mark still reads back after encoding."""
    for strength in watermark.STRENGTHS:
        marked = watermark.embed(pixels, record_id, strength=strength)
        encoded = encode_image(marked, fmt, exif=exif, icc_profile=icc_profile)
        final_pixels = decode_pixels(encoded, output)
        reading = watermark.detect(final_pixels)
        if reading.record_id == record_id:
            return encoded, final_pixels, reading
    raise WatermarkError(
        "the watermark does not read back from this image; nothing was written",
        hint="Try PNG output, which keeps the mark intact.",
    )


def _input_notes(name: str, data: bytes, prior: str | None) -> list[str]:
    """What the stamp does not carry over from its input, said: the frames after an animation's first,
    and the authorship of a manifest another signer made."""
    notes = []
    if (frames := _frames(data)) > 1:
        notes.append(f"{name} is animated ({frames} frames): only its first frame is stamped")
    if prior is not None:
        notes.append(
            f"{name} carries a C2PA manifest signed by {prior}, not by this signer: it is kept as the"
            " parent ingredient, and the registry records this picture as stamped here (kind stamped), not as"
            " an original of yours: who made it is what that manifest says, not this stamp"
        )
    return notes


def _frames(data: bytes) -> int:
    """How many frames an image file holds (an animated GIF, WebP or PNG); 1 when it cannot tell.
    The stamp signs one picture, its first frame, and says so (a walkthrough's animated GIF was
    flattened without a word)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(getattr(img, "n_frames", 1))
    except (OSError, ValueError, SyntaxError, EOFError):
        return 1


def stamp_file(
    image: Path,
    output: Path,
    *,
    user: str,
    identity: Identity,
    home: Home,
    model: str | None = None,
    source: Path | None = None,
    force: bool = False,
    options: SignOptions | None = None,
    source_type: str | None = None,
    edits: tuple[str, ...] = (),
    caption: str | None = None,
    credit: str | None = None,
    owner: str | None = None,
    ai_training: bool | None = None,
    keep_gps: bool = False,
    allow_contradiction: bool = False,
    title: str | None = None,
) -> StampResult:
    """Stamp an image made elsewhere: an AI image (``source_type="ai"``), or a newsroom's
    own photo (captured, edited, composite), registered as an original of ``owner``
    (default: the signer's organisation). A manifest the input already carries is kept
    as its parent ingredient; ``source`` is recorded as the picture it came from.

    The input's EXIF is kept (see :mod:`provenance.camera`; GPS only with ``keep_gps``).
    A declaration the files contradict (their own manifest, or AI metadata) is refused,
    unless ``allow_contradiction``: then it is signed and the result carries warnings.
    ``source_type`` None is an AI image, unless the file's EXIF names a camera: then it must be
    said (refused), since a camera photo signed as AI-generated by mistake cannot be unsigned."""
    declared = source_type is not None
    source_type = source_type or "ai"
    if source_type not in SOURCE_TYPES:
        raise UsageError(f"--source-type must be one of {', '.join(SOURCE_TYPES)}, not {source_type!r}")
    if bad := [e for e in edits if e not in EDITS]:
        raise UsageError(f"unknown edit {', '.join(bad)}; known: {', '.join(EDITS)}")
    fmt = output_format(output)
    check_outputs(output, force, options, (image,) + ((source,) if source else ()))
    loaded = load_image(image)
    pixels = loaded.pixels()  # a file cut short is named and refused here, before anything reads its manifest
    source_loaded = load_image(source) if source else None
    # what the files are here (a source's record only matters to a declaration: AI never contradicts)
    contained: list[Record] = []
    foreign: list[str] = []
    own, source_own = own_records(home, [loaded, source_loaded if source_type != "ai" else None], contained, foreign)
    checked = [(loaded, own), (source_loaded, source_own)]
    warnings = _check_declaration(source_type, checked, home, allow=allow_contradiction)
    too_small(image, pixels.size)
    kept = camera.keep(loaded.data, pixels.size, keep_gps=keep_gps)
    if not declared and kept.camera:
        raise UsageError(
            f"{image.name}: its EXIF names a camera ({kept.camera}), and no --source-type says what it is",
            hint="Pass --source-type captured for a camera photo (edited, composite), or --source-type ai for an"
            " AI image or edit that kept a camera's EXIF",
        )
    organisation = organisation_of(identity)
    ours = source_type != "ai"
    prior = prior_signer(loaded, organisation, home)
    unkept = _unkept_credentials(loaded, home)
    if unkept is not None:
        said = f"{image.name} carries {unkept}, which the stamped file cannot keep"
        if ours and not allow_contradiction:
            raise UsageError(
                f"{said}: a {source_type} declaration would stand in their place",
                hint="Pass --allow-contradiction to stamp it anyway (registered as stamped here, not as your original)",
            )
        warnings.append(f"{said}; the registry records this picture as stamped here, not as an original of yours")
    if model is None and not ours and (named := _metadata_model(loaded)) is not None:
        # the signed output keeps no generator metadata: the model it named goes into the manifest
        model = named
        warnings.append(f"model not given: {named}, as {image.name}'s generator metadata names it, is recorded")
    final_owner = owner or (organisation if ours and organisation else user)
    claimed = _foreign(image.name, foreign, final_owner, ours=ours, allow=allow_contradiction)
    warnings += claimed
    if ours:  # an original of final_owner (an AI stamp is its user's work, no claim on the picture)
        before = _stamped_before(home, loaded, final_owner, allow=allow_contradiction)
        warnings += before
        if own is None and not before and not claimed:  # (the file a stamp was made from looks like that stamp)
            claimed = _anothers(home, loaded, contained, final_owner, allow=allow_contradiction)
            warnings += claimed
    elif own is None and not claimed:
        # an AI stamp makes no claim on the picture, but says it is AI: of another owner's picture, copies
        # of theirs would read "AI-made either way" (a red-team AI-stamped a re-save of a wire's photo)
        # (one holding such a picture whole, a collage, is not: copies of that picture do not look like it)
        warnings += _anothers(home, loaded, [], final_owner, allow=allow_contradiction, ai=True)
    request = StampRequest(
        author=user,
        model=model if not ours or model else None,
        title=title or output.name,  # C2PA's default: the asset's file name
        # a picture someone else signed first is not our original: stamped here, its manifest kept
        kind="original" if ours and prior is None and unkept is None and not claimed else "stamped",
        source=source_loaded,
        parent=loaded if _c2pa.has_manifest(loaded.mime, loaded.data) else None,
        source_type=source_type,
        edits=edits,
        caption=caption,
        credit=credit,
        organisation=organisation,
        owner=final_owner,
        source_owner=original_owner(identity, user, source_loaded, home),
        ai_training=ai_training,
        exif=kept.data,
        icc_profile=rgb_icc_profile(loaded.data),
        camera=kept.recorded,
        input_sha256=loaded.sha256,
        input_record=own.record if own is not None else None,
    )
    warnings += _camera_declared_ai(source_type, kept)
    warnings += _input_notes(image.name, loaded.data, prior)
    result = stamp_pixels(pixels, output, fmt, request, identity=identity, home=home, options=options)
    result.exif, result.warnings, result.source_type = kept, warnings, source_type
    result.prior_signer = prior
    return result


def prior_signer(image: LoadedImage, organisation: str | None, home: Home) -> str | None:
    """Who signed the C2PA manifest ``image`` already carries, in words, when another than the
    organisation stamping it (told by the signing certificate's organisation, O=); None when it
    carries none, or one this organisation signed (a newsroom re-stamping its own picture)."""
    if not _c2pa.has_manifest(image.mime, image.data):
        return None
    report = read_credentials(image.mime, image.data, policy=build_policy(home))
    if organisation and report.issuer == organisation:
        return None
    who = report.signer or "an unnamed signer"
    if report.issuer and report.issuer != who:
        who += f" ({report.issuer})"
    return who if report.intact else f"{who}, a manifest that does not validate ({report.state})"


def _unkept_credentials(image: LoadedImage, home: Home) -> str | None:
    """Content Credentials the file carries that a stamp cannot keep as its parent ingredient, in
    words (None when there are none, or they are embedded and readable, and so kept): a manifest
    this tool cannot validate (pre-1.0, an unknown algorithm), a remote one, or a sidecar beside
    the file. Stamping would silently replace them (a walkthrough's captured stamps did)."""
    report = file_credentials(image, build_policy(home))
    if not report.present and report.state != "remote":
        return None
    if report.manifest_source != "sidecar" and _c2pa.has_manifest(image.mime, image.data):
        return None  # embedded and readable: kept as the parent ingredient
    if report.state == "remote":
        return f"remote Content Credentials ({report.remote_url})"
    if report.state == "unsupported":
        return codes.unsupported_reason(report.status_codes)
    signer = report.signer or "an unnamed signer"
    return f"a C2PA manifest beside it ({image.path.with_suffix('.c2pa').name}), signed by {signer}"


def _metadata_model(image: LoadedImage) -> str | None:
    """The model an AI image's own generator metadata names (ComfyUI's graph, A1111's
    parameters...), which the signed output does not keep."""
    signals = detect.metadata_signals(detect.read_metadata(image.data, image.mime))
    return next((s.model for s in signals if s.model), None)


def _camera_declared_ai(source_type: str, kept: KeptExif) -> list[str]:
    """A file whose EXIF names a camera, declared AI (which only an explicit --source-type ai does:
    with none given it is refused): signed as declared, since an AI edit of a photo can keep its
    EXIF, with a word that the camera was seen."""
    if source_type != "ai" or not kept.camera:
        return []
    return [
        f"the file's EXIF names a camera ({kept.camera}); it is signed as AI-generated, as --source-type ai"
        " says (an AI image or edit that kept a camera's EXIF)"
    ]


def _check_declaration(
    source_type: str, images: list[tuple[LoadedImage | None, OwnRecord | None]], home: Home, *, allow: bool
) -> list[str]:
    """Refuse (or, when ``allow``, warn about) a source type the files, or their records here, contradict."""
    found = [
        f"{image.path.name}: --source-type {source_type} contradicts the file: {reason}"
        + (" (signed anyway: --allow-contradiction)" if allow else "")
        for image, own in images
        if image is not None
        for reason in contradictions(image, source_type, home, own)
    ]
    if found and not allow:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise UsageError(
            found[0] + more,
            hint="Declare what the file is with --source-type, or pass --allow-contradiction to sign anyway.",
        )
    return found


def contradictions(image: LoadedImage, source_type: str, home: Home, own: OwnRecord | None = None) -> list[str]:
    """Why declaring ``image`` as ``source_type`` contradicts what it says of itself: its own
    C2PA manifest (a source type outside what the declaration allows, AI ingredients), AI
    generator metadata, or, when it is a picture registered here (``own``), what that record
    and the records it was made from are: a copy that lost its manifest and metadata is still
    the picture its record says (an AI image re-saved is not a capture). Declaring an image AI
    never contradicts anything."""
    allowed = COMPATIBLE_TERMS.get(source_type)
    if allowed is None:
        return []
    reasons: list[str] = []
    named = None  # the record the file's own intact manifest names: what it says, the file said
    report = file_credentials(image, build_policy(home))  # embedded, or the sidecar beside it, as verify reads
    if report.present:
        caveat = "" if report.state in ("trusted", "valid") else " (though that manifest is invalid)"
        where = (
            f" (the sidecar {image.path.with_suffix('.c2pa').name} beside it)"
            if report.manifest_source == "sidecar"
            else ""
        )
        reasons += [f"its own C2PA manifest{where} says it {said}{caveat}" for said in _declared(report, allowed)]
        reasons += _broken_under_capture(report, source_type, where)
        named = report.record_id if report.intact else None
    signals = detect.metadata_signals(detect.read_metadata(image.data, image.mime))
    evidence = [s.evidence.rstrip(".") for s in signals if s.strength in ("ai-generated", "ai-edited")]
    reasons += [text[:1].lower() + text[1:] for text in evidence]
    if own is None and image.decodable:
        reasons += _ai_look_alikes(image, home)
    if own is not None:
        if own.record.record_id != named:
            picture = f"it is the picture registered here as {_named(own.record)}"
            reasons += [f"{picture}, {said}" for said in _record_says(own.record, allowed, image, home)]
        for parent in own.made_from:
            picture = f"it was made from the picture registered here as {_named(parent)}"
            reasons += [f"{picture}, {said}" for said in _record_says(parent, allowed, image, home)]
    return reasons


def _broken_under_capture(report: CredentialReport, source_type: str, where: str) -> list[str]:
    """A capture declared over a manifest that does not match the file: the picture was changed after
    it was signed (or the file is incomplete), so a new signature saying "captured" would vouch for
    the change. An edit or a composite declares a change; an AI declaration never contradicts."""
    if source_type != "captured" or report.state not in ("invalid", "truncated"):
        return []
    failing = (c.code for c in report.status_codes if c.kind == "failure" and c.code not in TRUST_CODES)
    failed = ", ".join(dict.fromkeys(failing)) or report.state
    what = (
        "the file ends early" if report.state == "truncated" else "the file or its manifest was changed after signing"
    )
    return [
        f"its own C2PA manifest{where} does not match it ({failed}: {what});"
        " a capture declared over it would vouch for that"
    ]


def _ai_look_alikes(image: LoadedImage, home: Home) -> list[str]:
    """AI pictures registered here that ``image`` matches by its PDQ hash without being one of them
    exactly: a copy of an AI image that lost its mark (blurred, squeezed) is still AI, and one
    declared a capture would launder it (verify calls such a copy only similar). Only when the
    nearest records are all AI: a copy of a photo is near its near-copy twin too, but nearer the photo.
    A stamp made from this very file is left out: stamping the file again corrects its declaration."""
    from provenance.fingerprint import PDQ, THRESHOLDS
    from provenance.verify import record_is_ai

    with open_home_registry(home) as registry:
        near = registry.search(fingerprint.pdq(image.pixels()), THRESHOLDS[PDQ].match)
    # a stamp made from this very file declared what the file is: stamping it again corrects that
    near = [(record, d) for record, d in near if record.input_sha256 != image.sha256]
    nearest = [(record, d) for record, d in near if d == near[0][1]] if near else []
    if not nearest or not all(record_is_ai(record) for record, _ in nearest):
        return []
    return [
        f"it looks like the picture registered here as {_named(record)}, an AI image (PDQ distance {distance}):"
        " a copy of it that lost its mark is still AI"
        for record, distance in nearest[:3]
    ]


def _declared(report: CredentialReport, allowed: frozenset[str]) -> list[str]:
    """What a manifest says the picture is that ``allowed`` does not admit ("was ...", "contains ...")."""
    said = []
    for action in report.actions:
        term, words, _ = describe(action.digital_source_type or "")
        if term in DIGITAL_SOURCE_TYPES and term not in allowed:
            said.append(f"was {words} ({term})")
    return said + [f"contains {r}" for r in _ai_ingredients(report.ingredients)]


def _record_says(record: Record, allowed: frozenset[str], image: LoadedImage, home: Home) -> list[str]:
    """What a record here says its picture is that ``allowed`` does not admit: a twin is AI; a stamp
    is what its signed manifest declares, and AI when no declaration can be read (verify calls such
    a record nothing, verify.record_is_ai; a declaration here errs towards refusing); a registered
    original without a manifest says nothing."""
    if record.kind == "twin":
        return ["an AI twin generated here (trainedAlgorithmicMedia)"]
    said: list[str] = []
    if record.manifest is not None:
        report = read_recovered(image.mime, image.data, record.manifest, policy=build_policy(home), via="registry")
        said = [f"whose signed manifest says it {what}" for what in _declared(report, allowed)]
        if any(a.digital_source_type for a in report.actions):
            return said
    # no declaration could be read: the guard errs towards refusing, and says what it does not know
    unread = "stamped here, its declaration unreadable (a stamp is AI-generated unless --source-type said otherwise)"
    return said or ([unread] if record.kind == "stamped" else [])


def _named(record: Record) -> str:
    return f"record {record.record_id} ('{record.title}')" if record.title else f"record {record.record_id}"


def _ai_ingredients(items: list[Ingredient]) -> list[str]:
    out: list[str] = []
    for item in items:
        term, words, _ = describe(item.digital_source_type or "")
        if term in AI_TERMS:
            out.append(f"AI-made material: ingredient '{item.title}' was {words} ({term})")
        out += _ai_ingredients(item.ingredients)
    return out


def too_small(path: Path, size: tuple[int, int]) -> None:
    """Refuse, naming the file, a picture too small to carry the watermark, before any work."""
    if min(size) < watermark.MIN_SIDE:
        raise UsageError(
            f"{path.name}: {size[0]}x{size[1]} px is too small to stamp: the watermark needs at least"
            f" {watermark.MIN_SIDE} px on the short side"
        )


def check_outputs(output: Path, force: bool, options: SignOptions | None, inputs: tuple[Path, ...]) -> None:
    check_output(output, force=force, inputs=inputs)
    if options is not None and options.sidecar:
        check_output(sidecar_path(output), force=force, inputs=inputs)


def _ingredients(request: StampRequest) -> list[tuple[dict[str, Any], str, bytes]]:
    """The input's own manifest is kept as the parent; a named source is then a component."""
    out = []
    if (parent := request.parent) is not None:
        ingredient = {"title": parent.path.name, "relationship": "parentOf", "label": PARENT_LABEL}
        out.append((ingredient, parent.mime, parent.data))
    if (src := request.source) is not None:
        relationship = "componentOf" if parent is not None else "parentOf"
        out.append(({"title": src.path.name, "relationship": relationship}, src.mime, src.data))
    return out


def sidecar_path(output: Path) -> Path:
    """Where a sidecar manifest for ``output`` goes: same name, ``.c2pa``."""
    return output.with_suffix(".c2pa")


def original_owner(identity: Identity, user: str, source: LoadedImage | None = None, home: Home | None = None) -> str:
    """Who a picture registered as an original while stamping belongs to: the signer's
    organisation (the certificate's O=), else the user when the certificate names none; but
    a ``source`` that carries an intact manifest another organisation signed is that
    organisation's (a newsroom making a twin of an agency's photo does not come to own it)."""
    ours = organisation_of(identity) or user
    if source is None or home is None or not _c2pa.has_manifest(source.mime, source.data):
        return ours
    report = read_credentials(source.mime, source.data, policy=build_policy(home))
    theirs = report.issuer or report.signer
    if report.intact and theirs and theirs != organisation_of(identity):
        return theirs
    return ours


def _register_source(registry: Registry, request: StampRequest) -> tuple[str, str | None]:
    """The source's record, registered as an original of ``source_owner`` (else the author) if new,
    and that owner when it was registered now (None for a record already here).
    The unsigned file a stamp here was made from is that stamp's picture (the record keeps its
    SHA-256): its record, not a second original beside it, which would make the unsigned file a
    registered original again (a walkthrough's twin of a stamped photo's camera file did)."""
    source = request.source
    assert source is not None
    existing = registry.find_by_sha256(source.sha256) or registry.find_by_input_sha256(source.sha256)
    if existing is not None:
        return existing.record_id, None
    record_id = registry.new_record_id()
    owner = request.source_owner or request.author
    registry.add(
        Record(
            record_id=record_id,
            kind="original",
            owner=owner,
            sha256=source.sha256,
            fingerprints=fingerprint.compute(source.pixels()),
            title=source.path.name,
            thumbnail=thumbnail.describe(source.pixels()),
            reference=claim_thumbnail(source.pixels()),  # Record.reference: copies are compared in detail
            keypoints=keypoints.stored(source.pixels()),
        )
    )
    return record_id, owner
