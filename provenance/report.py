"""Result types: what verification found, as plain dataclasses that serialise to JSON.

The four verdicts (credentials, watermark, ownership, AI) stay in separate
fields on purpose: an untrusted signer is not a broken manifest, a missing
manifest is not a fake, and a match in the registry is not a signature.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, cast

# The words for each state live in provenance/verdicts.py (CREDENTIALS).
CredentialState = Literal[
    "trusted",  # intact, signer on this home's trust list
    "valid",  # intact, signer not trusted here
    "ingredient-invalid",  # intact; an ingredient's own credentials fail
    "invalid",  # does not match this file: changed after signing
    "truncated",  # does not match because the file ends early
    "unsupported",  # present, but a version or algorithm this tool cannot check
    "remote",  # stored elsewhere, not read (fetching off, or the fetch failed)
    "recovered",  # none in the file; the registry's signed manifest, bound by watermark or fingerprint
    "absent",
    "unreadable",  # the file itself could not be read: nothing was checked
]
# States whose manifest does not match the file (changed after signing, or the file ends early):
# nothing it says can be credited to the file (CredentialReport.broken; a publishing policy fails them).
BROKEN_STATES = frozenset({"invalid", "truncated"})
# States whose manifest was read from the file (or its sidecar, or fetched).
PRESENT_STATES = frozenset({"trusted", "valid", "ingredient-invalid", "invalid", "truncated", "unsupported"})
TrustState = Literal["trusted", "untrusted", "unknown"]
StatusKind = Literal["success", "informational", "failure"]
RemoteFetch = Literal["off", "failed"]  # why a remote manifest was not read
# verify ranks matches in these orders (tightest relation, strongest first)
MatchRelation = Literal[
    "same-as", "twin-of", "derivative-of", "ancestor", "source-of", "similar-to", "has-twin", "has-derivative",
    "contains",
]  # fmt: skip
MatchStrength = Literal["exact", "match", "inconclusive"]
SignalStrength = Literal["ai-generated", "ai-edited", "captured", "info"]
AIVerdict = Literal["ai-generated", "ai-edited", "captured", "no-evidence", "not-assessed"]
WatermarkState = Literal[
    "ours", "unknown-record", "unconfirmed", "known-ai", "declared", "mismatch", "none", "too-small", "not-checked"
]
# What an image is relative to a registered picture it was found to be (words: provenance/verdicts.py, PLACEMENT)
PlacementState = Literal["whole", "crop", "altered"]
# how a copy's colours are changed from its picture's (Placement.recolouring, fingerprint.detail.recoloured)
Recolouring = Literal["hues", "channels", "part"]


@dataclass
class StatusCode:
    """A C2PA validation status, with the library's explanation."""

    code: str
    explanation: str
    kind: StatusKind
    scope: str = "active manifest"
    url: str | None = None  # the JUMBF URI of what was checked (which assertion, which signature)


@dataclass
class Ingredient:
    """One ingredient, with its own manifest's validation state (None: it has none)."""

    title: str | None
    relationship: str | None
    format: str | None
    has_manifest: bool
    state: CredentialState | None = None
    hash: str | None = None
    manifest_label: str | None = None
    digital_source_type: str | None = None
    software_agent: str | None = None
    problems: list[StatusCode] = field(default_factory=list)
    ingredients: list[Ingredient] = field(default_factory=list)


@dataclass
class Certificate:
    """The signing (or time-stamping) certificate, as c2pa read it from the manifest."""

    subject: str | None
    issuer: str | None
    serial: str | None = None
    not_before: str | None = None
    not_after: str | None = None


@dataclass
class Timestamp:
    """An RFC 3161 time-stamp: a third party vouching for when the claim was signed."""

    time: str | None
    authority: Certificate | None
    trusted: bool
    listed: bool = False
    problem: str | None = None  # why it vouches for nothing (a token that does not match the signature), in words


@dataclass
class CawgIdentity:
    """A CAWG identity assertion: a second signature, naming who vouches for the
    content, with its own trust (separate from the claim signer's)."""

    sig_type: str | None
    signer: str | None
    issuer: str | None
    referenced_assertions: list[str] = field(default_factory=list)
    trust: TrustState = "unknown"


