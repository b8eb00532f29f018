"""``provenance register`` and ``provenance registry``: the ownership registry."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import click

from provenance import verdicts
from provenance.errors import RegistryError
from provenance.register import RegisterResult, register_paths
from provenance.registry import Registry, open_home_registry, read_home_registry, same_owner
from provenance.registry.backup import export_registry, import_registry
from provenance.registry.check import check_registry

from .context import CliContext, pass_context


@click.command(epilog=verdicts.command_exits_help("register"))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--owner", required=True, help="Who owns these originals (a person or an organisation).")
@click.option("--title", help="Title to record for every file given (default: each file's name).")
@click.option("--source-url", metavar="URL", help="Where the original is published.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: fingerprint on a Ray cluster (bulk archives); the registry is written here.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Ray workers [default: CPU count].")
@click.option("--ray-address", metavar="ADDR", help="Join this Ray cluster (default: start a local Ray).")
@click.option(
    "--allow-contradiction",
    is_flag=True,
    help="Register anyway, with a warning, a file a stamp here was made from (its unsigned ingredient) or a"
    " copy of another owner's picture.",
)
@pass_context
def register(
    context: CliContext,
    paths: tuple[Path, ...],
    owner: str,
    title: str | None,
    source_url: str | None,
    as_json: bool,
    engine: str,
    jobs: int | None,
    ray_address: str | None,
    allow_contradiction: bool,
) -> int:
    """Register originals (files, or folders walked recursively) as owned by OWNER.

    Copies that come back re-encoded, resized, cropped (found by their keypoints),
    stripped or turned into AI twins are then traced to them by verify. Registering the
    same file again changes nothing (a record from before keypoints were kept gets them);
    an interrupted run can simply be run again. A picture that is already registered
    here as another file (a copy of a stamped picture, found by its watermark or
    manifest, or the stamped file itself) is refused (exit 2): it has an owner. So is
    the unsigned file a stamp here was made from (its ingredient), a copy of another
    owner's registered or stamped picture (both its hashes within their match distance;
    owner names compared without case or extra spaces), and a crop of one (its keypoints
    and thumbnail place it inside that picture, as it lies, turned or mirrored), unless
    --allow-contradiction, which registers it with a warning.
    """
    counts = {"registered": 0, "already-registered": 0, "refused": 0, "error": 0}
    code = 0

    def show(result: RegisterResult) -> None:
        nonlocal code
        counts[result.status] += 1
        code = verdicts.most_serious((code, result.exit_code))
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(result)))
        elif result.status in ("error", "refused"):
            click.echo(f"provenance: error: {result.error}", err=True)
        else:
            flag = " (low-quality PDQ hash: flat picture, fingerprint matches will be inconclusive)"
            extra = flag if result.low_quality else ""
            done = "registered" if result.status == "registered" else f"already registered (owner {result.owner})"
            click.echo(f"{result.record_id}  {result.path}: {done}{extra}")
            if result.warning:
                click.echo(f"provenance: warning: {result.warning}", err=True)

    register_paths(
        paths,
        owner=owner,
        title=title,
        source_url=source_url,
        home=context.home,
        on_result=show,
        engine="ray" if engine == "ray" else "local",
        jobs=jobs or os.cpu_count() or 1,
        ray_address=ray_address,
        allow_contradiction=allow_contradiction,
    )
    if title is not None and counts["registered"] > 1 and not as_json:
        many = counts["registered"]
        click.echo(f"provenance: note: --title '{title}' was given to each of {many} pictures", err=True)
    if not as_json:
        click.echo(
            f"{counts['registered']} registered, {counts['already-registered']} already registered,"
            f" {counts['refused']} refused, {counts['error']} unreadable",
            err=True,
        )
    return code


@click.group()
def registry() -> None:
    """Inspect and maintain the ownership registry (SQLite or PostgreSQL: see --registry)."""


@registry.command(epilog=verdicts.command_exits_help("registry stats"))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def stats(context: CliContext, as_json: bool) -> int:
    """Counts of records, owners and fingerprints (and migrates an old registry)."""
    with open_home_registry(context.home) as reg:
        facts = reg.stats()
        reg.save_indexes()
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(facts), indent=2))
        return 0
    click.echo(f"Registry: {facts.location} ({facts.backend}, schema {facts.schema_version})")
    total = sum(facts.records.values())
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(facts.records.items())) or "none"
    click.echo(f"Records: {total} ({kinds}); owners: {facts.owners}; with a stored manifest: {facts.with_manifest}")
    for alg, n in sorted(facts.fingerprints.items()):
        click.echo(f"Fingerprints {alg}: {n}")
    click.echo(f"Low-quality PDQ hashes: {facts.low_quality}")
    return 0


_KINDS = ("original", "stamped", "twin")


def _readable(context: CliContext) -> Registry:
    """The home's registry, read-only, or a one-line error when there is none yet."""
    reg = read_home_registry(context.home)
    if reg is None:
        raise RegistryError(f"{context.home.registry}: no registry here yet", hint="Register or stamp an image first.")
    return reg


