"""A scan: plan the files, skip what a checkpoint already holds, run an engine,
checkpoint every row as it lands, then write the report in input order.

Each image is keyed by its resolved path: the same file named twice is scanned
once, and a resumed run skips exactly the rows the checkpoint holds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from provenance import verdicts
from provenance.config import Home
from provenance.credentials.trust import TrustPolicy
from provenance.errors import InputError, UsageError
from provenance.imaging import check_output, image_files
from provenance.scan import reports
from provenance.scan.checkpoint import Checkpoint
from provenance.scan.engines import run_local, run_ray
from provenance.scan.item import ItemOptions, ScanRow
from provenance.verdicts import ExitCode

Engine = Literal["local", "ray"]
FAIL_ON = ("ai", "broken", "absent", "altered")


@dataclass
class ScanOptions:
    recursive: bool = False
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: Engine = "local"
    ray_address: str | None = None
    report: Path | None = None
    also: tuple[Path, ...] = ()  # the same report in other formats (a CSV and an HTML page), written with it
    checkpoint: Path | None = None  # default: REPORT.checkpoint.jsonl
    resume: bool = False
    force: bool = False
    pixels: str = "auto"
    policy: TrustPolicy | None = None
    fail_on: tuple[str, ...] = ()


@dataclass
class ScanSummary:
    files: int
    resumed: int
    scanned: int
    seconds: float
    counts: dict[str, dict[str, int]]
    exit_code: int
    report: str | None
    exit_reason: str = ""  # why exit_code (verdicts.scan_exit_reason): under --fail-on, the condition met
    also: list[str] = field(default_factory=list)  # the other reports written (ScanOptions.also)
    # names that were the same file as another in this scan (a link to it), each [name, name scanned]:
    # scanned once, and said (an archivist's 520 entries gave 519 rows without a word)
    same_file: list[list[str]] = field(default_factory=list)


class Scanner:
    """``Scanner(paths, home, options)``; iterate :meth:`run`, then :meth:`finish`."""

    def __init__(self, paths: Iterable[Path], home: Home, options: ScanOptions) -> None:
        bad = [f for f in options.fail_on if f not in FAIL_ON]
        if bad:
            raise UsageError(f"--fail-on takes {', '.join(FAIL_ON)}, not {', '.join(bad)}")
        self.home = home
        self.options = options
        self.files, self.same_file = _plan(paths, options.recursive)
        if options.also and options.report is None:
            raise UsageError("further reports need a first one (ScanOptions.report)")
        if len(set(self.reports)) < len(self.reports):
            raise UsageError("--report names the same file twice")
        for path in self.reports:
            reports.format_for(path)  # an unknown suffix fails now, not after the scan
            check_output(path, force=options.force)
        self.checkpoint = _checkpoint(options)
        self.rows = self.checkpoint.load() if self.checkpoint and options.resume else {}
        wanted = set(self.files)
        self.rows = {path: row for path, row in self.rows.items() if path in wanted}
        self.resumed = len(self.rows)
        self.todo = [p for p in self.files if p not in self.rows]
        self._start = time.monotonic()

    @property
    def reports(self) -> list[Path]:
        """Every report to write: the first (its name names the checkpoint), then the others."""
        return ([self.options.report] if self.options.report is not None else []) + list(self.options.also)

    def run(self) -> Generator[ScanRow]:
        """Rows as they finish (completion order), each checkpointed first."""
        options = self.options
        item = ItemOptions(
            home_root=str(self.home.root),
            registry_url=self.home.registry_url,
            policy=options.policy,
            pixels=options.pixels,
            thumbnails=any(reports.format_for(path) == "html" for path in self.reports),
        )
        if self.checkpoint is not None:  # locked while this scan writes it; --force empties it now
            self.checkpoint.claim(start_over=not options.resume)
        try:
            if options.engine == "ray":
                rows = run_ray(self.todo, item, options.jobs, options.ray_address)
            else:
                rows = run_local(self.todo, item, options.jobs)
            for row in rows:
                if row["path"] in self.rows:
                    continue  # never twice, even if an engine repeated a task
                if self.checkpoint is not None:
                    self.checkpoint.append(row)
                self.rows[row["path"]] = row
                yield row
        finally:
            if self.checkpoint is not None:
                self.checkpoint.close()

    def finish(self) -> ScanSummary:
        """Write the report (input order) and drop the checkpoint it supersedes."""
        ordered = [self.rows[p] for p in self.files if p in self.rows]
        counts = reports.counts(ordered)
        code = exit_code(ordered, self.options.fail_on)
        summary = ScanSummary(
            files=len(self.files),
            resumed=self.resumed,
            scanned=len(ordered) - self.resumed,
            seconds=round(time.monotonic() - self._start, 2),
            counts=counts,
            exit_code=code,
            report=str(self.options.report) if self.options.report else None,
            also=[str(path) for path in self.options.also],
            same_file=[[name, scanned] for name, scanned in self.same_file],
            exit_reason=verdicts.scan_exit_reason(
                code,
                self.options.fail_on,
                fail_on_met(ordered, self.options.fail_on),
                fail_on_matched(ordered, self.options.fail_on),
                at_code=sum(int(r["report"].get("exit_code", 5)) == code for r in ordered),
                unreadable=sum(int(r["report"].get("exit_code", 5)) in (4, 5) for r in ordered),
            ),
        )
        for path in self.reports:
            reports.write(path, ordered, summary)
        if self.reports and self.checkpoint is not None and len(ordered) == len(self.files):
            self.checkpoint.remove()
        return summary


def _plan(paths: Iterable[Path], recursive: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """The files to scan, keyed, and the names left out as the same file as one of them (a link
    to it: each with the name scanned). A missing path among others is a file like any other: its
    row says it is missing (unreadable, exit 4) and the scan goes on; only when every path is
    missing is there nothing to scan at all (an error, exit 4). A file reached twice (itself and
    a link to it) is scanned once, under its own name; one reached only through a link keeps the
    link's name, the name the user gave or sees in the folder (not its target's)."""
    paths = list(paths)
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    if missing and len(missing) == len(paths):
        raise InputError(f"{', '.join(map(str, missing))}: no such file or folder")
    files: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for found in image_files(paths, recursive=recursive):
        target = _target(found)
        names.setdefault(target, []).append(os.path.abspath(found))
        if target not in files or not found.is_symlink():
            files[target] = os.path.abspath(found)
    same = [(name, files[t]) for t, named in names.items() for name in dict.fromkeys(named) if name != files[t]]
    return list(files.values()), same


def _target(path: Path) -> str:
    """The file a path names, links followed; a looping symlink keeps its own (absolute) name
    and fails when read."""
    try:
        return str(path.resolve())
    except (RuntimeError, OSError):  # Python 3.11: RuntimeError("Symlink loop ...")
        return os.path.abspath(path)


def _checkpoint(options: ScanOptions) -> Checkpoint | None:
    path = options.checkpoint
    if path is None and options.report is not None:
        path = options.report.with_name(options.report.name + ".checkpoint.jsonl")
    if path is None:
        if options.resume:
            raise UsageError("--resume needs --report or --checkpoint (where the earlier run recorded its progress)")
        return None
    if path.exists() and not options.resume and not options.force:
        raise UsageError(
            f"{path}: a checkpoint of an earlier scan is here",
            hint="Pass --resume to continue it, or --force to start over.",
        )
    # --resume with nothing to resume is a scan from the start: a cron job that always passes it
    # (a walkthrough's) should not have to look for the checkpoint first
    checkpoint = Checkpoint(path)
    checkpoint.check_free()  # another scan writing it: refused now; run() takes the lock
    return checkpoint


def exit_code(rows: list[ScanRow], fail_on: tuple[str, ...]) -> int:
    """The most serious per-image code (verdicts.most_serious); with ``fail_on``, 1 if any image
    meets a condition, else 0. No image at all is never a pass: 4 (the scan refuses an empty plan
    before this)."""
    codes = [int(r["report"].get("exit_code", 5)) for r in rows]
    if not codes:
        return int(ExitCode.UNREADABLE)
    if not fail_on:
        return verdicts.most_serious(codes)
    return 1 if fail_on_met(rows, fail_on) else 0


def _conditions(row: ScanRow) -> set[str]:
    """The --fail-on conditions one file meets (an unreadable file is "broken")."""
    code = int(row["report"].get("exit_code", 5))
    ai = verdicts.word("ai", verdicts.states(row["report"])["ai"])
    met = {"ai"} if ai.tone == "ai" else set()
    met |= {"broken"} if code in (1, 4, 5) else set()
    met |= {"absent"} if code == 3 else set()
    # a copy of a signed or registered picture with parts that differ, or mirrored: exit 3 like any
    # picture without provenance, which a desk gating its own pictures must tell apart
    met |= {"altered"} if verdicts.placement_state(row["report"]) == "altered" else set()
    return met


def fail_on_met(rows: list[ScanRow], fail_on: tuple[str, ...]) -> tuple[str, ...]:
    """The --fail-on conditions some file meets, in ``fail_on``'s order."""
    met: set[str] = set().union(*(_conditions(row) for row in rows))
    return tuple(f for f in dict.fromkeys(fail_on) if f in met)


def fail_on_matched(rows: list[ScanRow], fail_on: tuple[str, ...]) -> int:
    """How many files meet one of the --fail-on conditions."""
    return sum(1 for row in rows if _conditions(row) & set(fail_on))
