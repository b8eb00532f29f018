"""Entry point and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from provenance import __version__
from provenance.errors import ExitCode, ProvenanceError

from .check import check
from .keys import keys
from .make import stamp, twin
from .models import models
from .options import EXIT_CODES
from .registry import register, registry
from .scan import scan
from .serve import serve, tokens
from .trust import trust
from .verify import verify


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
@click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="PROVENANCE_HOME",
    help="State folder (keys, trust anchors, registry, models). Env: PROVENANCE_HOME.",
)
@click.option(
    "--registry",
    "registry_url",
    metavar="PATH|URL",
    envvar="PROVENANCE_REGISTRY",
    help="Registry: a SQLite file or postgresql://user@host/db (default: in the home). Env: PROVENANCE_REGISTRY.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, registry_url: str | None, debug: bool) -> None:
    """Make, sign and check AI-generated images.

    \b
    provenance keys init            make a development signing identity
    provenance twin PHOTO -o OUT    generate a signed, watermarked twin
    provenance twin PHOTO --generations 5 -o DIR   a drift chain with its report
    provenance stamp IMG -o OUT     stamp an AI image made elsewhere
    provenance verify IMAGE...      check credentials, watermark, ownership, AI signals
    provenance scan DIR --report R.html   verify a folder or archive in parallel, resumable
    provenance register DIR --owner NAME   register originals for ownership matching
    provenance serve                start the HTTP service and web page
    provenance check --policy P IMG check images against a publishing policy
    provenance trust update         fetch the official C2PA trust lists for offline use
    """
    from provenance.config import Home

    base = Home(home.expanduser().resolve()) if home else Home.default()
    ctx.obj = {"home": Home(base.root, registry_url or base.registry_url), "debug": debug}


cli.add_command(keys)
cli.add_command(twin)
cli.add_command(stamp)
cli.add_command(verify)
cli.add_command(trust)
cli.add_command(register)
cli.add_command(registry)
cli.add_command(models)
cli.add_command(scan)
cli.add_command(serve)
cli.add_command(tokens)
cli.add_command(check)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every failure ends as one line on stderr and a documented code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="provenance", standalone_mode=False)
    except ProvenanceError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"provenance: error: {exc.diagnostics()}", err=True)
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("provenance: aborted", err=True)
        return int(ExitCode.USAGE)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        click.echo("provenance: interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the single last-resort catch point
        if debug:
            traceback.print_exc()
        reason = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(
            f"provenance: internal error: {type(exc).__name__}: {reason} (run with --debug for details)",
            err=True,
        )
        return 5
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
