"""``provenance verify``: one report per image, exit code per the documented scheme."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.render import render
from provenance.config import Home
from provenance.verify import verify_path


@click.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (an object for one image, a list for several)."
)
@click.pass_obj
def verify(obj: dict[str, object], images: tuple[Path, ...], as_json: bool) -> int:
    """Check IMAGES: credentials, watermark, ownership and AI signals.

    The verdicts stay separate: a missing manifest is "absent", not "fake";
    an unknown signer is "valid" (intact, untrusted), not "invalid".
    """
    home = obj["home"]
    assert isinstance(home, Home)
    reports = [verify_path(path, home=home) for path in images]
    for report in reports:
        if report.error:
            click.echo(f"provenance: error: {report.error}", err=True)
    if as_json:
        payload = [r.to_dict() for r in reports]
        click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    else:
        shown = [render(r) for r in reports if not r.error or len(reports) > 1]
        if shown:
            click.echo("\n\n".join(shown))
    return max(r.exit_code for r in reports)
