"""The one home of the verdict vocabulary: states, plain words, tones, colours, exit codes.

Every surface that shows a verdict (the CLI's text, scan reports in JSON, CSV and
HTML, the HTTP service, the web page, the policy check) reads its words from here,
so a state means the same thing everywhere and the wording cannot drift. The web
page receives this table as JSON (``vocabulary()``) instead of keeping its own.

Four verdicts stay separate on purpose (docs/design.md): credentials (is there a
C2PA manifest, is it intact, is its signer trusted), watermark (is a mark in the
pixels, ours or a known AI one), ownership (which registered picture this is or
comes from) and AI (what the evidence says about AI involvement). None of them
alone says an image is fake: "no provenance found" means nothing was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Literal, TypedDict, cast

if TYPE_CHECKING:
    from provenance.report import PlacementJSON, ShownReportJSON, VerifyReportJSON, WatermarkJSON

Tone = Literal["ok", "warn", "bad", "info", "ai", "none"]

# Terminal colour (click's names; None: the terminal's own) and the hex colour of
# reports and the web page, per tone. Chosen to stay legible on white.
TONE_COLOURS: dict[Tone, tuple[str | None, str]] = {
    "ok": ("green", "#15803d"),
    "warn": ("yellow", "#b45309"),
    "bad": ("red", "#b91c1c"),
    "info": ("cyan", "#0369a1"),
    "ai": ("magenta", "#7c3aed"),
    "none": (None, "#6b7280"),
}


class ExitCode(IntEnum):
    """Documented process exit codes (README, ``--help``). Several files: the most serious
    (:func:`most_serious`)."""

    OK = 0
    BROKEN = 1
    USAGE = 2
    ABSENT = 3
    UNREADABLE = 4
    INTERNAL = 5


# Several files exit with the most serious of their codes: a bug, then a broken file (evidence of
# tampering; in check, a FAIL), then the others highest first. By the highest alone a desk's folder
# that held one unsigned photo beside a tampered file exited 3, and the tampering went unseen
# (a walkthrough).
SEVERITY = (ExitCode.INTERNAL, ExitCode.BROKEN, ExitCode.UNREADABLE, ExitCode.ABSENT, ExitCode.USAGE, ExitCode.OK)
SEVERAL_FILES = "several files: the most serious, 5 then 1, 4, 3, 2"


def severity_rank(code: int) -> int:
    """``code``'s place in :data:`SEVERITY`, most serious first (0); an unknown code ranks first."""
    order = [int(c) for c in SEVERITY]
    return order.index(code) if code in order else -1


def most_serious(codes: Iterable[int]) -> int:
    """The exit code of several files' codes (:data:`SEVERITY`); 0 for none."""
    return min(codes, key=severity_rank, default=0)


@dataclass(frozen=True)
class Word:
    """One state of one verdict: its machine name, a short label and what it means."""

    state: str
    label: str  # a few words, for a chip or a table cell
    meaning: str  # one sentence: what a person may conclude, and what not
    tone: Tone

    @property
    def terminal_colour(self) -> str | None:
        return TONE_COLOURS[self.tone][0]

    @property
    def colour(self) -> str:
        return TONE_COLOURS[self.tone][1]


def _table(*words: Word) -> dict[str, Word]:
    return {w.state: w for w in words}


EXIT = {
    ExitCode.OK: Word(
        "0",
        "provenance established",
        "Content Credentials that validate and whose signer this home trusts (embedded), or that were recovered"
        " from this home's registry for this picture, a crop or a rescale of it, or a match in this home's"
        " registry. An ingredient whose own credentials fail is a warning, not a failure of this file.",
        "ok",
    ),
    ExitCode.BROKEN: Word(
        "1",
        "provenance broken",
        "The credentials do not match this file (it or they changed after signing, or their signature is not"
        " genuine), or a watermark was copied onto another picture.",
        "bad",
    ),
    ExitCode.USAGE: Word(
        "2",
        "usage error",
        "Bad options, missing keys, an unavailable model, a request refused (a declaration the file or its record"
        " here contradicts, a picture registered here already or the file a stamp here was made from), or a registry"
        " that cannot be used.",
        "bad",
    ),
    ExitCode.ABSENT: Word(
        "3",
        "no provenance established",
        "Nothing verifiable was found (no credentials, or credentials not fetched or that cannot be checked),"
        " or credentials that are intact but signed by a signer this home does not trust (anyone can make a key"
        " in any name: who signed is unproven) and nothing else here establishes the picture, or the picture"
        " is a registered one with parts changed since (an overlay, drawn text, a caption band, a logo, a pasted"
        " region):"
        " what it shows is not all what was signed or registered. That alone says nothing about"
        " whether the image is genuine.",
        "none",
    ),
    ExitCode.UNREADABLE: Word(
        "4",
        "input unreadable",
        "The file is missing, unreadable or unsupported, or incomplete (cut short, e.g. an interrupted download:"
        " what could still be read is shown, but nothing can be checked against a file that is not all there),"
        " or its picture cannot be decoded. A damaged file is not evidence of tampering: get the whole file.",
        "warn",  # amber, not red: red is for evidence of tampering, and a damaged file is none (a walkthrough)
    ),
    ExitCode.INTERNAL: Word("5", "internal error", "A bug: please report it with the --debug output.", "bad"),
}

