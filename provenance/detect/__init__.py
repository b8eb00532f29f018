"""AI signals and the verdict. Pure: takes what the readers found, decides.

The verdict is the strongest claim the evidence supports, and nothing
stronger: no evidence gives ``no-evidence``, never "fake" or "real".
``captured`` needs a valid signed manifest that says so.
"""

from __future__ import annotations

from provenance.detect.sources import describe
from provenance.registry import Record
from provenance.report import AIReport, CredentialReport, Signal, WatermarkReport


def credential_signals(credentials: CredentialReport, where: str) -> list[Signal]:
    """Signals from the actions of a manifest (embedded or recovered)."""
    signals: list[Signal] = []
    caveat = "" if credentials.state in ("trusted", "valid") else " (but the manifest is invalid)"
    for action in credentials.actions:
        if not action.digital_source_type:
            continue
        term, words, strength = describe(action.digital_source_type)
        if strength is None or (strength == "captured" and caveat):
            continue
        agent = f" with {action.software_agent}" if action.software_agent else ""
        signals.append(
            Signal(
                kind="c2pa.digitalSourceType",
                source=f"{where}, action {action.action}",
                evidence=f"The signed manifest says the image was {words}{agent} ({term}){caveat}.",
                generator=action.software_agent,
                model=action.software_agent,
                strength=strength,
            )
        )
    return signals


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
                f" {made} with {record.model or 'an unnamed model'}."
            ),
            generator="provenance",
            model=record.model,
        )
    ]


def registry_signals(records: list[Record]) -> list[Signal]:
    return [
        Signal(
            kind="registry",
            source="registry fingerprint match",
            evidence=(
                f"The picture matches registry record {r.record_id}, an AI image made with"
                f" {r.model or 'an unnamed model'}, by perceptual hash."
            ),
            model=r.model,
        )
        for r in records
        if r.kind in ("twin", "stamped")
    ]


def verdict(signals: list[Signal]) -> AIReport:
    strengths = {s.strength for s in signals}
    for level in ("ai-generated", "ai-edited", "captured"):
        if level in strengths:
            return AIReport(verdict=level, signals=signals)
    return AIReport(verdict="no-evidence", signals=signals)
