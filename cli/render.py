"""Text rendering of a verification report for people (``--json`` is for machines)."""

from __future__ import annotations

import re

import click

from provenance import verdicts
from provenance.credentials import codes
from provenance.report import (
    CredentialReport,
    Ingredient,
    Placement,
    StatusCode,
    Timestamp,
    VerifyReport,
    camera_name,
)
from provenance.verify import CROP_SHOWN


def _one_line(text: str, limit: int = 200) -> str:
    """A prompt on one line for people; --json carries it whole."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "… (whole text in --json)"


# a name followed by a long description in brackets: the demo model's label ("demo (offline demo model: ...)")
# is kept whole in the manifest and the JSON, and a twin's report said it five times
_DESCRIBED = re.compile(r"(?P<name>[\w.:/@-]+) \((?P<what>[^()]{40,})\)")


def _described_once(lines: list[str]) -> list[str]:
    """Each long bracketed description said at its first mention only: later ones give the name alone."""
    seen: set[str] = set()

    def shorten(found: re.Match[str]) -> str:
        key = found.group(0)
        if key in seen:
            return found.group("name")
        seen.add(key)
        return key

    return [_DESCRIBED.sub(shorten, line) for line in lines]


def _label(name: str) -> str:
    return click.style(f"  {name:<12}", bold=True)


def _ingredients(items: list[Ingredient], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for item in items:
        state = f", {_state(item.state)}" if item.state else ", no manifest"
        digest = f", hash {item.hash}" if item.hash else ""
        lines.append(f"{'  ' * depth}- {item.title} ({item.relationship}, {item.format}{state}{digest})")
        lines += [f"{'  ' * depth}    ! {p.code}: {p.explanation}" for p in item.problems]
        lines += _ingredients(item.ingredients, depth + 1)
    return lines


def _state(state: str | None) -> str:
    """An ingredient's own state, by name (ingredients are not verdicts of this file)."""
    return click.style(str(state), fg=verdicts.word("credentials", str(state)).terminal_colour, bold=True)


def _verdict(axis: str, state: str | None, placement: str | None = None) -> str:
    """A verdict in its plain words and colour, from the one vocabulary (qualified for an
    altered copy: :func:`verdicts.shown_word`)."""
    word = verdicts.shown_word(axis, str(state), placement)
    return click.style(word.label, fg=word.terminal_colour, bold=True)


def _placement_line(placed: Placement, picture: str) -> str:
    """What this image is relative to ``picture``: the placement's word, then what was measured."""
    word = verdicts.placement_word(placed.state, only_mirrored=placed.only_mirrored)
    size = verdicts.size_words(placed.scale, placed.sides)
    shows = f"shows about {round(100 * placed.shown)} % of {picture}"
    if not placed.cropped and placed.shown < CROP_SHOWN:  # a whole copy: what it lacks is a plain margin, no detail
        shows = f"shows all of {picture}'s detail, about {round(100 * placed.shown)} % of it, the rest a plain margin"
    measured = f"{shows}{size}; {placed.agree} of {placed.detailed} detailed areas match it"
    fine = []  # seen at full detail only: the areas above may all have matched
    if placed.marked:
        fine.append(f"{verdicts.share_words(placed.marked)} of it differs at full detail ({verdicts.MARK_KINDS})")
    if placed.added:
        fine.append(f"content was added around it ({verdicts.share_words(placed.added)} of this image)")
    if placed.mirrored:
        fine.append("it is a mirror image of it")
    if placed.removed:
        fine.append(f"detail is gone from {verdicts.share_words(placed.removed)} of it ({verdicts.REMOVAL_KINDS})")
    if placed.laid is not None:
        from provenance.fingerprint import detail  # not at import: numpy loads after the CLI's BLAS setting

        fine.append(
            f"parts differ, and it does not line up with it as a re-saved copy does (correlation"
            f" {placed.laid:.2f}, under {detail.ALIGNED})"
        )
    if fine:
        measured += ", but " + " and ".join(fine)
    return f"{click.style(word.label, fg=word.terminal_colour, bold=True)} ({measured})"


