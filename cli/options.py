"""Option groups shared by several commands (signing identity, trust policy).

Each group's click options arrive in the command as one typed, frozen object
(:class:`SigningParams`, :class:`TrustParams`), not as loose keyword arguments.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from provenance.config import Home
from provenance.credentials import SignOptions
from provenance.credentials.keys import ALGS, Identity, PassphraseRequired, resolve_identity
from provenance.credentials.trust import TrustPolicy, build_policy
from provenance.errors import UsageError

R = TypeVar("R")
Command = Callable[..., R]
Decorator = Callable[[Command[R]], Command[R]]


ENV_PASSPHRASE = "PROVENANCE_KEY_PASSPHRASE"
_FILE = click.Path(path_type=Path, dir_okay=False)


def _apply(func: Command[R], options: list[Decorator[Any]]) -> Command[R]:
    for option in reversed(options):
        func = option(func)
    return func


def option_group(func: Command[R], params: type[Any], name: str, options: list[Decorator[Any]]) -> Command[R]:
    """Add ``options`` to a command and hand it their values as one ``params`` object
    (a dataclass whose fields are the options' parameter names), in the argument ``name``."""
    fields = [f.name for f in dataclasses.fields(params)]

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> R:
        group = params(**{field: kwargs.pop(field) for field in fields})
        return func(*args, **kwargs, **{name: group})

    return _apply(command, options)


@dataclass(frozen=True)
class SigningParams:
    """--cert/--key/--alg/--sign-command/--tsa-url/--no-thumbnail/--sidecar."""

    cert: Path | None
    key: Path | None
    alg: str | None
    sign_command: str | None
    tsa_url: str | None
    no_thumbnail: bool
    sidecar: bool

    def identity(self, home: Home) -> Identity:
        """The identity these options name, asking for a passphrase if needed."""
        env = os.environ.get(ENV_PASSPHRASE)
        passphrase = env.encode() if env else None

        def load(secret: bytes | None) -> Identity:
            return resolve_identity(
                home, self.cert, self.key, passphrase=secret, alg=self.alg, sign_command=self.sign_command
            )

        try:
            return load(passphrase)
        except PassphraseRequired:
            if not sys.stdin.isatty():
                raise
            entered = click.prompt("Passphrase for the private key", hide_input=True)
            return load(str(entered).encode())

    def sign_options(self) -> SignOptions:
        return SignOptions(thumbnails=not self.no_thumbnail, tsa_url=self.tsa_url, sidecar=self.sidecar)


@dataclass(frozen=True)
class TrustParams:
    """--trust-anchors (repeatable), --allowed-list, --trust-config, --allow-remote."""

    trust_anchors: tuple[Path, ...]
    allowed_list: Path | None
    trust_config: Path | None
    allow_remote: bool

    def policy(self, home: Home) -> TrustPolicy:
        return build_policy(
            home,
            anchors=self.trust_anchors,
            allowed_list=self.allowed_list,
            trust_config=self.trust_config,
            allow_remote=self.allow_remote,
        )


def signing_options(func: Command[R]) -> Command[R]:
    """--cert/--key/--alg/--sign-command/--tsa-url/--no-thumbnail/--sidecar, as ``signing: SigningParams``."""
    return option_group(
        func,
        SigningParams,
        "signing",
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
            click.option(
                "--no-thumbnail",
                is_flag=True,
                help="Do not embed thumbnails in the manifest (copies are then not checked against it for drawn text).",
            ),
            click.option(
                "--sidecar",
                is_flag=True,
                help="Write the manifest beside OUT (photo.jpg: photo.c2pa) instead of embedding it.",
            ),
        ],
    )


def trust_options(func: Command[R]) -> Command[R]:
    """--trust-anchors (repeatable), --allowed-list, --trust-config, --allow-remote, as ``trust: TrustParams``."""
    return option_group(
        func,
        TrustParams,
        "trust",
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


def pixel_options(metadata_only_help: str, deep_help: str) -> Decorator[Any]:
    """--metadata-only and --deep, as ``pixels``: "never", "always" or None (auto).

    Two flags, not one shared destination, so asking for both is a usage error
    rather than the last one silently winning."""

    def decorate(func: Command[R]) -> Command[R]:
        @functools.wraps(func)
        def command(*args: Any, metadata_only: bool, deep: bool, **kwargs: Any) -> R:
            if metadata_only and deep:
                raise UsageError("--metadata-only and --deep contradict each other; give one")
            return func(*args, **kwargs, pixels="never" if metadata_only else "always" if deep else None)

        return _apply(
            command,
            [
                click.option("--metadata-only", is_flag=True, help=metadata_only_help),
                click.option("--deep", is_flag=True, help=deep_help),
            ],
        )

    return decorate