CREDENTIALS = _table(
    Word(
        "trusted",
        "Signed by a trusted signer",
        "A C2PA manifest validates and its signer is on this home's trust list.",
        "ok",
    ),
    Word(
        "valid",
        "Signed, signer not trusted here",
        "A C2PA manifest validates, but its signer is not on this home's trust list: who signed is unproven.",
        "warn",
    ),
    Word(
        "invalid",
        "Broken: fails validation",
        "The manifest fails C2PA's checks for this file: the file or the manifest changed after signing, or the"
        " signature is not genuine. The summary says which check failed, in plain words.",
        "bad",
    ),
    Word(
        "truncated",
        "File incomplete",
        "The file ends early (an interrupted download or copy?): the signed data is not all there, so the"
        " credentials cannot be checked against it and establish nothing for it. A damaged file is not evidence"
        " of tampering: get the complete file and verify again.",
        "warn",
    ),
    Word(
        "ingredient-invalid",
        "Signed; an ingredient's credentials fail",
        "This file's own manifest validates; the credentials of an ingredient it names do not (that"
        " ingredient was changed or badly signed before it was used).",
        "warn",
    ),
    Word(
        "unsupported",
        "Credentials present, cannot be checked",
        "A manifest is present but uses a version or algorithm this tool cannot validate: neither intact nor broken.",
        "warn",
    ),
    Word(
        "remote",
        "Remote credentials, not fetched",
        "The file points to a manifest stored elsewhere that was not read: fetching is off unless asked for"
        " (the command provenance verify --allow-remote), or the fetch failed. Until it is read, nothing is"
        " known about it.",
        "info",
    ),
    Word(
        "recovered",
        "Credentials recovered from the registry",
        "The file carries no manifest (or the signed file's, on a copy resized or cropped from it, whose"
        " hashes it no longer matches), but the registry holds the signed manifest of the picture it is (or a"
        " crop, a rescale or an altered copy of it: the report says which): the signature is valid; the picture"
        " is bound to it by watermark or fingerprint; its hashes belong to the original file, and what it says"
        " describes the signed picture, not changes made since.",
        "ok",
    ),
    Word("absent", "No Content Credentials", "No C2PA manifest in or beside the file.", "none"),
    Word("unreadable", "Unreadable", "The file could not be read, so nothing about it was checked.", "warn"),
)

WATERMARK = _table(
    Word(
        "ours",
        "This toolkit's watermark",
        "The pixels carry this toolkit's watermark, naming a record this home's registry holds; the ownership"
        " verdict says what that record is to this picture.",
        "ok",
    ),
    Word(
        "unknown-record",
        "This toolkit's watermark, record not in this registry",
        "The pixels carry this toolkit's watermark and its record id was read, but this home's registry does not"
        " hold that record (or there is no registry here): another registry stamped it, or the record was"
        " removed, so what the mark stands for cannot be checked here. It is not a pass.",
        "info",
    ),
    Word(
        "unconfirmed",
        "This toolkit's watermark, picture unconfirmed",
        "The pixels carry this toolkit's watermark, but whether the picture is its record's picture (or a crop of"
        " it) or another picture carrying a copied mark cannot be told: the record is named, its credentials are"
        " not handed over.",
        "warn",
    ),
    Word("known-ai", "AI watermark", "The pixels carry a known AI generator's watermark.", "ai"),
    Word(
        "declared",
        "Declared, not checked here",
        "The manifest declares a watermark of a kind this tool cannot read (e.g. TrustMark).",
        "info",
    ),
    Word(
        "mismatch",
        "Watermark contradicts the picture",
        "A watermark was found that names another picture or another manifest: probably copied.",
        "bad",
    ),
    Word(
        "none",
        "None this tool reads",
        "No watermark this tool reads was found (its own, and the known AI ones it lists); others, such as"
        " TrustMark, are not read from the pixels. Most pictures carry none.",
        "none",
    ),
    Word(
        "too-small",
        "Too small to tell",
        "The picture is under 256 px on a side: it was read, and a mark found there would be reported, but"
        " finding none at this size says nothing.",
        "none",
    ),
    Word(
        "not-checked",
        "Not checked",
        "The pixels were not checked: metadata only was asked for, the image is under 128 px, or the file could"
        " not be read (incomplete or damaged).",
        "none",
    ),
)

