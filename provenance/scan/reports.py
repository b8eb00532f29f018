"""Scan reports: JSON (summary + reports), JSONL (a report per line), CSV (one flat
row per image) and one self-contained HTML page. Written atomically."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.errors import UsageError
from provenance.imaging import write_atomic
from provenance.scan import html

if TYPE_CHECKING:
    from provenance.scan.run import ScanSummary

FORMATS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".html": "html", ".htm": "html"}
CSV_COLUMNS = (
    "file",
    "exit_code",
    "credentials",
    "trust",
    "signer",
    "watermark",
    "watermark_record",
    "ownership",
    "owner",
    "ai",
    "ai_evidence",
    "summary",
    "error",
)


def format_for(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UsageError(f"{path}: the report must end in .json, .jsonl, .csv or .html") from None


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    """The four separate verdicts of one report, as short words."""
    if report.get("error"):
        return {"credentials": "unreadable", "watermark": "-", "ownership": "-", "ai": "-"}
    mark = report.get("watermark") or {}
    return {
        "credentials": str((report.get("credentials") or {}).get("state", "absent")),
        "watermark": str(mark.get("scheme")) if mark.get("found") else "none",
        "ownership": str((report.get("ownership") or {}).get("verdict", "no-registry")),
        "ai": str((report.get("ai") or {}).get("verdict", "no-evidence")),
    }


def counts(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    tally: dict[str, Counter[str]] = {k: Counter() for k in ("credentials", "watermark", "ownership", "ai", "exit")}
    for row in rows:
        for key, value in verdicts(row["report"]).items():
            tally[key][value] += 1
        tally["exit"][str(row["report"].get("exit_code"))] += 1
    return {k: dict(sorted(v.items())) for k, v in tally.items()}


def flat(report: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: the verdicts and the evidence a person reads first."""
    cred = report.get("credentials") or {}
    mark = report.get("watermark") or {}
    own = report.get("ownership") or {}
    matches = own.get("matches") or []
    signals = (report.get("ai") or {}).get("signals") or []
    words = verdicts(report)
    return {
        "file": report.get("file"),
        "exit_code": report.get("exit_code"),
        "credentials": words["credentials"],
        "trust": cred.get("trust"),
        "signer": cred.get("signer"),
        "watermark": words["watermark"],
        "watermark_record": mark.get("record_id"),
        "ownership": words["ownership"],
        "owner": matches[0].get("owner") if matches else None,
        "ai": words["ai"],
        "ai_evidence": signals[0].get("evidence") if signals else None,
        "summary": report.get("summary"),
        "error": report.get("error"),
    }


def write(path: Path, rows: list[dict[str, Any]], summary: ScanSummary) -> None:
    kind = format_for(path)
    if kind == "jsonl":
        data = "".join(json.dumps(r["report"]) + "\n" for r in rows)
    elif kind == "json":
        data = json.dumps({"summary": dataclasses.asdict(summary), "results": [r["report"] for r in rows]}, indent=2)
    elif kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(flat(r["report"]) for r in rows)
        data = buffer.getvalue()
    else:
        data = html.render(rows, summary)
    write_atomic(path, data.encode("utf-8"))
