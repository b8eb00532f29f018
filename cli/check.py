"""``provenance check``: apply a publishing policy before a CMS publishes an image."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from provenance import verdicts
from provenance.credentials import home_organisation
from provenance.imaging import image_files
from provenance.policy import check_report, load_policy
from provenance.verify import VerifyOptions, verify_path

from .context import CliContext, pass_context
from .options import TrustParams, trust_options

_EPILOG = verdicts.command_exits_help("check")  # the policy's own scheme

# The outcome's word on a terminal, in the vocabulary's colours for its tone.
_MARK = {
    "pass": ("PASS", verdicts.TONE_COLOURS["ok"][0]),
    "review": ("REVIEW", verdicts.TONE_COLOURS["warn"][0]),
    "fail": ("FAIL", verdicts.TONE_COLOURS["bad"][0]),
}


@click.command(epilog=_EPILOG)
@click.option("--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--caption", default=None, help="The caption the CMS will publish (else the manifest's).")
@click.option(
    "--our-owner",
    "our_owners",
    multiple=True,
    help="A registry owner whose originals are ours (repeatable) [default: the policy's our_owners, else this"
    " home's organisation].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (an object for one image, a list for several).")
@trust_options
@pass_context
def check(
    context: CliContext,
    /,
    policy_path: Path,
    paths: tuple[Path, ...],
    caption: str | None,
    our_owners: tuple[str, ...],
    as_json: bool,
    trust: TrustParams,
) -> int:
    """Check images against a publishing policy: pass, review or fail, with the rule and the evidence."""
    home = context.home
    organisation = home_organisation(home)
    policy = load_policy(policy_path, default_owners=(organisation,) if organisation else ())
    if our_owners:
        policy = dataclasses.replace(policy, our_owners=our_owners)
    if not policy.our_owners:
        click.echo(
            "note: no registry owner counts as ours (the policy names no our_owners, and this home has no signing"
            " identity); pass --our-owner NAME",
            err=True,
        )
    options = VerifyOptions(policy=trust.policy(home))
    results = [
        check_report(policy, verify_path(path, home=home, options=options).to_dict(), caption)
        for path in image_files(paths)
    ]
    if as_json:
        payload = [r.to_dict() for r in results]
        click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    else:
        if not policy.rules:
            click.echo(f"provenance: the policy {policy_path} has no rules: refusing everything", err=True)
        for result in results:
            word, colour = _MARK[result.status]
            click.echo(f"{click.style(word, fg=colour, bold=True):<6} {result.file}")
            if result.status == "pass" and result.rules:  # why it passes, in the policy's first rule's words
                click.echo(f"       {result.rules[0].rule}: {result.rules[0].reason}")
            for rule in result.rules:
                if rule.outcome != "pass":
                    click.echo(f"       {rule.rule}: {rule.reason}")
                    for line in rule.evidence[:3]:
                        if line:
                            click.echo(f"         - {line}")
    return verdicts.most_serious(r.exit_code for r in results)
