"""Verification: credentials + watermark + registry + AI signals -> one report.

Reads only. The registry is opened read-only and never created; nothing here
imports torch or diffusers. Each verdict is computed on its own and the exit
code follows the documented scheme (README, ``provenance verify --help``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from PIL import Image

from provenance import detect, fingerprint, verdicts
from provenance.config import Home
from provenance.credentials import codes, read_credentials, read_recovered
from provenance.credentials.claims import SCHEME_FOR_ALG, record_id_from_soft_binding
from provenance.credentials.codes import TRUST_CODES
from provenance.credentials.read import stored_claim_thumbnail, stored_source_types
from provenance.credentials.trust import TrustPolicy, build_policy
from provenance.detect.sources import AI_TERMS, describe
from provenance.errors import InputError, UsageError
from provenance.fingerprint import PDQ, PHASH, THRESHOLDS, Fingerprint
from provenance.imaging import (
    MAX_MANIFEST_BYTES,
    LoadedImage,
    load_image,
    off_page,
    page_colour,
    picture_box,
    plain_margins,
    read_input,
    turned_crop_share,
)
from provenance.registry import Record, Registry, owner_key, read_home_registry, same_owner
from provenance.registry.matching import agree, classify
from provenance.registry.matching import distances as print_distances
from provenance.report import (
    AIReport,
    CredentialReport,
    Ingredient,
    MatchRelation,
    MatchStrength,
    OwnershipMatch,
    OwnershipReport,
    OwnershipVerdict,
    Placement,
    Signal,
    VerifyReport,
    WatermarkReport,
)
from provenance.runtime import time_limit
from provenance.verdicts import ExitCode

if TYPE_CHECKING:
    from provenance.fingerprint import detail, keypoints, thumbnail
    from provenance.watermark import WatermarkReading

# Pixel checks import numpy, OpenCV and the watermark where they run (verify --metadata-only
# needs none of them: tests/test_verify_speed.py).

# Records from before thumbnails (schema 4) are checked against the mark's picture by
# whole-picture pHash: this close, it is the picture; further, a crop or another picture
# cannot be told apart, so the mark is neither confirmed nor called copied.
WATERMARK_MISMATCH_DISTANCE = 26

# What a picture placed in its record's thumbnail is (a report's Placement; docs/registry.md).
# Chosen on the design set (scikit-image's pictures and samples/ through benchmarks/crop_match.py's
# honest journeys, and the same pictures with a region of another pasted over 4 to 45 % of them):
# re-encodes, rescales and crops to 30 % of the area left at most 5 detailed areas not matching
# (a silhouette on white, whatever was done to it); most captions, logos and pasted regions more.
CROP_SHOWN = 0.95  # a crop shows under this share of the picture's area (a whole copy measures 95-100 %)
#   and leaves out more than a plain margin (thumbnail.FLAT: what the comparison trims from any image)
# parts differ: this share of a copy laid on its signed picture's claim thumbnail differs (fingerprint/detail.py):
# twice the largest share of an honest copy on benchmarks/overlays.py's design set (0.11 %), rounded down
MARKED_SHARE = 0.002
# ...or this share of it holds edges the claim thumbnail has nowhere near (short text such as a date
# imprint): none on crop_match's honest copies of the design set (the same test at a gradient of 8,
# not 12: 0.003 % at most, a saturation edit; on luma alone at 12: 0.004 %, a gamma edit): about 3
# times those. Of benchmarks/overlays.py's newsroom edits, film grain reached 3 % before the least edge
# rose with the noise (detail.EDGE_NOISE); local contrast (CLAHE) still reaches it on 7 of 58
EDGES_SHARE = 0.0001
# ...or a patch of at least this many blocks (detail.BLOCK px) lost the detail the rest of it keeps
# (a face or a plate blurred or pixelated): honest copies of the design set at most 7 (a photograph
# softened all over by a blur of radius 2; denoisers and grain less; crop_match's journeys 4), with
# detail.DETAIL_LEAST at 16 (at 4, a denoiser's flattened sensor noise made patches of up to 30)
REMOVED_BLOCKS = 10
# ...or at least this many of its differing pixels lie in one square (detail.LOCAL_SIDE px) holding
# LOCAL_SHARE of all that differ: a person pasted in or cloned out, a part inpainted (0.3-0.9 % of a
# photograph: a walkthrough's passed as the whole signed picture, exit 0). benchmarks/overlays.py's
# design set (every journey of crop_match and a newsroom's whole-picture edits, 3,074 copies): at most
# 71 in such a square (a gamma edit; another held 117 in a square with 80 % of its own), bar one
# local contrast (CLAHE) copy of 116 (385); about twice 71. Of design pictures' parts pasted, cloned or
# inpainted that the other measures missed, 71 of 310 reach it (the rest mostly lie on plain ground)
MARKED_LOCAL = 150
LOCAL_SHARE = 0.9
# ...and, for a copy that does not line up with the picture (ECC under detail.ALIGNED), only new edges
# over this share (or a lost patch): on benchmarks/overlays.py's design set such copies with captions,
# logos and text held 0.52 % or more, and a newsroom's strong local contrast (CLAHE, clip 3) 0.009 % at
# most (its lost patches 6 blocks at most), its differing share being the lay's and the edit's
# (2026-12-07: without this, 10 more of a newsroom's evaluation copies read altered); about the
# geometric middle
LAID_EDGES = 0.001
# or content was added around the picture: this share of the image lies beyond it and has detail
# (design set, benchmarks/results/placement.md: honest copies at most 0.3 %; a caption printed under
# the picture on a taller canvas 1-6 %; a line of 11 px text under a 600 px photo 0.7 %)
ADDED_SHARE = 0.005


@dataclass
class _Found:
    """Registry records reached directly, with how and how far."""

    record: Record
    # watermark, watermark-unconfirmed (the picture could not be told to be the record's), manifest,
    # sha256, input-sha256 (the unsigned file the record was stamped from), fingerprint,
    # fingerprint-unmarked, fingerprint-foreign (our mark, for a record not here), fingerprint-inconclusive,
    # fingerprint-ambiguous (records one made from the other, both matched: which one this image is
    # cannot be told), fingerprint-contested (near-identical records of different owners, both matched),
    # manifest-broken (the record a manifest that does not match this file names)
    matched_by: str
    distances: dict[str, int]
    placement: Placement | None = None  # where the image lies in the record's picture, when placed
    by_keypoints: bool = False  # found as a crop by its keypoints (_cropped_lookup): reported so (_reported_way)
    picture: thumbnail.Verdict | None = None  # the thumbnail's word on a fingerprint match, when asked
    # a look-alike of another file (the file's own record was found exactly): what this image is to it
    other: MatchRelation | None = None


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
    """Embedded manifest first; else the sidecar (given, or ``NAME.c2pa`` beside the file).

    A file whose manifest is stored remotely (not fetched, or the fetch failed) is read from
    the sidecar beside it when there is one: that is how remote manifests travel offline
    (c2pa-rs/cloud.jpg with its cloud_manifest.c2pa). The remote address stays in the report."""
    extract = options.extract_to
    if options.manifest is not None:
        sidecar = read_input(options.manifest, max_bytes=MAX_MANIFEST_BYTES)
        if sidecar[4:8] != b"jumb":  # a manifest store is one JUMBF superbox: anything else was given by mistake
            raise UsageError(f"--manifest {options.manifest}: not a C2PA manifest store (no JUMBF box at its start)")
        return read_credentials(image.mime, image.data, policy=policy, sidecar=sidecar, extract_to=extract)
    report = read_credentials(image.mime, image.data, policy=policy, extract_to=extract)
    beside = image.path.with_suffix(".c2pa")
    if report.state not in ("absent", "remote") or not options.look_beside or not beside.is_file():
        return report
    sidecar = read_input(beside, max_bytes=MAX_MANIFEST_BYTES)
    found = read_credentials(image.mime, image.data, policy=policy, sidecar=sidecar, extract_to=extract)
    if report.state == "remote":
        if found.state == "absent":
            return report
        found.remote_url, found.remote_fetch = report.remote_url, report.remote_fetch
    return found


def file_credentials(image: LoadedImage, policy: TrustPolicy) -> CredentialReport:
    """The Content Credentials a file carries as verify reads them: embedded, else the sidecar
    ``NAME.c2pa`` beside it (what stamp checks a declaration against: a manifest beside the file
    is the file's own as much as an embedded one)."""
    return _credentials(image, VerifyOptions(policy=policy), policy)


def verify_image(image: LoadedImage, *, home: Home, options: VerifyOptions | None = None) -> VerifyReport:
    options = options or VerifyOptions()
    policy = options.policy or build_policy(home)
    credentials = _credentials(image, options, policy)
    meta = detect.read_metadata(image.data, image.mime)
    use_pixels = options.pixels != "never"
    if use_pixels and not image.decodable and not credentials.present:
        return _metadata_of_the_unreadable(image, meta)  # or raises the decoder's InputError
    skipped = WatermarkReport(False, note="pixels not checked", state="not-checked")
    mark, print_, seen = _pixel_checks(image) if use_pixels else (skipped, None, None)
    registry = read_home_registry(home)
    turn: str | None = None
    contains: Record | None = None
    try:
        carry = print_ is not None and min(image.pixels().size) >= _min_side()
        found = _lookup(registry, image, mark, credentials, print_, seen=seen, could_carry=carry) if registry else []
        wm_record = next((f.record for f in found if f.matched_by == "watermark"), None)
        confirmed, placed, larger = _check_agreement(mark, credentials, wm_record, seen, print_)
        for item in found:
            item.placement = placed if item.matched_by == "watermark" else item.placement
        if mark.agrees_with_manifest is False:
            # A mark that contradicts the manifest or the picture proves nothing.
            found = [f for f in found if f.matched_by != "watermark"]
            wm_record = None
        elif not confirmed:
            # A real mark on a picture that may or may not be its record's: named, never credited.
            contains = wm_record if larger else None  # found whole inside this image: a part of it
            for item in found:
                if item.matched_by == "watermark":
                    item.matched_by = "watermark-unconfirmed"
                if contains is not None and item.record is contains:
                    item.other = "contains"  # what the record is to this image: a part of it, not this picture
            wm_record = None
            mark.state = "unconfirmed"
        way: str | None = None
        if not found and registry is not None and seen is not None and not mark.found:
            found, print_, seen, turn, way = _lookup_otherwise(registry, image, mark, credentials, seen, prints=print_)
        elif registry is not None and seen is not None and not mark.found:
            found, print_, seen, turn = _by_print_too(
                registry, image, mark, credentials, seen, found=found, prints=print_
            )
        turn = _lies(turn, seen, mark, found)
        _mark_others(registry, found)
        _mark_ambiguous(registry, found)
        _unknown_record(registry, mark)
        set_aside = mark.record_id if mark.found and mark.agrees_with_manifest is False else None
        ownership = _ownership(
            registry,
            found,
            pixels_checked=print_ is not None,
            set_aside=set_aside,
            part_of_larger=larger,
            mark_read=mark.state not in ("not-checked", "too-small"),  # a miss under 256 px tells nothing
        )
        ownership.summary += _how_it_lies(turn, found_as=way) if found else _unsearched(way)
        ownership.lies = turn if found else None
        if registry is not None:
            credentials = _registry_manifest(image, found, credentials, mark, policy, print_)
    finally:
        if registry is not None:
            registry.close()
    _settle(credentials, mark)
    ai = _assess(credentials, mark, wm_record, found, meta, image, options, contains=contains)
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


def _lies(turn: str | None, seen: _Seen | None, mark: WatermarkReport, found: list[_Found]) -> str | None:
    """How the copy lies: as the turned lookup found it, else as its mark read it; a mirrored
    copy's places are made altered (:func:`_mirrored`)."""
    turn = turn if turn is not None or seen is None or not mark.found else seen.turn
    if turn is not None and turn.split(" and ")[0] in _MIRRORING:  # the transpose's words come first
        _mirrored(found)
    return turn


def _mirrored(found: list[_Found]) -> None:
    """A mirror image of a registered picture is not that picture as it stands: it shows the scene
    reversed (its text, which hand, which side of a street), which the signer never signed. Its
    places are altered, and say why (a walkthrough's flipped news photo passed as the signed
    capture, exit 0, its mirroring said only in the summary's last words)."""
    for item in found:
        if item.placement is not None:
            item.placement = replace(item.placement, state="altered", mirrored=True)


def _unknown_record(registry: Registry | None, mark: WatermarkReport) -> None:
    """Our mark, read whole, naming a record this home's registry does not hold: true of the
    pixels, but nothing here can check what it stands for, so it is not shown as a pass."""
    if mark.state != "ours" or not mark.record_id:
        return
    if registry is not None and registry.get(mark.record_id) is not None:
        return
    mark.state = "unknown-record"
    where = "this home's registry does not hold its record" if registry is not None else "this home has no registry"
    mark.note = mark.note or f"the mark was read, but {where}: what it stands for cannot be checked here"


def _min_side() -> int:
    from provenance import watermark

    return watermark.MIN_SIDE


def _metadata_of_the_unreadable(image: LoadedImage, meta: detect.Metadata) -> VerifyReport:
    """The report of a file whose pixels cannot be read but whose metadata says who generated it
    (a ComfyUI PNG cut short keeps its text chunks before the picture data): unreadable (exit 4),
    with what the metadata says; a walkthrough's cut ComfyUI PNG lost its "AI-generated (ComfyUI)"
    finding, while a cut JPEG's credentials were shown. Raises the decoder's InputError when the
    metadata says nothing of AI."""
    try:
        image.pixels()
    except InputError as exc:
        ai = detect.verdict(detect.metadata_signals(meta))
        if ai.verdict not in ("ai-generated", "ai-edited"):
            raise
        report = _error_report(image.path, exc.diagnostics())
        report.ai, report.error = ai, None  # a report to show, as a cut file's credentials are
        label = verdicts.word("ai", ai.verdict).label
        named = f" ({ai.signals[0].generator})" if ai.signals[0].generator else ""
        report.summary += f" What could still be read: its metadata says it is {label}{named}."
        return report
    raise AssertionError("unreachable: the pixels were not decodable")


def _error_report(path: Path, message: str) -> VerifyReport:
    """A file that could not be read: no verdict is claimed that was never computed."""
    return VerifyReport(
        file=str(path),
        format=None,
        credentials=CredentialReport(state="unreadable", error=message),
        watermark=WatermarkReport(found=False, state="not-checked", note="the file could not be read"),
        ownership=OwnershipReport(verdict="not-checked", summary="Not checked: the file could not be read."),
        ai=AIReport(verdict="not-assessed"),
        summary=f"Could not be checked: {message}",
        exit_code=int(ExitCode.UNREADABLE),
        error=message,
    )


@dataclass(frozen=True)
class _Seen:
    """The picture turned upright as its mark says, and where the mark puts it in its record's
    picture: ``scale`` (image px per picture px, measured by the tiles) or the whole ``frame``."""

    pixels: Image.Image
    scale: float | None = None
    frame: bool = False
    turned: tuple[Fingerprint, ...] = ()  # PDQ of the picture's seven other orientations
    turn: str | None = None  # how the copy lies, when its mark says it is turned or mirrored (_TURNS)
    angle: float = 0.0  # degrees the mark's tiles were turned back by (watermark.upright), when not square


def _pixel_checks(image: LoadedImage) -> tuple[WatermarkReport, list[Fingerprint] | None, _Seen | None]:
    """The mark, the fingerprints and the picture turned upright as the mark says (None undecodable)."""
    if not image.decodable:
        return WatermarkReport(found=False, note="pixels could not be decoded", state="not-checked"), None, None
    from provenance import watermark

    pixels = image.pixels()
    reading = watermark.detect(pixels)
    reading, framed = _framed_read(pixels, reading)
    mark = WatermarkReport(
        found=reading.found,
        scheme=reading.scheme if reading.found else None,
        record_id=reading.record_id,
        confidence=reading.confidence,
    )
    if min(pixels.size) < watermark.MIN_SIDE and not reading.found:  # a mark read says it was not too small
        # too small for our marks, not for every mark: a TrustMark picture of 200 px still carries its own
        # a picture of READ_SIDE px or more was read all the same (a mark read there is reported): none
        # was found, which at this size says nothing (a walkthrough read "not checked" as "not tried");
        # the word says it is too small, the note what was done
        read = min(pixels.size) >= watermark.READ_SIDE
        side = watermark.MIN_SIDE if read else watermark.READ_SIDE  # the words of its state (not-checked: READ_SIDE)
        size = f"image under {side} px ({pixels.width} x {pixels.height})"
        unread = "too small to tell whether it carries the watermarks this tool reads"
        mark.note = f"{size}: {_READ_SMALL}" if read else f"{size}: {unread}"
        mark.state = "too-small" if read else "not-checked"
    # a mirrored or rotated copy is fingerprinted and placed the way it was marked (the mark says how)
    upright = watermark.upright(pixels, reading)
    prints, turned = fingerprint.compute_with_turns(upright)
    undo = _undoing(reading.turns, reading.mirrored) if reading.turns or reading.mirrored else None
    turns = [_TURNS[undo]] if undo is not None else []
    angle = reading.angle if abs(reading.angle) >= watermark.LEAST_TURN else 0.0
    if angle:  # upright turns the copy by ``angle`` (Pillow: counter-clockwise when positive), so it lay the other way
        turns.append(f"turned about {abs(angle):.0f} degrees {'counter-clockwise' if angle < 0 else 'clockwise'}")
    turn = " and ".join(turns) or None
    mark.lies, mark.transpose, mark.turn_back = turn, undo.name if undo is not None else None, round(angle, 1)
    # read inside a frame, the whole-picture layer says the picture is the image less its frame: the
    # thumbnail's search, which cuts plain margins too, places it
    return mark, prints, _Seen(upright, reading.scale, reading.frame and not framed, tuple(turned), turn, angle)


_FRAME_LEAST = 4  # px: plain margins narrower than this are a picture's own edge, not a frame added


def _framed_read(pixels: Image.Image, reading: WatermarkReading) -> tuple[WatermarkReading, bool]:
    """``reading``, or when it found nothing, the whole-picture layer read inside a plain frame
    around the picture, or inside the picture's box on a page (:func:`_framed_pictures`), and
    whether it was."""
    from provenance import watermark

    if reading.found:
        return reading, False
    for inside in _framed_pictures(pixels):
        trimmed = watermark.detect(inside, search=False)
        if trimmed.found:
            return trimmed, True
    return reading, False


def _framed_pictures(pixels: Image.Image) -> list[Image.Image]:
    """The picture inside a plain frame or canvas added around it (a screenshot's white page, a
    border), and the picture on a page of text around it (a social post's or an article's
    screenshot: :func:`imaging.picture_box`), where there is one and what it holds is big enough
    for the marks: the whole-picture layer is read from the whole image, and a 40 px white frame
    around a stamp shrunk to half and saved as JPEG 80 left it unread there, and the tiles at half
    size too (a walkthrough); so did a post's text above and below it. At most two more reads of
    8 words of the whole-picture layer (1.4e-21 each, docs/design.md). The boxes are found on a
    copy box-reduced to no less than _MARGIN_SIDE px (a large picture's planes are never held
    whole), and what they hold is box-reduced as the whole-picture read is."""

    from provenance import watermark

    return [_box_reduced(pixels.crop(box)) for box in _frame_boxes(pixels, watermark.MIN_SIDE)]


def _frame_boxes(pixels: Image.Image, least: int) -> list[tuple[int, int, int, int]]:
    """Where the picture lies inside a plain frame, bars or canvas added around it, and on a page
    of text around it (:func:`imaging.picture_box`), as (left, top, right, bottom) boxes of
    ``pixels`` at least ``least`` px on each side; none for a picture with neither."""
    import numpy as np

    small, factor = _for_boxes(pixels)
    top, bottom, left, right = plain_margins(np.asarray(small.convert("L"), dtype=np.float32))
    boxes: list[tuple[int, int, int, int]] = []
    if max(top, bottom, left, right) * factor >= _FRAME_LEAST:
        boxes.append((left, top, small.width - right, small.height - bottom))
    page = picture_box(np.asarray(small if small.mode == "RGB" else small.convert("RGB")))
    if page is not None and page not in boxes and page != (0, 0, small.width, small.height):
        boxes.append(page)
    wide = [(a * factor, b * factor, c * factor, d * factor) for a, b, c, d in boxes]
    return [box for box in wide if min(box[2] - box[0], box[3] - box[1]) >= least]


_MARGIN_SIDE = 512  # px: the short side of the copy a plain frame is looked for on


def _for_boxes(pixels: Image.Image) -> tuple[Image.Image, int]:
    """``pixels`` box-reduced by a whole factor to no less than :data:`_MARGIN_SIDE` px, and the
    factor: a frame's or a page's box is found on that (a large picture's planes are never held
    whole) and multiplied back."""
    factor = max(1, min(pixels.size) // _MARGIN_SIDE)
    return (pixels.reduce(factor) if factor >= 2 else pixels), factor


@cache
def _undoing(turns: int, mirrored: bool) -> Image.Transpose:
    """The transpose that :func:`watermark.upright` applies for a mark read ``turns`` quarter
    turns and ``mirrored`` (found by applying both to a small picture with no symmetry)."""
    import numpy as np

    probe = np.arange(6, dtype=np.uint8).reshape(2, 3)
    undone = np.rot90(probe, turns)
    undone = undone[:, ::-1] if mirrored else undone
    image = Image.fromarray(probe)
    return next(t for t in _TURNS if np.array_equal(np.asarray(image.transpose(t)), undone))


# How a copy lies relative to its registered picture, by the transpose that undoes it.
_TURNS = {
    Image.Transpose.ROTATE_90: "turned 90 degrees clockwise",
    Image.Transpose.ROTATE_270: "turned 90 degrees counter-clockwise",
    Image.Transpose.ROTATE_180: "upside down (turned 180 degrees)",
    Image.Transpose.FLIP_LEFT_RIGHT: "mirrored left to right",
    Image.Transpose.FLIP_TOP_BOTTOM: "flipped top to bottom",
    Image.Transpose.TRANSPOSE: "mirrored across its diagonal",
    Image.Transpose.TRANSVERSE: "mirrored across its other diagonal",
}
# the ways a copy can lie that reverse the scene (a mirror, whatever its axis), in _TURNS' words
_MIRRORING = frozenset(
    _TURNS[t]
    for t in (
        Image.Transpose.FLIP_LEFT_RIGHT,
        Image.Transpose.FLIP_TOP_BOTTOM,
        Image.Transpose.TRANSPOSE,
        Image.Transpose.TRANSVERSE,
    )
)


def _turned_lookup(
    registry: Registry, image: LoadedImage, mark: WatermarkReport, credentials: CredentialReport, seen: _Seen
) -> tuple[list[_Found], list[Fingerprint], _Seen, str] | None:
    """A picture that matches nothing upright may be a registered one turned or mirrored (a
    resize that dropped the EXIF orientation leaves a photo sideways): its seven other PDQ
    hashes are looked up, and on a match the picture is turned back and looked up again,
    so every later check (thumbnail, credentials) sees it upright."""
    limit = THRESHOLDS[PDQ].match
    hits = [rec for variant in seen.turned for rec, _ in registry.search(variant, limit)]
    if not hits:
        return None
    target = fingerprint.find(hits[0].fingerprints, PDQ)
    if target is None:
        return None

    def distance(transpose: Image.Transpose) -> int:
        return fingerprint.pdq(seen.pixels.transpose(transpose)).distance(target)

    undo = min(_TURNS, key=distance)
    upright = _Seen(seen.pixels.transpose(undo))
    prints = fingerprint.compute(upright.pixels)
    carry = min(upright.pixels.size) >= _min_side()
    found = _lookup(registry, image, mark, credentials, prints, seen=upright, could_carry=carry)
    return (found, prints, upright, _TURNS[undo]) if found else None


def _lookup_otherwise(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    seen: _Seen,
    *,
    prints: list[Fingerprint] | None,
) -> tuple[list[_Found], list[Fingerprint] | None, _Seen, str | None, str | None]:
    """A picture that matched nothing as it lies: looked up turned back (:func:`_turned_lookup`),
    then by the picture inside its frame (:func:`_framed_lookup`), then as a crop, by its
    keypoints (:func:`_cropped_lookup`). The matches, the fingerprints and the picture they were
    found by, how it lay turned, and how else it was found ("framed", "keypoints" or None)."""
    if (turned := _turned_lookup(registry, image, mark, credentials, seen)) is not None:
        return turned[0], turned[1], turned[2], turned[3], None  # a sideways or mirrored copy, matched turned back
    if (inside := _framed_lookup(registry, image, mark, credentials, seen)) is not None:
        return inside[0], inside[1], seen, None, "framed"  # inside bars, a border or on a page
    if prints and registry.keypoint_pictures() > _KEYPOINTS_MOST:
        return [], prints, seen, None, "keypoints-skipped"  # said in the summary (_unsearched)
    if prints and (cropped := _cropped_lookup(registry, image, mark, credentials, seen, prints=prints)) is not None:
        # a crop, found by its keypoints (turned back when it lay sideways)
        return cropped[0], cropped[1], cropped[2], cropped[3], "keypoints"
    return [], prints, seen, None, None


# Pictures whose keypoints the crop lookup compares at most: it compares a query with every stored
# keypoint, 0.25 to 0.5 s per 1,000 pictures on one core (benchmarks/results/crop_lookup.md), twice for
# a picture that matched nothing (as it lies and mirrored); past this, crops are not looked for, and
# the summary says so.
_KEYPOINTS_MOST = 2_500


def _unsearched(way: str | None) -> str:
    """Said after a no-match summary when crops were not looked for (the registry is past the limit)."""
    if way != "keypoints-skipped":
        return ""
    return (
        f" Crops were not looked for: this registry holds the keypoints of more than {_KEYPOINTS_MOST:,}"
        " pictures, which this version compares one by one."
    )


def _cropped_lookup(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    seen: _Seen,
    *,
    prints: list[Fingerprint],
) -> tuple[list[_Found], list[Fingerprint], _Seen, str | None] | None:
    """A picture its hashes match with nothing may be a crop of a registered one: a crop moves
    PDQ past any threshold (a walkthrough's 60 % crop of a registered drawing matched nothing;
    register alone missed 29 % of 90 % crops). The records whose keypoints it shares on one
    transform (:meth:`Registry.crop_candidates`) are its candidates, and each record's thumbnail
    decides, told the scale the keypoints measured, as for any hash too far to settle: placed
    there as the same picture, a match; neither placed nor told apart, inconclusive; told
    apart, left out. A crop that lies turned (a quarter turn: a resize dropped its EXIF
    orientation; a few degrees: straightened) or mirrored is turned back first
    (:func:`_crop_lies`). The matches, the fingerprints and the picture they were found by, and
    how it lay; None when nothing was found."""
    lying = _crop_lies(registry, lambda: seen.pixels)
    if lying is None:
        return None
    candidates, seen, turn = lying
    if turn is not None:
        prints = fingerprint.compute(seen.pixels)
    near = {record.record_id: (record, c.scale) for record, c in candidates}
    carry = min(seen.pixels.size) >= _min_side()
    found = _lookup(registry, image, mark, credentials, prints, seen=seen, could_carry=carry, candidates=near)
    found = [replace(f, by_keypoints=True) for f in found if f.picture != "different"]
    return (found, prints, seen, turn) if found else None


def _by_print_too(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    seen: _Seen,
    *,
    found: list[_Found],
    prints: list[Fingerprint] | None,
) -> tuple[list[_Found], list[Fingerprint] | None, _Seen, str | None]:
    """Matches found by fingerprint, no mark read: a straightened crop turned back
    (:func:`_straightened`), then other owners' records its frame or its turns match too
    (:func:`_inside_too`). The matches, fingerprints, picture and how it lay."""
    turn = None
    if (straight := _straightened(registry, image, mark, credentials, seen, found=found)) is not None:
        found, prints, seen, turn = straight  # a crop turned a few degrees, compared turned back
    _inside_too(registry, image, mark, credentials, seen, found=found)
    return found, prints, seen, turn


def _straightened(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    seen: _Seen,
    *,
    found: list[_Found],
) -> tuple[list[_Found], list[Fingerprint], _Seen, str] | None:
    """A copy its hashes matched whose areas differ may be a crop straightened by a few degrees:
    compared unturned, its edges miss (a walkthrough's 3-degree crop read "34 of its 77 detailed
    areas do not match (an overlay, a caption band, a logo?)", exit 3, where the same crop found
    by its keypoints passed). Its keypoints' transform says whether it lies turned; turned back, it
    is compared again, and taken so only when its areas then agree. The matches, fingerprints and
    picture it was found by turned back, and how it lay; None otherwise."""
    altered = {
        f.record.record_id
        for f in found
        if f.matched_by in _BY_PRINT
        and f.placement is not None
        and f.placement.state == "altered"
        and f.placement.differ
        and not f.placement.added
        and not f.placement.mirrored
    }
    if not altered or registry.keypoint_pictures() > _KEYPOINTS_MOST:
        return None
    lying = _crop_lies(registry, lambda: seen.pixels)
    if lying is None:
        return None
    candidates, turned, words = lying
    if not turned.angle or words is None:
        return None  # a transform without a small turn (a quarter turn is the turned lookup's)
    near = {record.record_id: (record, c.scale) for record, c in candidates if record.record_id in altered}
    if not near:
        return None
    prints = fingerprint.compute(turned.pixels)
    carry = min(turned.pixels.size) >= _min_side()
    again = _lookup(registry, image, mark, credentials, prints, seen=turned, could_carry=carry, candidates=near)
    mended = [f for f in again if f.record.record_id in altered and f.placement and f.placement.state != "altered"]
    return (again, prints, turned, words) if mended else None


def _crop_lies(
    registry: Registry, pixels: Callable[[], Image.Image], points: tuple[bytes | None, bytes | None] = (None, None)
) -> tuple[list[tuple[Record, keypoints.Candidate]], _Seen, str | None] | None:
    """The records a crop's keypoints find (``points``: its keypoints as it lies and mirrored,
    when already taken, :func:`keypoints.stored`'s bytes; else taken from ``pixels``, read only
    when needed), as it lies or else mirrored (ORB's keypoints are not a mirror's: a walkthrough's rival
    registered a mirrored crop of a newsroom's photo as its own, and verify named the rival,
    exit 0), with the picture turned back the way the first one's transform says and how it
    lay (:data:`_TURNS`' words, and "turned about N degrees" for a straightened crop, which
    compared unturned read as parts differing). None when neither finds any."""
    from provenance.fingerprint import keypoints

    def shown(mirrored: bool) -> Image.Image:
        return pixels().transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirrored else pixels()

    for mirrored, stored in zip((False, True), points, strict=True):
        query = keypoints.Keypoints.from_bytes(stored) if stored is not None else None
        query = query or keypoints.describe(pixels(), most=keypoints.ASKED, mirrored=mirrored)
        if candidates := registry.crop_candidates(query):
            return candidates, *_turned_back(shown(mirrored), candidates[0][1].angle, mirrored=mirrored)
    return None


def _turned_back(pixels: Image.Image, angle: float, *, mirrored: bool) -> tuple[_Seen, str | None]:
    """``pixels`` (mirrored back already when ``mirrored``) turned upright by a keypoint
    transform's ``angle``, and how the copy lay in words (None: upright, as it is)."""
    from provenance import watermark

    flip = Image.Transpose.FLIP_LEFT_RIGHT
    if (undo := _quarter_turn(angle)) is not None:
        return _Seen(pixels.transpose(undo)), _TURNS[_composed(flip, undo) if mirrored else undo]
    words = [_TURNS[flip]] if mirrored else []
    if abs(angle) < watermark.LEAST_TURN:
        return _Seen(pixels), " and ".join(words) or None
    back = -angle  # Pillow turns counter-clockwise by a positive angle; the transform's is clockwise as seen
    words.append(f"turned about {abs(back):.0f} degrees {'counter-clockwise' if back < 0 else 'clockwise'}")
    return _Seen(pixels.rotate(back, resample=Image.Resampling.BICUBIC), angle=back), " and ".join(words)


@cache
def _composed(first: Image.Transpose, then: Image.Transpose) -> Image.Transpose:
    """The one transpose that does ``first`` and ``then`` (found on a small picture with no symmetry)."""
    import numpy as np

    probe = Image.fromarray(np.arange(6, dtype=np.uint8).reshape(2, 3))
    both = np.asarray(probe.transpose(first).transpose(then))
    return next(t for t in _TURNS if np.array_equal(np.asarray(probe.transpose(t)), both))


_QUARTER_SLACK = 10.0  # degrees: a transform this near a quarter turn lies turned by it


def _quarter_turn(angle: float) -> Image.Transpose | None:
    """The transpose that turns a picture lying ``angle`` degrees from its record's (a keypoint
    transform's, :class:`keypoints.Candidate`) back upright: None when it lies upright."""
    quarters = round(angle / 90.0) % 4
    if not quarters or abs(angle - 90.0 * round(angle / 90.0)) > _QUARTER_SLACK:
        return None
    return {1: Image.Transpose.ROTATE_270, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_90}[quarters]


def _inside_too(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    seen: _Seen,
    *,
    found: list[_Found],
) -> None:
    """A copy found by fingerprint (no record of its own): the records the picture inside its
    frame matches, and those it matches turned back, are added too, so that another owner's
    picture is named beside the record found (:func:`_mark_ambiguous` then finds them contested).
    A red-team registered copies of another owner's photo in bars of noise and mirrored, which the
    refusal did not see; the owner's own copies in plain bars, or mirrored, then matched those
    records alone and read as the copier's (exit 0 in bars)."""
    if any(f.matched_by in _OWN for f in found):
        return
    inside = _framed_lookup(registry, image, mark, credentials, seen)
    more = inside[0] if inside else []
    # so are those it matches turned back: the red-team's copier registered mirrored copies too, and the
    # owner's mirrored copy matched theirs alone
    if (turned := _turned_lookup(registry, image, mark, credentials, seen)) is not None:
        if turned[3].split(" and ")[0] in _MIRRORING:
            _mirrored(turned[0])
        more += turned[0]
    known = {f.record.record_id for f in found}
    for item in more:
        if item.matched_by == "fingerprint" and item.record.record_id not in known:
            found.append(item)
            known.add(item.record.record_id)


def _framed_lookup(
    registry: Registry, image: LoadedImage, mark: WatermarkReport, credentials: CredentialReport, seen: _Seen
) -> tuple[list[_Found], list[Fingerprint]] | None:
    """A picture that matches nothing as it stands may be a registered one inside bars, a border
    or a canvas added around it, or on a page of text (a post's screenshot): its hashes are the
    whole image's, frame and all, far from the picture's (a walkthrough's registered photo with
    black bars above and below, an eighth of its height each, matched nothing). The picture
    inside is looked up by its own fingerprints, and placed on the whole image as any copy is
    (the thumbnail's search cuts plain margins and finds a picture on a page; text or a caption
    beside it still reads as parts that differ). The matches and the fingerprints they were
    found by, or None."""
    for box in _frame_boxes(seen.pixels, _FRAMED_LEAST):
        prints = fingerprint.compute(seen.pixels.crop(box))
        found = _lookup(registry, image, mark, credentials, prints, seen=seen, could_carry=False, on_page=True)
        if found:
            return found, prints
    return None


_FRAMED_LEAST = 64  # px: a picture inside a frame smaller than this is not looked up (a PDQ hash of an icon)


def _lookup(
    registry: Registry,
    image: LoadedImage,
    mark: WatermarkReport,
    credentials: CredentialReport,
    prints: list[Fingerprint] | None,
    *,
    seen: _Seen | None,
    could_carry: bool,
    on_page: bool = False,
    candidates: Mapping[str, tuple[Record, float]] | None = None,
) -> list[_Found]:
    """Records this image is, or is near, and how each was found. ``on_page``: the picture was
    found inside a frame or a page (:func:`_framed_lookup`), placed there as a marked one is
    (:func:`_on_a_page`). ``candidates``: records its keypoints found (:func:`_cropped_lookup`),
    with the scale they measured, weighed as hashes too far to settle (the thumbnail decides)."""
    found: dict[str, _Found] = {}

    def add(record: Record | None, how: str) -> None:
        if record is not None and record.record_id not in found:
            found[record.record_id] = _Found(record, how, print_distances(prints or [], record.fingerprints))

    if mark.record_id:
        add(registry.get(mark.record_id), "watermark")
    if credentials.record_id and not credentials.broken:
        add(registry.get(credentials.record_id), "manifest")
    elif credentials.record_id:  # named by a manifest that does not match this file: named, never established
        add(registry.get(credentials.record_id), _MANIFEST_BROKEN)
    foreign = mark.found and mark.record_id is not None and mark.record_id not in found  # stamped elsewhere
    add(registry.find_by_sha256(image.sha256), "sha256")
    for stamp in registry.stamped_from(image.sha256):  # every stamp made from this very file
        add(stamp, "input-sha256")
    # Found exactly, the file's own record decides; records merely near it by fingerprint are other
    # files (_mark_others), listed by their hashes alone: placing each one's thumbnail (a search of
    # ~35 ms at 1 MP) would only say where another file's picture lies, and an original with twins
    # would pay it once per twin.
    place = not any(item.matched_by in _OWN for item in found.values())
    if prints:
        near: dict[str, Record] = {}
        for print_ in prints:
            limit = THRESHOLDS.get(print_.algorithm)
            if limit is not None:
                near.update((rec.record_id, rec) for rec, _ in registry.search(print_, limit.inconclusive))
        candidates = candidates or {}
        near.update((rid, rec) for rid, (rec, _) in candidates.items())
        nearest = {rid: sorted(print_distances(prints, rec.fingerprints).values()) for rid, rec in near.items()}
        for record in sorted(near.values(), key=lambda rec: nearest[rec.record_id]):
            if record.record_id in found:
                continue
            decision = classify(prints, record.fingerprints)
            scale = candidates[record.record_id][1] if record.record_id in candidates else None
            decision = "inconclusive" if decision == "none" and scale is not None else decision
            placed = _picture(seen, record, scale=scale) if decision != "none" and place else None
            if on_page and placed is not None:
                placed = _on_a_page(placed, seen, record) or placed
            picture = None if placed is None else placed.verdict
            # a match the thumbnail does not contradict, or a crop the hashes half lost that it confirms
            if (decision == "match" and picture != "different") or (decision != "none" and picture == "same-picture"):
                add(record, _fingerprint_kind(record, mark, could_carry, foreign=foreign))
            elif decision != "none":
                add(record, "fingerprint-inconclusive")
            if record.record_id in found:
                found[record.record_id].picture = picture
                found[record.record_id].placement = _placement(placed, record, seen)
    return list(found.values())


def _picture(seen: _Seen | None, record: Record, *, scale: float | None = None) -> thumbnail.Placement | None:
    """The record's thumbnail on whether this image is its picture (or part of it); None without one.
    ``scale``: image px per picture px, where keypoints measured it."""
    if record.thumbnail is None or seen is None:
        return None
    from provenance.fingerprint import thumbnail

    return thumbnail.compare(seen.pixels, record.thumbnail, scale=scale)


def _placement(placed: thumbnail.Placement | None, record: Record, seen: _Seen | None) -> Placement | None:
    """What the image is relative to the record's picture, from where its thumbnail placed it
    (the image found to be that picture; None when it was not placed)."""
    if placed is None or seen is None or record.thumbnail is None:
        return None
    from provenance.fingerprint import thumbnail

    decoded = thumbnail.decode(record.thumbnail)
    picture = decoded[1] if decoded else None
    kind = placement_of(placed, picture, seen.pixels.size, turned=bool(seen.angle))
    if kind is None or seen.angle:
        return kind
    image = seen.pixels.crop(placed.box) if placed.box is not None else seen.pixels
    return with_marks(kind, placed, image, record.manifest, picture, reference=record.reference)


def with_marks(
    kind: Placement,
    placed: thumbnail.Placement,
    image: Image.Image,
    manifest: bytes | None,
    picture: tuple[int, int] | None,
    *,
    reference: bytes | None = None,
) -> Placement:
    """``kind``, altered when ``image`` laid on the claim thumbnail of ``manifest`` (the record's
    signed manifest store), or without one on ``reference`` (a registered original's,
    Record.reference), shows text, boxes or a logo drawn over the picture, too fine for the
    thumbnail's blocks (:func:`marked`), or a patch of it blurred or pixelated (:func:`removed`;
    fingerprint/detail.py). A copy already altered, stretched, or without a place or either
    picture is left as it is, and the manifest is not read for it. An archive's registered photo
    with boxes and labels drawn on it read "the whole of that picture", exit 0, when originals
    held the 128 px thumbnail alone (a walkthrough)."""
    from provenance.fingerprint import detail

    if kind.sides is not None or (manifest is None and reference is None):
        return kind
    if picture is None or (centre := placed.image_centre(picture)) is None:
        return kind
    # a copy whose areas already differ is only asked whether its colours are turned, so the words say so
    # (a walkthrough's painting with its hues turned read "an overlay, a caption band, a logo, a pasted
    # region?"); one with content added around it, nothing
    altered = kind.state == "altered"
    if altered and kind.added != 0:
        return kind
    if manifest is not None:
        reference = stored_claim_thumbnail(manifest) or reference
    decoded = detail.decode_reference(reference) if reference is not None else None
    if reference is None or (altered and decoded is None):
        return kind
    if decoded is not None:
        if detail.turned_grey(image, decoded):
            kind = kind if altered else replace(kind, grey=True)
        elif (colours := recolouring(image, decoded, picture, placed.scale, centre)) is not None:
            kind = replace(kind, state="altered", recoloured=round(colours.degrees, 1), recolouring=colours.how)
        if altered:
            return kind
        if not detail.comparable(image.size, decoded.width, picture, placed.scale):
            return replace(kind, unchecked=True)
    found = detail.marks(image, reference, picture, placed.scale, centre)
    if found is None or not differs(found):
        return kind
    if not found.laid:  # the words name both causes (differs)
        return replace(kind, state="altered", laid=found.aligned)
    drawn = max(found.share, found.edges) if marked(found) else 0.0
    return replace(kind, state="altered", marked=drawn, removed=found.removed if removed(found) else 0.0)


def recolouring(
    image: Image.Image, reference: Image.Image, picture: tuple[int, int], scale: float, centre: tuple[float, float]
) -> detail.Recoloured | None:
    """How the copy's colours are changed from the picture's (:func:`detail.recoloured`), on the
    part of the claim thumbnail the copy shows (its centre at ``centre``, shares of the picture's
    sides, at ``scale`` copy px per picture px); None when they are not."""
    from provenance.fingerprint import detail

    if scale <= 0:
        return None
    # the part of the picture both show, in picture px: a copy on a canvas shows more than the picture
    # (its plain margins, whose grey the fit of a cast would read as colours turned), a crop less
    width, height = picture
    x, y = centre[0] * width, centre[1] * height
    half_w, half_h = image.width / scale / 2, image.height / scale / 2
    left, top = max(0.0, x - half_w), max(0.0, y - half_h)
    right, bottom = min(float(width), x + half_w), min(float(height), y + half_h)
    if right - left <= 0 or bottom - top <= 0:
        return None
    per_px = reference.width / width  # thumbnail px per picture px
    in_reference = (round(left * per_px), round(top * per_px), round(right * per_px), round(bottom * per_px))
    in_copy = (
        round((left - x) * scale + image.width / 2),
        round((top - y) * scale + image.height / 2),
        round((right - x) * scale + image.width / 2),
        round((bottom - y) * scale + image.height / 2),
    )
    if min(in_reference[2] - in_reference[0], in_reference[3] - in_reference[1]) < 8:
        return None
    if min(in_copy[2] - in_copy[0], in_copy[3] - in_copy[1]) < 8:
        return None
    return detail.recoloured(image.crop(in_copy), reference.crop(in_reference))


def differs(found: detail.Marks) -> bool:
    """Whether what :func:`detail.marks` found makes the copy altered: marks or a lost patch; on a copy
    that does not line up with the picture as a re-saved one does (ECC under ``detail.ALIGNED``: a
    headline over a night sky, 0.72, passed as the whole signed picture when such copies were not
    compared; or a strong local contrast), only with new edges over :data:`LAID_EDGES` or a lost patch
    (a black caption bar over a dark edge: 199 blocks): a share differing beside them may be the lay's
    and the edit's."""
    if not (marked(found) or removed(found)):
        return False
    return found.laid or found.edges >= LAID_EDGES or removed(found)


def marked(found: detail.Marks) -> bool:
    """Whether what :func:`detail.marks` found drew on the copy: :data:`MARKED_SHARE` of it or more
    differs, :data:`EDGES_SHARE` of it holds edges the picture has nowhere near, or
    :data:`MARKED_LOCAL` differing pixels lie in one place, nearly all there are (a local edit)."""
    if found.share >= MARKED_SHARE or found.edges >= EDGES_SHARE:
        return True
    return found.local >= MARKED_LOCAL and found.local_share >= LOCAL_SHARE


def removed(found: detail.Marks) -> bool:
    """Whether what :func:`detail.marks` found took detail out of one part of the copy: a patch of
    :data:`REMOVED_BLOCKS` blocks or more (blurred, pixelated, smoothed)."""
    return found.removed_blocks >= REMOVED_BLOCKS


def placement_of(
    placed: thumbnail.Placement, picture: tuple[int, int] | None, image: tuple[int, int], *, turned: bool = False
) -> Placement | None:
    """What an image of size ``image`` is relative to a picture of size ``picture`` its thumbnail
    placed it in: whole, crop or altered (docs/registry.md, "What the image is"); None unless
    the thumbnail called it the same picture. ``turned``: the image was turned back by its
    mark's angle, so its size is a canvas's, not the picture's shape (no ``sides``)."""
    from provenance.fingerprint import thumbnail

    if placed.verdict != "same-picture":
        return None
    scale = round(placed.scale, 2) if placed.scale > 0 else None
    if scale is None and picture is not None and placed.shown > 0:
        shown_px = placed.shown * picture[0] * picture[1]  # the picture's pixels the image shows
        scale = round(math.sqrt(image[0] * image[1] * placed.inside / shown_px), 2)
    differ = placed.detailed - placed.agree
    cropped = placed.shown < CROP_SHOWN and placed.cut > thumbnail.FLAT
    added = max(placed.beyond, _band_beside(placed))
    added = added if added >= ADDED_SHARE else 0.0
    altered = verdicts.areas_differ(differ, placed.detailed) or added > 0
    return Placement(
        state="altered" if altered else "crop" if cropped else "whole",
        shown=placed.shown,
        scale=scale,
        agree=placed.agree,
        detailed=placed.detailed,
        differ=differ,
        cropped=cropped,
        added=added,
        sides=None if turned or added else _stretched(placed, picture, image),
    )


def _stretched(
    placed: thumbnail.Placement, picture: tuple[int, int] | None, image: tuple[int, int]
) -> list[float] | None:
    """(width, height) of an image that shows all of ``picture`` per the picture's, when their
    shapes differ (a stretched or squeezed copy), else None. A copy that shows less may have
    lost a plain margin, which changes its shape as well: its sides say nothing."""
    from provenance.fingerprint import thumbnail

    if picture is None or placed.shown < CROP_SHOWN:
        return None  # content added around the picture is no stretch either: placement_of asks only without it
    if placed.content is not None and not thumbnail.stretched(placed.content, picture):
        return None  # its content has the picture's shape: a plain bar or band added, not a stretch
    width, height = image[0] / picture[0], image[1] / picture[1]
    if not thumbnail.stretched(image, picture):
        return None
    if placed.scale > 0 and min(width, height) >= placed.scale * (1 + thumbnail.STRETCHED):
        # larger both ways than the picture where it fits: a margin all round (a frame, a window's
        # border and title bar, a canvas), not a stretch; a stretched copy fits at one side's size or
        # between the two. A framed screenshot at 73 % read "81 % of its width and 77 % of its height"
        return None
    return [round(width, 2), round(height, 2)]


def _band_beside(placed: thumbnail.Placement) -> float:
    """The share of the image in a band beside a whole picture along one edge that holds detail
    (thumbnail.Placement.band: a meme's caption in text too small for the thumbnail's blocks read
    "the whole of the registered picture, resized to 62 % of its width and 78 % of its height",
    exit 0, in a walkthrough), when every part of the picture agrees; 0 otherwise (a copy whose
    parts differ is altered already, and a stretched one fitted at one side reads so)."""
    return 0.0 if verdicts.areas_differ(placed.detailed - placed.agree, placed.detailed) else placed.band


def _fingerprint_kind(record: Record, mark: WatermarkReport, could_carry: bool, *, foreign: bool = False) -> str:
    """A look-alike of an image we stamped, that lacks our watermark although it could
    carry one, is most likely that image's source (or a heavy edit), not the image itself:
    a near-copy twin looks just like the photo it was made from, and a stamped camera
    photo just like the camera's file. Such a match is only "similar", never grounds to
    hand over the record's credentials or its AI nature. Any stamped record counts,
    whatever its kind (``--source-type captured`` makes an original). So is a look-alike of
    an image we stamped whose pixels carry our watermark for a record not in this registry
    (``foreign``): it was stamped elsewhere, a twin made there from this picture or a copy
    stamped again. (A registered original may have carried another registry's mark when it was
    registered: its copies carry it too.)"""
    if foreign and record.watermarked:
        return "fingerprint-foreign"
    if record.watermarked and could_carry and not mark.found:
        return "fingerprint-unmarked"
    return "fingerprint"


def _phash_distance(prints: list[Fingerprint] | None, record: Record) -> int | None:
    return print_distances(prints or [], record.fingerprints).get(PHASH)


# How the file's own record is found exactly: its watermark (confirmed on the picture), the record
# its manifest names, or its SHA-256. Found so, that record decides what the file is.
_OWN = frozenset({"watermark", "manifest", "sha256"})
_BY_PRINT = frozenset(
    {
        "fingerprint",
        "fingerprint-unmarked",
        "fingerprint-foreign",
        "fingerprint-inconclusive",
        "fingerprint-ambiguous",
        "fingerprint-contested",
    }
)


def input_record(
    registry: Registry,
    image: LoadedImage,
    policy: TrustPolicy,
    *,
    search: bool = False,
    contained: list[Record] | None = None,
    foreign: list[str] | None = None,
) -> Record | None:
    """A file given to stamp or to register: its own record here, found exactly as verify finds
    it (``_OWN``): the record its SHA-256 finds, the one its intact manifest names, or the one its
    watermark names, confirmed on the picture by the record's thumbnail and not contradicted by
    the manifest; None when it has none here. Without ``search`` the mark is read from its
    whole-picture layer alone (:func:`whole_mark`): a few ms per megapixel, where the tile search
    on an unmarked picture costs about as much as a whole stamp; a whole copy of a picture stamped
    here (re-encoded, rescaled) is found, a crop of one is not. With ``search`` (register and
    stamp: a claim of ownership) the tiles are searched too, as verify reads them, and the
    whole-picture layer inside a plain frame: a crop of a stamped picture is found. So a picture
    registered here is stamped as made from its record, and a copy of one is never registered as
    another original of the same picture. ``contained`` receives the record
    whose picture, mark and all, was found whole as part of this larger image (a collage);
    ``foreign`` the record id of a mark of this toolkit's that names a record this registry does
    not hold (another home stamped the picture: claimed here, it would be a second owner's)."""
    credentials = read_credentials(image.mime, image.data, policy=policy)
    if (record := registry.find_by_sha256(image.sha256)) is not None:
        return record
    if credentials.intact and credentials.record_id and (record := registry.get(credentials.record_id)):
        return record
    if not image.decodable:
        return None
    from provenance import watermark

    pixels = image.pixels()
    reading = watermark.detect(_box_reduced(pixels), search=False)
    if search and not reading.found:
        reading = watermark.detect(pixels)
    reading, framed = _framed_read(pixels, reading) if search else (reading, False)
    record = registry.get(reading.record_id) if reading.found and reading.record_id else None
    if record is None:
        if reading.found and reading.record_id and foreign is not None and _ours(reading.scheme):
            foreign.append(reading.record_id)
        return None
    mark = WatermarkReport(True, scheme=reading.scheme, record_id=reading.record_id, confidence=reading.confidence)
    upright = watermark.upright(pixels, reading)
    seen = _Seen(upright, reading.scale, reading.frame and not framed)
    confirmed, _, larger = _check_agreement(mark, credentials, record, seen, fingerprint.compute(upright))
    if larger and contained is not None:
        contained.append(record)
    return record if confirmed and mark.agrees_with_manifest is not False else None


def _ours(scheme: str | None) -> bool:
    """Whether a mark read is one of this toolkit's schemes (not a known AI generator's)."""
    return bool(scheme and scheme.startswith("provenance-"))


def foreign_mark(path_name: str, record_id: str) -> str:
    """What a refusal says of a file that carries a mark of ours for a record this registry does
    not hold."""
    return (
        f"{path_name}: it carries this toolkit's watermark for record {record_id}, which this registry does not"
        " hold (another home stamped it, or its record was removed here): it is that stamp's picture or a copy of it"
    )


def look_alikes(registry: Registry, prints: list[Fingerprint]) -> list[Record]:
    """Records that ``prints`` match by fingerprint (within the match distance): one search for
    both kinds :func:`anothers_picture` refuses. A stamped one (its picture carries our mark) that
    the picture does not carry the mark of is a degraded copy of it (blurred, shrunk past the mark)
    or its unsigned source, not a new picture (the caller has looked for the mark and found none of
    its own); an unstamped original is that picture, as registered."""
    near: dict[str, Record] = {}
    for print_ in prints:
        if (limit := THRESHOLDS.get(print_.algorithm)) is not None:
            near.update((rec.record_id, rec) for rec, _ in registry.search(print_, limit.match))
    return [rec for rec in near.values() if classify(prints, rec.fingerprints) == "match"]


def anothers_picture(
    registry: Registry, contained: list[Record], prints: list[Fingerprint], owner: str, sha256: str
) -> tuple[Record, str] | None:
    """Another owner's stamped picture that a file claimed as ``owner``'s original holds (a
    collage holding it whole, its mark read: ``contained`` from :func:`input_record`) or is like
    without its mark (a degraded copy: blurred, shrunk past it), or another owner's registered
    original it is like, and those words ("it contains record ... whole"): registered or stamped
    as ``owner``'s original, it would set a claim beside theirs that puts their own copies on
    rights review, or makes them contested. None when there is none. A look-alike stamped from
    this very file (``sha256``: an AI stamp of it, say) may be of this picture, and is not
    counted; nor is a twin whose photo it also looks like, unless that photo is another owner's."""
    if other := next((r for r in contained if not same_owner(r.owner, owner)), None):
        return other, f"it contains record {other.record_id} here (owner {other.owner}{titled(other)}) whole"
    alike = look_alikes(registry, prints)
    for other in (r for r in alike if r.watermarked):
        if same_owner(other.owner, owner) or other.input_sha256 == sha256:
            continue
        source = _its_source(registry, other, prints)
        if source is None:
            return other, (
                f"it looks like record {other.record_id} here (owner {other.owner}{titled(other)}), a picture"
                " stamped here, without its watermark: a degraded copy of it, or its unsigned source"
            )
        if not same_owner(source.owner, owner):
            # a copy of the twin or of its photo: another owner's either way (a walkthrough registered a
            # small copy of another's twin, which then won copies of the twin's photo, exit 0)
            return source, (
                f"it looks like record {other.record_id} here (owner {other.owner}{titled(other)}), a picture"
                f" stamped here, and the picture it was made from, record {source.record_id} (owner"
                f" {source.owner}{titled(source)}): a degraded copy of either"
            )
    # another owner's registered original: a copy of it claimed too makes both owners' copies contested
    # (a walkthrough stamped a re-save of a wire agency's registered photo as its own, without a word)
    # both hashes within their match distance (a pHash alone matched two different pages of text, and
    # every pair of flat fills or gradients: a red-team's graphics were refused as copies)
    originals = (r for r in alike if r.kind == "original" and not r.watermarked and agree(prints, r.fingerprints))
    if other := next((r for r in originals if not same_owner(r.owner, owner)), None):
        return other, (
            f"it looks like record {other.record_id} here (owner {other.owner}{titled(other)}), registered as"
            " an original: a copy of that picture"
        )
    return None


def other_lays(
    registry: Registry, turned: Sequence[Fingerprint], pixels: Callable[[], Image.Image]
) -> list[tuple[str, list[Fingerprint]]]:
    """The picture's fingerprints as it would lie turned or mirrored each of seven ways, with
    their words (:data:`_TURNS`), for :func:`anothers_picture`: a mirrored, flipped or sideways
    copy of another owner's picture was registered as a new original, since its hashes upright
    are far from that picture's (a walkthrough; verify then named the copier as its owner, exit
    0). ``turned`` is the seven PDQ hashes :func:`fingerprint.compute_with_turns` read off the
    picture's own DCT; only when one of them finds a record here are ``pixels`` turned and
    fingerprinted. Empty otherwise."""
    limit = THRESHOLDS[PDQ].match
    if not any(registry.search(variant, limit) for variant in turned):
        return []
    picture = pixels()
    return [(words, fingerprint.compute(picture.transpose(way))) for way, words in _TURNS.items()]


def framed_prints(pixels: Image.Image) -> list[list[Fingerprint]]:
    """The fingerprints of the picture inside bars, a border or a page added around it
    (:func:`_frame_boxes`), for :func:`anothers_picture` as for :func:`_framed_lookup`: empty for
    a picture with none (every photograph: under a millisecond)."""
    return [fingerprint.compute(pixels.crop(box)) for box in _frame_boxes(pixels, _FRAMED_LEAST)]


Lay = tuple[str | None, list[Fingerprint]]  # how a picture may lie (None: as it is), and its fingerprints so


def lays(
    registry: Registry,
    prints: list[Fingerprint],
    turned: Sequence[Fingerprint],
    framed: list[list[Fingerprint]],
    pixels: Callable[[], Image.Image],
) -> list[Lay]:
    """The picture as it is, turned or mirrored (only when a turned hash finds a record here:
    :func:`other_lays`), and inside its frame (``framed``: :func:`framed_prints`): each way a copy
    of another owner's picture may lie, for :func:`anothers_picture_lying`."""
    framing = "inside bars, a border or a page added around it"
    return [(None, prints), *other_lays(registry, turned, pixels), *((framing, inside) for inside in framed)]


def anothers_picture_lying(
    registry: Registry,
    contained: list[Record],
    views: list[Lay],
    owner: str,
    sha256: str,
    *,
    crop: tuple[tuple[bytes | None, bytes | None], Callable[[], Image.Image]] | None = None,
) -> tuple[Record, str] | None:
    """:func:`anothers_picture` for the picture in any of the ways it may lie (:func:`lays`), its
    words saying which: a mirrored, turned or framed copy of another owner's picture is no more a
    new original than a re-saved one; nor is a crop of it (:func:`anothers_crop`, given ``crop``:
    the picture's keypoints and its pixels)."""
    for how, prints in views:
        if (found := anothers_picture(registry, contained if how is None else [], prints, owner, sha256)) is not None:
            return found[0], found[1] + (f" ({how})" if how else "")
    if crop is not None:
        return anothers_crop(registry, crop[0], crop[1], owner, sha256)
    return None


def anothers_crop(
    registry: Registry,
    points: tuple[bytes | None, bytes | None],
    pixels: Callable[[], Image.Image],
    owner: str,
    sha256: str,
) -> tuple[Record, str] | None:
    """Another owner's registered or stamped picture that this one is a crop of, as it lies or
    mirrored: found by its keypoints (``points``: :func:`keypoints.stored`'s bytes of the picture
    and of its mirror image, when taken already) and placed inside that picture by its
    thumbnail, as verify finds crops (:func:`_cropped_lookup`). A crop of a newsroom's photo
    registered as someone else's original would be named its owner (exit 0); a red-team's crops
    registered so. Whole copies are :func:`anothers_picture`'s to judge (by its rules: a stamp
    made from this very file, ``sha256``, is not another's picture, nor is it here). None when
    there is none; the pixels are read only for a candidate."""
    from provenance.fingerprint import thumbnail

    if registry.keypoint_pictures() > _KEYPOINTS_MOST or (lying := _crop_lies(registry, pixels, points)) is None:
        return None
    candidates, seen, turn = lying
    for record, candidate in candidates:
        if same_owner(record.owner, owner) or sha256 in (record.sha256, record.input_sha256):
            continue
        if record.thumbnail is None:
            continue
        placed = thumbnail.compare(seen.pixels, record.thumbnail, scale=candidate.scale)
        if placed is not None and placed.verdict == "same-picture" and placed.shown < thumbnail.WHOLE_SHOWN:
            return record, (
                f"it is a crop of record {record.record_id} here (owner {record.owner}{titled(record)}),"
                f" showing about {100 * placed.shown:.0f} % of that picture" + (f" ({turn})" if turn else "")
            )
    return None


def _its_source(registry: Registry, record: Record, prints: list[Fingerprint]) -> Record | None:
    """The picture ``record`` was made from, when ``prints`` match it as well (a twin looks like
    its photo): then the image may be that photo, not a copy of ``record`` without its mark."""
    source = registry.get(record.source_record_id) if record.source_record_id else None
    return source if source is not None and classify(prints, source.fingerprints) == "match" else None


def titled(record: Record) -> str:
    """ ", title 'T'" for a record with a title, else nothing: how refusals name a record."""
    return f", title '{record.title}'" if record.title else ""


def whole_mark(pixels: Image.Image, *, search: bool = False) -> str | None:
    """The record the mark names, read as :func:`input_record` reads it (its whole-picture layer,
    then with ``search`` its tiles; None when none reads): what a Ray worker tells the registering
    process, which looks the file's own record up only for a file that names one."""
    from provenance import watermark

    reading = watermark.detect(_box_reduced(pixels), search=False)
    if search and not reading.found:
        reading, _ = _framed_read(pixels, watermark.detect(pixels))
    return reading.record_id if reading.found else None


def made_from(registry: Registry, record: Record) -> list[Record]:
    """The records ``record`` was made from, nearest first (its chain of sources)."""
    return [parent for parent, _ in _sources(registry, record)]


_WHOLE_READ_SIDE = 384  # the whole-picture layer reads from a copy at least this big (measured; 256 px is its floor)


def _box_reduced(pixels: Image.Image) -> Image.Image:
    """``pixels`` box-reduced by a whole factor to no less than _WHOLE_READ_SIDE px on the short
    side: the whole-picture layer is read at 256 x 256 and survives such downscales, so a large
    picture is read in a quarter of the time or less (design pictures marked and saved as JPEG 85,
    at their size, 1.5 and 2 times it: 75 of 75 read, as from the whole picture; reduced to 256 px
    one of 50 was missed)."""
    factor = min(pixels.size) // _WHOLE_READ_SIDE
    return pixels.reduce(factor) if factor >= 2 else pixels


def _mark_ambiguous(registry: Registry | None, found: list[_Found]) -> None:
    """Fingerprint matches of records one made from the other (a photo and its twin, a stamp and
    its derivative), with no exact record of the file's own to say which it is: a near-copy twin
    looks like its source, so the hashes cannot tell them apart. None of them is established
    (``fingerprint-ambiguous``: inconclusive; no credentials recovered, no AI verdict taken
    from either); the ownership summary names them together."""
    if registry is None or any(f.matched_by in _OWN for f in found):
        return
    firm = [f for f in found if f.matched_by == "fingerprint" and f.other is None]
    # a stamped record the copy lacks the mark of (blurred, squeezed) is still a candidate when
    # it is as near as the firm one: a blurred twin is nearer its twin than the photo it was made from
    unmarked = [f for f in found if f.matched_by == "fingerprint-unmarked" and f.other is None]
    # so is one whose copy carries another home's mark instead: a copy of it stamped again there hides
    # its mark under theirs (a walkthrough's rival re-stamped a copy of a twin, which then read as the
    # whole of the photo it was made from, exit 0)
    restamped = [f for f in found if f.matched_by == _FOREIGN and f.other is None]
    by_id = {f.record.record_id: f for f in firm + unmarked + restamped}
    linked: set[str] = set()
    related: set[str] = set()  # made one from the other, rivals or not
    for item in firm + unmarked + restamped:
        for parent, _ in _sources(registry, item.record):
            if (other := by_id.get(parent.record_id)) is not None:
                related |= {parent.record_id, item.record.record_id}
                if (apart := _told_apart(item, other)) is not None:
                    apart.matched_by = "fingerprint-inconclusive"  # near it, and not it: its parts differ
                elif _rivals(item, other):
                    linked |= {parent.record_id, item.record.record_id}
    firm = [f for f in firm if f.matched_by == "fingerprint"]
    for item in firm:
        if item.record.record_id in linked:
            item.matched_by = "fingerprint-ambiguous"
    # near-identical pictures registered to different owners (one registered a copy of the other's):
    # the hashes cannot say whose this copy is. A stamp of another owner the copy lacks the mark of
    # counts too, unless one was made from the other: a red-team walkthrough's rival registered a
    # blurred copy of a stamp (--allow-contradiction), and later copies, unmarked, were the rival's
    left = [f for f in firm if f.matched_by == "fingerprint"]
    unlinked = [f for f in unmarked if f.record.record_id not in related]
    # and records the hashes could not tell apart, of another owner, nearer or not: another owner's
    # registration of a small copy of a twin won a copy of the photo it was made from (exit 0) while
    # the photo and its twin, nearer, were ambiguous (a walkthrough). Their originals' owner speaks for
    # them (a twin is its user's, its photo the organisation's: one owner, two names)
    entangled = [f for f in firm + unmarked + restamped if f.record.record_id in linked]
    theirs = {owner_key(f.record.owner) for f in entangled if f.record.kind == "original"} or {
        owner_key(f.record.owner) for f in entangled
    }
    if len({owner_key(f.record.owner) for f in left + unlinked} | theirs) > 1 and left:
        for item in left:
            item.matched_by = _CONTESTED


_CONTESTED = "fingerprint-contested"
_MANIFEST_BROKEN = "manifest-broken"


def _told_apart(a: _Found, b: _Found) -> _Found | None:
    """Of two firm matches one made from the other, the one the image is not, when their thumbnails
    tell: one placed as its picture (whole or a crop), the other's parts differing. A walkthrough's
    half-size copy of a photo read "Inconclusive" between the photo and its twin, no owner named,
    although 163 of the photo's 163 detailed areas matched and the twin's differed."""
    if a.matched_by != "fingerprint" or b.matched_by != "fingerprint" or a.placement is None or b.placement is None:
        return None
    if a.placement.state == "altered" and b.placement.state != "altered" and not b.placement.mirrored:
        return a
    if b.placement.state == "altered" and a.placement.state != "altered" and not a.placement.mirrored:
        return b
    return None


def _rivals(a: _Found, b: _Found) -> bool:
    """Two fingerprint matches, one made from the other, that the hashes cannot tell apart: both
    firm, or an unmarked one (a stamped record whose mark the copy lacks) at least as near as the
    firm one (the copy lost the mark; nearer the photo, it is the photo's copy), or any, where the
    firm one is beyond the hashes' match bound (a crop the thumbnail placed: a near-copy twin's
    thumbnail places it as well)."""
    if a.matched_by == b.matched_by == "fingerprint":
        return True
    if a.matched_by == b.matched_by or "fingerprint" not in (a.matched_by, b.matched_by):
        return False
    firm, unmarked = (a, b) if a.matched_by == "fingerprint" else (b, a)
    near, theirs = firm.distances.get(PDQ), unmarked.distances.get(PDQ)
    if near is None or theirs is None:
        return False
    return theirs <= near or near > THRESHOLDS[PDQ].match


def _mark_others(registry: Registry | None, found: list[_Found]) -> None:
    """When the file's own record is found exactly, the records that are merely near it by
    fingerprint belong to other files: a twin or a stamp made from this picture (``has-twin``,
    ``has-derivative``), or another record of a near-identical picture, such as another stamp
    of the same photo (``similar-to``). They are listed, never "same-as" this file, never
    grounds for its credentials or its AI verdict, and their sources are not followed."""
    own = {f.record.record_id for f in found if f.matched_by in _OWN}
    if registry is None or not own:
        return
    # its sources are followed from its own record (twin-of, derivative-of, ancestor)
    sources = {p.record_id for f in found if f.matched_by in _OWN for p, _ in _sources(registry, f.record)}
    for item in found:
        # a stamp made from this very file (found by its input's SHA-256) is what was made from it, when
        # linked to its record (a re-stamp of a picture registered here); else it stays source-of
        made_from = item.matched_by == "input-sha256"
        if (item.matched_by in _BY_PRINT or made_from) and item.record.record_id not in sources:
            item.other = None if made_from else "similar-to"
            for depth, (parent, child) in enumerate(_sources(registry, item.record)):
                if parent.record_id in own:
                    item.other = "has-twin" if depth == 0 and child.kind == "twin" else "has-derivative"
                    break


# Matches that establish the record (and lead up its chain of sources); the others are named, not counted.
_STRENGTH: dict[str, MatchStrength] = {
    "watermark": "exact",
    "sha256": "exact",
    "manifest": "exact",
    "fingerprint": "match",
}
_RELATION: dict[str, MatchRelation] = {
    "fingerprint-unmarked": "similar-to",
    "fingerprint-foreign": "similar-to",
    "input-sha256": "source-of",
}
_FOREIGN = "fingerprint-foreign"


def _ownership(
    registry: Registry | None,
    found: list[_Found],
    *,
    pixels_checked: bool = True,
    set_aside: str | None = None,
    part_of_larger: bool = False,
    mark_read: bool = True,
) -> OwnershipReport:
    if registry is None:
        return OwnershipReport()
    matches: dict[str, OwnershipMatch] = {}
    for item in found:  # direct matches first: they are the strongest claims
        relation = item.other or _RELATION.get(item.matched_by, "same-as")
        strength = _STRENGTH.get(item.matched_by) or ("exact" if item.matched_by == "input-sha256" else "inconclusive")
        matches[item.record.record_id] = _match(
            item.record, relation, strength, _reported_way(item), item.distances, placement=item.placement
        )
    for item in found:
        if _STRENGTH.get(item.matched_by) is None or item.other is not None:
            continue  # neither this record nor its sources are established
        for depth, (parent, child) in enumerate(_sources(registry, item.record)):
            strength = _STRENGTH[item.matched_by]
            known = matches.get(parent.record_id)
            if known is not None and _STRENGTH_ORDER.index(known.strength) <= _STRENGTH_ORDER.index(strength):
                continue  # already established at least as firmly; a weaker look-alike yields to the chain
            linked: MatchRelation = "ancestor" if depth else ("twin-of" if child.kind == "twin" else "derivative-of")
            distances = known.distances if known is not None else {}
            matches[parent.record_id] = _match(
                parent, linked, strength, "registry link", distances, via=child.record_id
            )
    ordered = _sources_first(registry, sorted(matches.values(), key=_match_order))
    verdict, summary = _ownership_verdict(
        ordered, pixels_checked=pixels_checked, set_aside=set_aside, part_of_larger=part_of_larger, mark_read=mark_read
    )
    if (same := _placed_match(ordered)) is not None and same.placement is not None:
        # derived: the summary named the original; the image was placed in the record it is (the twin)
        picture = "that picture" if verdict != "derived" else f"the registered {same.kind} {_name(same)}"
        summary = f"{summary.rstrip('.')}; this image is {_placement_words(same.placement, picture)}."
    return OwnershipReport(verdict=verdict, summary=summary, matches=ordered, registry=registry.location)


# A crop found by its keypoints is weighed as a hash match or a hash too far to settle (the same checks
# follow), and reported as what found it: its hash distances are far past any threshold.
_BY_KEYPOINTS = {"fingerprint": "keypoints", "fingerprint-inconclusive": "keypoints-inconclusive"}


def _reported_way(item: _Found) -> str:
    """How a match was reached, as the report says it (:data:`_BY_KEYPOINTS`)."""
    return _BY_KEYPOINTS.get(item.matched_by, item.matched_by) if item.by_keypoints else item.matched_by


def _sources_first(registry: Registry, matches: list[OwnershipMatch]) -> list[OwnershipMatch]:
    """Look-alikes (``similar-to``) recorded as made from another look-alike listed come after it,
    so the summary names the picture they were made from: a blurred copy of our unsigned photo
    read "looks like 'rival-blur.jpg' (owner Rival Media)", a rival's stamp of a blurred copy of
    ours (recorded as made from it), nearer than our own record."""
    alike = [m for m in matches if m.relation == "similar-to"]
    if len(alike) < 2:
        return matches
    listed = {m.record_id for m in alike}

    def made_from_another(match: OwnershipMatch) -> bool:
        record = registry.get(match.record_id)
        return record is not None and any(p.record_id in listed for p, _ in _sources(registry, record))

    reordered = iter(sorted(alike, key=made_from_another))  # stable: nearest first among each
    return [next(reordered) if m.relation == "similar-to" else m for m in matches]


def _placed_match(matches: list[OwnershipMatch]) -> OwnershipMatch | None:
    """The record this image was established to be (its first firm same-as match)."""
    return next((m for m in matches if m.relation == "same-as" and m.strength in ("exact", "match")), None)


def _placed(matches: list[OwnershipMatch]) -> Placement | None:
    """Where this image lies in the picture it was established to be."""
    same = _placed_match(matches)
    return same.placement if same is not None else None


def _placement_words(placed: Placement, picture: str) -> str:
    return verdicts.placement_words(
        placed.state,
        shown=placed.shown,
        scale=placed.scale,
        differ=placed.differ if verdicts.areas_differ(placed.differ, placed.detailed) else 0,
        detailed=placed.detailed,
        cropped=placed.cropped,
        picture=picture,
        added=placed.added,
        sides=placed.sides,
        marked=placed.marked,
        removed=placed.removed,
        mirrored=placed.mirrored,
        laid=placed.laid,
        unchecked=placed.unchecked,
        grey=placed.grey,
        recoloured=placed.recoloured,
        recolouring=placed.recolouring,
    )


def _altered(credentials: CredentialReport, ownership: OwnershipReport) -> Placement | None:
    """The placement of a picture established as a registered one with parts changed since, if it is one."""
    placed = credentials.placement if credentials.state == "recovered" else _placed(ownership.matches)
    return placed if placed is not None and placed.state == "altered" else None


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


_RELATION_ORDER: tuple[MatchRelation, ...] = get_args(MatchRelation)
_STRENGTH_ORDER: tuple[MatchStrength, ...] = get_args(MatchStrength)


def _match_order(match: OwnershipMatch) -> tuple[int, int, int]:
    nearest = min(match.distances.values(), default=0)
    return _STRENGTH_ORDER.index(match.strength), _RELATION_ORDER.index(match.relation), nearest


def _match(
    record: Record,
    relation: MatchRelation,
    strength: MatchStrength,
    how: str,
    distances: dict[str, int],
    *,
    via: str | None = None,
    placement: Placement | None = None,
) -> OwnershipMatch:
    return OwnershipMatch(
        record_id=record.record_id,
        owner=record.owner,
        relation=relation,
        strength=strength,
        matched_by=how,
        kind=record.kind,
        distances=distances,
        title=record.title,
        model=record.model,
        source_url=record.source_url,
        registered_at=record.created_at,
        via_record=via,
        placement=placement,
    )


# Relations that say what another file is to this one, not what this file is.
_NOT_THIS: frozenset[MatchRelation] = frozenset({"similar-to", "source-of", "has-twin", "has-derivative", "contains"})


def _ownership_verdict(
    matches: list[OwnershipMatch],
    *,
    pixels_checked: bool = True,
    set_aside: str | None = None,
    part_of_larger: bool = False,
    mark_read: bool = True,
) -> tuple[OwnershipVerdict, str]:
    """``set_aside``: the record a watermark named that does not describe this image (copied onto
    it): nothing matches, but "no record is near by watermark" would contradict the mark.
    ``part_of_larger``: the watermark's record's picture was found whole as part of this image.
    ``mark_read``: False when the pixels were too small to read a watermark from."""
    solid = [m for m in matches if m.strength != "inconclusive" and m.relation not in _NOT_THIS]
    held = next((m for m in matches if m.relation == "contains"), None)
    if held is not None and (firm := next((m for m in solid if not same_owner(m.owner, held.owner)), None)):
        # A registered picture of one owner holding another's whole (a collage registered by a rival
        # from a blurred copy of ours, then built again from our marked photo): neither owns it alone.
        return "inconclusive", (
            f"Inconclusive: it matches {firm.owner}'s registered {firm.kind} {_name(firm)}, and it holds"
            f" {held.owner}'s registered {held.kind} {_name(held)} whole as part of it (read by its watermark):"
            " whose picture this is, and whether one owner may use the other's, cannot be told here."
        )
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
    if source := next((m for m in matches if m.relation == "source-of"), None):
        return "similar", (
            f"This file is the unsigned original that registered record {_owned(source)}"
            " was stamped from: it carries none of that record's watermark or credentials."
        )
    if look := next((m for m in matches if m.relation == "similar-to" and m.matched_by == _FOREIGN), None):
        return "similar", (
            f"It looks like registered record {_owned(look)} but carries this toolkit's"
            " watermark for a record not in this registry: stamped elsewhere (a twin made from it, or a copy"
            " stamped again) or stamped here under a record since removed, so it is not that picture as"
            " registered here."
        )
    contested = [m for m in matches if m.matched_by == _CONTESTED]
    if len(contested) == 1 and (stamp := next((m for m in matches if m.matched_by == "fingerprint-unmarked"), None)):
        # another owner's stamp, near-identical, whose mark the copy lacks: whose it is, the hashes cannot say
        first = contested[0]
        return "inconclusive", (
            f"Inconclusive: it matches registered record {_owned(first)} and looks like"
            f" registered record {_owned(stamp)}, whose watermark it lacks; near-identical"
            " pictures registered to different owners, so whose picture it is cannot be told without a watermark"
            " or manifest."
        )
    if look := next((m for m in matches if m.relation == "similar-to"), None):
        if look.placement is not None and look.placement.cropped:  # placed as a part of it: a crop, not its source
            return "similar", (
                f"It looks like a crop of registered record {_owned(look)} but lacks that"
                " image's watermark: a crop of it that lost the mark (small crops may), or of its unsigned source."
            )
        if look.kind == "twin":  # a twin never left unstamped: no unsigned source of it, but the photo it copies
            photo = next((m for m in matches if m.matched_by == "fingerprint-ambiguous"), None)
            which = "" if photo is None else f" ({_name(photo)}, also registered)"
            return "similar", (
                f"It looks like registered AI twin {_owned(look)} but lacks its watermark:"
                f" a copy of the twin that lost the mark (blurred, heavily edited), or of the photo it was made"
                f" from{which}, which looks alike; which of them cannot be told."
            )
        return "similar", (
            f"It looks like registered record {_owned(look)} but lacks that image's"
            " watermark: possibly its unsigned source, or a heavily edited copy."
        )
    if len(twins := [m for m in matches if m.matched_by == "fingerprint-ambiguous"]) >= 2:
        named = _records_named([f"{_name(m)} ({m.kind}, owner {m.owner})" for m in twins])
        made = "one made from the other, both" if len(twins) == 2 else "made one from another, each"
        # another owner's near-identical record, contested by them: named too (a walkthrough's summary left
        # out the owner who had registered a small copy of the twin as theirs, listed only below)
        others = [f"{_name(m)} ({m.kind}, owner {m.owner})" for m in contested]
        also = f"; so does {_records_named(others)}, registered to another owner" if others else ""
        whose = ", or whose," if others else ""
        return "inconclusive", (
            f"Inconclusive: it matches registered records {named}, {made} within its"
            f" fingerprints' matching distance{also}; which of them this image is{whose} cannot be told without a"
            " watermark or manifest."
        )
    if by_manifest := next((m for m in matches if m.matched_by == _MANIFEST_BROKEN), None):
        return "inconclusive", (
            f"Inconclusive: its manifest names registered record {_owned(by_manifest)},"
            " but that manifest does not match this file (it does not validate, or the file is incomplete): the"
            " record is named, not established."
        )
    if len(rivals := [m for m in matches if m.matched_by == _CONTESTED]) >= 2:
        named = _records_named([f"{_owned(m)}" for m in rivals])
        each = "both" if len(rivals) == 2 else "each"
        return "inconclusive", (
            f"Inconclusive: it matches registered records {named}, registered to different owners, {each} within"
            " its fingerprints' matching distance; whose picture it is cannot be told without a watermark or"
            " manifest."
        )
    if mark := next((m for m in matches if m.matched_by == "watermark-unconfirmed"), None):
        if part_of_larger:
            return "inconclusive", (
                f"Inconclusive: it contains registered record {_owned(mark)}, found whole"
                " inside a larger image (a screenshot, a page or a collage): that part is their picture; the"
                " rest of the image is not, and nothing here says whose the rest is."
            )
        return "inconclusive", (
            f"Inconclusive: it carries the watermark of registered record {_owned(mark)},"
            " but whether this picture is that record's picture, or a crop of it, cannot be told."
        )
    if matches:
        m = matches[0]
        near = ", ".join(f"{alg.split('/')[0]} {d}" for alg, d in m.distances.items())
        return "inconclusive", (
            f"Inconclusive: it resembles registered record {_name(m)} (owner {m.owner}; distance {near}),"
            " but not closely enough to say it is that picture."
        )
    if not pixels_checked:  # only the file's hash and manifest were looked up
        return "no-match", (
            "No registered match by file hash or manifest; the pixels were not checked, so a watermark or"
            " fingerprint match was not looked for."
        )
    if set_aside is not None:
        return "no-match", (
            f"No registered match: this image is none of the registered pictures (its watermark names record"
            f" {set_aside}, which does not describe this image)."
        )
    if not mark_read:  # a picture under the watermark's least size: the mark was not looked for
        return "no-match", (
            "No registered match by hash or fingerprint; under 256 px a watermark may go unread, so a small"
            " copy, a crop or a heavy edit of a registered picture may not be recognised."
        )
    return "no-match", (
        "No registered match by watermark, hash, fingerprint or keypoints (a small crop, a heavy edit or a small"
        " copy of a registered picture may not be recognised without its watermark)."
    )


def _records_named(names: list[str], shown: int = 3) -> str:
    """Records in a sentence: "a, b and c", or "a, b, c and 3 more" past ``shown``."""
    listed = names[:shown]
    more = len(names) - len(listed)
    if more:
        return ", ".join(listed) + f" and {more} more"
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def _name(match: OwnershipMatch) -> str:
    return f"'{match.title}' ({match.record_id})" if match.title else match.record_id


def _owned(match: OwnershipMatch) -> str:
    """ "'T' (id, owner O)": a record and its owner in one pair of brackets ("(id) (owner O)" read
    as a stutter to a walkthrough)."""
    said = f"{match.record_id}, owner {match.owner}"
    return f"'{match.title}' ({said})" if match.title else f"{match.record_id} (owner {match.owner})"


def _fingerprints_agree(item: _Found, prints: list[Fingerprint] | None) -> bool:
    return prints is not None and agree(prints, item.record.fingerprints)


def _registry_manifest(  # noqa: PLR0917 - one call site
    image: LoadedImage,
    found: list[_Found],
    credentials: CredentialReport,
    mark: WatermarkReport,
    policy: TrustPolicy,
    prints: list[Fingerprint] | None,
) -> CredentialReport:
    """The signed manifest the registry kept, for a file that lost its own, or carries it on a resized
    or cropped copy (``re_encoded``)."""
    if not credentials.present:
        return _recover(image, found, credentials, policy, prints)
    if _re_encoded(credentials, mark, found):
        return _recover(image, found, credentials, policy, prints, re_encoded=True)
    return credentials


def _re_encoded(credentials: CredentialReport, mark: WatermarkReport, found: list[_Found]) -> bool:
    """Whether a file whose manifest fails only its hard binding is a resized or cropped copy of the
    signed picture with the manifest carried over: its watermark is the one the manifest declares,
    read and confirmed on these pixels, which its record's thumbnail places as the whole picture at
    another size or as a crop, nothing altered. A walkthrough's CMS resized a stamp and kept its
    manifest: "Provenance broken" (exit 1), while the same copy stripped was the signed picture (exit
    0). At the signed size the hash is the stronger evidence and stays the verdict: bytes changed in
    place (a byte flipped, a re-save) are what it exists to catch, and a comparison of pixels may miss
    a small change. A copy whose parts differ stays broken: the manifest was kept over a changed picture."""
    if credentials.state != "invalid" or not codes.binding_only(credentials.status_codes):
        return False
    if not mark.found or mark.agrees_with_manifest is not True:
        return False
    return any(f.matched_by == "watermark" and _derived_copy(f.placement) for f in found)


def _derived_copy(placed: Placement | None) -> bool:
    """A copy at another size than the picture's, or a crop of it, its parts all agreeing."""
    if placed is None or placed.state not in ("whole", "crop"):
        return False
    resized = placed.scale is not None and abs(placed.scale - 1) >= verdicts.SAME_SIZE
    return placed.cropped or resized


def _recover(
    image: LoadedImage,
    found: list[_Found],
    credentials: CredentialReport,
    policy: TrustPolicy,
    prints: list[Fingerprint] | None,
    *,
    re_encoded: bool = False,
) -> CredentialReport:
    """Credentials stripped, or (``re_encoded``) carried over onto a resized or cropped copy: fetch the
    signed manifest the registry kept."""
    for item in sorted(found, key=lambda f: f.matched_by != "watermark"):
        if re_encoded and item.matched_by != "watermark":
            continue  # the manifest's own mark, confirmed on these pixels: nothing less
        if item.other is not None:
            continue  # another file's record: its credentials are not this file's
        if item.matched_by == "fingerprint" and not _fingerprints_agree(item, prints):
            continue  # one hash alone is too easy to collide with to hand over credentials
        if item.matched_by == "fingerprint" and item.picture not in (None, "same-picture"):
            continue  # the hashes agree but the thumbnail does not say it is the picture
        if item.record.manifest and item.matched_by in ("watermark", "fingerprint", "sha256"):  # never on a guess
            via = "watermark" if item.matched_by == "watermark" else "fingerprint"
            recovered = read_recovered(image.mime, image.data, item.record.manifest, policy=policy, via=via)
            # the registry's manifest must be the very one the file carries (its label, a claim's URN): a
            # manifest someone else signed declaring our mark's record is theirs, and stays broken
            if re_encoded and not (recovered.intact and recovered.manifest_label == credentials.manifest_label):
                return credentials
            credentials.recovered = True
            credentials.recovered_via = via
            credentials.recovered_manifest = recovered
            credentials.placement = item.placement
            if re_encoded:
                credentials.state, credentials.re_encoded = "recovered", True
            return credentials
    return credentials


def _check_agreement(
    mark: WatermarkReport,
    credentials: CredentialReport,
    wm_record: Record | None,
    seen: _Seen | None,
    prints: list[Fingerprint] | None,
) -> tuple[bool, Placement | None, bool]:
    """Does the mark belong here? Against the manifest (the record it declares) and against
    the picture (the record's thumbnail): a mark on another picture is a copy (exit 1).
    Returns whether the picture is confirmed as the record's (or a crop of it), where it lies in
    the record's picture when placed, and whether the record's picture was found whole as part of
    a larger image; when that cannot be told, the mark is named but proves nothing."""
    declared = [record_id_from_soft_binding(b.value) for b in credentials.soft_bindings if b.alg in SCHEME_FOR_ALG]
    if declared and credentials.present:
        if mark.found:
            mark.agrees_with_manifest = mark.record_id in declared
            if not mark.agrees_with_manifest:
                mark.note = f"the manifest declares watermark record {declared[0]}, the pixels carry {mark.record_id}"
        elif mark.state == "not-checked":
            mark.note = f"the manifest declares watermark record {declared[0]}; the pixels were not checked"
        elif mark.state == "too-small":
            said = "none was read, which at this size says nothing"
            mark.note = f"the manifest declares watermark record {declared[0]}; {said}"
        else:
            mark.note = "the manifest declares a watermark that could not be read from the pixels"
    if not mark.found or wm_record is None or mark.agrees_with_manifest is False:
        return True, None, False
    if mark.agrees_with_manifest and credentials.intact:
        return True, None, False  # the hard binding covers these very pixels, signed with this mark
    verdict, evidence, placed = _same_picture(seen, wm_record, prints)
    if (posted := _on_a_page(placed, seen, wm_record)) is not None:
        verdict, placed = "same-picture", posted
    if verdict != "same-picture" and placed is not None and placed.contained:
        # The record's picture itself, mark and all, is part of a larger image (a page, a collage, a
        # screenshot of either): nothing in it was copied or changed, but the image is more than that
        # picture. Named, nothing handed over (unconfirmed, exit 3): "broken" claimed a tampering no
        # evidence shows, and read so for a walkthrough's screenshot of a page (session 17).
        mark.note = (
            f"the watermark names record {wm_record.record_id}, and {evidence}: this image holds that picture"
            " as part of a larger one (a page, a collage, a screenshot?), so the record is named and its"
            " credentials are not handed over"
        )
        return False, None, True
    if verdict == "different":
        mark.agrees_with_manifest = False
        mark.note = (
            f"the watermark names record {wm_record.record_id}, but {evidence}: the mark was probably copied"
            " onto another image"
        )
    elif verdict == "cannot-tell":
        mark.note = (
            f"the watermark names record {wm_record.record_id}, but whether this picture is that picture or a"
            f" crop of it cannot be told ({evidence}): the record is named, its credentials are not handed over"
        )
    return verdict == "same-picture", _placement(placed, wm_record, seen), False


def _on_a_page(placed: thumbnail.Placement | None, seen: _Seen | None, record: Record) -> thumbnail.Placement | None:
    """The record's picture on a page (a social post's or an article's screenshot), compared alone:
    its box on the page (:func:`imaging.picture_box`) laid on the record's thumbnail, with the
    content around it (``beyond``) as the whole image measured it. None unless the whole image was
    the picture with content around it, or held it whole filling half or more of it, and the box
    is the same picture. Why: laid whole, a walkthrough's post (the picture at 50 % under an avatar
    and a line of text) fitted 1.6 % off its scale and read "53 of its 139 detailed areas do not
    match" of an untouched picture; the same post with the picture at 60 % of the page read
    "Inconclusive: ... nothing here says whose it is" after naming its owner."""
    import numpy as np

    from provenance.fingerprint import thumbnail

    if placed is None or seen is None or seen.angle or record.thumbnail is None:
        return None
    around = placed.verdict == "same-picture" and placed.beyond >= ADDED_SHARE
    held = placed.contained and not placed.pasted and placed.beyond >= ADDED_SHARE  # half the page or more
    small, factor = _for_boxes(seen.pixels)
    rgb = np.asarray(small if small.mode == "RGB" else small.convert("RGB"))
    background, edged = page_colour(rgb)
    off = off_page(rgb, background)
    # a same-picture fit over a page that took some of the page for picture (a photo the page's width on
    # a black screenshot read "a crop ... 48 of its 143 detailed areas do not match"); a clean one stands
    # (a product shot on white is its own picture's background, not a page)
    unsure = placed.verdict == "cannot-tell" or (
        placed.verdict == "same-picture"
        and (
            placed.shown < thumbnail.WHOLE_SHOWN
            or verdicts.areas_differ(placed.detailed - placed.agree, placed.detailed)
        )
    )
    redo = not around and unsure and edged >= _PAGE_EDGE
    if not (around or held or placed.contained or placed.verdict == "different" or redo):
        return None
    # alone on a blank page, however small, it is the picture with plain margins: a walkthrough's photo
    # at 720 px on a white 1080 x 2340 screenshot read "found whole inside a larger image ... the rest is
    # not that picture", the rest being white; on a black one, the fit over the whole page lost it (2
    # detailed areas) and the mark read as copied onto another image, exit 1 (a red-team). The box is
    # picture_box's, or on a page it misses (a picture half the page's width whose dark rows broke its
    # runs) everything off the page's colour; blank only when nothing else is on the page and the box
    # holds the picture alone (a caption inside the box is content beyond the picture)
    box = picture_box(rgb)
    blank = box is not None and _outside(off, box) <= _BLANK_OFF
    if not blank and (alone := _off_page_box(off)) is not None and _outside(off, alone) <= _BLANK_OFF:
        box, blank = alone, True
    # the fit over the whole page lost the picture, which is whole in its box on a page with more on it
    # (a credit line under a picture on a black page read as a mark copied onto another image, exit 1)
    lost = placed.verdict == "different" and not placed.contained and box is not None
    if box is None or not (around or held or blank or lost):
        return None
    left, top, right, bottom = (side * factor for side in box)
    inner = thumbnail.compare(seen.pixels.crop((left, top, right, bottom)), record.thumbnail)
    if inner is None or inner.verdict != "same-picture":
        return None
    blank = blank and inner.beyond < ADDED_SHARE  # alone on its page, a crop of the picture is a crop
    if inner.shown < thumbnail.WHOLE_SHOWN and (not blank or redo):
        return None
    if not (around or held or blank or lost):
        return None
    if not blank and around and inner.agree * placed.detailed < placed.agree * inner.detailed:
        return None  # laid whole, it fitted as well
    if blank and placed.verdict == "same-picture" and inner.agree * placed.detailed < placed.agree * inner.detailed:
        return None  # laid whole, the page's plain margins cut, it fitted as well
    share = (right - left) * (bottom - top) / (seen.pixels.width * seen.pixels.height)
    # the fine comparison reads the box alone (the whole page laid by the box's centre lay at 0.39 for a
    # photo alone on a white page, "does not line up ... a headline?"); a blank page's edge along the
    # picture is no content added
    beyond = 0.0 if blank else placed.beyond
    if lost and not blank:  # content around it, said as such however little (the words then name it)
        beyond = max(beyond, round(_outside(off, box) / off.size, 4), ADDED_SHARE)
    box_px = (int(left), int(top), int(right), int(bottom))
    return replace(inner, inside=round(share, 3), beyond=beyond, content=None, box=box_px)


_BLANK_OFF = 16  # pixels of a page outside the picture's box off the page's colour, at most, for it to be blank:
# a red-team's one line of 22 px text ("Taken yesterday in Kyiv") over the picture held 0.05 % of the
# page, which a share of 0.1 % let pass as the whole signed picture
_BLANK_RING = 4  # px around the box left out (a JPEG's ringing along the picture's edge)
_PAGE_EDGE = 0.6  # share of the outer edge of the page's colour for an image to be a page (as picture_box asks)


def _off_page_box(off: Any) -> tuple[int, int, int, int] | None:
    """The box around the largest patch of ``off`` (pixels off the page's colour): on a blank page,
    the picture, which :func:`_outside` then shows is all there is. picture_box looks for a picture
    among lines of text, and missed one half the width of a black page whose own dark rows broke its
    runs (a red-team's dark-mode screenshot); the box around everything off the page took in a faint
    credit line under the picture too."""
    import cv2
    import numpy as np

    grown = cv2.dilate(off.astype(np.uint8), np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    left, top, width, height = (int(v) for v in stats[largest, :4])
    return left, top, left + width, top + height


def _outside(off: Any, box: tuple[int, int, int, int]) -> int:
    """Pixels of ``off`` outside ``box`` (left, top, right, bottom), its ring aside: at most
    _BLANK_OFF of them, the page holds nothing else (no text, no rule, no avatar, however small)."""
    left, top, right, bottom = box
    inside = off[max(0, top - _BLANK_RING) : bottom + _BLANK_RING, max(0, left - _BLANK_RING) : right + _BLANK_RING]
    return int(off.sum()) - int(inside.sum())


def _turned_placement(whole: thumbnail.Placement, seen: _Seen, stored: bytes) -> thumbnail.Placement:
    """A turned copy turned back has filled corners (its own, and the turn back's), whose edges
    no registered picture has: judged whole, an honest copy turned 45 degrees read as another
    picture. The verdict and the areas compared are taken from the largest centred rectangle
    that holds none of them; how much of the picture the copy shows, from the whole."""
    from provenance.fingerprint import thumbnail

    w, h = seen.pixels.size
    k = turned_crop_share(w, h, seen.angle)
    cw, ch = max(1, int(w * k)), max(1, int(h * k))
    left, top = (w - cw) // 2, (h - ch) // 2
    inner = thumbnail.compare(seen.pixels.crop((left, top, left + cw, top + ch)), stored, scale=seen.scale)
    if inner is None:
        return whole
    shown, cut = whole.shown, whole.cut
    scale = inner.scale or seen.scale
    decoded = thumbnail.decode(stored)
    if inner.verdict == "same-picture" and inner.centre is not None and scale and decoded is not None:
        # the copy's frame, turned back about its centre (the rectangle's), laid on the picture:
        # what it shows of it (whole copies measured on upright's canvas, which cuts their corners)
        shown = _turned_share((w, h), seen.angle, inner.centre, scale, decoded[1])
        cut = max(whole.cut, inner.cut) if shown < 1.0 else 0.0
    return replace(inner, shown=shown, inside=whole.inside, cut=cut, scale=whole.scale or inner.scale, beyond=0.0)


def _turned_share(
    size: tuple[int, int], angle: float, centre: tuple[float, float], scale: float, picture: tuple[int, int]
) -> float:
    """Share of a picture (``picture``: width, height) that a copy of ``size`` shows when turned
    back by ``angle`` degrees (Pillow's sense) about its centre, which lies at ``centre`` (shares
    of the picture's sides), at ``scale`` copy px per picture px."""
    import cv2
    import numpy as np

    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = centre[0] * picture[0], centre[1] * picture[1]
    corners = [
        (-size[0] / 2, -size[1] / 2),
        (size[0] / 2, -size[1] / 2),
        (size[0] / 2, size[1] / 2),
        (-size[0] / 2, size[1] / 2),
    ]
    frame = np.array([(cx + (x * c + y * s) / scale, cy + (-x * s + y * c) / scale) for x, y in corners], np.float32)
    whole = np.array([(0, 0), (picture[0], 0), (picture[0], picture[1]), (0, picture[1])], np.float32)
    area, _ = cv2.intersectConvexConvex(frame, whole)
    return round(min(1.0, float(area) / (picture[0] * picture[1])), 3)


def _same_picture(
    seen: _Seen | None, record: Record, prints: list[Fingerprint] | None
) -> tuple[thumbnail.Verdict, str, thumbnail.Placement | None]:
    """The record's thumbnail decides (crops, rescales, edits; docs/registry.md). A record from
    before thumbnails has only whole-picture hashes: near is the picture; far may be a crop."""
    from provenance.fingerprint import thumbnail

    placement = None
    if record.thumbnail is not None and seen is not None:  # placed where the mark says, when the search cannot tell
        placement = thumbnail.compare(seen.pixels, record.thumbnail, scale=seen.scale, frame=seen.frame)
        if seen.angle and placement is not None:
            placement = _turned_placement(placement, seen, record.thumbnail)
    if placement is not None:
        return placement.verdict, placement.words, placement
    distance = _phash_distance(prints, record)
    if distance is not None and distance <= WATERMARK_MISMATCH_DISTANCE:
        return "same-picture", f"pHash distance {distance}", None
    far = "" if distance is None else f", pHash distance {distance}"
    return "cannot-tell", f"the record keeps no thumbnail to locate a crop in{far}", None


def _assess(  # noqa: PLR0917 - one call site, every argument a different part's result
    credentials: CredentialReport,
    mark: WatermarkReport,
    wm_record: Record | None,
    found: list[_Found],
    meta: detect.Metadata,
    image: LoadedImage,
    options: VerifyOptions,
    *,
    contains: Record | None = None,
) -> AIReport:
    """``contains``: a record whose picture, mark and all, was found whole as part of this image."""
    signals = []
    if contains is not None and record_is_ai(contains):  # a twin, or a stamp whose manifest declares AI
        signals += detect.contained_ai_signals(contains)
    if credentials.present:
        signals += detect.credential_signals(credentials, "C2PA manifest")
    if credentials.recovered_manifest is not None and credentials.recovered_manifest.state != "invalid":
        placed = credentials.placement
        changed = _placement_words(placed, "the signed picture") if placed and placed.state == "altered" else None
        signals += detect.credential_signals(credentials.recovered_manifest, "recovered C2PA manifest", changed=changed)
    if mark.agrees_with_manifest is not False and _made_by_ai(wm_record, credentials):
        signals += detect.watermark_signals(mark, wm_record)
    # records are AI by what each holds (record_is_ai): a stamp declared captured is no AI image
    by_print = [f.record for f in found if f.matched_by == "fingerprint" and f.other is None]
    if not any(f.matched_by in _OWN for f in found):  # else these are its sources (a drift chain's earlier
        # generations), which its manifest names as ingredients: said once there, not again as this picture
        signals += detect.registry_signals([r for r in by_print if record_is_ai(r)])
    unmarked = [f.record for f in found if f.matched_by == "fingerprint-unmarked" and f.other is None]
    signals += detect.unmarked_stamp_signals([r for r in unmarked if r.kind == "stamped" and record_is_ai(r)])
    # a twin near it by fingerprint, with the photo it was made from as near (which one cannot be told)
    ambiguous = [f.record for f in found if f.matched_by == "fingerprint-ambiguous" and f.other is None]
    signals += detect.unmarked_twin_signals(unmarked + ambiguous)
    # a stamp of this very file (found by its input's SHA-256) is listed by the ownership verdict, not here
    others = [(f.record, f.other != "similar-to") for f in found if f.other is not None and f.matched_by in _BY_PRINT]
    signals += detect.look_alike_signals([(r, made) for r, made in others if record_is_ai(r)])
    pixels = image.pixels() if options.pixels != "never" and image.decodable else None
    # Images we stamped may also carry their generator's own watermark (diffusers'
    # SDXL watermarker): look for it so both marks are reported.
    ours = credentials.record_id is not None or wm_record is not None
    deep = options.pixels == "always" or ours
    report = detect.assess(signals, meta=meta, data=image.data, pixels=pixels, deep=deep)
    report.conflicts += _strangers_claim(credentials, found, image.sha256, report)
    return report


def _strangers_claim(credentials: CredentialReport, found: list[_Found], sha256: str, ai: AIReport) -> list[str]:
    """A manifest from a signer this home does not trust, claiming AI, on a picture registered here
    as an original without it (another file: the registered one's SHA-256 differs, and intact
    credentials cannot survive a re-encoding, so they were signed onto the picture apart from it).
    The claim is counted (an AI claim may be true: a picture registered unknowingly), but it is a
    stranger's word about a picture this home holds: a conflict. A walkthrough's rival stamped a
    newsroom's registered photo as AI, and verify said "AI-generated" with no conflict listed."""
    # untrusted here, or a test certificate trusted here (its key is published: a red-team's AI claim
    # signed with it on our registered original led with "AI-generated image")
    if not (credentials.state == "valid" or (credentials.intact and credentials.test_signer)):
        return []
    claims = [s for s in ai.signals if s.source.startswith("C2PA manifest") and s.strength in _AI_STRENGTHS]
    if not claims or any(f.record.kind in ("twin", "stamped") and record_is_ai(f.record) for f in found):
        # an AI picture of this home's near it (a twin made from the original, which it looks like): the
        # claim may well be true of it (a walkthrough's rival re-stamped a copy of a twin as AI); a stamp
        # of the original declared a capture or an edit is no such picture (an artist's painting, stamped
        # as an edit, read "AI-generated" on a thief's AI stamp of it, no conflict said: a walkthrough)
        return []
    signer = credentials.signer or "an unnamed signer"
    author = f", author {credentials.author}" if credentials.author else ""
    untrusted = "a signer this home does not trust"
    whose = "a test certificate's, whose key anyone has" if credentials.test_signer else untrusted
    return [
        f"{_STRANGERS_WORD} {signer}{author}, {whose}, about"
        f" the whole of a picture this home registered as an original: '{f.record.title or f.record.record_id}'"
        f" ({f.record.record_id}, owner {f.record.owner}), registered as another file, without these credentials."
        " It may be true (an AI picture registered unknowingly) or false (a stranger's stamp of a picture held here):"
        " whoever registered it can tell."
        for f in found
        if f.record.kind == "original" and f.other is None and f.record.sha256 != sha256 and _strangers_copy(f)
    ]


def _strangers_copy(found: _Found) -> bool:
    """Whether a registered original ``found`` by fingerprint is the whole of what the image shows:
    matched plainly, or between it and its own stamp (ambiguous), unless placed as something else;
    or carrying a mark stamped elsewhere (a twin made there, or a copy stamped again) when its
    thumbnail places it whole, which a twin's is not (a thief's AI stamp over an artist's stamped
    painting, a walkthrough's)."""
    whole = found.placement is not None and found.placement.state == "whole"
    if found.matched_by == "fingerprint-foreign":
        return whole
    return found.matched_by in ("fingerprint", "fingerprint-ambiguous") and (found.placement is None or whole)


_AI_STRENGTHS = ("ai-generated", "ai-edited")
_REGISTERED_ORIGINAL = "a picture registered here as an original"
_STRANGERS_WORD = "The C2PA manifest's AI claim is the word of"  # how a stranger's claim's conflict opens


def _made_by_ai(record: Record | None, credentials: CredentialReport) -> bool:
    """Whether the record the mark names stands for an AI picture. A stamped record is what the
    signed manifest it was stamped with declares: the file's own or the one recovered from that
    record when in hand, else the copy the record keeps (:func:`record_is_ai`). A photo stamped
    again here, or one another signer signed first, is kind stamped too, and its manifest says
    what it is."""
    if record is None or record.kind != "stamped":
        return True  # detect.watermark_signals: a twin is AI, an original is not
    own = credentials if credentials.intact and credentials.record_id == record.record_id else None
    recovered = credentials.recovered_manifest
    if own is None and recovered is not None and recovered.intact and recovered.record_id == record.record_id:
        own = recovered
    terms = {describe(a.digital_source_type)[0] for a in own.actions if a.digital_source_type} if own else set()
    return bool(terms & AI_TERMS) if terms else record_is_ai(record)


def record_is_ai(record: Record) -> bool:
    """Whether a registry record stands for an AI picture, by what the record itself holds: a twin
    was generated here; a stamp is what its stored signed manifest declares (AI by default, a
    capture or an edit with --source-type). An original, or a stamp whose declaration cannot be
    read, is not called AI: nothing it holds says so. A look-alike of another file is judged so
    too: another stamp of the same photo, stamped as captured, is not an AI image of it."""
    if record.kind == "twin":
        return True
    if record.kind == "original":  # registered with its own manifest's AI declaration (register keeps the model)
        return record.model is not None
    if record.kind != "stamped" or record.manifest is None:
        return False
    return bool(_stored_terms(record.manifest) & AI_TERMS)


@lru_cache(maxsize=1024)
def _stored_terms(manifest: bytes) -> frozenset[str]:
    """The source type terms a record's stored manifest declares, read once per record (a
    verify of an original with many stamps, a scan or the service meets the same ones again)."""
    return frozenset(describe(uri)[0] for uri in stored_source_types(manifest) or [])


# Soft-binding algorithms other tools declare, by name prefix (C2PA soft-binding list).
_DECLARED_NAMES = {"com.adobe.trustmark": "TrustMark", "com.digimarc": "Digimarc"}


def _declared_name(alg: str) -> str:
    return next((name for prefix, name in _DECLARED_NAMES.items() if alg.startswith(prefix)), alg)


def _settle(credentials: CredentialReport, mark: WatermarkReport) -> None:
    """The last word on two verdicts, once every check is in: credentials recovered from
    the registry get their own state, and a watermark the manifest declares but this tool
    cannot read is "declared", not "none"."""
    recovered = credentials.recovered_manifest
    if recovered is not None and not credentials.present:
        credentials.state = "recovered" if recovered.intact else "invalid"
        if not recovered.intact:
            why = recovered.error or recovered.state
            credentials.error = f"the manifest the registry holds for this picture does not validate ({why})"
    if credentials.present:
        mark.declared = sorted({b.alg for b in credentials.soft_bindings if b.alg not in SCHEME_FOR_ALG})
    if mark.agrees_with_manifest is False:
        mark.state = "mismatch"
    elif mark.declared and not mark.found:
        mark.state = "declared"
        names = ", ".join(f"{_declared_name(alg)} ({alg})" for alg in mark.declared)
        mark.note = f"the manifest declares a watermark this tool cannot read: {names}; not checked here"


def _exit_code(credentials: CredentialReport, mark: WatermarkReport, ownership: OwnershipReport) -> ExitCode:
    if credentials.state == "invalid" or mark.agrees_with_manifest is False:
        return ExitCode.BROKEN
    # A file cut short is damaged, not shown to be tampered with: input unreadable (4), as when the
    # cut falls inside the manifest; a failure to every gate (scan --fail-on broken, check) all the same.
    if credentials.state in ("unreadable", "truncated"):
        return ExitCode.UNREADABLE
    # Intact credentials establish who signed only when this home trusts the signer: anyone can
    # make a key in any name. An untrusted signer is no provenance (exit 3) unless the registry is;
    # nor is a test certificate trusted here (C2PA's SDKs publish its key: a walkthrough's home that
    # loaded the test roots, as the reference tests do, passed anything signed with it, exit 0)
    trusted = credentials.intact and credentials.trust == "trusted" and not credentials.test_signer
    if not trusted and _altered(credentials, ownership) is not None:
        return ExitCode.ABSENT  # a registered picture with parts changed since: those parts have no provenance
    if trusted or credentials.state == "recovered" or ownership.verdict in ("registered", "derived"):
        return ExitCode.OK
    return ExitCode.ABSENT  # absent, untrusted signer, remote (not read) or unsupported (cannot be checked)


def _head(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ai_sentence(ai: AIReport) -> str:
    if ai.verdict not in ("ai-generated", "ai-edited") or not ai.signals:
        return ""
    top = ai.signals[0]
    named = ", ".join(dict.fromkeys(x for x in (top.generator, top.model) if x and x != "provenance"))  # once each
    what = verdicts.word("ai", ai.verdict).label
    conflict = " Some evidence contradicts this (see conflicts)." if ai.conflicts else ""
    who = _whose_word(top)
    if top.source == detect.CONTAINED_SOURCE:  # the evidence is a part of the image, not the file's word
        return (
            f" Part of it is an AI picture registered here, so it is {what}{f' ({named})' if named else ''}.{conflict}"
        )
    return f" {who} is {what}{f' ({named})' if named else ''}.{conflict}"


def _whose_word(top: Signal) -> str:
    """Who says the picture is AI, for the summary: a manifest recovered from the registry, our
    watermark's record, or a registry record it looks like are not the file speaking (a
    walkthrough's crop that had lost mark and metadata read "The file itself says it is AI")."""
    if top.source.startswith("recovered"):
        return "The recovered manifest says the picture"
    if top.kind == "watermark":
        return "Its watermark names a record here that says it"
    if top.source == detect.UNMARKED_SOURCE:
        return "It looks like an AI image stamped here, without that image's watermark, so it"
    if top.kind == "registry":
        return "Its record here, found by perceptual hash, says it"
    return "The file itself says it"


def _signed_by(cred: CredentialReport) -> str:
    """Who signed, and their standing here (with how that could change, when it could). A test
    certificate is said to be one even when this home trusts it (a walkthrough trusted C2PA's test
    root and read only "a trusted signer" in the summary)."""
    hint = f"; {cred.trust_hint}" if cred.trust_hint else ""
    if cred.test_signer and not cred.trust_hint:
        hint = f"; but {verdicts.TEST_SIGNER}"
    return f"signed by {cred.signer or 'an unnamed signer'} ({verdicts.signer_trust(cred.trust)}{hint})"


def _identities(cred: CredentialReport) -> list[str]:
    """CAWG identities: separate signatures with their own trust, never the claim signer's."""
    if cred.cawg is None:
        return []
    return [
        f"identity asserted by {i.signer or 'an unnamed identity'} (CAWG; {verdicts.signer_trust(i.trust)})"
        for i in cred.cawg.identities
    ]


def _failing_ingredient(items: list[Ingredient]) -> Ingredient | None:
    for item in items:
        if item.state == "invalid":
            return item
        if (deeper := _failing_ingredient(item.ingredients)) is not None:
            return deeper
    return None


def _ingredient_warning(cred: CredentialReport) -> str | None:
    """An ingredient whose own credentials fail, in words: reported by the file's validation
    (state ``ingredient-invalid``: its failure codes) or recorded in the ingredient when it was
    added (its state in the tree: its own codes, c2pa-rs/CIE-sig-CA.jpg). None when none fails."""
    item = _failing_ingredient(cred.ingredients)
    reported = [c for c in cred.status_codes if c.kind == "failure" and c.code not in TRUST_CODES]
    if cred.state == "ingredient-invalid" and reported:
        problems = reported
    elif item is not None:
        problems = item.problems
    elif cred.state == "ingredient-invalid":
        problems = []
    else:
        return None
    failing = ", ".join(dict.fromkeys(c.code for c in problems if c.code not in TRUST_CODES)) or "invalid"
    title = item.title if item is not None and item.title else "untitled"
    return (
        f"warning: ingredient {title} carries credentials that fail ({failing}), so what the manifest says"
        " about it is unproven; this file's own credentials are intact"
    )


def _credential_parts(cred: CredentialReport) -> list[str]:
    """What the credentials establish, for a file whose provenance holds (exit 0)."""
    if cred.intact:
        parts = [_signed_by(cred), *_identities(cred)]
        if (warning := _ingredient_warning(cred)) is not None:
            parts.append(warning)
        return parts
    recovered = cred.recovered_manifest
    if cred.state == "recovered" and recovered is not None:
        by_mark = cred.recovered_via == "watermark"
        bound = "its watermark" if by_mark else "its fingerprint (perceptual hash)"
        where = cred.placement
        placed = "" if where is None else f"; it is {_placement_words(where, 'the signed picture')}"
        # the mark says this copy came from the signed file; a look-alike may be of the unsigned file it was
        # stamped from (a copy too small to read the mark): nothing says it ever carried credentials
        had = " (lost since signing: re-saved or stripped)" if by_mark else ""
        held = f"no credentials in the file{had}"
        if cred.re_encoded:  # the file carries them, but their hashes are of the file as signed
            held = "the credentials in the file are the signed file's (this copy was resized or cropped from it)"
        return [
            f"{held}, recovered from the registry: {_signed_by(recovered)}, signature valid",
            *_identities(recovered),
            f"bound to this picture by {bound}{placed}",
        ]
    if cred.state == "unsupported":
        return [f"carries {codes.unsupported_reason(cred.status_codes)}, which cannot be checked"]
    if cred.state == "remote":
        return [f"its Content Credentials are stored remotely ({cred.remote_url}) and were not read"]
    return []


def _remote_sentence(cred: CredentialReport) -> str:
    label = verdicts.word("credentials", "remote").label
    where = f"the Content Credentials are stored at {cred.remote_url or 'an address the file names'}"
    said = _head(cred.error or "it was not fetched")
    offline = " (the network may be unreachable from here)" if "sending request" in said else ""
    return f"{label}: {where}. {said}{offline}."


def _incomplete_sentence(credentials: CredentialReport) -> str:
    """A signed file cut short (exit 4): damaged, which is no evidence of tampering, and what
    could still be read from it (who signed, what the manifest declares) that nothing here can
    check against the picture."""
    head = verdicts.word("credentials", "truncated").label
    declared = ""
    if credentials.digital_source_type:
        declared = f", declaring the picture {describe(credentials.digital_source_type)[1]}"
    return (
        f"{head}: the file ends early ({credentials.truncation}: an interrupted download or copy?), so it"
        " could not be checked; a damaged file is not evidence of tampering. What could still be read: Content"
        f" Credentials {_signed_by(credentials)}{declared}; they cover the complete file, so they cannot be"
        " matched to what is here and establish nothing for it. Get the complete file and verify again."
    )


def _broken_sentence(credentials: CredentialReport, mark: WatermarkReport) -> str:
    head = _head(verdicts.exit_word(ExitCode.BROKEN).label)
    if credentials.state == "invalid":
        why = credentials.error or "validation failed"
        if credentials.recovered:
            return f"{head}: {why}."
        said = _failures_in_words(credentials)
        broken = f"{head}: the Content Credentials do not match this file" + (f": {said}." if said else f" ({why}).")
        return broken + _failing_ingredients_sentence(credentials)
    return f"{head}: {mark.note or 'the watermark contradicts the picture'}."


def _still_alike(credentials: CredentialReport, ownership: OwnershipReport) -> str:
    """For a file whose own manifest's hashes fail: that its pixels still look like the signed
    picture, when the record the manifest names placed it whole with every detailed area agreeing
    (a re-save that kept the manifest reads exactly as a pixel edit did, and a walkthrough's desk
    could not tell them apart). Never a pass: a change too small to see reads the same."""
    if credentials.state != "invalid" or credentials.recovered or not credentials.record_id:
        return ""
    own = next((m for m in ownership.matches if m.record_id == credentials.record_id), None)
    placed = own.placement if own is not None else None
    if placed is None or placed.state != "whole" or placed.detailed == 0 or placed.agree < placed.detailed:
        return ""
    return (
        " This does not tell a re-save from an edit: at the detail compared its pixels still look like the signed"
        f" picture ({placed.agree} of {placed.detailed} detailed areas match), as a re-save that kept the manifest"
        " and an edit too small or too smooth to see both would; the manifest vouches for neither."
    )


def _failing_ingredients_sentence(credentials: CredentialReport) -> str:
    """An ingredient whose credentials fail as well, named with its codes: a walkthrough's reference
    file (c2pa-rs adobe-20220124-E-clm-CAICAI.jpg) read only its hashed-URI failure, and the one its
    publisher names ("Referenced claim missing": ingredient.manifest.missing) stood in the details."""
    item = _failing_ingredient(credentials.ingredients)
    if item is None:
        return ""
    failing = ", ".join(dict.fromkeys(c.code for c in item.problems if c.code not in TRUST_CODES))
    title = item.title or "untitled"
    return f" Ingredient {title}'s credentials fail too" + (f" ({failing})." if failing else ".")


def _failures_in_words(credentials: CredentialReport) -> str:
    """The failures that broke the file's own manifest, in plain words, at most three; the full
    list, with c2pa's own text, is in the credentials' problems."""
    said = codes.plain_failures(credentials.status_codes)
    binding = [c for c in credentials.status_codes if c.kind == "failure" and c.code in codes.HARD_BINDING_CODES]
    if credentials.manifest_source == "sidecar" and binding:
        # a sidecar is paired with its file by name or by hand: a wrong pairing fails the same hash
        named = ", ".join(dict.fromkeys(c.code for c in binding))
        broken = {codes.plain_failure(c) for c in binding}
        said = [
            "its hashes are not this file's: the sidecar is another file's manifest, or this file changed after"
            f" signing ({named})",
            *(s for s in said if s not in broken),
        ]
    return "; ".join(said[:3]) + (f"; and {len(said) - 3} more" if len(said) > 3 else "")


def _absent_sentence(
    credentials: CredentialReport, mark: WatermarkReport, ownership: OwnershipReport, ai: AIReport
) -> str:
    looks = f" {ownership.summary}" if ownership.verdict in ("similar", "inconclusive") else ""
    head = _head(verdicts.exit_word(ExitCode.ABSENT).label)
    if credentials.state == "remote":
        return _remote_sentence(credentials) + looks + _ai_sentence(ai)
    if credentials.state == "unsupported":
        label = verdicts.word("credentials", "unsupported").label
        return (
            f"{label}: the file carries {codes.unsupported_reason(credentials.status_codes)}, which this tool"
            f" cannot validate. Neither intact nor broken as far as can be told: {head[:1].lower() + head[1:]}."
            + looks
            + _ai_sentence(ai)
        )
    none = verdicts.word("credentials", "absent").label
    if any(m.relation == "source-of" for m in ownership.matches):
        return f"{head}: the file itself carries no Content Credentials and no watermark." + looks + _ai_sentence(ai)
    if ai.verdict in ("ai-generated", "ai-edited") and not mark.found:
        if ownership.verdict == "no-registry":
            return f"{none} or provenance watermark (no registry to check against)." + _ai_sentence(ai)
        if looks:  # a look-alike is near: "no registry match" and then naming one read as a contradiction
            return f"{none} or provenance watermark, and no registry match that settles it." + looks + _ai_sentence(ai)
        return f"{none}, provenance watermark or registry match." + looks + _ai_sentence(ai)
    if ai.verdict in ("ai-generated", "ai-edited"):  # a mark read, not credited (part of a larger image)
        return (
            f"{head}: no Content Credentials, {_mark_clause(mark, ownership)} and {_registry_clause(ownership)}."
            + looks
            + _ai_sentence(ai)
        )
    return (
        f"{head}: no Content Credentials, {_mark_clause(mark, ownership)} and {_registry_clause(ownership)}."
        + looks
        + " That alone says nothing about whether the image is genuine."
    )


# a picture between watermark.READ_SIDE and MIN_SIDE px is read all the same: a mark read there is
# reported, and a miss says nothing
_READ_SMALL = "read all the same, and none found, which at this size says nothing"  # the note's words


def _mark_clause(mark: WatermarkReport, ownership: OwnershipReport) -> str:
    """What the watermark check found, in the words of a sentence that says nothing was established."""
    if mark.state == "too-small":
        return "no known watermark found (at this size, a miss tells nothing)"
    if mark.state == "not-checked":
        return f"the watermark not checked ({mark.note or 'pixels not checked'})"
    if mark.found and ownership.verdict == "no-registry":
        return f"a {mark.scheme} watermark naming record {mark.record_id}, which no registry here can look up"
    return "no watermark that could be confirmed" if mark.found else "no known watermark"


def _registry_clause(ownership: OwnershipReport) -> str:
    if ownership.verdict == "no-registry":
        return "no registry to check against"
    if ownership.verdict == "not-checked":
        return "no registry check"
    if ownership.verdict == "inconclusive":  # the sentence goes on to name the matches it could not settle
        return "no registry match that settles it"
    return "no exact registry match"


def _altered_sentence(credentials: CredentialReport, ownership: OwnershipReport, placed: Placement) -> str:
    """A registered picture with parts changed since (exit 3): what it is, and what its recovered
    credentials, if any, do and do not say."""
    head = _head(verdicts.exit_word(ExitCode.ABSENT).label)
    recovered = credentials.recovered_manifest
    if credentials.state == "recovered" and recovered is not None:
        # whose the signed picture is, as the ownership verdict says (a walkthrough's artist, looking for
        # re-posts of their work, found the owner only on the ownership line of a mirrored copy)
        same = next((m for m in ownership.matches if m.relation == "same-as" and m.strength == "exact"), None)
        whose = f" The signed picture is {_name(same)}, owned by {same.owner}." if same is not None else ""
        return (
            f"{head} for this picture as it stands: it is {_placement_words(placed, 'the signed picture')}."
            f"{whose} Its credentials are not in the file; the registry's manifest for the signed picture is"
            f" recovered, {_signed_by(recovered)}, signature valid, but it describes the signed picture, not the"
            " changes made since."
        )
    same = next(m for m in ownership.matches if m.placement is placed)
    return (
        f"{head} for this picture as it stands: it is {_placement_words(placed, 'the registered picture')}."
        f" That picture is {_name(same)}, owned by {same.owner}; what was changed since has no provenance."
    )


def _kind(ai: AIReport, credentials: CredentialReport) -> str:
    """What the picture is, in the AI verdict's own words; without one, what was established.

    Intact credentials from a signer this home does not trust establish that the file is
    as signed, not who signed it: anyone can make a key in any name."""
    if ai.verdict in ("no-evidence", "not-assessed"):
        if credentials.intact and credentials.trust != "trusted" and credentials.state != "trusted":
            return "Credentials intact, signer unproven"
        return _head(verdicts.exit_word(ExitCode.OK).label)
    label = verdicts.summary_lead(ai.verdict)  # the signer's trust follows in the summary: said once
    if any(c.startswith(_STRANGERS_WORD) for c in ai.conflicts):
        # the AI claim is an untrusted signer's about a picture registered here as an original: said
        # first as the disputed word it is (a walkthrough's summary opened "AI-generated image")
        return f"Disputed: {label} only in the word of an unproven signer, about {_REGISTERED_ORIGINAL}"
    return f"{label} image" if ai.verdict in ("ai-generated", "ai-edited") else label


_THIS_COPY = " This copy is "  # how a turned or mirrored copy lies, said after the ownership summary


def _how_it_lies(turn: str | None, *, found_as: str | None) -> str:
    """Said after the ownership summary: how a turned or mirrored copy lies, that the picture
    was found inside a frame (:func:`_framed_lookup`), or by its keypoints (:func:`_cropped_lookup`)."""
    keypoints = (
        " It was found by the keypoints it shares with the registered picture: its hashes are too far to match."
        if found_as == "keypoints"
        else ""
    )
    if turn is not None:
        return f"{_THIS_COPY}{turn} relative to the registered picture.{keypoints}"
    if found_as == "framed":
        return " The picture was found inside bars, a border or a page added around it."
    return keypoints


def _summary(
    credentials: CredentialReport,
    mark: WatermarkReport,
    ownership: OwnershipReport,
    ai: AIReport,
    code: ExitCode,
) -> str:
    if credentials.state == "truncated" and code == ExitCode.UNREADABLE:
        return _incomplete_sentence(credentials)
    if code == ExitCode.BROKEN:
        return _broken_sentence(credentials, mark) + _still_alike(credentials, ownership)
    if code == ExitCode.ABSENT and (placed := _altered(credentials, ownership)) is not None:
        return _altered_sentence(credentials, ownership, placed) + _ai_sentence(ai)
    if code == ExitCode.ABSENT and not credentials.intact:
        return _absent_sentence(credentials, mark, ownership, ai)
    parts = [_kind(ai, credentials)]
    if code == ExitCode.ABSENT:  # intact, but from a signer this home does not trust
        head = _head(verdicts.exit_word(ExitCode.ABSENT).label)
        parts = [f"{head}: credentials intact, signer unproven (anyone can make a key in any name)"]
    parts += _credential_parts(credentials)
    # credentials recovered by the mark already say it binds the picture, and the match names its record
    said_by_mark = credentials.state == "recovered" and credentials.recovered_via == "watermark"
    if mark.state == "unknown-record":
        parts.append(f"carries the {mark.scheme} watermark (record {mark.record_id}, not in this registry)")
    elif mark.found and not said_by_mark:
        parts.append(f"carries the {mark.scheme} watermark (record {mark.record_id})")
    elif mark.state == "declared":
        names = ", ".join(_declared_name(alg) for alg in mark.declared)
        parts.append(f"declares a {names} watermark, not checked here")
    if ownership.verdict in ("registered", "derived"):
        # the placement was said with the credentials: the ownership summary without it (how the copy
        # lies, turned or mirrored, is kept)
        said = (_ownership_verdict(ownership.matches)[1] if credentials.placement else ownership.summary).rstrip(".")
        lies = ownership.summary.partition(_THIS_COPY)[2]
        if credentials.placement and lies:
            said += f", and this copy is {lies.rstrip('.')}"
        parts.append(said[:1].lower() + said[1:])
    # a registered picture it looks like, named: a thief's re-signed copy of an artist's registered
    # painting never named her in the summary, only in the ownership lines (a walkthrough)
    looks = f" {ownership.summary}" if ownership.verdict in ("similar", "inconclusive") else ""
    said_ai = _ai_sentence(ai) if code == ExitCode.ABSENT else ""  # exit 0 said it first, in _kind
    said_conflict = "(see conflicts)" in said_ai
    conflict = " Some evidence contradicts the verdict (see conflicts)." if ai.conflicts and not said_conflict else ""
    return "; ".join(parts) + "." + looks + said_ai + conflict