@dataclass
class Cawg:
    """CAWG assertions: who vouches for the content, and what AI uses are allowed."""

    identities: list[CawgIdentity] = field(default_factory=list)
    training_mining: dict[str, str] = field(default_factory=dict)


@dataclass
class Action:
    action: str
    software_agent: str | None = None
    digital_source_type: str | None = None


@dataclass
class SoftBinding:
    alg: str
    value: str


# The camera properties a manifest's metadata may declare, in the order they are said.
CAMERA_PROPERTIES = ("tiff:Make", "tiff:Model", "exif:DateTimeOriginal", "exif:GPSLatitude", "exif:GPSLongitude")


def camera_name(recorded: dict[str, str]) -> str:
    """The camera that EXIF-style properties name ("NIKON E950"; the maker once when the model
    repeats it), or "": one name for stamp's output and verify's report."""
    make, model = recorded.get("tiff:Make", ""), recorded.get("tiff:Model", "")
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return f"{make} {model}".strip()


@dataclass
class Placement:
    """Where this image lies in a registered picture, as the record's thumbnail placed it
    (provenance/fingerprint/thumbnail.py): kept when the image was found to be that picture
    without being its signed file (a copy, a crop, a rescale, an edit).

    ``state``: whole (all of the picture, any size), crop (a part of it) or altered (some
    detailed areas of the image differ from the picture: an overlay, a caption band, a logo,
    a pasted region); ``shown``: share of the picture's area the image shows; ``scale``:
    image pixels per pixel of the picture (1: its size); ``agree`` of ``detailed`` areas
    (blocks of the thumbnail with detail to compare) agree; ``differ``: those that do not;
    ``cropped``: the image shows only part of the picture (a crop, whatever else changed);
    ``added``: share of the image lying beyond the picture that has detail (content added
    around it, such as a caption printed under it on a taller canvas: altered), when it is
    ``verify.ADDED_SHARE`` or more; else 0. ``sides``: (width, height) of the image per the
    picture's, when it shows all of the picture with its shape changed (a stretched or squeezed
    copy: ``thumbnail.STRETCHED`` or more apart); else None. ``marked``: share of the image that
    differs from the signed picture's claim thumbnail at full detail (drawn text, a logo: what
    the thumbnail's blocks are too coarse to see; provenance/fingerprint/detail.py), when it is
    ``verify.MARKED_SHARE`` or more, or that holds edges the picture has nowhere near over
    ``verify.EDGES_SHARE`` or more (short text such as a date imprint) (altered); else 0.
    ``removed``: share of the picture in the largest patch whose detail is gone while the rest
    keeps it (blurred, pixelated, smoothed), when it is ``verify.REMOVED_BLOCKS`` blocks or more
    (altered); else 0. ``mirrored``: the image is the picture mirrored (its mark read it so), which
    shows the scene reversed (altered). ``laid``: the correlation at which the image lay on the
    signed picture's claim thumbnail, when under ``detail.ALIGNED`` and parts of it differ (altered:
    it does not line up with the picture as a re-saved or resized copy does, so what differs may be
    laid over it or a strong edit of the whole, and the words say either); else None."""

    state: PlacementState
    shown: float
    scale: float | None
    agree: int
    detailed: int
    differ: int
    cropped: bool
    added: float = 0.0
    sides: list[float] | None = None
    marked: float = 0.0
    removed: float = 0.0
    mirrored: bool = False
    laid: float | None = None
    # the signed picture's claim thumbnail was there, but the copy shows too little of it at its detail
    # (detail.comparable) for drawn text, a logo or a blurred patch to be looked for: said, never passed
    # over in silence (a walkthrough's handle drawn on a 25 % crop read "Captured", nothing said)
    unchecked: bool = False
    # in black and white where the signed picture is in colour (detail.turned_grey): said beside its
    # placement, not altered (a newsroom's black-and-white edition is honest), never passed over
    grey: bool = False
    # how the copy's colours are changed from the picture's (detail.recoloured: its hues turned, its colour
    # channels swapped, or a part of it turned; altered: a walkthrough's copies with hues turned 180 degrees
    # or red and blue swapped passed as the signed capture, exit 0), else None; and by how many degrees
    recolouring: Recolouring | None = None
    recoloured: float = 0.0

    @property
    def only_mirrored(self) -> bool:
        """Altered for being the picture mirrored, and nothing else: every area agrees with the mirror
        image (labelled so; "Parts differ" beside "165 of 165 detailed areas match" read as a contradiction)."""
        return self.mirrored and not (
            self.differ or self.added or self.marked or self.removed or self.laid is not None or self.recolouring
        )


