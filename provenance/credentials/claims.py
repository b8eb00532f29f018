"""What a stamp asserts, and the C2PA manifest definition that says it.

Labels and vocabulary follow the C2PA 2.x specification and IPTC's digital
source type list; our own facts (record id, fingerprints, generation
parameters) live in one custom assertion, ``org.provenance.stamp``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from provenance.fingerprint import Fingerprint
from provenance.version import __version__

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC + "trainedAlgorithmicMedia"
# --source-type -> IPTC digital source type
SOURCE_TYPES = {
    "captured": IPTC + "digitalCapture",
    "edited": IPTC + "minorHumanEdits",
    "composite": IPTC + "compositeCapture",
    # an artist's own work made with drawing or painting software, neither a capture nor AI (a
    # walkthrough's illustrator could only call her painting AI-made or a camera's capture)
    "digital-art": IPTC + "digitalCreation",
    "ai": TRAINED_ALGORITHMIC_MEDIA,
}
# Edits a newsroom may declare (C2PA 2.x action names, without the "c2pa." prefix).
EDITS = ("cropped", "color_adjustments", "resized", "orientation", "edited", "filtered", "redacted", "drawing")
PARENT_LABEL = "parent"  # links the parentOf ingredient to the c2pa.opened action
TRAINING_MINING_USES = ("cawg.ai_inference", "cawg.ai_generative_training", "cawg.ai_training", "cawg.data_mining")
STAMP_ASSERTION = "org.provenance.stamp"
METADATA_NAMESPACES = {"exif": "http://ns.adobe.com/exif/1.0/", "tiff": "http://ns.adobe.com/tiff/1.0/"}
SOFT_BINDING_ALG = "org.provenance.wm-2"
# every scheme we can read, by its soft-binding algorithm (manifests made before wm-2 name wm-1)
# (the names are written out: importing provenance.watermark for one would import numpy into every
# manifest read; tests/test_verify_speed.py checks the current one against provenance.watermark.SCHEME)
SCHEME = "provenance-wm-2"  # the scheme stamps write (provenance.watermark.SCHEME)
SCHEME_FOR_ALG = {
    SOFT_BINDING_ALG: SCHEME,
    "org.provenance.wm-1": "provenance-wm-1",
    "org.provenance.wm-0": "provenance-wm-0",
}


@dataclass
class StampClaims:
    title: str
    author: str
    model: str | None
    record_id: str
    fingerprints: list[Fingerprint]
    digital_source_type: str = TRAINED_ALGORITHMIC_MEDIA
    generation: dict[str, Any] = field(default_factory=dict)
    opened: bool = False  # the input carried a manifest: "opened" it (parentOf ingredient), not "created"
    edits: tuple[str, ...] = ()
    caption: str | None = None
    credit: str | None = None
    organisation: str | None = None
    ai_training: bool | None = None  # False: cawg.training-mining says notAllowed for every AI use
    camera: dict[str, str] = field(default_factory=dict)  # tiff:Make, exif:DateTimeOriginal...: c2pa.metadata


def soft_binding_value(record_id: str) -> str:
    from provenance.watermark import parse_record_id

    return base64.b64encode(parse_record_id(record_id).to_bytes(8, "big")).decode()


def record_id_from_soft_binding(value: str) -> str | None:
    """The record id a soft-binding value names: 8 bytes (wm-2, wm-1) or 5 bytes (wm-0)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    width = {8: 16, 5: 10}.get(len(raw))
    return f"{int.from_bytes(raw, 'big'):0{width}x}" if width else None


# A manifest definition is C2PA JSON for c2pa-python's Builder (an untyped dict): its shape
# is the C2PA specification's (assertions, actions, schema.org), not a type of ours.
def _creative_work(claims: StampClaims) -> dict[str, Any]:
    work: dict[str, Any] = {
        "@context": "http://schema.org/",
        "@type": "CreativeWork",
        "author": [{"@type": "Person", "name": claims.author}],
    }
    if claims.caption:
        work["description"] = claims.caption
    if claims.credit:
        work["creditText"] = claims.credit
    if claims.organisation:
        work["copyrightHolder"] = {"@type": "Organization", "name": claims.organisation}
    return work


def manifest_definition(claims: StampClaims) -> dict[str, Any]:
    agent = {"name": "provenance", "version": __version__}
    first: dict[str, Any] = {
        "action": "c2pa.opened" if claims.opened else "c2pa.created",
        "digitalSourceType": claims.digital_source_type,
    }
    if claims.model:
        first["softwareAgent"] = {"name": claims.model}
    if claims.opened:
        first["parameters"] = {"ingredientIds": [PARENT_LABEL]}
    actions: list[dict[str, Any]] = [
        first,
        *({"action": f"c2pa.{edit}"} for edit in claims.edits),
        {
            "action": "c2pa.watermarked",
            "softwareAgent": agent,
            "parameters": {"description": f"Invisible watermark {SCHEME} carrying registry record {claims.record_id}"},
        },
    ]
    stamp: dict[str, Any] = {
        "record_id": claims.record_id,
        "watermark_scheme": SCHEME,
        "user": claims.author,
        "fingerprints": {f.algorithm: f.value for f in claims.fingerprints},
    }
    if claims.model:
        stamp["model"] = claims.model
    if claims.generation:
        stamp["generation"] = claims.generation
    assertions: list[dict[str, Any]] = []
    if claims.camera:
        context = {prefix: METADATA_NAMESPACES[prefix] for prefix in sorted({k.split(":")[0] for k in claims.camera})}
        assertions.append({"label": "c2pa.metadata", "data": {"@context": context, **claims.camera}})
    if claims.ai_training is False:
        entries = {use: {"use": "notAllowed"} for use in TRAINING_MINING_USES}
        assertions.append({"label": "cawg.training-mining", "data": {"entries": entries}})
    return {
        "claim_generator_info": [agent],
        "title": claims.title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {
                "label": "c2pa.soft-binding",
                "data": {
                    "alg": SOFT_BINDING_ALG,
                    "blocks": [{"scope": {}, "value": soft_binding_value(claims.record_id)}],
                },
            },
            {"label": "stds.schema-org.CreativeWork", "data": _creative_work(claims)},
            {"label": STAMP_ASSERTION, "data": stamp},
            *assertions,
        ],
    }
