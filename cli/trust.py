"""``provenance trust``: the lists of signers and time-stamp authorities this home trusts."""

from __future__ import annotations

import click

from provenance import verdicts
from provenance.credentials.trust import OFFICIAL_BASE, build_policy, update_official

from .context import CliContext, pass_context


@click.group()
def trust() -> None:
    """Manage trust lists (official C2PA lists, your own anchors)."""


@trust.command("update", epilog=verdicts.command_exits_help("trust update"))
@click.option(
    "--url",
    default=OFFICIAL_BASE,
    show_default=True,
    help="Folder URL holding C2PA-TRUST-LIST.pem and C2PA-TSA-TRUST-LIST.pem (https, http or file).",
)
@pass_context
def update(context: CliContext, url: str) -> int:
    """Download the official C2PA trust list and TSA list into the home, for offline use."""
    home = context.home
    for source in update_official(home, base_url=url):
        click.echo(f"{source.count:4d} certificates  {source.origin}")
    return 0


@trust.command("show", epilog=verdicts.command_exits_help("trust show"))
@pass_context
def show(context: CliContext) -> int:
    """List every active trust source and how many certificates each holds."""
    home = context.home
    policy = build_policy(home)
    if not policy.anchors and not policy.tsa_anchors:
        click.echo(f"No trust anchors in {home.root}: every signer will read as untrusted.")
    for source in policy.anchors:
        click.echo(f"signers  {source.count:4d}  {source.origin}")
    for source in policy.tsa_anchors:
        click.echo(f"TSAs     {source.count:4d}  {source.origin}")
    if policy.allowed_list:
        click.echo("allowed list active")
    if policy.trust_config:
        click.echo("trust config (EKU list) active")
    return 0