@dataclass
class CredentialReport:
    """The C2PA manifest found in (or recovered for) a file."""

    state: CredentialState
    trust: TrustState = "unknown"
    trust_hint: str | None = None  # how this home could come to trust the signer, when it plausibly could
    test_signer: bool = False  # signed with a certificate named for testing only (C2PA's published sample keys)
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    certificate: Certificate | None = None
    issuer_chain: list[str] = field(default_factory=list)
    timestamp: Timestamp | None = None
    manifest_label: str | None = None
    manifest_source: str | None = None  # embedded, sidecar, registry
    remote_url: str | None = None
    remote_fetch: RemoteFetch | None = None  # why a remote manifest was not read
    truncation: str | None = None  # how the file ends early, when it does
    claim_generator: str | None = None
    model: str | None = None
    author: str | None = None
    digital_source_type: str | None = None
    record_id: str | None = None
    generation: dict[str, Any] = field(default_factory=dict)  # our stamp's generation record, if any
    caption: str | None = None  # schema.org CreativeWork description
    credit: str | None = None  # schema.org CreativeWork creditText
    # The camera the manifest's metadata assertion names (c2pa.metadata, stds.exif: tiff:Make,
    # tiff:Model, exif:DateTimeOriginal, exif:GPSLatitude/Longitude): what the signer declared
    # (a stamp copies it from the input's EXIF), covered by the signature but not proof of it.
    declared_camera: dict[str, str] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    ingredients: list[Ingredient] = field(default_factory=list)
    soft_bindings: list[SoftBinding] = field(default_factory=list)
    cawg: Cawg | None = None
    status_codes: list[StatusCode] = field(default_factory=list)
    extracted: list[str] = field(default_factory=list)
    error: str | None = None
    recovered: bool = False
    recovered_via: str | None = None
    recovered_manifest: CredentialReport | None = None
    placement: Placement | None = None  # recovered: what this picture is relative to the signed one
    # recovered for a file that carries the signed manifest itself, whose hashes are the signed file's:
    # a copy resized or cropped since, its hard binding alone failing (its pixels placed whole at
    # another size or as a crop, its watermark the manifest's)
    re_encoded: bool = False

    @property
    def present(self) -> bool:
        """A manifest was read for this file (embedded, sidecar or fetched), whatever its state."""
        return self.state in PRESENT_STATES

    @property
    def intact(self) -> bool:
        """The active manifest validates against this file (its ingredients aside)."""
        return self.state in ("trusted", "valid", "ingredient-invalid")

    @property
    def broken(self) -> bool:
        """The manifest does not match this file: nothing it says can be credited to it."""
        return self.state in BROKEN_STATES


@dataclass
class WatermarkReport:
    """``state`` is the watermark verdict (words in provenance/verdicts.py, WATERMARK):
    ours, unknown-record (ours, naming a record this home's registry does not hold), unconfirmed
    (ours, on a picture that cannot be told to be its record's), known-ai,
    declared (the manifest names a mark this tool cannot read),
    mismatch (a mark that contradicts the manifest or the picture), none, not-checked."""

    found: bool
    scheme: str | None = None
    record_id: str | None = None
    confidence: float = 0.0
    agrees_with_manifest: bool | None = None
    note: str | None = None
    state: WatermarkState | None = None
    declared: list[str] = field(default_factory=list)  # soft-binding algorithms the manifest names, unread here
    # How a copy lies relative to the picture as it was marked, as the mark read it: in words (as the
    # summary says it; None when upright), then how to bring it back: Pillow's Image.Transpose (its
    # name: ROTATE_90, FLIP_LEFT_RIGHT...; None when none), then a rotation by ``turn_back`` degrees
    # (Pillow's rotate: counter-clockwise when positive; 0 when none)
    lies: str | None = None
    transpose: str | None = None
    turn_back: float = 0.0

    def __post_init__(self) -> None:
        if self.state is None and self.found:
            self.state = "ours" if (self.scheme or "").startswith("provenance-") else "known-ai"
        elif self.state is None:
            self.state = "none"


OwnershipVerdict = Literal[
    "registered", "derived", "similar", "inconclusive", "no-match", "no-registry", "not-checked"
]  # fmt: skip


