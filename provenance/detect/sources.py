"""The IPTC digital source type vocabulary, grouped by what it says about AI.

https://cv.iptc.org/newscodes/digitalsourcetype/ - C2PA actions and XMP
``Iptc4xmpExt:DigitalSourceType`` both use these URIs. Only a *trained* model
is AI: ``algorithmicMedia`` (made by a formula or procedure, no model trained on
samples) is computer-made but not AI, and ``algorithmicallyEnhanced`` is a capture
with minor algorithmic corrections. Terms that are neither a capture nor AI are
``info``: worth telling a reader, never a verdict.
"""

from __future__ import annotations

from typing import Literal

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"

Strength = Literal["ai-generated", "ai-edited", "captured", "info"]

# term -> (what it means in plain words, what it implies)
DIGITAL_SOURCE_TYPES: dict[str, tuple[str, Strength | None]] = {
    # AI: made (wholly or in part) by a model trained on sampled content.
    "trainedAlgorithmicMedia": ("created by a trained AI model", "ai-generated"),
    "compositeWithTrainedAlgorithmicMedia": ("a composite that includes AI-generated elements", "ai-edited"),
    # Captures of the real world, possibly with minor corrections.
    "digitalCapture": ("captured by a digital camera or sensor", "captured"),
    "computationalCapture": ("captured by a camera that combines several frames (computational capture)", "captured"),
    "negativeFilm": ("scanned from a film negative", "captured"),
    "positiveFilm": ("scanned from a film positive (slide)", "captured"),
    "print": ("scanned from a print", "captured"),
    "minorHumanEdits": ("a capture with minor human edits", "captured"),
    "compositeCapture": ("a composite of several captures", "captured"),
    "algorithmicallyEnhanced": ("a capture with minor corrections by an algorithm (not generative AI)", "captured"),
    # Computer-made or edited, but not by AI; not a capture either.
    "algorithmicMedia": ("created purely by an algorithm, not by a trained AI model", "info"),
    "compositeSynthetic": ("a composite that includes synthetic (computer-made, not AI) elements", "info"),
    "digitalCreation": ("created digitally by a person (e.g. drawing software)", "info"),
    "digitalArt": ("created digitally by a person (e.g. drawing software)", "info"),  # the term's former name
    "softwareImage": ("created by software", "info"),  # retired term
    "dataDrivenMedia": ("generated from data, such as a chart", "info"),
    "screenCapture": ("a screenshot", "info"),
    "virtualRecording": ("a recording of a virtual event", "info"),
    "humanEdits": ("edited by a person", "info"),
    "composite": ("a composite of several elements", "info"),
}
# Terms that say the picture is a capture of the real world (minor corrections allowed).
CAPTURE_TERMS = frozenset(
    {"digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print", "minorHumanEdits"}
    | {"algorithmicallyEnhanced"}
)
AI_TERMS = frozenset(
    term for term, (_, strength) in DIGITAL_SOURCE_TYPES.items() if strength in ("ai-generated", "ai-edited")
)


def term_of(uri: str) -> str:
    """The vocabulary term of a digital source type URI (or the term itself)."""
    return uri.strip().rstrip("/").rsplit("/", 1)[-1]


def describe(uri: str) -> tuple[str, str, Strength | None]:
    """(term, plain words, implication) for a digital source type URI or term;
    an unknown term implies nothing."""
    term = term_of(uri)
    words, strength = DIGITAL_SOURCE_TYPES.get(term, (f"of source type '{term}'", None))
    return term, words, strength
