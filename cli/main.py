"""Entry point and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

import click

from provenance import __version__
from provenance.errors import ProvenanceError
from provenance.runtime import keep_freed_memory, one_blas_thread
from provenance.verdicts import ExitCode, exit_codes_help

# name: (module beside this one, attribute, one-line help). Commands are imported
# only when run, so `provenance --help` and light commands skip the heavy imports;
# tests/test_cli_end_to_end.py checks each line against the command's own help.
COMMANDS = {
    "check": ("check", "check", "Check images against a publishing policy: pass, review or fail."),
    "keys": ("keys", "keys", "Manage signing identities."),
    "models": ("models", "models", "Generation models available offline."),
    "register": ("registry", "register", "Register originals (files, or folders) for ownership matching."),
    "registry": ("registry", "registry", "Inspect and maintain the ownership registry."),
    "scan": ("scan", "scan", "Verify every image under PATHS, in parallel, into one report."),
    "serve": ("serve", "serve", "Serve the HTTP API and the web page."),
    "stamp": ("make", "stamp", "Stamp IMAGE: watermark, signed manifest, registry row."),
    "tokens": ("serve", "tokens", "API tokens for the service (stored hashed in the registry)."),
    "trust": ("trust", "trust", "Manage trust lists (official C2PA lists, your own anchors)."),
    "twin": ("make", "twin", "Generate a signed, watermarked twin of SOURCE (image-to-image)."),
    "verify": ("verify", "verify", "Check IMAGES: credentials, watermark, ownership and AI signals."),
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__package__}.{entry[0]}")
        command = getattr(module, entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][2]) for name in self.list_commands(ctx)])


@click.group(cls=_LazyGroup, epilog=exit_codes_help(), context_settings={"help_option_names": ["-h", "--help"]})
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

    from .context import CliContext

    keep_freed_memory()  # picture-sized arrays reuse freed memory (provenance/runtime.py); not for --help
    one_blas_thread()  # before numpy loads: its thread pool only spins on a picture's small products

    base = Home(home.expanduser().resolve()) if home else Home.default()
    ctx.obj = CliContext(home=Home(base.root, registry_url or base.registry_url), debug=debug)


def _debug_first(args: list[str]) -> list[str]:
    """``--debug`` anywhere before a ``--`` moved to the front, where the group takes it: typed
    after the command (``provenance verify --debug X``) it was refused as an unknown option."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every failure ends as one line on stderr and a documented code."""
    args = _debug_first(sys.argv[1:] if argv is None else argv)
    debug = args[:1] == ["--debug"]
    try:
        result = cli.main(args=args, prog_name="provenance", standalone_mode=False)
    except ProvenanceError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"provenance: error: {exc.diagnostics()}", err=True)
        return int(exc.exit_code)
    except click.exceptions.Abort:  # Ctrl-C inside click (it turns KeyboardInterrupt into Abort): as below
        click.echo("provenance: interrupted", err=True)
        return 130
    except click.UsageError as exc:  # one line, as every other error (click's own is three)
        where = exc.ctx.command_path if exc.ctx else "provenance"
        click.echo(f"provenance: error: {exc.format_message()} (see '{where} --help')", err=True)
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
        if isinstance(exc, OSError) and exc.filename is not None:
            # the system refused a file the command writes or reads (a read-only folder, a full
            # disk, no permission): the user's to fix, said in one line, not a bug
            click.echo(f"provenance: error: {exc.filename}: {(exc.strerror or str(exc)).lower()}", err=True)
            return int(ExitCode.USAGE)
        reason = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(
            f"provenance: internal error: {type(exc).__name__}: {reason} (run with --debug for details)",
            err=True,
        )
        return int(ExitCode.INTERNAL)
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