OWNERSHIP = _table(
    Word("registered", "Registered", "This is a registered picture (the file, or a copy or crop of it).", "ok"),
    Word(
        "derived", "Derived from a registered original", "Made from a registered picture (a twin or an edit).", "info"
    ),
    Word(
        "similar",
        "Looks like a registered picture",
        "It resembles a picture stamped here but lacks what that picture carries (its watermark, its"
        " credentials): possibly its unsigned source, or a heavy edit; certainly its source when the file is"
        " byte for byte the one that was stamped. Nothing of the stamped picture's credentials applies to it.",
        "warn",
    ),
    Word(
        "inconclusive",
        "Inconclusive",
        "Near a registered picture, carrying its watermark or holding it as a part, but what it is to that"
        " picture (the picture itself, a crop of it), or whose it is, cannot be told.",
        "warn",
    ),
    Word("no-match", "No registered match", "No registered picture matches.", "none"),
    Word("no-registry", "No registry", "There is no registry to check against.", "none"),
    Word("not-checked", "Not checked", "The registry was not consulted: the file could not be read.", "none"),
)

AI = _table(
    Word("ai-generated", "AI-generated", "The evidence says a generative model made this picture.", "ai"),
    Word("ai-edited", "AI-edited", "The evidence says the picture was edited with a generative model.", "ai"),
    Word(
        "captured",
        "Captured (trusted signer)",
        "A trusted signer states that this picture was captured by a camera (a copy whose parts differ from"
        " the signed picture does not inherit the claim: it is reported, not counted).",
        "info",
    ),
    Word(
        "no-evidence",
        "No AI signal found",
        "No evidence of AI involvement was found. That does not prove the picture is not AI-made.",
        "none",
    ),
    Word("not-assessed", "Not assessed", "The file could not be read, so no AI evidence was looked for.", "none"),
)

# A signer whose certificate (or one above it) is named FOR TESTING_ONLY: said beside its trust,
# trusted or not, because no trust list should name it and anyone can sign with it.
TEST_SIGNER = (
    "a test certificate, named FOR TESTING_ONLY: C2PA's SDKs publish its key for anyone to sign with,"
    " so it says nothing about who signed"
)

# An AI image stamped without --model: no model is invented (the manifest names none, JSON says null);
# the words say so where a model would be named.
MODEL_NOT_STATED = "model not stated"
# What stamps wrote in its place before (manifest and registry): read as not stated, never as a model's name.
UNSTATED_MODEL = "unknown model"  # a record of an AI picture whose maker named no model
_UNSTATED_BEFORE = frozenset({UNSTATED_MODEL})


def stated_model(model: str | None) -> str | None:
    """The model a record or manifest names, or None when it names none (or only said it did not know)."""
    return None if not model or model in _UNSTATED_BEFORE else model


def model_clause(model: str | None) -> str:
    """What follows "stamped as AI-generated" or "declares it AI-generated": " with MODEL", or
    ", model not stated" (after a bare "made" it would read "made, model not stated": :func:`made_with`)."""
    named = stated_model(model)
    return f" with {named}" if named else f", {MODEL_NOT_STATED}"


def made_with(model: str | None) -> str:
    """A clause of its own on how an AI image was made: "made with MODEL", or "model not stated"."""
    named = stated_model(model)
    return f"made with {named}" if named else MODEL_NOT_STATED


# An AI verdict's words where a summary names it first and the signer with its trust right after
# ("Captured; signed by X (a trusted signer)"): the label's "(trusted signer)" would say it twice.
SUMMARY_LEADS = {"captured": "Captured"}


def summary_lead(state: str) -> str:
    """How a summary opens for the AI verdict ``state`` (its label, unless SUMMARY_LEADS shortens it)."""
    return SUMMARY_LEADS.get(state) or word("ai", state).label


# What an image is relative to a registered picture it was found to be (placed by the record's
# thumbnail): not a verdict of its own, it qualifies the credentials recovered and the match.
PLACEMENT = _table(
    Word(
        "whole",
        "Whole picture",
        "The image shows all of the registered picture (re-saved, re-encoded or rescaled, perhaps with colour"
        " or tone changed); every detailed area compared agrees with it.",
        "ok",
    ),
    Word(
        "crop",
        "Crop of the picture",
        "The image shows only part of the registered picture (perhaps rescaled); what it shows agrees with it."
        " A caption written for the whole picture may not fit the part.",
        "info",
    ),
    Word(
        "altered",
        "Parts differ",
        "Some detailed areas of the image differ from the registered picture (an overlay, drawn text, a caption band, a"
        " logo, a pasted region, a patch blurred or pixelated, or a rotation the comparison does not follow), or the"
        " image is the picture mirrored (the scene reversed): credentials recovered for it"
        " describe the signed picture, not the changes made since, so a signed capture claim is reported, not"
        " counted, and provenance is not established for the picture as it stands (exit 3).",
        "warn",
    ),
)