def _ownership_line(state: str, summary: str, placement: str | None = None) -> str:
    """The verdict's words, then the summary; a summary that begins with those words reads on
    from them instead of repeating them."""
    label = verdicts.word("ownership", state).label
    shown = _verdict("ownership", state, placement)
    if summary.lower().startswith(label.lower()) and placement != "altered":
        return shown + summary[len(label) :]
    return f"{shown}: {summary}" if summary else shown


def _status_lines(cred: CredentialReport, verbose: bool) -> list[str]:
    """Problems and notes, in plain words where there are some (c2pa's own text with -v, and
    always in JSON); passed checks as one line of names unless verbose."""
    lines = []
    for code in cred.status_codes:
        if code.kind != "success" or verbose:
            where = "" if code.scope == "active manifest" else f" [{code.scope}]"
            said = (None if verbose else _plain(code, cred)) or code.explanation
            # c2pa files an unknown signer under "failure"; intact credentials from one are not broken
            trust = code.kind == "failure" and codes.effect(code) in ("trust", "identity-trust")
            kind = "not trusted" if trust and not verbose else code.kind
            lines.append(f"{kind:<13} {code.code}: {said}{where}")
    if not verbose:
        passed: dict[str, int] = {}
        for code in cred.status_codes:
            if code.kind == "success":
                passed[code.code] = passed.get(code.code, 0) + 1
        if passed:
            names = ", ".join(name if n == 1 else f"{name} x{n}" for name, n in passed.items())
            lines.append(f"passed        {names}")
    return lines


def _plain(code: StatusCode, cred: CredentialReport) -> str | None:
    """A status code's plain words, where there are some: a file cut short fails its hash because
    it is not all there, which is no change made to it."""
    if cred.state == "truncated" and code.code in codes.HARD_BINDING_CODES:
        return "the file ends early, so its hash cannot match (not evidence of tampering)"
    return codes.plain_words(code, by_part=False)


def _source_lines(cred: CredentialReport) -> list[str]:
    """Where the manifest came from, and whether the file is all there."""
    lines = []
    if cred.remote_url and cred.manifest_source == "sidecar":
        lines.append(f"manifest stored remotely at {cred.remote_url}; its copy beside the file was read instead")
    elif cred.remote_url and cred.remote_fetch == "failed":
        lines.append(f"manifest stored remotely at {cred.remote_url}: fetching it failed")
    elif cred.remote_url and cred.remote_fetch == "off":
        lines.append(f"manifest stored remotely at {cred.remote_url} (not fetched; --allow-remote fetches it)")
    elif cred.remote_url:
        lines.append(f"manifest fetched from {cred.remote_url}")
    if cred.truncation:
        lines.append(f"file incomplete: {cred.truncation}")
    if cred.manifest_source and cred.manifest_source not in ("embedded", "remote"):
        lines.append(f"manifest read from: {_SOURCES.get(cred.manifest_source, cred.manifest_source)}")
    return lines


# where a manifest not in the file came from, in words (JSON keeps the key: sidecar, registry)
_SOURCES = {
    "sidecar": "a separate manifest file (a sidecar: given with --manifest, or NAME.c2pa beside the image)",
    "registry": "this home's registry (recovered)",
}


def _model_not_stated(cred: CredentialReport) -> str:
    """An AI claim that names no model (a stamp without --model) says so, rather than nothing."""
    from provenance.detect.sources import AI_TERMS, describe

    term = describe(cred.digital_source_type)[0] if cred.digital_source_type else None
    return verdicts.MODEL_NOT_STATED if term in AI_TERMS else ""


def _declared_camera(declared: dict[str, str]) -> str:
    """The camera a manifest declares, in words: its name, when it says the picture was taken,
    where (when the signer kept the location)."""
    parts = [camera_name(declared)]
    if taken := declared.get("exif:DateTimeOriginal"):
        parts.append(f"taken {taken}")
    if "exif:GPSLatitude" in declared or "exif:GPSLongitude" in declared:
        where = " ".join(declared.get(k, "?") for k in ("exif:GPSLatitude", "exif:GPSLongitude"))
        parts.append(f"location {where}")
    return ", ".join(p for p in parts if p)