@registry.command("list", epilog=verdicts.command_exits_help("registry list"))
@click.option("--owner", help="Only this owner's records (case and runs of spaces aside, as register compares).")
@click.option("--kind", type=click.Choice(_KINDS), help="Only records of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the records (as registry show --json).")
@pass_context
def list_cmd(context: CliContext, owner: str | None, kind: str | None, as_json: bool) -> int:
    """Every record, oldest first, a line each: its id, kind, owner, title, when, and what it was
    made from. registry show ID says all of one."""
    with _readable(context) as reg:
        records = [
            r for r in reg.iter_records() if (owner is None or same_owner(owner, r.owner)) and kind in (None, r.kind)
        ]
    if as_json:
        click.echo(json.dumps([r.public_fields() for r in records], indent=2))
        return 0
    for r in records:
        made = f"  made from {r.source_record_id}" if r.source_record_id else ""
        click.echo(f"{r.record_id}  {r.kind:<8}  {r.owner}  {r.title or '(untitled)'}  {r.created_at}{made}")
    click.echo(f"{verdicts.counted(len(records), 'record')}", err=True)
    return 0


@registry.command("show", epilog=verdicts.command_exits_help("registry show"))
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON (as the service's /v1/records/ID).")
@pass_context
def show(context: CliContext, record_id: str, as_json: bool) -> int:
    """One record: what it is, whose, made from what, its fingerprints and signed manifest."""
    with _readable(context) as reg:
        record = reg.get(record_id.strip().lower())
        if record is None:
            raise RegistryError(
                f"no such record: {record_id}",
                hint="registry list lists them; verify --json names a picture's record_id",
            )
        made = reg.made_from(record.record_id)
    if as_json:
        click.echo(json.dumps(record.public_fields(), indent=2))
        return 0
    fields = [
        ("record", record.record_id),
        ("kind", record.kind),
        ("owner", record.owner),
        ("title", record.title or "(untitled)"),
        ("created", record.created_at),
        ("made from", record.source_record_id),
        ("made here", ", ".join(made) or None),
        ("model", record.model),
        ("source url", record.source_url),
        ("sha256", record.sha256),
        ("input sha256", record.input_sha256),
        ("manifest", f"{len(record.manifest)} bytes, signed" if record.manifest else "none kept"),
        ("thumbnail", "kept" if record.thumbnail else "none"),
        ("detail", _DETAIL[record.detail_reference]),
        ("crops", _crops(record.keypoints_kept)),
        *(("fingerprint", f"{f.algorithm} {f.value}") for f in record.fingerprints),
    ]
    for name, value in fields:
        if value:
            click.echo(f"{name:<12} {value}")
    return 0


def _crops(kept: int | None) -> str:
    """How crops of a record's picture are found, per Record.keypoints_kept."""
    if kept is None:
        return "not looked for (registered before 2026-12-07): register the file again to keep its keypoints"
    return f"found by {kept} keypoints" if kept else "no keypoints (a flat picture): crops are not found"


# what copies are compared with at full detail (drawn text, a logo, a pasted part), per Record.detail_reference
_DETAIL = {
    "claim-thumbnail": "copies compared with the signed manifest's claim thumbnail",
    "reference": "copies compared with its kept reference picture",
    "none": "no reference kept (registered before 2026-12-07): register the file again to keep one",
}


@registry.command("export", epilog=verdicts.command_exits_help("registry export"))
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@pass_context
def export_cmd(context: CliContext, output: Path, force: bool) -> int:
    """Write every record, fingerprint and stored manifest to OUTPUT (JSON lines)."""
    count = export_registry(context.home, output, force=force)
    click.echo(f"Exported {count} records to {output}")
    return 0


@registry.command("import", epilog=verdicts.command_exits_help("registry import"))
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@pass_context
def import_cmd(context: CliContext, source: Path) -> int:
    """Add the records of an export; records already present are left as they are.

    Imported records are vouched for as if registered here (their owners and kinds are not
    signed, and a picture matching one establishes provenance in this home): import only
    exports of registries you control."""
    added, skipped = import_registry(context.home, source)
    click.echo(f"Imported {added} records ({skipped} already present)")
    return 0


@registry.command(epilog=verdicts.command_exits_help("registry remove"))
@click.argument("record_ids", nargs=-1, required=True)
@pass_context
def remove(context: CliContext, record_ids: tuple[str, ...]) -> int:
    """Delete records (what was made from them stays, unlinked). All or none: an id this registry
    lacks (a typo) removes nothing."""
    with open_home_registry(context.home) as reg:
        if missing := [rid for rid in record_ids if reg.get(rid.lower()) is None]:
            raise RegistryError(
                f"no such record: {', '.join(missing)}; nothing was removed",
                hint="verify --json names a picture's record_id; registry export lists them all",
            )
        for rid in dict.fromkeys(r.lower() for r in record_ids):
            record = reg.get(rid)
            if record is not None and reg.remove(rid):
                title = f" '{record.title}'" if record.title else ""
                click.echo(f"Removed {rid}{title} ({record.kind}, owner {record.owner})")
        reg.save_indexes(force=True)
    return 0


@registry.command(epilog=verdicts.command_exits_help("registry check"))
@pass_context
def check(context: CliContext) -> int:
    """Check the registry's integrity (database and our invariants); exit 1 if anything is wrong."""
    home = context.home
    if read_home_registry(home) is None:
        raise RegistryError(f"{home.registry}: no registry here yet", hint="Register or stamp an image first.")
    with open_home_registry(home) as reg:
        problems = check_registry(reg)
        facts = reg.stats()
    for problem in problems:
        click.echo(f"problem: {problem}")
    records = sum(facts.records.values())
    click.echo(f"{facts.location}: {records} records, " + ("sound" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0
