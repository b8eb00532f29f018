"""``provenance scan``: verify folders and archives, with a report and a checkpoint."""

from __future__ import annotations

import dataclasses
import json
import signal
from pathlib import Path
from types import FrameType

import click

from provenance import verdicts
from provenance.imaging import unread_folders
from provenance.scan import FAIL_ON, Scanner, ScanOptions, ScanSummary

from .context import CliContext, pass_context
from .options import TrustParams, pixel_options, trust_options
from .progress import progress_bar


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """SIGTERM, as Ctrl-C: the scan says what its checkpoint keeps and exits 130."""
    raise KeyboardInterrupt


def _fail_on_help() -> str:
    """The --fail-on block of --help, in the vocabulary's words."""
    ai = " or ".join(w.label for w in verdicts.AI.values() if w.tone == "ai")
    exits = {code: verdicts.exit_word(code).label for code in (1, 3, 4, 5)}
    return "\n".join(
        [
            "\b",
            "With --fail-on (repeatable) the exit code is 1 when any image meets a condition, else 0:",
            f"  ai      an AI verdict ({ai})",
            f"  broken  {exits[1]} (exit 1), {exits[4]} (4) or {exits[5]} (5)",
            f"  absent  {exits[3]} (exit 3): no credentials, an untrusted signer, or an altered copy",
            "  altered a copy of a signed or registered picture whose parts differ, or mirrored (exit 3)",
            "No image file under PATHS at all is an error (exit 4), never a pass.",
        ]
    )


_SCAN_EPILOG = verdicts.command_exits_help("scan") + "\n\n" + _fail_on_help()


@click.command(epilog=_SCAN_EPILOG)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-r", "--recursive", is_flag=True, help="Walk folders recursively.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel workers [default: CPU count].")
@click.option(
    "--report",
    "report",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="Write a report: .json, .jsonl, .csv or .html (one self-contained page); repeat for several formats.",
)
@click.option(
    "--checkpoint",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSONL of finished images [default: REPORT.checkpoint.jsonl]; removed once the report is written.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue an interrupted scan: skip what the checkpoint holds (none yet: scan every file).",
)
@click.option("--force", is_flag=True, help="Replace an existing report, discard an old checkpoint.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--ray-address", metavar="ADDR", help="Join this Ray cluster (default: start a local Ray).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), multiple=True, help="Exit 1 if any image meets this.")
@pixel_options("Never decode pixels (fast triage).", "Run every pixel check.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@trust_options
@pass_context
def scan(
    context: CliContext,
    /,
    paths: tuple[Path, ...],
    recursive: bool,
    jobs: int | None,
    report: tuple[Path, ...],
    checkpoint: Path | None,
    resume: bool,
    force: bool,
    engine: str,
    ray_address: str | None,
    fail_on: tuple[str, ...],
    pixels: str | None,
    as_json: bool,
    trust: TrustParams,
) -> int:
    """Verify every image under PATHS, in parallel, into one report.

    Each finished image is appended to a checkpoint at once: after a crash or a
    kill, the same command with --resume does only what is left, and every image
    is in the report exactly once. Unreadable files are results with an error.
    """
    home = context.home
    options = ScanOptions(
        recursive=recursive,
        engine="ray" if engine == "ray" else "local",
        ray_address=ray_address,
        report=report[0] if report else None,
        also=report[1:],
        checkpoint=checkpoint,
        resume=resume,
        force=force,
        pixels=pixels or "auto",
        policy=trust.policy(home),
        fail_on=fail_on,
    )
    if jobs is not None:
        options.jobs = jobs
    scanner = Scanner(paths, home, options)
    if not recursive and (unread := unread_folders(paths)):
        click.echo(f"note: {unread} sub-folder(s) with images not read; add -r to read them", err=True)
    if scanner.resumed and not as_json:
        click.echo(f"Resuming: {scanner.resumed} of {len(scanner.files)} files already done.", err=True)
    elif resume and not as_json:
        click.echo("note: no checkpoint to resume from: scanning every file", err=True)
    # a service manager's stop (SIGTERM) ends the scan as Ctrl-C does: the note below, exit 130
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        with progress_bar(scanner.run(), len(scanner.todo), "scanning", enabled=not as_json) as bar:
            for _ in bar:
                pass
    except (KeyboardInterrupt, click.exceptions.Abort):
        # Ctrl-C: what is done is in the checkpoint, and the way on is the same command with --resume
        if scanner.checkpoint is not None and scanner.checkpoint.path.exists() and scanner.rows:
            click.echo(
                f"note: {len(scanner.rows)} of {len(scanner.files)} files done are kept in"
                f" {scanner.checkpoint.path}; the same command with --resume does the rest",
                err=True,
            )
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    summary = scanner.finish()
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(summary), indent=2))
    else:
        _print_summary(summary)
    return summary.exit_code


def _print_summary(summary: ScanSummary) -> None:
    rate = summary.scanned / summary.seconds if summary.seconds else 0.0
    click.echo(
        f"Scanned {verdicts.counted(summary.scanned, 'file')} in {summary.seconds:.1f} s ({rate:.1f}/s)"
        + (f", {summary.resumed} from the checkpoint" if summary.resumed else "")
        + f"; {summary.files} in all."
    )
    for axis, heading in (("credentials", "credentials"), ("watermark", "watermark"), ("ownership", "ownership"),
                          ("ai", "AI")):  # fmt: skip
        values = summary.counts.get(axis) or {}
        words = [(verdicts.counted_word(axis, key), count) for key, count in values.items()]
        click.echo(f"  {heading:<12} " + "; ".join(_styled(w.label, w.terminal_colour) + f" {n}" for w, n in words))
    exits = [(verdicts.exit_word(int(code)), count) for code, count in (summary.counts.get("exit") or {}).items()]
    click.echo(f"  {'exit codes':<12} " + "; ".join(f"{w.state} {w.label} {n}" for w, n in exits))
    if summary.same_file:
        first, scanned = summary.same_file[0]
        more = f" and {len(summary.same_file) - 1} more" if len(summary.same_file) > 1 else ""
        click.echo(
            f"  same file    {verdicts.counted(len(summary.same_file), 'name')} for a file already listed, scanned"
            f" once: {first} is {scanned}{more}"
        )
    for written in [summary.report, *summary.also] if summary.report else []:
        click.echo(f"  report       {written}")
    reason = summary.exit_reason or verdicts.exit_word(summary.exit_code).label
    click.echo(f"  exit         {summary.exit_code} ({reason})")


def _styled(text: str, colour: str | None) -> str:
    return click.style(text, fg=colour, bold=True) if colour else text