# An altered copy that is the picture mirrored and nothing else (report.Placement.only_mirrored)
MIRROR_IMAGE = Word(
    "altered",
    "Mirror image",
    "The image is the registered picture mirrored (the scene reversed), every detailed area agreeing with the"
    " mirror image: credentials recovered for it describe the signed picture, not the reversed one, so a signed"
    " capture claim is reported, not counted, and provenance is not established for it as it stands (exit 3).",
    "warn",
)


def placement_word(state: str, *, only_mirrored: bool = False) -> Word:
    """The word for what an image is relative to its registered picture (PLACEMENT); ``only_mirrored``:
    altered for being mirrored alone (:data:`MIRROR_IMAGE`)."""
    if state == "altered" and only_mirrored:
        return MIRROR_IMAGE
    return PLACEMENT.get(state) or Word(state, state, "", "none")


def _sides_words(sides: Sequence[float]) -> str:
    """How a stretched or squeezed copy was resized, side by side (a placement's ``sides``)."""
    return f", resized to {round(100 * sides[0])} % of its width and {round(100 * sides[1])} % of its height"


ALTERED_AREAS = 6  # parts differ: at least this many detailed areas do not match...
ALTERED_SHARE = 0.03  # ...and at least this share of them


def areas_differ(differ: int, detailed: int) -> bool:
    """Whether ``differ`` of ``detailed`` areas not matching makes a copy's parts differ; fewer is
    the comparison's own noise (a JPEG, a sub-pixel misfit), not worth a reader's attention."""
    return differ >= ALTERED_AREAS and differ >= ALTERED_SHARE * detailed


# what a copy that does not line up with its picture may be, in the words every surface uses
NOT_LAID = (
    "a headline, a band or a logo laid over it, or a strong edit such as local contrast, a heavy vignette or blur"
)
# what a copy's marks and lost patches may be, in the words every surface uses
# (the last: local contrast, "clarity", moves pixels as an edit in one place does: a red-team's one-tap
# enhance of a registered photo read as drawn text alone; what cannot be told apart is said so)
MARK_KINDS = "drawn text, a logo, a part pasted in, painted or smoothed over, or a strong local-contrast edit"
REMOVAL_KINDS = "blurred, pixelated, smoothed or covered"

SAME_SIZE = 0.05  # a scale this close to 1 is the picture's own size: "at 99 %" reads as a resize that never was


def size_words(scale: float | None, sides: Sequence[float] | None = None) -> str:
    """How a copy was resized (", at 50 % of its size"), or nothing for one at its own size: the
    measured scale of a copy never resized is 0.98-1.02, which no reader should take for a resize."""
    if sides:  # stretched or squeezed: one size would read as a plain resize
        return _sides_words(sides)
    if scale is None or abs(scale - 1) < SAME_SIZE:
        return ""
    return f", at {round(100 * scale)} % of its size"


def placement_words(
    state: str,
    *,
    shown: float,
    scale: float | None,
    differ: int,
    detailed: int,
    cropped: bool,
    picture: str,
    added: float = 0.0,
    sides: Sequence[float] | None = None,
    marked: float = 0.0,
    removed: float = 0.0,
    mirrored: bool = False,
    laid: float | None = None,
    unchecked: bool = False,
    grey: bool = False,
    recoloured: float = 0.0,
    recolouring: str | None = None,
) -> str:
    """What an image is relative to ``picture`` (e.g. "the signed picture"), in a few words: "a crop
    showing about 56 % of the signed picture, at 80 % of its size, but parts differ: 8 of its 75
    detailed areas do not match (...)"; "the whole of the signed picture, but parts differ: content
    was added around it (text, a caption band or other detail over about 5 % of this image)"."""
    size = size_words(scale, sides) + (f", in black and white ({picture} is in colour)" if grey else "")
    part = f"a crop showing about {round(100 * shown)} % of {picture}" if cropped else f"the whole of {picture}"
    if state != "altered":
        return part + size + (f" ({UNCHECKED_DETAIL})" if unchecked else "")
    changes = []
    if differ >= 1:
        verb = "does" if differ == 1 else "do"
        hint = (
            ""
            if marked > 0 or removed > 0 or mirrored or laid is not None or recolouring
            else " (an overlay, a caption band, a logo, a pasted region?)"
        )
        changes.append(f"{differ} of its {detailed} detailed areas {verb} not match{hint}")
    if added > 0:
        # the share is of content beyond the picture (blocks with detail: text, a logo; or a band along
        # one edge that is not plain, a caption too fine for those blocks), not of the plain page around it
        share = max(1, round(100 * added))
        changes.append(
            f"content was added around it (text, a caption band or other detail over about {share} % of this image)"
        )
    if marked > 0:
        changes.append(f"it has marks {picture} does not have ({MARK_KINDS}: {share_words(marked)} of it differs)")
    if removed > 0:
        changes.append(
            f"detail {picture} has is gone from one part of it ({REMOVAL_KINDS} over about"
            f" {share_words(removed)} of it)"
        )
    if laid is not None:
        changes.append(f"it does not line up with {picture} as a re-saved or resized copy does ({NOT_LAID}?)")
    if recolouring:
        changes.append(_recolouring_words(recolouring, recoloured, picture))
    if added > 0:
        size = ""  # measured on an image that is more than the picture: not the picture's size
    flipped = "mirrored (a mirror image shows the scene reversed)"
    if mirrored and not changes:
        return f"{part}{size}, but {flipped}"
    what = "; ".join(changes) or f"{differ} of its {detailed} detailed areas do not match"
    return f"{part}{size}, but {flipped + ', and ' if mirrored else ''}parts differ: {what}"