@dataclass
class OwnershipMatch:
    """A registered record this image is, or comes from.

    ``relation``: same-as (this picture), twin-of (an AI twin made here from it),
    derivative-of (stamped from it), ancestor (further up the chain), source-of (this
    file is, byte for byte, the unsigned file the record was stamped from), similar-to
    (looks like a stamped record but lacks its watermark, or, this file's own record being
    found exactly, another record of a near-identical picture), has-twin and has-derivative
    (this file's own record being found exactly, a look-alike record made from it: an AI
    twin, or a stamp or a twin further down), contains (the record's picture, its watermark
    read, found whole as part of this image: a collage, a page). ``strength``: exact (file
    hash or watermark), match (fingerprints within the match threshold), inconclusive
    (near the threshold, low-quality hashes, or a watermark on a picture that could not
    be told to be its record's: never proof)."""

    record_id: str
    owner: str
    relation: MatchRelation
    strength: MatchStrength
    matched_by: str
    kind: str
    distances: dict[str, int] = field(default_factory=dict)
    title: str | None = None
    model: str | None = None
    source_url: str | None = None
    registered_at: str | None = None
    via_record: str | None = None
    placement: Placement | None = None  # where this image lies in the record's picture, when placed


@dataclass
class OwnershipReport:
    """``verdict``: registered (this is a registered image), derived (made from one),
    similar (looks like a stamped image but lacks its watermark, or is the unsigned file
    it was stamped from), inconclusive (only near matches), no-match, no-registry, or
    not-checked (the file could not be read)."""

    verdict: OwnershipVerdict = "no-registry"
    summary: str = "No registry to check against."
    matches: list[OwnershipMatch] = field(default_factory=list)
    registry: str | None = None
    # How this image lies relative to the registered picture it matched, in words as the summary says
    # them ("turned 90 degrees clockwise", "mirrored left to right", "turned about 3 degrees
    # counter-clockwise"): as its mark read it, or as the turned lookup or the keypoints found it
    # (only the summary said so before); None when it lies upright or matched nothing
    lies: str | None = None


@dataclass
class Signal:
    """One piece of evidence about AI involvement, in plain words."""

    kind: str
    source: str
    evidence: str
    generator: str | None = None
    model: str | None = None
    prompt: str | None = None  # whole, never shortened (several prompts: separated by a blank line)
    strength: SignalStrength = "ai-generated"
    negative_prompt: str | None = None


@dataclass
class AIReport:
    """The verdict, the signals behind it (strongest first) and any contradictions."""

    verdict: AIVerdict
    signals: list[Signal] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    pixels_checked: bool = False
    skipped: list[str] = field(default_factory=list)  # pixel checks not run on this image, each with why


@dataclass
class VerifyReport:
    file: str
    format: str | None
    credentials: CredentialReport
    watermark: WatermarkReport
    ownership: OwnershipReport
    ai: AIReport
    summary: str
    exit_code: int
    error: str | None = None

    def to_dict(self) -> VerifyReportJSON:
        return cast("VerifyReportJSON", dataclasses.asdict(self))

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as ``verify --json`` prints it: with ``as_shown`` (``verdicts.with_shown``), so
        that a library user sees an altered copy's "recovered+altered", never a bare pass."""
        from provenance import verdicts

        return json.dumps(verdicts.with_shown(self.to_dict()), indent=indent)


# The JSON form of a report (``VerifyReport.to_dict()``), as scan rows, checkpoints,
# policy checks and service answers carry it: it crosses processes, Ray and files as
# JSON, so it is typed as JSON. The same fields as the dataclasses above (tests in
# tests/test_report_types.py keep them in step), but every key may be missing: a scan's
# error rows hold only file, format, summary, exit_code and error, and a checkpoint
# written by an older version may lack newer keys. Readers use ``.get``.


class StatusCodeJSON(TypedDict, total=False):
    code: str
    explanation: str
    kind: StatusKind
    scope: str
    url: str | None


class IngredientJSON(TypedDict, total=False):
    title: str | None
    relationship: str | None
    format: str | None
    has_manifest: bool
    state: CredentialState | None
    hash: str | None
    manifest_label: str | None
    digital_source_type: str | None
    software_agent: str | None
    problems: list[StatusCodeJSON]
    ingredients: list[IngredientJSON]


