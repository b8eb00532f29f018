"""Each verdict's evidence in words, for people reading a scan report.

The verdict words themselves (labels, meanings, colours) come from
:mod:`provenance.verdicts`; these are the facts behind them.
"""

from __future__ import annotations

from provenance.report import CredentialJSON, VerifyReportJSON


def explain(report: VerifyReportJSON) -> dict[str, list[str]]:
    """Evidence lines per verdict (credentials, watermark, ownership, ai)."""
    if report.get("error"):
        return {"credentials": [str(report["error"])], "watermark": [], "ownership": [], "ai": []}
    mark = report.get("watermark") or {}
    own = report.get("ownership") or {}
    ai = report.get("ai") or {}
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
    return {"credentials": _credentials(report.get("credentials") or {}), "watermark": watermark,
            "ownership": ownership, "ai": signals}  # fmt: skip


def _credentials(cred: CredentialJSON) -> list[str]:
    """The manifest's facts; for stripped files, those of the manifest recovered for them."""
    recovered = cred.get("recovered_manifest") or {}
    shown = recovered if recovered and not cred.get("signer") else cred
    lines = [
        f"recovered from the registry via {cred.get('recovered_via')}" if recovered else "",
        f"signed by {shown['signer']}" if shown.get("signer") else "",
        f"trust: {shown['trust']}" if shown.get("signer") and shown.get("trust") else "",
        f"model {shown['model']}" if shown.get("model") else "",
        f"author {shown['author']}" if shown.get("author") else "",
        f"caption: {shown['caption']}" if shown.get("caption") else "",
        str(cred["error"]) if cred.get("error") else "",
    ]
    return [line for line in lines if line]