def _recolouring_words(how: str, degrees: float, picture: str) -> str:
    """How a copy's colours are changed from ``picture``'s (report.Placement.recolouring)."""
    if how == "channels":
        return f"its colours are changed: two colour channels swapped (red, green or blue for another) from {picture}'s"
    if how == "part":
        return f"its colours are changed in part: some of its coloured areas turned about {round(degrees)} degrees"
    return f"its colours are changed: hues turned about {round(degrees)} degrees from {picture}'s"


# A copy too small a part of the signed picture for its detail to be compared with the claim
# thumbnail's (report.Placement.unchecked): what was not looked for is said
UNCHECKED_DETAIL = "too little of it, at the detail its claim thumbnail keeps, to look for text or a logo drawn on it"


def share_words(value: float) -> str:
    """A share in words that keep a small one's size: "under 0.1 %", "0.4 %", "12 %"."""
    if value < 0.001:
        return "under 0.1 %"
    if value < 0.1:
        return f"{100 * value:.1f} %"
    return f"{round(100 * value)} %"


# The verdicts a copy whose parts differ from its registered picture (placement "altered",
# exit 3) must not show as a pass, nor as a neutral fact ("derived": a registered twin's copy):
# what they say is true of the signed or registered picture, not of this copy as it stands.
# Each surface (the CLI's text, the web page, the scan report) shows such a verdict with these
# words and the "warn" tone instead of its own.
QUALIFIED_WHEN_ALTERED = ("credentials", "ownership")
_ALTERED_NOTE = (
    "Parts of this copy differ from that picture (an overlay, drawn text, a caption band, a logo, a pasted"
    " region, a patch blurred or pixelated, its colours changed), or it is that picture mirrored:"
    " this holds for the picture as signed or registered, not for this copy as it stands (exit 3)."
)


def _qualified(w: Word) -> Word:
    return Word(w.state, f"{w.label}, but altered", f"{w.meaning} {_ALTERED_NOTE}", "warn")


def _qualifies(axis: str, state: str, placement: str | None) -> bool:
    # "info" too: an altered copy of a registered twin is no more the twin than it is "Registered"
    return placement == "altered" and axis in QUALIFIED_WHEN_ALTERED and word(axis, state).tone in ("ok", "info")


def shown_word(axis: str, state: str, placement: str | None = None) -> Word:
    """The word a surface shows for one verdict of an image placed as ``placement`` relative to
    its registered picture (:func:`placement_state`): the verdict's own word, except that for an
    altered copy a credentials or ownership verdict that would read as a pass is qualified."""
    w = word(axis, state)
    return _qualified(w) if _qualifies(axis, state, placement) else w


# A scan counts images by what is shown for them: an altered copy's qualified verdict ("Registered,
# but altered") is counted apart from the pass it would otherwise read as, under its state and
# this suffix ("registered+altered"), so that "Registered 2" holds no copy whose parts differ.
ALTERED_KEY = "+altered"


def count_key(axis: str, state: str, placement: str | None = None) -> str:
    """The key a scan counts one verdict under (:data:`ALTERED_KEY`): the state, or the state
    qualified for an altered copy."""
    return state + ALTERED_KEY if _qualifies(axis, state, placement) else state


def counted_word(axis: str, key: str) -> Word:
    """The word for a scan's count key (:func:`count_key`): what exactly that count holds."""
    if key.endswith(ALTERED_KEY):
        return shown_word(axis, key.removesuffix(ALTERED_KEY), "altered")
    return word(axis, key)


def count_keys(report: VerifyReportJSON) -> dict[str, str]:
    """The count key on each axis of one verify report (:func:`states`, qualified for an altered copy)."""
    placed = placement_state(report)
    return {axis: count_key(axis, state, placed) for axis, state in states(report).items()}


def with_shown(report: VerifyReportJSON) -> ShownReportJSON:
    """The report with ``as_shown``: each axis's :func:`count_key`, so that a reader of the JSON
    sees an altered copy's "registered+altered" as the text, the page and a scan do, not a bare
    pass (a new dict: the report is not changed)."""
    shown = cast("ShownReportJSON", dict(report))
    shown["as_shown"] = count_keys(report)
    return shown


