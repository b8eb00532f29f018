"""Each verdict's evidence in words, for people reading a scan report."""

from __future__ import annotations

from typing import Any

COLOURS = {
    "trusted": "#15803d",
    "valid": "#b45309",
    "invalid": "#b91c1c",
    "absent": "#6b7280",
    "unreadable": "#7f1d1d",
    "ai-generated": "#7c3aed",
    "ai-edited": "#a855f7",
    "captured": "#0369a1",
    "no-evidence": "#6b7280",
    "registered": "#15803d",
    "derived": "#0f766e",
    "inconclusive": "#b45309",
    "no-match": "#6b7280",
    "no-registry": "#9ca3af",
    "none": "#9ca3af",
}


def explain(report: dict[str, Any]) -> dict[str, list[str]]:
    """Evidence lines per verdict (credentials, watermark, ownership, ai)."""
    if report.get("error"):
        return {"credentials": [str(report["error"])], "watermark": [], "ownership": [], "ai": []}
    cred = report.get("credentials") or {}
    mark = report.get("watermark") or {}
    own = report.get("ownership") or {}
    ai = report.get("ai") or {}
    credentials = [
        text
        for text in (
            f"signed by {cred['signer']}" if cred.get("signer") else "",
            f"trust: {cred['trust']}" if cred.get("trust") else "",
            f"model {cred['model']}" if cred.get("model") else "",
            f"author {cred['author']}" if cred.get("author") else "",
            f"recovered via {cred['recovered_via']}" if cred.get("recovered") else "",
            str(cred["error"]) if cred.get("error") else "",
        )
        if text
    ]
    watermark = []
    if mark.get("found"):
        watermark.append(f"{mark.get('scheme')}, record {mark.get('record_id')}, confidence {mark.get('confidence')}")
    if mark.get("note"):
        watermark.append(str(mark["note"]))
    ownership = [str(own["summary"])] if own.get("summary") else []
    ownership += [
        f"{m.get('relation')} {m.get('record_id')} ({m.get('owner')}, {m.get('strength')})"
        for m in own.get("matches") or []
    ]
    signals = [f"{s.get('evidence')} [{s.get('source')}]" for s in ai.get("signals") or []]
    signals += [f"conflict: {c}" for c in ai.get("conflicts") or []]
    return {"credentials": credentials, "watermark": watermark, "ownership": ownership, "ai": signals}
