"""What the top-level group hands every command: a typed context, not a dict."""

from __future__ import annotations

from dataclasses import dataclass

import click

from provenance.config import Home


@dataclass(frozen=True)
class CliContext:
    """The home (with its registry) and whether to show tracebacks, from ``provenance --home/--registry/--debug``."""

    home: Home
    debug: bool = False


# ``@pass_context`` puts the group's CliContext first in a command's arguments.
pass_context = click.make_pass_decorator(CliContext)