AXES: dict[str, dict[str, Word]] = {
    "credentials": CREDENTIALS,
    "watermark": WATERMARK,
    "ownership": OWNERSHIP,
    "ai": AI,
}


# How a sentence names a signer's standing (a C2PA claim signer's, or a CAWG
# identity's: each is a separate signature with its own trust).
SIGNER_TRUST = {
    "trusted": "a trusted signer",
    "untrusted": "a signer this home does not trust",
    "unknown": "a signer whose trust was not established",
}


def signer_trust(trust: str) -> str:
    return SIGNER_TRUST.get(trust, SIGNER_TRUST["unknown"])


# How a registry match was reached, in words for a match line (JSON keeps the code: a report's
# ``matched_by``); a walkthrough found "by input-sha256" and "by manifest-broken" opaque.
MATCHED_BY = {
    "watermark": "its watermark",
    "watermark-unconfirmed": "its watermark (this image is not shown to be that whole picture)",
    "manifest": "its Content Credentials",
    "manifest-broken": "Content Credentials that do not match this file",
    "sha256": "the same file bytes",
    "input-sha256": "the bytes of the unsigned file it was stamped from",
    "fingerprint": "perceptual hash",
    "fingerprint-unmarked": "perceptual hash (no watermark read)",
    "fingerprint-foreign": "perceptual hash (it carries our watermark for a record not here)",
    "fingerprint-inconclusive": "perceptual hash, too far to settle",
    "fingerprint-ambiguous": "perceptual hash, as were records made one from the other",
    "fingerprint-contested": "perceptual hash, as was a near-identical record of another owner",
    "keypoints": "keypoints shared with the picture, placed there by its thumbnail",
    "keypoints-inconclusive": "keypoints shared with the picture, not placed there by its thumbnail",
}


def matched_by(code: str) -> str:
    """A match's way in words, the code itself where it has none."""
    return MATCHED_BY.get(code, code)


def word(axis: str, state: str) -> Word:
    """The word for one state; an unknown state gets a neutral word naming itself."""
    return AXES[axis].get(state) or Word(state, state, "", "none")


def exit_word(code: int) -> Word:
    try:
        return EXIT[ExitCode(code)]
    except ValueError:
        return Word(str(code), f"exit {code}", "", "none")


def scan_exit_reason(
    code: int,
    fail_on: tuple[str, ...],
    met: tuple[str, ...],
    matched: int = 1,
    *,
    at_code: int = 0,
    unreadable: int = 0,
) -> str:
    """Why a scan exits with ``code``, in words. With --fail-on its code is the condition's, not a
    verify code: 1 says ``matched`` files met a condition (``met``), 0 that none did; without
    --fail-on, or with no file at all, it is the most serious per-file code and reads as that code's
    label, with how many files (``at_code``) gave it. It counts files, not images: an unreadable
    file meets --fail-on broken too, and how many did (``unreadable``) is said beside the count."""
    if fail_on and met and code == 1:
        which = f" ({counted(unreadable, 'file')} unreadable)" if unreadable and "broken" in met else ""
        return f"{counted(matched, 'file')} matched " + " and ".join(f"--fail-on {m}" for m in met) + which
    if fail_on and code == 0:
        return "no file matched " + " or ".join(f"--fail-on {f}" for f in fail_on)
    label = exit_word(code).label
    return f"{label}: {counted(at_code, 'file')}" if at_code else label


def exit_codes_help() -> str:
    """The exit-code block of ``--help`` texts (click's ``\\b`` keeps it unwrapped)."""
    lines = ["\b", f"Exit codes ({SEVERAL_FILES}):"]
    lines += [f"  {int(code)}  {w.label}: {w.meaning}" for code, w in EXIT.items()]
    return "\n".join(lines)


# Every command may exit 0 (done), 2 (usage error) or 5 (internal error): the top-level --help
# lists those. A command's own --help lists its exit codes only when it has more than these.
GENERIC_EXITS = frozenset({ExitCode.OK, ExitCode.USAGE, ExitCode.INTERNAL})
_DONE = "done"
_READ = "input unreadable"

