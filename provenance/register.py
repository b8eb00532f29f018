"""Register originals: a newsroom's archive, so that copies can be traced to their owner.

Each file is registered in its own transaction: a killed bulk run leaves every file
either fully registered or not at all, and running it again skips what is done
(the file's SHA-256 identifies it), so nothing is lost or doubled.

A picture that already has its own record here (a copy of a stamped picture, found by its
watermark or manifest, or the stamped file itself) is refused: registering it would name a
second owner for that picture. So is the unsigned file one of this registry's stamps was made
from (its ingredient, found by the SHA-256 the stamp recorded), unless the caller allows the
contradiction: then it is registered with a warning naming that record. A picture merely like
a registered one is registered. So is a picture whose own manifest declares it AI-made (an
artist's own AI work is theirs to register), with a warning saying so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict, cast

from provenance import detect, fingerprint, verdicts
from provenance.config import Home
from provenance.credentials import TrustPolicy, build_policy, read_credentials
from provenance.credentials._c2pa import has_manifest
from provenance.detect.sources import describe
from provenance.errors import InputError, RegistryError, UsageError
from provenance.fingerprint import keypoints, thumbnail
from provenance.imaging import claim_thumbnail, image_files, load_image
from provenance.registry import Record, Registry, open_home_registry, same_owner
from provenance.verify import (
    Lay,
    anothers_picture_lying,
    foreign_mark,
    framed_prints,
    input_record,
    lays,
    titled,
    whole_mark,
)

if TYPE_CHECKING:
    from PIL import Image


@dataclass
class RegisterResult:
    path: str
    # refused: the picture already has its own record here (record_id, owner); error says which
    status: Literal["registered", "already-registered", "refused", "error"]
    record_id: str | None = None
    owner: str | None = None
    low_quality: bool = False
    error: str | None = None
    warning: str | None = None  # registered although it contradicts a record here (allow_contradiction)

    @property
    def exit_code(self) -> int:
        """This file's exit code (the CLI's: several files, the most serious)."""
        if self.status == "error":
            return int(InputError.exit_code)
        return int(UsageError.exit_code) if self.status == "refused" else 0


def register_paths(
    paths: Iterable[Path],
    *,
    owner: str,
    home: Home,
    title: str | None = None,
    source_url: str | None = None,
    on_result: Callable[[RegisterResult], None] | None = None,
    engine: Literal["local", "ray"] = "local",
    jobs: int = 1,
    ray_address: str | None = None,
    allow_contradiction: bool = False,
) -> list[RegisterResult]:
    """Register every image under ``paths`` as an original owned by ``owner``.

    ``engine="ray"`` fingerprints on a Ray cluster (the scan's pipeline) and
    commits here, one transaction per file, so the registry has one writer.
    ``allow_contradiction`` registers a stamp's unsigned ingredient too, with a warning."""
    owner = " ".join(owner.split())  # "Daily Planet " is Daily Planet (a red-team's trailing space)
    if not owner:
        raise RegistryError("an owner is needed to register images", hint="Pass --owner NAME.")
    files = image_files(paths)  # nothing to register is an error, not a silent success
    results = []
    policy = build_policy(home)
    with open_home_registry(home) as registry:
        if engine == "ray":
            from provenance.scan.engines import ray_map

            rows = ray_map([str(p) for p in files], lambda: fingerprint_file, jobs, ray_address)
            items = (_commit(registry, row, policy, owner=owner, title=title, source_url=source_url,
                             allow=allow_contradiction) for row in rows)  # fmt: skip
        else:
            items = (
                _register_one(registry, path, policy, owner=owner, title=title, source_url=source_url,
                              allow=allow_contradiction)
                for path in files
            )  # fmt: skip
        for result in items:
            results.append(result)
            if on_result is not None:
                on_result(result)
        registry.save_indexes()
    return results


class _PrintJSON(TypedDict):
    algorithm: str
    value: str
    quality: int | None


class FingerprintRow(TypedDict):
    """What registering needs from a file (or why it cannot), as JSON from a Ray worker."""

    path: str
    error: NotRequired[str]
    sha256: NotRequired[str]
    fingerprints: NotRequired[list[_PrintJSON]]
    thumbnail: NotRequired[str]  # hex
    reference: NotRequired[str]  # hex: the detailed reference picture (Record.reference)
    keypoints: NotRequired[str]  # hex: the picture's keypoints (Record.keypoints), how its crops are found
    mirrored: NotRequired[str]  # hex: its mirror image's keypoints (a mirrored crop of another's picture is refused)
    # what could make it a picture registered here beyond its SHA-256 (verify.input_record): the record
    # its mark's whole-picture layer names, and whether it carries a manifest
    mark: NotRequired[str | None]
    manifest: NotRequired[bool]
    # the PDQ hashes of the picture's seven other lays, and the fingerprints of the picture inside
    # bars, a border or a page around it: how a turned, mirrored or framed copy of another owner's
    # picture is told (verify.other_lays, verify.framed_prints)
    turned: NotRequired[list[_PrintJSON]]
    framed: NotRequired[list[list[_PrintJSON]]]


def fingerprint_file(path: str) -> FingerprintRow:
    """What registering needs from a file, computed anywhere (a Ray worker): JSON-able."""
    try:
        image = load_image(Path(path))
        prints, turned = fingerprint.compute_with_turns(image.pixels())
        framed = framed_prints(image.pixels())
        thumb = thumbnail.describe(image.pixels())
        reference = claim_thumbnail(image.pixels())
        points = keypoints.stored(image.pixels())
        mirror = keypoints.mirrored(image.pixels())
        mark = whole_mark(image.pixels(), search=True)
    except InputError as exc:
        return {"path": path, "error": exc.diagnostics()}
    return {
        "path": path,
        "sha256": image.sha256,
        "fingerprints": _json(prints),
        "turned": _json(turned),
        "framed": [_json(inside) for inside in framed],
        "thumbnail": thumb.hex(),
        "reference": reference.hex(),
        "keypoints": points.hex(),
        "mirrored": mirror.hex(),
        "mark": mark,
        "manifest": has_manifest(image.mime, image.data),
    }


def _commit(
    registry: Registry,
    row: FingerprintRow,
    policy: TrustPolicy,
    *,
    owner: str,
    title: str | None,
    source_url: str | None,
    allow: bool = False,
) -> RegisterResult:
    path = Path(row["path"])
    if row.get("error"):
        return RegisterResult(str(path), "error", error=str(row["error"]))
    sha256 = str(row["sha256"])
    if (existing := registry.find_by_sha256(sha256, kind="original")) is not None:
        if existing.reference is None and row.get("reference"):  # registered before schema 5: given one now
            registry.keep_reference(existing.record_id, bytes.fromhex(row["reference"]))
        if existing.keypoints is None and row.get("keypoints"):  # registered before keypoints: given them now
            registry.keep_keypoints(existing.record_id, bytes.fromhex(row["keypoints"]))
        return RegisterResult(str(path), "already-registered", existing.record_id, existing.owner)
    contained: list[Record] = []
    try:
        own = _row_record(registry, row, policy, contained)
    except InputError as exc:
        return RegisterResult(str(path), "error", error=exc.diagnostics())
    if own is not None:
        return _refused(path, own, owner)
    mark = row.get("mark")
    refused, marked = _foreign(path, mark if mark and registry.get(mark) is None else None, owner, allow=allow)
    if refused is not None:
        return refused
    stamped, warning = _ingredient_of(registry, path, sha256, owner, allow=allow)
    if stamped is not None:
        return stamped
    warning = _joined(warning, marked)
    prints = _prints(row["fingerprints"])
    views = lays(
        registry, prints, _prints(row.get("turned", [])), [_prints(inside) for inside in row.get("framed", [])],
        lambda: load_image(path).pixels(),
    )  # fmt: skip
    points = bytes.fromhex(row["keypoints"]) if row.get("keypoints") else None
    mirror = bytes.fromhex(row["mirrored"]) if row.get("mirrored") else None
    crop = ((points, mirror), lambda: load_image(path).pixels())
    claimed, said = _anothers_picture(registry, path, contained, views, owner, sha256=sha256, allow=allow, crop=crop)
    if claimed is not None:
        return claimed
    warning = _joined(warning, said)
    if row.get("manifest"):
        try:
            image = load_image(path)
        except InputError as exc:
            return RegisterResult(str(path), "error", error=exc.diagnostics())
        said, model = _declared_ai(path, image.mime, image.data, policy)
        warning = _joined(warning, said)
    else:
        model = None
    thumb = bytes.fromhex(row["thumbnail"]) if row.get("thumbnail") else None
    reference = bytes.fromhex(row["reference"]) if row.get("reference") else None
    added = _add(
        registry, path, sha256, prints, thumb, reference=reference, keypoints=points, owner=owner, title=title,
        source_url=source_url, model=model,
    )  # fmt: skip
    return dataclasses.replace(added, warning=warning) if added.status == "registered" else added


def _row_record(
    registry: Registry, row: FingerprintRow, policy: TrustPolicy, contained: list[Record] | None = None
) -> Record | None:
    """A fingerprinted file's own record here: by its SHA-256, else looked up on the file (read
    here) only when its worker found a mark naming a record here or a manifest; an archive of
    unmarked photos is not read twice."""
    if (record := registry.find_by_sha256(str(row["sha256"]))) is not None:
        return record
    mark = row.get("mark")
    if not row.get("manifest") and not (mark and registry.get(mark) is not None):
        return None
    return input_record(registry, load_image(Path(row["path"])), policy, search=True, contained=contained)


def _register_one(
    registry: Registry,
    path: Path,
    policy: TrustPolicy,
    *,
    owner: str,
    title: str | None,
    source_url: str | None,
    allow: bool = False,
) -> RegisterResult:
    try:
        image = load_image(path)
        existing = registry.find_by_sha256(image.sha256, kind="original")
        if existing is not None:
            if existing.reference is None:  # registered before schema 5: given its detailed reference now
                registry.keep_reference(existing.record_id, claim_thumbnail(image.pixels()))
            if existing.keypoints is None:  # registered before keypoints were kept: its crops are found from now
                registry.keep_keypoints(existing.record_id, keypoints.stored(image.pixels()))
            return RegisterResult(str(path), "already-registered", existing.record_id, existing.owner)
        contained: list[Record] = []
        foreign: list[str] = []
        if (
            own := input_record(registry, image, policy, search=True, contained=contained, foreign=foreign)
        ) is not None:
            return _refused(path, own, owner)
        refused, marked = _foreign(path, foreign[0] if foreign else None, owner, allow=allow)
        if refused is not None:
            return refused
        stamped, warning = _ingredient_of(registry, path, image.sha256, owner, allow=allow)
        if stamped is not None:
            return stamped
        warning = _joined(warning, marked)
        said, model = _declared_ai(path, image.mime, image.data, policy)
        warning = _joined(warning, said)
        prints, turned = fingerprint.compute_with_turns(image.pixels())
        views = lays(registry, prints, turned, framed_prints(image.pixels()), image.pixels)
        points = keypoints.stored(image.pixels())
        claimed, said = _anothers_picture(
            registry,
            path,
            contained,
            views,
            owner,
            sha256=image.sha256,
            allow=allow,
            crop=((points, None), image.pixels),
        )
        if claimed is not None:
            return claimed
        warning = _joined(warning, said)
        thumb = thumbnail.describe(image.pixels())
        reference = claim_thumbnail(image.pixels())
    except InputError as exc:
        said = exc.diagnostics()  # a reader deep down may not know the file's name: it is said here
        return RegisterResult(str(path), "error", error=said if said.startswith(str(path)) else f"{path}: {said}")
    added = _add(
        registry, path, image.sha256, prints, thumb, reference=reference, keypoints=points, owner=owner, title=title,
        source_url=source_url, model=model,
    )  # fmt: skip
    return dataclasses.replace(added, warning=warning) if added.status == "registered" else added


def _foreign(path: Path, record_id: str | None, owner: str, *, allow: bool) -> tuple[RegisterResult | None, str | None]:
    """A file carrying a mark of ours for a record this registry does not hold (another home
    stamped it: a walkthrough registered a re-saved copy of another newsroom's stamp as its own
    original, which verify then passed): refused (the result), or with ``allow`` the warning to
    register it with. (None, None) without such a mark."""
    if record_id is None:
        return None, None
    said = foreign_mark(str(path), record_id)
    if allow:
        return None, f"{said}; registered as {owner}'s original anyway (--allow-contradiction)"
    hint = "Pass --allow-contradiction to register it anyway"
    refusal = UsageError(f"{said}; not registered as {owner}'s original", hint=hint)
    return RegisterResult(str(path), "refused", record_id, None, error=refusal.diagnostics()), None


def _anothers_picture(
    registry: Registry,
    path: Path,
    contained: list[Record],
    views: list[Lay],
    owner: str,
    *,
    sha256: str,
    allow: bool,
    crop: tuple[tuple[bytes | None, bytes | None], Callable[[], Image.Image]] | None = None,
) -> tuple[RegisterResult | None, str | None]:
    """:func:`verify.anothers_picture` registered as ``owner``'s original, in any of ``views``
    (:func:`verify.lays`) or as a crop of it (``crop``: the picture's keypoints and pixels): refused
    (the result), or with ``allow`` a warning to register it with."""
    if (found := anothers_picture_lying(registry, contained, views, owner, sha256, crop=crop)) is None:
        return None, None
    other, said = found
    return _claim(
        path, other, owner, f"{path}: {said}", allow=allow, hint="Pass --allow-contradiction to register it anyway"
    )


def _prints(rows: list[_PrintJSON]) -> list[fingerprint.Fingerprint]:
    return [fingerprint.Fingerprint(**row) for row in rows]


def _json(prints: list[fingerprint.Fingerprint]) -> list[_PrintJSON]:
    return [cast("_PrintJSON", asdict(f)) for f in prints]  # Fingerprint's fields


def _claim(
    path: Path, record: Record, owner: str, said: str, *, allow: bool, hint: str
) -> tuple[RegisterResult | None, str | None]:
    """A claim on ``record``'s picture as ``owner``'s original: refused (the result), or with
    ``allow`` the warning to register it with."""
    if allow:
        return None, f"{said}; registered as {owner}'s original anyway (--allow-contradiction)"
    refusal = UsageError(f"{said}; not registered as {owner}'s original", hint=hint)
    return RegisterResult(str(path), "refused", record.record_id, record.owner, error=refusal.diagnostics()), None


def _ingredient_of(
    registry: Registry, path: Path, sha256: str, owner: str, *, allow: bool
) -> tuple[RegisterResult | None, str | None]:
    """The unsigned file a stamp here was made from (its ingredient: the record keeps its SHA-256)
    is that record's picture as it was before stamping, so registering it as an original names a
    second owner for it: refused (the result), or with ``allow`` a warning to register it with."""
    record = registry.find_by_input_sha256(sha256)
    if record is None:
        return None, None
    if same_owner(record.owner, owner) and not allow:
        # the owner's own stamp of it: their picture is registered already, by its stamp (a walkthrough's
        # routine re-run of register over a folder exited 2, "refused", for a file nothing was wrong with);
        # --allow-contradiction still registers it as a record of its own, as asked
        return RegisterResult(str(path), "already-registered", record.record_id, record.owner), None
    said = (
        f"{path}: record {record.record_id} here (owner {record.owner}{titled(record)}) was stamped from this very file"
    )
    hint = "verify names that record as made from this file; --allow-contradiction registers it anyway"
    return _claim(path, record, owner, said, allow=allow, hint=hint)


def _declared_ai(path: Path, mime: str, data: bytes, policy: TrustPolicy) -> tuple[str | None, str | None]:
    """A warning when the file's own manifest declares it AI-made (IPTC digital source type):
    registering it as an original is allowed (an artist's own AI work), said, never silent;
    and the model the record keeps, so that copies of it are still called AI (the model the
    manifest names, else :data:`verdicts.UNSTATED_MODEL`). (None, None) for any other file."""
    if not has_manifest(mime, data):
        return None, None
    credentials = read_credentials(mime, data, policy=policy)
    if not credentials.present or not credentials.digital_source_type:
        return None, None
    term, words, strength = describe(credentials.digital_source_type)
    if strength not in ("ai-generated", "ai-edited"):
        return None, None
    named = [s.model or s.generator for s in detect.credential_signals(credentials, "C2PA manifest")]
    model = next((n for n in named if n), verdicts.UNSTATED_MODEL)
    # whose declaration it is: an AI image signed by another organisation is theirs to have made
    by = f", signed by {credentials.signer}," if credentials.signer else ""
    said = f"{path}: its Content Credentials{by} declare it {words} ({term}); registered as an original all the same"
    return said, model


def _joined(*warnings: str | None) -> str | None:
    return "; ".join(w for w in warnings if w) or None


def _refused(path: Path, record: Record, owner: str) -> RegisterResult:
    """A picture that is a registered one (its own record found as verify finds it) is not
    registered again: another original of it would name a second owner for the same picture."""
    refusal = UsageError(
        f"{path}: already registered here as record {record.record_id} (owner {record.owner}{titled(record)});"
        f" not registered again as {owner}'s",
        hint="verify traces a copy of a registered picture to its record and that record's owner",
    )
    return RegisterResult(str(path), "refused", record.record_id, record.owner, error=refusal.diagnostics())


def _add(
    registry: Registry,
    path: Path,
    sha256: str,
    prints: list[fingerprint.Fingerprint],
    thumb: bytes | None,
    *,
    reference: bytes | None,
    keypoints: bytes | None = None,
    owner: str,
    title: str | None,
    source_url: str | None,
    model: str | None = None,
) -> RegisterResult:
    record = Record(
        record_id=registry.new_record_id(),
        kind="original",
        owner=owner,
        model=model,  # an original whose own manifest declared it AI-made: the model it names
        sha256=sha256,
        fingerprints=prints,
        title=title or path.name,
        source_url=source_url,
        thumbnail=thumb,
        reference=reference,
        keypoints=keypoints,
    )
    with registry.transaction():
        if (raced := registry.find_by_sha256(sha256, kind="original")) is not None:
            return RegisterResult(str(path), "already-registered", raced.record_id, raced.owner)
        registry.add(record)
    low = any(f.low_quality for f in prints)
    return RegisterResult(str(path), "registered", record.record_id, owner, low_quality=low)