def _timestamp_line(stamp: Timestamp) -> str:
    """Who time-stamped the signature, and when; a token that does not match the signature dates
    nothing, and one whose time c2pa could not read says so rather than inventing one."""
    who = stamp.authority.subject if stamp.authority else "an unnamed authority"
    vouched = "trusted" if stamp.trusted or stamp.listed else "not on a trusted list"
    if stamp.problem:  # its authority's standing is not weighed for a token that fails (c2pa stops there)
        said = f"; it says {stamp.time}" if stamp.time else ""
        return f"time-stamp by {who} dates nothing: {stamp.problem}{said}"
    if not stamp.time:
        return f"time-stamped by {who} ({vouched}); its time could not be read"
    return f"time-stamped {stamp.time} by {who} ({vouched})"


def _credential_lines(cred: CredentialReport, verbose: bool = False, placed: str | None = None) -> list[str]:
    lines = _source_lines(cred)
    cert = cred.certificate
    if cert is not None:
        lines.append(f"signer: {cert.subject}; trust {cred.trust}")
        if hint := cred.trust_hint or (verdicts.TEST_SIGNER if cred.test_signer else None):
            lines.append(f"  ({hint})")
        chain = " -> ".join(cred.issuer_chain) or str(cert.issuer)
        lines.append(f"issued by: {chain}")
        if cert.not_before or cert.not_after:
            lines.append(f"certificate valid {cert.not_before} to {cert.not_after}")
    elif cred.signer or cred.issuer:
        lines.append(f"signed by {cred.signer} (issuer {cred.issuer}); signer {cred.trust}")
    if cred.timestamp is not None:
        lines.append(_timestamp_line(cred.timestamp))
    elif cred.signed_at:
        lines.append(f"signed at {cred.signed_at} (no time-stamp authority: the signer's own clock)")
    facts = [
        f"claim generator {cred.claim_generator}" if cred.claim_generator else "",
        f"model {cred.model}" if verdicts.stated_model(cred.model) else _model_not_stated(cred),
        f"author {cred.author}" if cred.author else "",
    ]
    if any(facts):
        lines.append("; ".join(f for f in facts if f))
    if cred.caption:
        caveat = verdicts.caption_caveat(placed)
        lines.append(f"caption: {cred.caption}" + (f" ({caveat})" if caveat else ""))
    if cred.credit:
        lines.append(f"credit: {cred.credit}")
    if camera := _declared_camera(cred.declared_camera):
        lines.append(f"camera, as the signer declared it (not proof): {camera}")
    if gen := cred.generation:
        lines.append(
            f"generated with {gen.get('model')} (revision {str(gen.get('revision', '?'))[:23]}), "
            f"{gen.get('pipeline')} + {gen.get('scheduler')}, seed {gen.get('seed')}, strength {gen.get('strength')}, "
            f"steps {gen.get('steps')}, guidance {gen.get('guidance')}, {gen.get('device')}/{gen.get('dtype')}"
        )
        lines.append(f"prompt: {gen.get('prompt')}")
    for action in cred.actions:
        extra = [
            f"by {action.software_agent}" if action.software_agent else "",
            action.digital_source_type.rsplit("/", 1)[-1] if action.digital_source_type else "",
        ]
        lines.append(f"action {action.action} {', '.join(e for e in extra if e)}".rstrip())
    for binding in cred.soft_bindings:
        lines.append(f"soft binding {binding.alg}: {binding.value}")
    if cred.cawg is not None:
        for ident in cred.cawg.identities:
            lines.append(
                f"CAWG identity ({ident.sig_type}): {ident.signer}, issuer {ident.issuer}; identity trust {ident.trust}"
            )
        if cred.cawg.training_mining:
            uses = ", ".join(f"{k.removeprefix('cawg.')}={v}" for k, v in cred.cawg.training_mining.items())
            lines.append(f"CAWG training and mining: {uses}")
    if cred.ingredients:
        lines.append("ingredients:")
        lines += ["  " + line for line in _ingredients(cred.ingredients)]
    if cred.status_codes:
        lines.append("status codes:")
        lines += ["  " + line for line in _status_lines(cred, verbose)]
    for path in cred.extracted:
        lines.append(f"extracted {path}")
    if cred.error and (verbose or not any(c.kind == "failure" for c in cred.status_codes)):
        lines.append(f"problem: {cred.error}")  # c2pa's words for the failures listed above (-v), or a read error
    return lines