# The exit codes each command can return, by command path (tests/test_cli_end_to_end.py checks
# every command is here): None is EXIT's own word (the verification scheme), a string is what
# the code means for that command. A command with only GENERIC_EXITS lists none in its help.
COMMAND_EXITS: dict[str, dict[ExitCode, str | None]] = {
    "verify": dict.fromkeys(ExitCode),
    "scan": dict.fromkeys(ExitCode),
    "check": {
        ExitCode.OK: "every image passes the policy",
        ExitCode.BROKEN: "some image is refused, or held for rights review",
        ExitCode.USAGE: "usage error: a bad policy file, bad options",
        ExitCode.UNREADABLE: f"{_READ}: some image could not be read, or PATHS hold no image file",
        ExitCode.INTERNAL: None,
    },
    "stamp": {
        ExitCode.OK: _DONE,
        ExitCode.BROKEN: "the C2PA manifest could not be signed",
        ExitCode.USAGE: None,
        ExitCode.UNREADABLE: f"{_READ}: IMAGE is missing, unsupported or cut short, or its watermark did not read back",
        ExitCode.INTERNAL: None,
    },
    "twin": {
        ExitCode.OK: f"{_DONE} (--replay: regenerated bit for bit)",
        ExitCode.BROKEN: "--replay: the regenerated picture differs, or the manifest does not validate; or the"
        " C2PA manifest could not be signed",
        ExitCode.USAGE: None,
        ExitCode.UNREADABLE: f"{_READ}: SOURCE (or an image in the folder) is missing, unsupported or cut short,"
        " or a watermark did not read back",
        ExitCode.INTERNAL: None,
    },
    "register": {
        ExitCode.OK: _DONE,
        ExitCode.USAGE: "usage error, or some file refused (it has an owner here)",
        ExitCode.UNREADABLE: f"{_READ}: some file could not be read",
        ExitCode.INTERNAL: None,
    },
    "registry import": {
        ExitCode.OK: _DONE,
        ExitCode.USAGE: None,
        ExitCode.UNREADABLE: f"{_READ}: SOURCE cannot be read, or is not a registry export",
        ExitCode.INTERNAL: None,
    },
    "registry check": {
        ExitCode.OK: "the registry is sound",
        ExitCode.BROKEN: "the registry has problems (each listed)",
        ExitCode.USAGE: None,
        ExitCode.INTERNAL: None,
    },
    **dict.fromkeys(
        (
            "keys init",
            "keys rotate",
            "models list",
            "models build-tiny",
            "registry stats",
            "registry list",
            "registry show",
            "registry export",
            "registry remove",
            "serve",
            "tokens create",
            "tokens list",
            "tokens revoke",
            "trust update",
            "trust show",
        ),
        dict.fromkeys(GENERIC_EXITS),
    ),
}


_SEVERAL_FILES = frozenset({"verify", "scan", "check", "register", "twin"})  # exit with the most serious code


def command_exits_help(command: str) -> str:
    """The exit-code block of ``command``'s --help: the codes it can return, in its words;
    empty when they are only the generic ones (see the top-level --help)."""
    codes = COMMAND_EXITS[command]
    if codes.keys() <= GENERIC_EXITS:
        return ""
    several = f" ({SEVERAL_FILES})" if command in _SEVERAL_FILES else ""
    lines = ["\b", f"Exit codes{several}:"]
    for code, own in codes.items():
        word = EXIT[code]
        lines.append(f"  {int(code)}  {own or f'{word.label}: {word.meaning}'}")
    return "\n".join(lines)


def states_help(*axes: str) -> str:
    """The verdict states of ``axes`` with their labels, for ``--help`` (unwrapped by ``\\b``)."""
    lines = ["\b", "Verdicts (--json names the state; the text report its words and meaning):"]
    for axis in axes:
        lines.append(f"  {axis}:")
        lines += [f"    {state:<19} {w.label}: {' '.join(w.meaning.split())}" for state, w in AXES[axis].items()]
    return "\n".join(lines)


class WordJSON(TypedDict):
    state: str
    label: str
    meaning: str
    tone: Tone
    colour: str


class VocabularyJSON(TypedDict):
    """The vocabulary as data: words per axis and state, per exit code, and each tone's colour."""

    axes: dict[str, dict[str, WordJSON]]
    altered: dict[str, dict[str, WordJSON]]  # the words shown instead for an altered copy (shown_word)
    captions: dict[str, str]  # placement -> why a signed caption may not describe this copy (caption_caveat)
    test_signer: str  # what a signer with a FOR TESTING_ONLY certificate is (TEST_SIGNER)
    signer_trust: dict[str, str]  # a signer's standing in words, by its trust state (SIGNER_TRUST)
    matched_by: dict[str, str]  # how a registry match was reached, in words (MATCHED_BY)
    exit: dict[str, WordJSON]
    tones: dict[str, str]


def vocabulary() -> VocabularyJSON:
    """The whole vocabulary as JSON-ready data, for the web page and reports."""
    return {
        "axes": {axis: {s: _json(w) for s, w in table.items()} for axis, table in AXES.items()},
        "altered": {
            axis: {s: _json(shown_word(axis, s, "altered")) for s in AXES[axis] if _qualifies(axis, s, "altered")}
            for axis in QUALIFIED_WHEN_ALTERED
        },
        "captions": dict(CAPTION_CAVEATS),
        "test_signer": TEST_SIGNER,
        "signer_trust": dict(SIGNER_TRUST),
        "matched_by": dict(MATCHED_BY),
        "exit": {str(int(c)): _json(w) for c, w in EXIT.items()},
        "tones": {tone: colour for tone, (_, colour) in TONE_COLOURS.items()},
    }