class CertificateJSON(TypedDict, total=False):
    subject: str | None
    issuer: str | None
    serial: str | None
    not_before: str | None
    not_after: str | None


class TimestampJSON(TypedDict, total=False):
    time: str | None
    authority: CertificateJSON | None
    trusted: bool
    listed: bool
    problem: str | None


class CawgIdentityJSON(TypedDict, total=False):
    sig_type: str | None
    signer: str | None
    issuer: str | None
    referenced_assertions: list[str]
    trust: TrustState


class CawgJSON(TypedDict, total=False):
    identities: list[CawgIdentityJSON]
    training_mining: dict[str, str]


class ActionJSON(TypedDict, total=False):
    action: str
    software_agent: str | None
    digital_source_type: str | None


class SoftBindingJSON(TypedDict, total=False):
    alg: str
    value: str


class PlacementJSON(TypedDict, total=False):
    state: PlacementState
    shown: float
    scale: float | None
    agree: int
    detailed: int
    differ: int
    cropped: bool
    added: float
    sides: list[float] | None
    marked: float
    removed: float
    mirrored: bool
    laid: float | None
    unchecked: bool
    grey: bool
    recolouring: Recolouring | None
    recoloured: float


class CredentialJSON(TypedDict, total=False):
    state: CredentialState
    trust: TrustState
    trust_hint: str | None
    test_signer: bool
    signer: str | None
    issuer: str | None
    signed_at: str | None
    certificate: CertificateJSON | None
    issuer_chain: list[str]
    timestamp: TimestampJSON | None
    manifest_label: str | None
    manifest_source: str | None
    remote_url: str | None
    remote_fetch: RemoteFetch | None
    truncation: str | None
    claim_generator: str | None
    model: str | None
    author: str | None
    digital_source_type: str | None
    record_id: str | None
    generation: dict[str, Any]  # read from a manifest's assertion: foreign JSON, whatever its signer wrote
    caption: str | None
    credit: str | None
    declared_camera: dict[str, str]
    actions: list[ActionJSON]
    ingredients: list[IngredientJSON]
    soft_bindings: list[SoftBindingJSON]
    cawg: CawgJSON | None
    status_codes: list[StatusCodeJSON]
    extracted: list[str]
    error: str | None
    recovered: bool
    recovered_via: str | None
    recovered_manifest: CredentialJSON | None
    placement: PlacementJSON | None
    re_encoded: bool


class WatermarkJSON(TypedDict, total=False):
    found: bool
    scheme: str | None
    record_id: str | None
    confidence: float
    agrees_with_manifest: bool | None
    note: str | None
    state: WatermarkState | None
    declared: list[str]
    lies: str | None
    transpose: str | None
    turn_back: float


class OwnershipMatchJSON(TypedDict, total=False):
    record_id: str
    owner: str
    relation: MatchRelation
    strength: MatchStrength
    matched_by: str
    kind: str
    distances: dict[str, int]
    title: str | None
    model: str | None
    source_url: str | None
    registered_at: str | None
    via_record: str | None
    placement: PlacementJSON | None


class OwnershipJSON(TypedDict, total=False):
    verdict: OwnershipVerdict
    summary: str
    matches: list[OwnershipMatchJSON]
    registry: str | None
    lies: str | None


class SignalJSON(TypedDict, total=False):
    kind: str
    source: str
    evidence: str
    generator: str | None
    model: str | None
    prompt: str | None
    strength: SignalStrength
    negative_prompt: str | None


class AIJSON(TypedDict, total=False):
    verdict: AIVerdict
    signals: list[SignalJSON]
    conflicts: list[str]
    pixels_checked: bool
    skipped: list[str]


class VerifyReportJSON(TypedDict, total=False):
    file: str
    format: str | None
    credentials: CredentialJSON
    watermark: WatermarkJSON
    ownership: OwnershipJSON
    ai: AIJSON
    summary: str
    exit_code: int
    error: str | None


class ShownReportJSON(VerifyReportJSON, total=False):
    """A report as ``verify --json``, the service and a scan's JSON report give it: with
    ``as_shown``, each verdict as the text, the page and a scan show it (``verdicts.with_shown``:
    "registered+altered" for an altered copy's ownership, not a bare "registered")."""

    as_shown: dict[str, str]