def render(report: VerifyReport, *, verbose: bool = False) -> str:
    out = [click.style(report.file, bold=True)]
    if report.error:
        out.append(f"{_label('Error')}{report.error}")
        return "\n".join(out)
    out.append(f"{_label('Summary')}{report.summary}")
    cred = report.credentials
    placed = verdicts.placement_state(report.to_dict())
    out.append(f"{_label('Credentials')}{_verdict('credentials', cred.state, placed)}")
    pad = " " * 14
    if cred.re_encoded:  # the file's own manifest is the registry's, below: said once
        source = cred.manifest_source or "embedded"
        out.append(
            f"{pad}the file's own manifest ({source}): the signed file's; its hashes do not match this"
            " resized or cropped copy"
        )
    else:
        out += [pad + line for line in _credential_lines(cred, verbose)]
    if cred.recovered_manifest is not None:
        rec = cred.recovered_manifest
        found = f"the registry's manifest, found via {cred.recovered_via}"
        out.append(f"{pad}{found}: {_verdict('credentials', rec.state)}")
        if cred.placement is not None:
            out.append(f"{pad}this picture: {_placement_line(cred.placement, 'the signed picture')}")
        out += [pad + "  " + line for line in _credential_lines(rec, verbose, placed)]
    mark = report.watermark
    text = _verdict("watermark", mark.state)
    if mark.found:
        # the confidence is the reading's; "unconfirmed" is about the picture (a walkthrough read 1.00 beside it as odd)
        of_what = (
            ": how surely the mark was read, not what the image is to its picture"
            if mark.state == "unconfirmed"
            else ""
        )
        text += f": {mark.scheme}, record {mark.record_id} (read with confidence {mark.confidence:.2f}{of_what})"
    out.append(f"{_label('Watermark')}{text}")
    if mark.note:
        out.append(f"{pad}{mark.note}")
    own = report.ownership
    out.append(f"{_label('Ownership')}{_ownership_line(own.verdict, own.summary, placed)}")
    for match in own.matches:
        dist = ", ".join(f"{alg.split('/')[0]} {d}" for alg, d in match.distances.items())
        title = f" '{match.title}'" if match.title else ""
        via = f" via {match.via_record}" if match.via_record else ""
        line = (
            f"- {match.relation} record {match.record_id}{title} ({match.kind}, owner {match.owner};"
            f" {match.strength}, by {verdicts.matched_by(match.matched_by)}{via}{'; distance ' + dist if dist else ''})"
        )
        out.append(pad + line)
        if match.placement is not None:
            out.append(f"{pad}  this image: {_placement_line(match.placement, 'that picture')}")
    # the AI detectors that read pixels (Stable Diffusion's watermark, stealth metadata) were skipped: the
    # evidence below settled it ("pixels not needed" read as false beside a match found by the pixels' hashes)
    checked = "" if report.ai.pixels_checked else " (pixel detectors skipped: --deep runs them)"
    out.append(f"{_label('AI')}{_verdict('ai', report.ai.verdict)}{checked if report.ai.signals else ''}")
    for signal in report.ai.signals:
        out.append(f"{pad}- {signal.evidence} [{signal.source}]")
        if signal.prompt:
            out.append(f"{pad}  prompt: {_one_line(signal.prompt)}")
        if signal.negative_prompt:
            out.append(f"{pad}  negative prompt: {_one_line(signal.negative_prompt)}")
    for conflict in report.ai.conflicts:
        out.append(f"{pad}! conflict: {conflict}")
    for skipped in report.ai.skipped:  # not a signal: no bullet
        out.append(f"{pad}not checked: {skipped}")
    words = verdicts.exit_word(report.exit_code).label
    out.append(f"{_label('Exit')}{report.exit_code} ({words})")
    return "\n".join(_described_once(out))
