"""``provenance keys``: signing identities."""

from __future__ import annotations

import click

from cli.options import EXIT_CODES
from provenance.config import Home
from provenance.credentials import init_identity


@click.group()
def keys() -> None:
    """Manage signing identities."""


@keys.command("init", epilog=EXIT_CODES)
@click.option("--org", default="Provenance Demo", show_default=True, help="Organisation named in the certificates.")
@click.option("--force", is_flag=True, help="Replace an existing identity in this home.")
@click.pass_obj
def init(obj: dict[str, object], org: str, force: bool) -> int:
    """Make a development signing identity: a root CA and a signing certificate.

    The private keys are written owner-only (0600) in the home's keys/ folder and
    the root is added to this home's trust anchors, so images signed here verify
    as trusted here and as valid-but-untrusted anywhere else.
    """
    home = obj["home"]
    assert isinstance(home, Home)
    identity = init_identity(home, org=org, force=force)
    click.echo(f"Signing identity: {identity.subject} ({identity.alg})")
    click.echo(f"Keys and certificates: {home.keys_dir}")
    click.echo(f"Root added to trust anchors: {home.trust_anchors}")
    return 0
