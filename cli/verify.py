"""``provenance verify``: one report per image, exit code per the documented scheme."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cli.options import EXIT_CODES, VERDICTS, policy_from, trust_options
from cli.render import render
from provenance.config import Home
from provenance.errors import UsageError
from provenance.verify import VerifyOptions, verify_path


@click.command(epilog=VERDICTS + "\n\n" + EXIT_CODES)
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (an object for one image, a list for several).")
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A sidecar .c2pa manifest for IMAGE (default: IMAGE's name + .c2pa if present).",
)
@click.option(
    "--extract",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the manifest store JSON and its thumbnails into this folder.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every passed check with its explanation too.")
@click.option(
    "--metadata-only",
    "pixels",
    flag_value="never",
    help="Fast triage: read manifests and metadata only, never decode pixels (no watermarks, no fingerprints).",
)
@click.option(
    "--deep",
    "pixels",
    flag_value="always",
    help="Run every pixel check (Stable Diffusion watermarks, stealth info) even when metadata already answers.",
)
@trust_options
@click.pass_obj
def verify(
    obj: dict[str, object],
    /,
    images: tuple[Path, ...],
    as_json: bool,
    manifest: Path | None,
    extract: Path | None,
    verbose: bool,
    pixels: str | None,
    **trust: Any,
) -> int:
    """Check IMAGES: credentials, watermark, ownership and AI signals.

    The verdicts stay separate: a missing manifest is "absent", not "fake";
    an unknown signer is "valid" (intact, untrusted), not "invalid".
    """
    home = obj["home"]
    assert isinstance(home, Home)
    if manifest is not None and len(images) > 1:
        raise UsageError("--manifest applies to one image; give one IMAGE")
    policy = policy_from(home, trust)
    reports = []
    for index, path in enumerate(images):
        target = None
        if extract is not None:
            target = extract if len(images) == 1 else extract / f"{index:03d}-{path.stem}"
        options = VerifyOptions(policy=policy, manifest=manifest, extract_to=target, pixels=pixels or "auto")
        reports.append(verify_path(path, home=home, options=options))
    for report in reports:
        if report.error:
            click.echo(f"provenance: error: {report.error}", err=True)
    if as_json:
        payload = [r.to_dict() for r in reports]
        click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    else:
        shown = [render(r, verbose=verbose) for r in reports if not r.error or len(reports) > 1]
        if shown:
            click.echo("\n\n".join(shown))
    return max(r.exit_code for r in reports)
