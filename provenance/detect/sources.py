"""The IPTC digital source type vocabulary, grouped by what it says about AI.

https://cv.iptc.org/newscodes/digitalsourcetype/ - C2PA actions and XMP
``Iptc4xmpExt:DigitalSourceType`` both use these URIs.
"""

from __future__ import annotations

from typing import Literal

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"

Strength = Literal["ai-generated", "ai-edited", "captured"]

# term -> (what it means in plain words, what it implies)
DIGITAL_SOURCE_TYPES: dict[str, tuple[str, Strength | None]] = {
    "trainedAlgorithmicMedia": ("created by a trained AI model", "ai-generated"),
    "algorithmicMedia": ("created purely by an algorithm, without a captured source", "ai-generated"),
    "compositeWithTrainedAlgorithmicMedia": (
        "a composite that includes AI-generated elements",
        "ai-edited",
    ),
    "compositeSynthetic": ("a composite that includes synthetic elements", "ai-edited"),
    "algorithmicallyEnhanced": ("a capture enhanced by an algorithm", "ai-edited"),
    "digitalCapture": ("captured by a digital camera or sensor", "captured"),
    "negativeFilm": ("scanned from a film negative", "captured"),
    "positiveFilm": ("scanned from a film positive (slide)", "captured"),
    "print": ("scanned from a print", "captured"),
    "minorHumanEdits": ("a capture with minor human edits", "captured"),
    "compositeCapture": ("a composite of several captures", "captured"),
    "humanEdits": ("edited by a person", None),
    "composite": ("a composite of several elements", None),
    "digitalCreation": ("created digitally by a person (e.g. drawing software)", None),
    "dataDrivenMedia": ("generated from data, such as a chart", None),
    "screenCapture": ("a screenshot", None),
    "virtualRecording": ("a recording of a virtual event", None),
}


def describe(uri: str) -> tuple[str, str, Strength | None]:
    """(term, plain words, implication) for a digital source type URI or term."""
    term = uri.rstrip("/").rsplit("/", 1)[-1]
    words, strength = DIGITAL_SOURCE_TYPES.get(term, (f"of source type '{term}'", None))
    return term, words, strength
