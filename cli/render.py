"""Text rendering of a verification report for people (``--json`` is for machines)."""

from __future__ import annotations

import click

from provenance.report import CredentialReport, Ingredient, VerifyReport

_STATE_COLOUR = {"trusted": "green", "valid": "yellow", "invalid": "red", "absent": None}
_CODE_WORDS = {
    0: "provenance established and intact",
    1: "provenance broken",
    3: "no provenance found",
    4: "input unreadable or unsupported",
}


def _label(name: str) -> str:
    return click.style(f"  {name:<12}", bold=True)


def _ingredients(items: list[Ingredient], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for item in items:
        signed = ", has its own manifest" if item.has_manifest else ""
        lines.append(f"{'  ' * depth}- {item.title} ({item.relationship}, {item.format}{signed})")
        lines += _ingredients(item.ingredients, depth + 1)
    return lines


def _credential_lines(cred: CredentialReport) -> list[str]:
    lines = []
    if cred.signer or cred.issuer:
        when = f" at {cred.signed_at}" if cred.signed_at else ""
        lines.append(f"signed by {cred.signer} (issuer {cred.issuer}){when}; signer {cred.trust}")
    facts = [
        f"claim generator {cred.claim_generator}" if cred.claim_generator else "",
        f"model {cred.model}" if cred.model else "",
        f"author {cred.author}" if cred.author else "",
    ]
    if any(facts):
        lines.append("; ".join(f for f in facts if f))
    if cred.digital_source_type:
        lines.append(f"digital source type {cred.digital_source_type.rsplit('/', 1)[-1]}")
    if cred.ingredients:
        lines.append("ingredients:")
        lines += ["  " + line for line in _ingredients(cred.ingredients)]
    if cred.error:
        lines.append(f"problem: {cred.error}")
    return lines


def render(report: VerifyReport) -> str:
    out = [click.style(report.file, bold=True)]
    if report.error:
        out.append(f"{_label('Error')}{report.error}")
        return "\n".join(out)
    out.append(f"{_label('Summary')}{report.summary}")
    cred = report.credentials
    state = click.style(cred.state, fg=_STATE_COLOUR.get(cred.state), bold=True)
    out.append(f"{_label('Credentials')}{state}")
    pad = " " * 14
    out += [pad + line for line in _credential_lines(cred)]
    if cred.recovered_manifest is not None:
        rec = cred.recovered_manifest
        rec_state = click.style(rec.state, fg=_STATE_COLOUR.get(rec.state))
        out.append(f"{pad}recovered via {cred.recovered_via}: {rec_state}")
        out += [pad + "  " + line for line in _credential_lines(rec)]
    mark = report.watermark
    if mark.found:
        text = f"found: {mark.scheme}, record {mark.record_id} (confidence {mark.confidence:.2f})"
    else:
        text = "none found"
    out.append(f"{_label('Watermark')}{text}")
    if mark.note:
        out.append(f"{pad}{mark.note}")
    if report.ownership.matches:
        for i, match in enumerate(report.ownership.matches):
            dist = "" if match.distance is None else f", {match.algorithm} distance {match.distance}"
            title = f" '{match.title}'" if match.title else ""
            line = (
                f"{match.relation} record {match.record_id}{title} ({match.kind}, owner {match.owner},"
                f" matched by {match.matched_by}{dist})"
            )
            out.append((_label("Ownership") if i == 0 else pad) + line)
    else:
        out.append(f"{_label('Ownership')}no registered match")
    out.append(f"{_label('AI')}{report.ai.verdict}")
    for signal in report.ai.signals:
        out.append(f"{pad}- {signal.evidence} [{signal.source}]")
    words = _CODE_WORDS.get(report.exit_code, "")
    out.append(f"{_label('Exit')}{report.exit_code} ({words})")
    return "\n".join(out)
