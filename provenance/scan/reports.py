"""Scan reports: JSON (summary + reports), JSONL (a report per line), CSV (one flat
row per image) and one self-contained HTML page. Written atomically."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from provenance import verdicts
from provenance.errors import UsageError
from provenance.imaging import write_atomic
from provenance.scan import html

if TYPE_CHECKING:
    from provenance.report import OwnershipMatchJSON, VerifyReportJSON
    from provenance.scan.item import ScanRow
    from provenance.scan.run import ScanSummary

FORMATS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".html": "html", ".htm": "html"}
# Each verdict twice: its state (for filters and scripts) and its label (for people).
CSV_COLUMNS = (
    "file",
    "exit_code",
    "exit_label",
    "credentials",
    "credentials_label",
    "trust",
    "signer",
    "watermark",
    "watermark_label",
    "watermark_record",
    "ownership",
    "ownership_label",
    "owner",
    "placement",
    "ai",
    "ai_label",
    "ai_evidence",
    "summary",
    "error",
)


def format_for(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UsageError(f"{path}: the report must end in .json, .jsonl, .csv or .html") from None


def counts(rows: list[ScanRow]) -> dict[str, dict[str, int]]:
    """How many files are in each state, per verdict, and per exit code. An altered copy's
    qualified verdict is counted apart from the pass it would read as (verdicts.count_key)."""
    tally: dict[str, Counter[str]] = {k: Counter() for k in (*verdicts.AXES, "exit")}
    for row in rows:
        for key, value in verdicts.count_keys(row["report"]).items():
            tally[key][value] += 1
        tally["exit"][str(row["report"].get("exit_code"))] += 1
    ordered = {axis: _in_table_order(tally[axis], list(table)) for axis, table in verdicts.AXES.items()}
    return {**ordered, "exit": dict(sorted(tally["exit"].items()))}


def _in_table_order(tally: Counter[str], order: list[str]) -> dict[str, int]:
    """The vocabulary's order (best news first), a qualified count right after its state's; states
    it does not know after them."""

    def rank(key: str) -> tuple[int, bool, str]:
        state = key.removesuffix(verdicts.ALTERED_KEY)
        return (order.index(state) if state in order else len(order), key != state, key)

    return dict(sorted(tally.items(), key=lambda item: rank(item[0])))


def _owner(state: str, matches: list[OwnershipMatchJSON]) -> str | None:
    """Whose picture it is: the first match's owner when the ownership holds (registered, derived),
    else every owner its look-alikes name (an inconclusive match between a photo and its twin is
    either's, not the first listed)."""
    if state in ("registered", "derived") or len(matches) <= 1:
        return matches[0].get("owner") if matches else None
    return " / ".join(dict.fromkeys(str(m.get("owner")) for m in matches))


def flat(report: VerifyReportJSON) -> dict[str, str | int | None]:
    """One CSV row: the verdicts and the evidence a person reads first."""
    cred = report.get("credentials") or {}
    recovered = cred.get("recovered_manifest")
    signed = recovered if recovered and not cred.get("signer") else cred
    mark = report.get("watermark") or {}
    own = report.get("ownership") or {}
    matches = own.get("matches") or []
    # what verify placed the image against (the recovered credentials', else its firm same-as match's):
    # a look-alike's placement is another picture's, not this image's
    placed = verdicts.placement(report) or {}
    signals = (report.get("ai") or {}).get("signals") or []
    states = verdicts.states(report)
    shown = verdicts.placement_state(report)  # an altered copy's passing verdicts are qualified, as in HTML
    labels = {f"{axis}_label": verdicts.shown_word(axis, state, shown).label for axis, state in states.items()}
    code = report.get("exit_code")
    return {
        "file": report.get("file"),
        "exit_code": code,
        "exit_label": verdicts.exit_word(int(code)).label if code is not None else None,
        **states,
        **labels,
        "trust": signed.get("trust") if signed.get("signer") else None,
        "signer": signed.get("signer"),
        "watermark_record": mark.get("record_id"),
        "owner": _owner(states["ownership"], matches),
        "placement": placed.get("state"),  # whole, crop or altered: what the image is relative to its match
        "ai_evidence": signals[0].get("evidence") if signals else None,
        "summary": report.get("summary"),
        "error": report.get("error"),
    }


_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula at a cell's start


def _inert(value: str | int | None) -> str | int | None:
    """A CSV cell a spreadsheet shows as text: a file's name, a signer's name from its certificate
    and the words quoting them come from whoever made the file, and a cell starting ``=HYPERLINK(``
    was a live link in the desk's spreadsheet (a walkthrough). Such a cell starts with ``'``, as
    OWASP advises; numbers stay numbers."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA) else value


def write(path: Path, rows: list[ScanRow], summary: ScanSummary) -> None:
    kind = format_for(path)
    if kind == "jsonl":
        data = "".join(json.dumps(verdicts.with_shown(r["report"])) + "\n" for r in rows)
    elif kind == "json":
        data = json.dumps(
            {
                "summary": dataclasses.asdict(summary),
                "vocabulary": verdicts.vocabulary(),  # what each state means, in words
                "results": [verdicts.with_shown(r["report"]) for r in rows],
            },
            indent=2,
        )
    elif kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows({k: _inert(v) for k, v in flat(r["report"]).items()} for r in rows)
        data = buffer.getvalue()
    else:
        data = html.render(rows, summary)
    write_atomic(path, data.encode("utf-8"))
