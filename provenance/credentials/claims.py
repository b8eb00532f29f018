"""What a stamp asserts, and the C2PA manifest definition that says it.

Labels and vocabulary follow the C2PA 2.x specification and IPTC's digital
source type list; our own facts (record id, fingerprints, generation
parameters) live in one custom assertion, ``org.provenance.stamp``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from provenance import __version__
from provenance.fingerprint import Fingerprint
from provenance.watermark import SCHEME, parse_record_id

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC + "trainedAlgorithmicMedia"
STAMP_ASSERTION = "org.provenance.stamp"
SOFT_BINDING_ALG = "org.provenance.wm-1"
SCHEME_FOR_ALG = {SOFT_BINDING_ALG: SCHEME, "org.provenance.wm-0": "provenance-wm-0"}


@dataclass
class StampClaims:
    title: str
    author: str
    model: str
    record_id: str
    fingerprints: list[Fingerprint]
    digital_source_type: str = TRAINED_ALGORITHMIC_MEDIA
    generation: dict[str, Any] = field(default_factory=dict)


def soft_binding_value(record_id: str) -> str:
    return base64.b64encode(parse_record_id(record_id).to_bytes(8, "big")).decode()


def record_id_from_soft_binding(value: str) -> str | None:
    """The record id a soft-binding value names: 8 bytes (wm-1) or 5 bytes (wm-0)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    width = {8: 16, 5: 10}.get(len(raw))
    return f"{int.from_bytes(raw, 'big'):0{width}x}" if width else None


def manifest_definition(claims: StampClaims) -> dict[str, Any]:
    agent = {"name": "provenance", "version": __version__}
    actions: list[dict[str, Any]] = [
        {
            "action": "c2pa.created",
            "digitalSourceType": claims.digital_source_type,
            "softwareAgent": {"name": claims.model},
        },
        {
            "action": "c2pa.watermarked",
            "softwareAgent": agent,
            "parameters": {"description": f"Invisible watermark {SCHEME} carrying registry record {claims.record_id}"},
        },
    ]
    stamp: dict[str, Any] = {
        "record_id": claims.record_id,
        "watermark_scheme": SCHEME,
        "model": claims.model,
        "user": claims.author,
        "fingerprints": {f.algorithm: f.value for f in claims.fingerprints},
    }
    if claims.generation:
        stamp["generation"] = claims.generation
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
            {
                "label": "stds.schema-org.CreativeWork",
                "data": {
                    "@context": "http://schema.org/",
                    "@type": "CreativeWork",
                    "author": [{"@type": "Person", "name": claims.author}],
                },
            },
            {"label": STAMP_ASSERTION, "data": stamp},
        ],
    }
