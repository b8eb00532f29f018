"""Option groups shared by several commands (signing identity, trust policy)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from provenance import verdicts
from provenance.config import Home
from provenance.credentials import SignOptions
from provenance.credentials.keys import ALGS, Identity, PassphraseRequired, resolve_identity
from provenance.credentials.trust import TrustPolicy, build_policy

F = TypeVar("F", bound=Callable[..., Any])
EXIT_CODES = verdicts.exit_codes_help()


ENV_PASSPHRASE = "PROVENANCE_KEY_PASSPHRASE"
_FILE = click.Path(path_type=Path, dir_okay=False)


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def signing_options(func: F) -> F:
    """--cert/--key/--alg/--sign-command/--tsa-url/--no-thumbnail/--sidecar."""
    return _apply(
        func,
        [
            click.option(
                "--cert", type=_FILE, help="Certificate chain PEM, leaf first (with --key or --sign-command)."
            ),
            click.option(
                "--key",
                type=_FILE,
                help="Private key PEM, encrypted or not (passphrase: $" + ENV_PASSPHRASE + " or prompt).",
            ),
            click.option(
                "--alg", type=click.Choice(ALGS), help="Signing algorithm (default: from the key; RSA: ps256)."
            ),
            click.option(
                "--sign-command",
                metavar="CMD",
                help="Sign with an external program (HSM, KMS): bytes on its stdin, signature on its stdout.",
            ),
            click.option(
                "--tsa-url", metavar="URL", help="RFC 3161 time-stamp authority to vouch for the signing time."
            ),
            click.option("--no-thumbnail", is_flag=True, help="Do not embed thumbnails in the manifest."),
            click.option(
                "--sidecar", is_flag=True, help="Write the manifest to OUT's name + .c2pa instead of embedding it."
            ),
        ],
    )


def identity_from(home: Home, params: dict[str, Any]) -> Identity:
    """The identity the signing options name, asking for a passphrase if needed."""
    env = os.environ.get(ENV_PASSPHRASE)
    passphrase = env.encode() if env else None

    def load(secret: bytes | None) -> Identity:
        return resolve_identity(
            home,
            params["cert"],
            params["key"],
            passphrase=secret,
            alg=params["alg"],
            sign_command=params["sign_command"],
        )

    try:
        return load(passphrase)
    except PassphraseRequired:
        if not sys.stdin.isatty():
            raise
        entered = click.prompt("Passphrase for the private key", hide_input=True)
        return load(str(entered).encode())


def sign_options_from(params: dict[str, Any]) -> SignOptions:
    return SignOptions(thumbnails=not params["no_thumbnail"], tsa_url=params["tsa_url"], sidecar=params["sidecar"])


def trust_options(func: F) -> F:
    """--trust-anchors (repeatable), --allowed-list, --trust-config, --allow-remote."""
    return _apply(
        func,
        [
            click.option(
                "--trust-anchors",
                type=_FILE,
                multiple=True,
                help="PEM bundle of trusted roots; repeatable, added to the home's. Env: PROVENANCE_TRUST_ANCHORS.",
            ),
            click.option("--allowed-list", type=_FILE, help="PEM end-entity certificates trusted as they are."),
            click.option("--trust-config", type=_FILE, help="Accepted EKU OIDs, one per line (c2patool's store.cfg)."),
            click.option("--allow-remote", is_flag=True, help="Fetch manifests stored remotely (off by default)."),
        ],
    )


def policy_from(home: Home, params: dict[str, Any]) -> TrustPolicy:
    return build_policy(
        home,
        anchors=tuple(params["trust_anchors"]),
        allowed_list=params["allowed_list"],
        trust_config=params["trust_config"],
        allow_remote=params["allow_remote"],
    )