def _json(w: Word) -> WordJSON:
    return {"state": w.state, "label": w.label, "meaning": w.meaning, "tone": w.tone, "colour": w.colour}


# A file that could not be read has no verdicts: each axis says it was not looked at.
UNCHECKED = {"credentials": "unreadable", "watermark": "not-checked", "ownership": "not-checked", "ai": "not-assessed"}


def states(report: VerifyReportJSON) -> dict[str, str]:
    """The state on each axis of one verify report (``VerifyReport.to_dict()``).

    Every surface that shows verdicts (scan reports, the service, the web page, the
    policy check) takes them from here and looks each up with :func:`word`, so a
    report reads the same everywhere. Reports written before the ``recovered`` and
    watermark states existed are read too.
    """
    if report.get("error"):
        return dict(UNCHECKED)
    cred = report.get("credentials") or {}
    mark = report.get("watermark") or {}
    credentials = str(cred.get("state") or "absent")
    recovered = cred.get("recovered_manifest")
    if credentials == "absent" and recovered:
        credentials = "recovered" if recovered.get("state") in ("trusted", "valid") else "invalid"
    return {
        "credentials": credentials,
        "watermark": str(mark.get("state") or _watermark_state(mark)),
        "ownership": str((report.get("ownership") or {}).get("verdict") or "no-registry"),
        "ai": str((report.get("ai") or {}).get("verdict") or "no-evidence"),
    }


CAPTION_CAVEATS = {
    "crop": "written for the whole signed picture; this copy shows only part of it, which the caption may not fit",
    "altered": "written for the signed picture; parts of this copy differ from it, which the caption does not describe",
}


def caption_caveat(placement: str | None) -> str:
    """What a signed caption is worth on this copy: "" for the signed picture itself or a
    whole copy of it; for a crop or an altered copy, why it may not describe what is shown."""
    return CAPTION_CAVEATS.get(placement or "", "")


def placement(report: VerifyReportJSON) -> PlacementJSON | None:
    """Where the image of one verify report lies in the registered picture it was found to be, or
    None when it was not placed: the recovered credentials' placement, else that of its first firm
    same-as match (as verify decides exit 3)."""
    cred = report.get("credentials") or {}
    placed = cred.get("placement") if states(report)["credentials"] == "recovered" else None
    if placed is None:
        matches = (report.get("ownership") or {}).get("matches") or []
        firm = [m for m in matches if m.get("relation") == "same-as" and m.get("strength") in ("exact", "match")]
        placed = firm[0].get("placement") if firm else None
    return placed or None


def placement_state(report: VerifyReportJSON) -> str | None:
    """What the image of one verify report is relative to the registered picture it was found to
    be (whole, crop or altered), or None when it was not placed (:func:`placement`)."""
    placed = placement(report)
    return str(placed["state"]) if placed and placed.get("state") else None


def placement_report_words(report: VerifyReportJSON) -> str | None:
    """:func:`placement_words` for one verify report's placement (None when it was not placed):
    relative to "the signed picture" when its credentials were recovered, else "the registered
    picture"."""
    placed = placement(report)
    if not placed or not placed.get("state"):
        return None
    cred = report.get("credentials") or {}
    recovered = states(report)["credentials"] == "recovered" and bool(cred.get("placement"))
    return placement_words(
        str(placed["state"]),
        shown=float(placed.get("shown", 1.0)),
        scale=placed.get("scale"),
        differ=int(placed.get("differ", 0))
        if areas_differ(int(placed.get("differ", 0)), int(placed.get("detailed", 0)))
        else 0,
        detailed=int(placed.get("detailed", 0)),
        cropped=bool(placed.get("cropped", False)),
        picture="the signed picture" if recovered else "the registered picture",
        added=float(placed.get("added", 0.0)),
        sides=placed.get("sides"),
        marked=float(placed.get("marked", 0.0)),
        removed=float(placed.get("removed", 0.0)),
        mirrored=bool(placed.get("mirrored", False)),
        laid=placed.get("laid"),
        unchecked=bool(placed.get("unchecked", False)),
        grey=bool(placed.get("grey", False)),
        recoloured=float(placed.get("recoloured", 0.0)),
        recolouring=placed.get("recolouring"),
    )


def _watermark_state(mark: WatermarkJSON) -> str:
    if not mark.get("found"):
        return "none"
    if mark.get("agrees_with_manifest") is False:
        return "mismatch"
    return "ours" if str(mark.get("scheme") or "").startswith("provenance-") else "known-ai"


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless one ("1 file", "22 files"): every surface counts alike."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
