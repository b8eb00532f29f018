"""``provenance verify``: one report per image, exit code per the documented scheme."""

from __future__ import annotations

import json
from pathlib import Path

import click

from provenance import verdicts
from provenance.errors import OutputExistsError, UsageError
from provenance.verify import VerifyOptions, verify_path

from .context import CliContext, pass_context
from .options import TrustParams, pixel_options, trust_options
from .render import render


@click.command(epilog=verdicts.states_help(*verdicts.AXES) + "\n\n" + verdicts.command_exits_help("verify"))
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (an object for one image, a list for several).")
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A sidecar .c2pa manifest for IMAGE (default: photo.c2pa beside photo.jpg, if present).",
)
@click.option(
    "--extract",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the manifest store JSON and its thumbnails into this folder (new or empty, or --force).",
)
@click.option("--force", is_flag=True, help="With --extract: write into a folder that already has files.")
@click.option("-v", "--verbose", is_flag=True, help="List every passed check with its explanation too.")
@pixel_options(
    "Fast triage: read manifests and metadata only, never decode pixels (no watermarks, no fingerprints).",
    "Run every pixel check (Stable Diffusion watermarks, stealth info) even when metadata already answers.",
)
@trust_options
@pass_context
def verify(
    context: CliContext,
    /,
    images: tuple[Path, ...],
    as_json: bool,
    manifest: Path | None,
    extract: Path | None,
    force: bool,
    verbose: bool,
    pixels: str | None,
    trust: TrustParams,
) -> int:
    """Check IMAGES: credentials, watermark, ownership and AI signals.

    The verdicts stay separate: a missing manifest is "absent", not "fake";
    an unknown signer is "valid" (intact, untrusted), not "invalid"; a
    manifest this tool cannot check is "unsupported", not "invalid".
    """
    home = context.home
    if manifest is not None and len(images) > 1:
        raise UsageError("--manifest applies to one image; give one IMAGE")
    if extract is not None and not force and extract.is_dir() and any(extract.iterdir()):
        raise OutputExistsError(f"{extract}: already has files", hint="Pass --force to write into it anyway.")
    policy = trust.policy(home)
    reports = []
    for index, path in enumerate(images):
        target = None
        if extract is not None:
            target = extract if len(images) == 1 else extract / f"{index:03d}-{path.stem}"
        options = VerifyOptions(policy=policy, manifest=manifest, extract_to=target, pixels=pixels or "auto")
        reports.append(verify_path(path, home=home, options=options))
        if target is not None and not reports[-1].error and not (target.is_dir() and any(target.iterdir())):
            recovered = (
                " (the manifest shown was recovered from the registry)" if reports[-1].credentials.recovered else ""
            )
            click.echo(f"note: {path}: nothing extracted: the file carries no manifest of its own{recovered}", err=True)
    for report in reports:
        if report.error:  # every line names its file (the decoder's messages do; the others are given it)
            named = report.error if report.file in report.error else f"{report.file}: {report.error}"
            click.echo(f"provenance: error: {named}", err=True)
    if as_json:
        payload = [verdicts.with_shown(r.to_dict()) for r in reports]
        click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    else:
        shown = [render(r, verbose=verbose) for r in reports if not r.error or len(reports) > 1]
        if shown:
            click.echo("\n\n".join(shown))
    return verdicts.most_serious(r.exit_code for r in reports)
