"""``provenance keys``: signing identities."""

from __future__ import annotations

import os
import sys

import click

from provenance import verdicts
from provenance.credentials import init_identity
from provenance.credentials.keys import PassphraseRequired, rotate_identity
from provenance.errors import UsageError

from .context import CliContext, pass_context
from .options import ENV_PASSPHRASE

DEMO_ORG = "Provenance Demo"  # signs when no --org is given; the command says so, on stderr


@click.group()
def keys() -> None:
    """Manage signing identities."""


def _new_passphrase() -> bytes:
    """From $PROVENANCE_KEY_PASSPHRASE, else asked twice on a terminal."""
    if env := os.environ.get(ENV_PASSPHRASE):
        return env.encode()
    if not sys.stdin.isatty():
        raise UsageError(f"--encrypt needs a passphrase: set {ENV_PASSPHRASE} or run on a terminal")
    entered = click.prompt("Passphrase for the new private keys", hide_input=True, confirmation_prompt=True)
    return str(entered).encode()


@keys.command("init", epilog=verdicts.command_exits_help("keys init"))
@click.option(
    "--org", metavar="NAME", help=f"Organisation named in the certificates [default: {DEMO_ORG}, with a warning]."
)
@click.option("--encrypt", is_flag=True, help=f"Encrypt the private keys (passphrase: ${ENV_PASSPHRASE} or asked).")
@click.option("--force", is_flag=True, help="Replace an existing identity in this home.")
@pass_context
def init(context: CliContext, org: str | None, encrypt: bool, force: bool) -> int:
    """Make a development signing identity: a root CA and a signing certificate.

    The private keys are written owner-only (0600) in the home's keys/ folder (0700),
    encrypted with --encrypt, and the root is added to this home's trust anchors, so
    images signed here verify as trusted here and as valid-but-untrusted anywhere else.
    """
    home = context.home
    passphrase = _new_passphrase() if encrypt else None
    identity = init_identity(home, org=org or DEMO_ORG, force=force, passphrase=passphrase)
    if org is None:  # everything stamped here would name a demo signer: say so, once
        click.echo(
            f"provenance: warning: no --org given: this is the demo identity '{DEMO_ORG}';"
            " name your organisation with --org NAME (and --force to replace this one)",
            err=True,
        )
    click.echo(f"Signing identity: {identity.subject} ({identity.alg})")
    click.echo(f"Keys and certificates: {home.keys_dir}" + (" (keys encrypted)" if encrypt else ""))
    click.echo(f"Root added to trust anchors: {home.trust_anchors}")
    return 0


@keys.command("rotate", epilog=verdicts.command_exits_help("keys rotate"))
@click.option("--new-root", is_flag=True, help="Replace the root CA too (the old root stays a trust anchor).")
@pass_context
def rotate(context: CliContext, new_root: bool) -> int:
    """Make a new signing key and certificate; retire the old ones.

    The old certificate and key move to keys/retired/<time>/; the root that issued
    them stays a trust anchor, so images stamped before still verify as trusted.
    Encrypted keys stay encrypted with the same passphrase.
    """
    home = context.home
    env = os.environ.get(ENV_PASSPHRASE)
    passphrase = env.encode() if env else None
    try:
        identity, retired = rotate_identity(home, passphrase=passphrase, new_root=new_root)
    except PassphraseRequired:
        if not sys.stdin.isatty():
            raise
        entered = click.prompt("Passphrase for the private keys", hide_input=True)
        identity, retired = rotate_identity(home, passphrase=str(entered).encode(), new_root=new_root)
    click.echo(f"New signing identity: {identity.subject} ({identity.alg})")
    click.echo(f"Retired certificate and key: {retired}")
    return 0
