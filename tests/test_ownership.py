"""Ownership: registering originals, tracing copies and twins, durable credentials."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from provenance import fingerprint
from provenance.config import Home
from provenance.fingerprint import KEYPOINTS, PDQ, PHASH, Fingerprint
from provenance.registry import Record, Registry
from provenance.verify import verify_path
from tests.conftest import ROOT, SAMPLES, Twin, require_fixtures, run_cli


def _json(text: str) -> Any:
    return json.loads(text)


def _only(report: Any) -> Any:
    return report[0] if isinstance(report, list) else report


def test_registered_photo_is_traced_through_jpeg_and_resize_and_its_twin(keyed_home: Path, tmp_path: Path) -> None:
    photo = SAMPLES / "coffee.png"
    result = run_cli(
        "register", photo, "--owner", "Daily Planet", "--source-url", "https://example.org/c", home=keyed_home
    )
    assert result.code == 0, result.stderr
    record_id = result.stdout.split()[0]
    again = run_cli("register", photo, "--owner", "Someone Else", home=keyed_home)
    assert again.code == 0
    assert "already registered (owner Daily Planet)" in again.stdout

    copy = tmp_path / "copy.jpg"
    img = Image.open(photo).convert("RGB")
    img.resize((img.width // 2, img.height // 2), Image.Resampling.BICUBIC).save(copy, "JPEG", quality=75)
    verified = run_cli("verify", "--json", copy, home=keyed_home)
    assert verified.code == 0, verified.stderr
    own = _only(_json(verified.stdout))["ownership"]
    assert own["verdict"] == "registered"
    assert own["matches"][0]["record_id"] == record_id
    assert own["matches"][0]["owner"] == "Daily Planet"
    assert own["matches"][0]["relation"] == "same-as"
    assert own["matches"][0]["source_url"] == "https://example.org/c"
    assert set(own["matches"][0]["distances"]) == {PDQ, PHASH}
    assert "Daily Planet" in own["summary"]

    twin_out = tmp_path / "twin.png"
    made = run_cli(
        "twin",
        photo,
        "-o",
        twin_out,
        "--model",
        "tiny",
        "--steps",
        "4",
        "--strength",
        "0.5",
        "--user",
        "eve",
        home=keyed_home,
    )
    assert made.code == 0, made.stderr
    report = _only(_json(run_cli("verify", "--json", twin_out, home=keyed_home).stdout))
    twin_of = [m for m in report["ownership"]["matches"] if m["relation"] == "twin-of"]
    assert [(m["record_id"], m["owner"]) for m in twin_of] == [(record_id, "Daily Planet")]
    assert report["ownership"]["verdict"] == "derived"


def test_watermark_gone_but_fingerprint_intact_recovers_via_fingerprint(keyed_home: Path, tmp_path: Path) -> None:
    # A stamped photo rather than the tiny model's twin: the twin is noise, whose PDQ under
    # downscaling sits near the match bound and moves with the host's float arithmetic.
    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "alice", home=keyed_home)
    assert made.code == 0, made.stderr
    record_id = made.stdout.splitlines()[1].split()[1]
    small = tmp_path / "small.png"  # under 128 px: no watermark can be read (wm-2 reads 200 px), the fingerprint does
    img = Image.open(stamped).convert("RGB")
    img.resize((180, round(180 * img.height / img.width)), Image.Resampling.LANCZOS).save(small)
    result = run_cli("verify", "--json", small, home=keyed_home)
    assert result.code == 0, result.stderr
    report = _only(_json(result.stdout))
    assert report["watermark"]["found"] is False
    cred = report["credentials"]
    assert cred["state"] == "recovered"  # none in the file; the registry's signed manifest, bound by fingerprint
    assert cred["recovered"] is True
    assert cred["recovered_via"] == "fingerprint"
    assert cred["recovered_manifest"]["state"] == "trusted"
    assert cred["recovered_manifest"]["record_id"] == record_id


def test_near_threshold_match_is_inconclusive_never_proof(tmp_path: Path) -> None:
    photo = SAMPLES / "rocket.jpg"
    prints = fingerprint.compute(Image.open(photo).convert("RGB"))
    pdq_value = int(fingerprint.find(prints, PDQ).value, 16) ^ ((1 << 45) - 1)  # type: ignore[union-attr]
    phash_value = int(fingerprint.find(prints, PHASH).value, 16) ^ ((1 << 30) - 1)  # type: ignore[union-attr]
    home = Home(tmp_path / "home")
    with Registry.open(home.registry_path) as reg, reg.transaction():
        reg.add(
            Record(
                "00000000000000c1",
                "original",
                "Agency",
                "not-this-file",
                [Fingerprint(PDQ, f"{pdq_value:064x}", 90), Fingerprint(PHASH, f"{phash_value:016x}")],
                title="look-alike",
            )
        )
    report = verify_path(photo, home=home)
    assert report.ownership.verdict == "inconclusive"
    assert [(m.record_id, m.strength) for m in report.ownership.matches] == [("00000000000000c1", "inconclusive")]
    assert report.ownership.matches[0].distances == {PDQ: 45, PHASH: 30}
    assert report.exit_code == 3
    assert "Inconclusive" in report.summary
    assert report.credentials.recovered is False


def test_export_import_remove_round_trip(registry_location: str, tmp_path: Path) -> None:
    env = {"PROVENANCE_REGISTRY": registry_location}
    home = tmp_path / "home"
    assert run_cli("register", SAMPLES, "--owner", "Archive", home=home, env=env).code == 0
    stats = _json(run_cli("registry", "stats", "--json", home=home, env=env).stdout)
    assert stats["records"] == {"original": 4}
    assert stats["fingerprints"] == {PDQ: 4, PHASH: 4, KEYPOINTS: 4}  # keypoints: how many records have them
    export = tmp_path / "export.jsonl"
    assert run_cli("registry", "export", export, home=home, env=env).code == 0
    kept = export.read_bytes()
    refused = run_cli("registry", "export", export, home=home, env=env)
    assert refused.code != 0
    assert "already exists" in refused.stderr
    assert export.read_bytes() == kept
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert {line["owner"] for line in lines} == {"Archive"}
    first = lines[0]["record_id"]
    assert run_cli("registry", "remove", first, home=home, env=env).code == 0
    missing = run_cli("registry", "remove", first, home=home, env=env)
    assert missing.code == 2
    assert "no such record" in missing.stderr
    # all or none: a typo beside a real id removes nothing (it removed the first, then failed)
    second = lines[1]["record_id"]
    partial = run_cli("registry", "remove", second, "0000000000000000", home=home, env=env)
    assert partial.code == 2
    assert "no such record: 0000000000000000; nothing was removed" in partial.stderr
    assert _json(run_cli("registry", "stats", "--json", home=home, env=env).stdout)["records"] == {"original": 3}
    imported = run_cli("registry", "import", export, home=home, env=env)
    assert "Imported 1 records (3 already present)" in imported.stdout
    again = run_cli("registry", "import", export, home=home, env=env)
    assert "Imported 0 records (4 already present)" in again.stdout
    copy = tmp_path / "copy.jpg"
    Image.open(SAMPLES / "astronaut.png").convert("RGB").save(copy, "JPEG", quality=80)
    report = _only(_json(run_cli("verify", "--json", copy, home=home, env=env).stdout))
    assert report["ownership"]["matches"][0]["owner"] == "Archive"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"record_id": 1}\n')
    broken = run_cli("registry", "import", bad, home=home, env=env)
    assert broken.code == 4
    assert "Traceback" not in broken.stderr


def _distinct_images(folder: Path, count: int) -> None:
    folder.mkdir()
    rng = np.random.default_rng(11)
    for i in range(count):
        blocks = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        Image.fromarray(blocks).resize((96, 96), Image.Resampling.BICUBIC).save(folder / f"img{i:03}.png")


def test_sigkill_during_bulk_register_then_rerun_loses_and_doubles_nothing(tmp_path: Path) -> None:
    # enough small files that the registration is still running well after the 15th commit
    # (with 60, a fast machine registered the other 45 between two polls)
    total = 600
    archive = tmp_path / "archive"
    _distinct_images(archive, total)
    home = tmp_path / "home"
    db = home / "registry.sqlite3"
    env = {**os.environ, "PROVENANCE_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "provenance_cli.main", "register", str(archive), "--owner", "Wire"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and _count(db) >= 15:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    midway = _count(db)
    assert 0 < midway < total, "the kill should land midway"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every record has all its fingerprints: no half-written record
        assert conn.execute("SELECT COUNT(*) FROM fingerprints").fetchone()[0] == 3 * midway  # PDQ, pHash, keypoints
    rerun = run_cli("register", archive, "--owner", "Wire", home=home)
    assert rerun.code == 0, rerun.stderr
    assert f"{total - midway} registered, {midway} already registered" in rerun.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM records").fetchone() == (total, total)


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM records").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_a_twin_that_looks_like_its_original_is_its_twin_not_the_original(keyed_home: Path, tmp_path: Path) -> None:
    """The demo model's twin is within a few PDQ bits of its source: the registry link, not the look-alike, names it."""
    twin_out = tmp_path / "twin.png"
    made = run_cli("twin", SAMPLES / "astronaut.png", "-o", twin_out, "--steps", "10", "--user", "eve", home=keyed_home)
    assert made.code == 0, made.stderr
    report = _only(_json(run_cli("verify", "--json", twin_out, home=keyed_home).stdout))
    by_relation = {m["relation"]: m for m in report["ownership"]["matches"]}
    assert set(by_relation) == {"same-as", "twin-of"}
    assert by_relation["twin-of"]["title"] == "astronaut.png"
    assert by_relation["twin-of"]["distances"], "the look-alike's distances stay on the linked record"
    assert report["ownership"]["verdict"] == "derived"
    assert "an AI twin of the registered original 'astronaut.png'" in report["ownership"]["summary"]


def test_a_registered_original_belongs_to_the_organisation_for_twin_and_stamp(keyed_home: Path, tmp_path: Path) -> None:
    """stamp registers a newsroom's own photo as an original of the signer's organisation, but
    twin registered its source photo (an original too) as the --user's: one registry, two
    notions of who owns an original. Both now give the organisation; the AI image or twin made
    from it stays the user's."""
    twin_out = tmp_path / "twin.png"
    made = run_cli("twin", SAMPLES / "chelsea.png", "-o", twin_out, "--model", "tiny", "--steps", "2",
                   "--strength", "0.5", "--user", "eve", home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    report = _only(_json(run_cli("verify", "--json", twin_out, home=keyed_home).stdout))
    owners = {m["relation"]: (m["kind"], m["owner"]) for m in report["ownership"]["matches"]}
    assert owners["twin-of"] == ("original", "Test Newsroom")
    assert owners["same-as"] == ("twin", "eve")
    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", SAMPLES / "astronaut.png", "-o", stamped, "--source", SAMPLES / "coffee.png",
                   "--user", "eve", home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    report = _only(_json(run_cli("verify", "--json", stamped, home=keyed_home).stdout))
    owners = {m["relation"]: (m["kind"], m["owner"]) for m in report["ownership"]["matches"]}
    assert owners["derivative-of"] == ("original", "Test Newsroom")
    assert owners["same-as"] == ("stamped", "eve")


def test_a_source_another_organisation_signed_stays_theirs(keyed_home: Path, tmp_path: Path) -> None:
    """A twin made from an agency's signed photo registered that photo as the newsroom's
    original. A source carrying an intact manifest another organisation signed is now
    registered as that organisation's; the twin stays the user's."""
    from provenance.config import Home
    from provenance.credentials import init_identity

    agency = tmp_path / "agency"
    init_identity(Home(agency), org="Wire Agency")
    photo = tmp_path / "wire.png"
    made = run_cli("stamp", SAMPLES / "coffee.png", "-o", photo, "--source-type", "captured", "--user", "desk",
                   home=agency)  # fmt: skip
    assert made.code == 0, made.stderr
    twin_out = tmp_path / "twin.png"
    made = run_cli("twin", photo, "-o", twin_out, "--model", "tiny", "--steps", "2", "--strength", "0.5",
                   "--user", "eve", home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    declared = next(line for line in made.stdout.splitlines() if line.strip().startswith("declared"))
    assert "--source-type" not in declared  # twin has no such option: a twin is generated
    assert "trainedAlgorithmicMedia" in declared
    report = _only(_json(run_cli("verify", "--json", twin_out, home=keyed_home).stdout))
    owners = {m["relation"]: (m["kind"], m["owner"]) for m in report["ownership"]["matches"]}
    assert owners["twin-of"] == ("original", "Wire Agency")
    assert owners["same-as"] == ("twin", "eve")
    # the newsroom's own unsigned photo as a source is still the newsroom's
    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", SAMPLES / "astronaut.png", "-o", stamped, "--source", photo, "--user", "eve",
                   home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    report = _only(_json(run_cli("verify", "--json", stamped, home=keyed_home).stdout))
    owners = {m["relation"]: (m["kind"], m["owner"]) for m in report["ownership"]["matches"]}
    assert owners["derivative-of"] == ("original", "Wire Agency")


def _resaved(path: Path, out: Path, *, half: bool = False) -> Path:
    """A copy that lost its manifest and its bytes: the pixels re-saved as JPEG (halved: resized too)."""
    with Image.open(path) as img:
        picture = img.convert("RGB")
    if half:
        picture = picture.resize((picture.width // 2, picture.height // 2), Image.Resampling.BICUBIC)
    picture.save(out, "JPEG", quality=85)
    return out


def _owners(home: Path) -> set[str]:
    from provenance.registry import read_home_registry

    registry = read_home_registry(Home(home))
    assert registry is not None
    with registry:
        return {r.owner for r in registry.iter_records()}


def test_a_copy_of_a_stamped_photo_is_not_registered_to_another_owner(tmp_path: Path) -> None:
    """stamp a photo as captured (Daily Planet), re-save it as JPEG (the mark stays), register the
    copy as Evil Corp's: it was registered, and verify could then name Evil Corp as the owner."""
    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    published = tmp_path / "published.jpg"
    made = run_cli("stamp", SAMPLES / "rocket.jpg", "-o", published, "--source-type", "captured",
                   "--user", "Jane Doe", home=home)  # fmt: skip
    assert made.code == 0, made.stderr
    record = made.stdout.splitlines()[1].split()[1]
    copy = _resaved(published, tmp_path / "copy.jpg")

    refused = run_cli("register", copy, "--owner", "Evil Corp", home=home)
    assert refused.code == 2, refused.stdout
    assert refused.stdout == ""
    errors = [line for line in refused.stderr.splitlines() if line.startswith("provenance: error:")]
    assert len(errors) == 1, refused.stderr
    assert (
        f"{copy}: already registered here as record {record} (owner Daily Planet, title 'published.jpg')" in (errors[0])
    )
    assert "not registered again as Evil Corp's" in errors[0]
    assert "0 registered, 0 already registered, 1 refused, 0 unreadable" in refused.stderr
    assert _owners(home) == {"Daily Planet"}
    report = _only(_json(run_cli("verify", "--json", copy, home=home).stdout))
    assert {m["owner"] for m in report["ownership"]["matches"]} == {"Daily Planet"}

    # a crop keeps the mark's tiles, not its whole-picture layer: a walkthrough registered a 36 % crop
    # as another owner's original, and verify then named that owner for Daily Planet's own copies
    crop = tmp_path / "crop.jpg"
    with Image.open(published) as img:
        w, h = img.size
        img.convert("RGB").crop((w // 5, h // 5, w * 4 // 5, h * 4 // 5)).save(crop, quality=90)
    cropped = run_cli("register", crop, "--owner", "Evil Corp", home=home)
    assert cropped.code == 2, cropped.stdout
    assert f"{crop}: already registered here as record {record} (owner Daily Planet" in cropped.stderr
    assert _owners(home) == {"Daily Planet"}

    # in bulk, with --json: the copy refused, a new picture registered, the stamped file itself already is
    folder = tmp_path / "archive"
    folder.mkdir()
    for path in (copy, published, SAMPLES / "coffee.png"):
        (folder / path.name).write_bytes(path.read_bytes())
    bulk = run_cli("register", folder, "--owner", "Evil Corp", "--json", home=home)
    assert bulk.code == 2, bulk.stderr
    results = {Path(r["path"]).name: r for r in map(json.loads, bulk.stdout.splitlines())}
    assert (results["copy.jpg"]["status"], results["copy.jpg"]["record_id"]) == ("refused", record)
    assert results["copy.jpg"]["owner"] == "Daily Planet"
    assert "already registered here as record" in results["copy.jpg"]["error"]
    assert (results["published.jpg"]["status"], results["published.jpg"]["owner"]) == (
        "already-registered",
        "Daily Planet",
    )
    assert results["coffee.png"]["status"] == "registered"


def test_a_stamped_ai_file_is_refused_but_a_look_alike_of_a_registered_original_is_registered(
    keyed_home: Path, tmp_path: Path
) -> None:
    """The file an AI stamp wrote is that record's picture (found by its SHA-256): not a new original.
    A copy of another owner's registered original carries no mark, but it is that picture all the
    same: refused, naming it (registered as asked, its copies and the original's read contested: a
    walkthrough's wire photo); --allow-contradiction registers it."""
    stamped = tmp_path / "ai.png"
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "bot", home=keyed_home)
    assert made.code == 0, made.stderr
    refused = run_cli("register", stamped, "--owner", "Evil Corp", home=keyed_home)
    assert refused.code == 2, refused.stdout
    assert f"already registered here as record {made.stdout.splitlines()[1].split()[1]} (owner bot" in refused.stderr

    assert run_cli("register", SAMPLES / "coffee.png", "--owner", "Agency", home=keyed_home).code == 0
    like = _resaved(SAMPLES / "coffee.png", tmp_path / "like.jpg", half=True)
    before = _only(_json(run_cli("verify", "--json", like, home=keyed_home).stdout))
    assert before["ownership"]["matches"][0]["owner"] == "Agency"  # near it by fingerprint
    refused = run_cli("register", like, "--owner", "Someone", home=keyed_home)
    assert refused.code == 2, refused.stdout
    assert "(owner Agency, title 'coffee.png'), registered as an original" in refused.stderr
    registered = run_cli("register", like, "--owner", "Someone", "--allow-contradiction", home=keyed_home)
    assert registered.code == 0, registered.stderr
    assert "like.jpg: registered" in registered.stdout
    assert _owners(keyed_home) == {"bot", "Agency", "Someone"}


def test_the_ray_engine_refuses_what_the_local_one_refuses(keyed_home: Path, tmp_path: Path, monkeypatch: Any) -> None:
    """Ray workers tell the registering process what a file's mark names; it looks the file's own
    record up as the local engine does (Ray itself replaced by a local map: the rows are JSON)."""
    from provenance import register as registering
    from provenance.scan import engines

    def local_map(paths: list[str], make_worker: Any, jobs: int, address: str | None) -> Any:
        worker = make_worker()
        return (json.loads(json.dumps(worker(path))) for path in paths)

    monkeypatch.setattr(engines, "ray_map", local_map)
    published = tmp_path / "published.png"
    made = run_cli("stamp", SAMPLES / "astronaut.png", "-o", published, "--source-type", "captured",
                   "--user", "Jane", home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    folder = tmp_path / "archive"
    folder.mkdir()
    _resaved(published, folder / "copy.jpg")
    with Image.open(published) as img:
        w, h = img.size
        img.convert("RGB").crop((w // 5, h // 5, w * 4 // 5, h * 4 // 5)).save(folder / "crop.jpg", quality=90)
    (folder / "rocket.jpg").write_bytes((SAMPLES / "rocket.jpg").read_bytes())
    results = registering.register_paths([folder], owner="Evil Corp", home=Home(keyed_home), engine="ray")
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["copy.jpg"].status == "refused"
    assert by_name["crop.jpg"].status == "refused"  # its tiles read in the worker
    assert by_name["copy.jpg"].owner == "Test Newsroom"
    assert by_name["copy.jpg"].exit_code == 2
    assert by_name["rocket.jpg"].status == "registered"
    assert _owners(keyed_home) == {"Test Newsroom", "Evil Corp"}


def test_the_unsigned_camera_file_a_stamp_was_made_from_is_not_someone_elses_original(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A walkthrough: stamp a camera photo as captured (Daily Planet), then register the unsigned camera
    file it was made from (the stamp's ingredient, byte for byte) as Evil Corp's: it was registered,
    and verify then called the camera file Evil Corp's original. Refused as the guard refuses a copy,
    unless --allow-contradiction, which registers it with a warning."""
    camera = tmp_path / "camera.jpg"
    camera.write_bytes(require_fixtures("photos", "exif-samples__exif-org__nikon-e950.jpg").read_bytes())
    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    published = tmp_path / "published.jpg"
    made = run_cli("stamp", camera, "-o", published, "--source-type", "captured", "--user", "Jane Doe", home=home)
    assert made.code == 0, made.stderr
    record = made.stdout.splitlines()[1].split()[1]

    refused = run_cli("register", camera, "--owner", "Evil Corp", home=home)
    assert refused.code == 2, refused.stdout
    assert refused.stdout == ""
    errors = [line for line in refused.stderr.splitlines() if line.startswith("provenance: error:")]
    assert len(errors) == 1, refused.stderr
    assert f"{camera}: record {record} here (owner Daily Planet, title 'published.jpg') was stamped from" in errors[0]
    assert "not registered as Evil Corp's original" in errors[0]
    assert "--allow-contradiction" in errors[0]
    assert _owners(home) == {"Daily Planet"}
    as_json = _json(run_cli("register", camera, "--owner", "Evil Corp", "--json", home=home).stdout)
    assert (as_json["status"], as_json["record_id"], as_json["owner"]) == ("refused", record, "Daily Planet")
    # the stamp's own owner registering the file again (a routine re-run over a folder): registered already,
    # by its stamp, not refused (a walkthrough's re-run exited 2)
    again = run_cli("register", camera, "--owner", "Daily Planet", "--json", home=home)
    assert again.code == 0, again.stderr
    assert (_json(again.stdout)["status"], _json(again.stdout)["record_id"]) == ("already-registered", record)
    assert _owners(home) == {"Daily Planet"}

    # the Ray engine's rows are refused alike (Ray replaced by a local map: the rows are JSON)
    from provenance import register as registering
    from provenance.scan import engines

    def local_map(paths: list[str], make_worker: Any, jobs: int, address: str | None) -> Any:
        worker = make_worker()
        return (json.loads(json.dumps(worker(path))) for path in paths)

    monkeypatch.setattr(engines, "ray_map", local_map)
    (ray_row,) = registering.register_paths([camera], owner="Evil Corp", home=Home(home), engine="ray")
    assert (ray_row.status, ray_row.record_id, ray_row.exit_code) == ("refused", record, 2)

    allowed = run_cli("register", camera, "--owner", "Evil Corp", "--allow-contradiction", home=home)
    assert allowed.code == 0, allowed.stderr
    assert "camera.jpg: registered" in allowed.stdout
    assert f"provenance: warning: {camera}: record {record} here" in allowed.stderr
    assert "registered as Evil Corp's original anyway (--allow-contradiction)" in allowed.stderr
    assert _owners(home) == {"Daily Planet", "Evil Corp"}


def test_a_registered_twin_with_a_pasted_region_is_derived_but_parts_differ(twin: Twin, tmp_path: Path) -> None:
    """A walkthrough's twin with a logo pasted over it read "Derived from a registered original"
    with nothing qualifying it, its placement "the whole of that picture" naming the original
    (the twin's source), and "the file itself says it is AI-generated" for a manifest recovered
    from the registry, the model's name twice."""
    from provenance import verdicts

    altered = tmp_path / "twin-with-logo.jpg"
    with Image.open(twin.path) as img, Image.open(SAMPLES / "rocket.jpg") as logo:
        picture = img.convert("RGB")
        w, h = picture.size
        picture.paste(logo.convert("RGB").resize((w * 2 // 5, h * 2 // 5)), (w - w * 2 // 5 - 10, 10))
        picture.save(altered, quality=90)
    report = verify_path(altered, home=Home(twin.home))
    assert report.ownership.verdict == "derived"
    assert report.exit_code == 3
    placed = report.ownership.matches[0].placement
    assert placed is not None
    assert placed.state == "altered"
    shown = verdicts.shown_word("ownership", "derived", "altered")
    assert shown.label == "Derived from a registered original, but altered"
    assert shown.tone == "warn"
    assert "but parts differ" in report.ownership.summary
    assert f"of the registered twin '{twin.path.name}' ({twin.record_id})" in report.ownership.summary
    assert "The recovered manifest says the picture is AI-generated" in report.summary
    assert "The file itself says" not in report.summary
    model = report.ai.signals[0].model
    assert model is not None
    assert report.summary.count(model) == 1


def test_a_blurred_copy_of_a_twin_is_never_called_the_photo_it_was_made_from(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough's near-copy twin (the default demo model), blurred, lost its mark and was
    nearer its twin record (PDQ 2) than the photo (8-10); the photo's match stood alone
    ("Provenance established", the registered original, no AI signal, exit 0). The two records,
    one made from the other, are now rivals: not established. A re-saved copy of the photo is
    still the photo."""
    from PIL import ImageFilter

    made = tmp_path / "twin.png"
    result = run_cli("twin", SAMPLES / "coffee.png", "-o", made, "--user", "alice", "--seed", "1", home=keyed_home)
    assert result.code == 0, result.stderr
    home = Home(keyed_home)
    blurred = tmp_path / "twin-blurred.jpg"
    with Image.open(made) as img:
        img.convert("RGB").filter(ImageFilter.GaussianBlur(2.5)).save(blurred, quality=90)
    report = verify_path(blurred, home=home)
    assert not report.watermark.found  # the case the walkthrough met
    assert report.exit_code == 3, report.summary
    assert report.ownership.verdict != "registered", report.ownership.summary
    firm = [m for m in report.ownership.matches if m.relation == "same-as" and m.strength == "match"]
    assert not firm, firm
    photo = tmp_path / "photo-resaved.jpg"
    with Image.open(SAMPLES / "coffee.png") as img:
        img.convert("RGB").save(photo, quality=90)
    report = verify_path(photo, home=home)
    assert report.ownership.verdict == "registered", report.ownership.summary
    assert report.exit_code == 0
    # nor can the blurred twin be signed as a camera photo (it was, exit 0); the photo's copy can
    laundered = run_cli("stamp", blurred, "-o", tmp_path / "laundered.jpg", "--source-type", "captured",
                        "--user", "x", home=keyed_home)  # fmt: skip
    assert laundered.code == 2, laundered.stderr
    assert "an AI image" in laundered.stderr
    honest = run_cli("stamp", photo, "-o", tmp_path / "honest.jpg", "--source-type", "captured", "--user", "x",
                     home=keyed_home)  # fmt: skip
    assert honest.code == 0, honest.stderr


def test_a_small_copy_of_a_photo_with_a_twin_is_the_photo_when_the_thumbnails_tell(
    keyed_home: Path, tmp_path: Path
) -> None:
    """A walkthrough's half-size copy of a photo read "Inconclusive" between the photo and its twin,
    no owner named (exit 3), although all 163 of the photo's detailed areas matched and the twin's
    differed. The thumbnails tell them apart: the photo's copy is the photo, the twin's the twin."""
    made = tmp_path / "twin.png"
    result = run_cli("twin", SAMPLES / "coffee.png", "-o", made, "--user", "alice", "--seed", "1", "--steps", "4",
                     "--strength", "0.5", home=keyed_home)  # fmt: skip
    assert result.code == 0, result.stderr
    home = Home(keyed_home)
    for name, source in (("photo", SAMPLES / "coffee.png"), ("twin", made)):
        copy = tmp_path / f"{name}-small.jpg"
        with Image.open(source) as img:
            img.convert("RGB").resize((img.width * 2 // 5, img.height * 2 // 5)).save(copy, quality=85)
        report = verify_path(copy, home=home)
        firm = [m for m in report.ownership.matches if m.relation == "same-as" and m.strength == "match"]
        assert [m.kind for m in firm] == (["original"] if name == "photo" else ["twin"]), report.ownership.summary
        assert report.exit_code == 0, report.summary
        assert (report.ai.verdict == "ai-generated") == (name == "twin"), report.ai


def test_another_owners_copy_of_a_twin_or_its_restamp_never_wins_the_photo(keyed_home: Path, tmp_path: Path) -> None:
    """Two walkthrough cases around a near-copy twin (the demo model) and its photo, which the hashes
    cannot tell apart. A small copy of the twin registered as another owner's original (refused now;
    forced, --allow-contradiction) won a thumbnail of the photo, "owned by Someone Else", exit 0,
    while the nearer photo and twin were ambiguous. A rival's AI stamp of a copy of the twin (their
    mark over ours) read as the whole of the photo, exit 0. Both are inconclusive now."""
    from provenance.credentials import init_identity

    made = tmp_path / "twin.png"
    result = run_cli("twin", SAMPLES / "coffee.png", "-o", made, "--user", "alice", "--seed", "1", home=keyed_home)
    assert result.code == 0, result.stderr
    small, thumb = tmp_path / "twin-200.jpg", tmp_path / "photo-320.jpg"
    with Image.open(made) as img:
        img.convert("RGB").resize((200, 133), Image.Resampling.LANCZOS).save(small, quality=85)
    with Image.open(SAMPLES / "coffee.png") as img:
        img.convert("RGB").resize((320, 213), Image.Resampling.LANCZOS).save(thumb, quality=85)
    refused = run_cli("register", small, "--owner", "Someone Else", home=keyed_home)
    assert refused.code == 2, refused.stdout + refused.stderr
    assert "and the picture it was made from" in refused.stderr
    forced = run_cli("register", small, "--owner", "Someone Else", "--allow-contradiction", home=keyed_home)
    assert forced.code == 0, forced.stderr
    report = verify_path(thumb, home=Home(keyed_home))
    assert report.exit_code == 3, report.summary
    assert report.ownership.verdict != "registered", report.ownership.summary
    theirs = [m for m in report.ownership.matches if m.owner == "Someone Else"]
    assert theirs, report.ownership.matches
    assert "owner Someone Else), registered to another owner" in report.ownership.summary  # named, not only listed
    assert all(m.strength != "match" for m in theirs), theirs
    rival = tmp_path / "rival"
    init_identity(Home(rival), org="Copycat Ltd")
    copy, restamped = tmp_path / "twin-q60.jpg", tmp_path / "restamped.jpg"
    with Image.open(made) as img:
        img.convert("RGB").save(copy, quality=60)
    assert run_cli("stamp", copy, "-o", restamped, "--user", "copy cat", home=rival).code == 0
    report = verify_path(restamped, home=Home(keyed_home))
    assert report.exit_code == 3, report.summary
    assert not [m for m in report.ownership.matches if m.relation == "same-as" and m.strength == "match"]


def test_a_twin_stamped_elsewhere_never_takes_our_photos_credentials(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough: another studio's twin of our stamped photo, re-saved, read as our photo
    ("Captured", our manifest recovered by fingerprint, exit 0) though its pixels carry that
    studio's mark, for a record not in our registry. It was stamped elsewhere: only similar."""
    from provenance.credentials import init_identity

    ours = tmp_path / "ours.png"
    stamped = run_cli("stamp", SAMPLES / "coffee.png", "-o", ours, "--user", "jane", "--source-type", "captured",
                      home=keyed_home)  # fmt: skip
    assert stamped.code == 0, stamped.stderr
    studio = tmp_path / "studio"
    init_identity(Home(studio), org="Other Studio")
    twin_file = tmp_path / "their-twin.png"
    made = run_cli("twin", ours, "-o", twin_file, "--user", "bob", "--seed", "2", home=studio)
    assert made.code == 0, made.stderr
    resaved = tmp_path / "their-twin.jpg"
    with Image.open(twin_file) as img:
        img.convert("RGB").save(resaved, quality=92)
    report = verify_path(resaved, home=Home(keyed_home))
    assert report.watermark.found
    assert report.credentials.state != "recovered", report.summary
    assert report.ai.verdict != "captured"
    assert report.exit_code == 3, report.summary
    assert report.ownership.verdict == "similar"
    assert "stamped elsewhere" in report.ownership.summary


def test_one_picture_registered_by_two_owners_names_neither(tmp_path: Path) -> None:
    """A walkthrough: a blurred copy of a newsroom's photo, registered by another agency as its
    own original, made a copy of the photo read "matches the registered original ... owned by
    Thief Agency" (exit 0), two same-as records of different owners and no word of the conflict.
    Whose picture it is cannot be told from the hashes: inconclusive, both named."""
    from PIL import ImageFilter

    from provenance.register import register_paths

    home = Home(tmp_path / "archive")
    photo = tmp_path / "photo.png"
    Image.open(SAMPLES / "coffee.png").convert("RGB").save(photo)
    register_paths([photo], home=home, owner="Daily Planet")
    taken = tmp_path / "taken.jpg"
    Image.open(photo).filter(ImageFilter.GaussianBlur(1.5)).save(taken, quality=90)
    # refused now, naming the first owner's record (a walkthrough's stamp of a wire photo's re-save
    # became the newsroom's original without a word); forced, copies of it are contested
    (refused,) = register_paths([taken], home=home, owner="Thief Agency")
    assert refused.status == "refused", refused
    assert "owner Daily Planet" in str(refused.error)
    assert "registered as an original: a copy of that picture" in str(refused.error)
    (added,) = register_paths([taken], home=home, owner="Thief Agency", allow_contradiction=True)
    assert added.status == "registered"
    copy = tmp_path / "copy.jpg"
    Image.open(photo).save(copy, quality=85)
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "inconclusive", report.ownership.summary
    assert "registered to different owners" in report.ownership.summary
    assert "Daily Planet" in report.ownership.summary
    assert "Thief Agency" in report.ownership.summary
    assert report.exit_code == 3


def test_boxes_drawn_on_a_registered_original_are_seen(tmp_path: Path) -> None:
    """A walkthrough: an archive's registered photo with detection boxes and labels drawn on it read
    "the whole of that picture", exit 0: an original held the 128 px thumbnail alone, too coarse
    for thin lines, while the same boxes on a stamp were caught (its manifest's claim thumbnail).
    Registering keeps that detailed picture too (Record.reference); a re-save still passes."""
    from PIL import ImageDraw

    from provenance.register import register_paths

    home = Home(tmp_path / "archive")
    photo = tmp_path / "photo.jpg"
    with Image.open(SAMPLES / "rocket.jpg") as small:  # 1280 px: 2 px lines are lost at 128 px
        small.convert("RGB").resize((1280, 854), Image.Resampling.LANCZOS).save(photo, quality=95)
    (registered,) = register_paths([photo], home=home, owner="Regional Gazette")
    assert registered.status == "registered"
    boxed, resaved = tmp_path / "boxed.jpg", tmp_path / "resaved.jpg"
    with Image.open(photo) as img:
        img.save(resaved, quality=85)
        drawn = img.convert("RGB")
        pen = ImageDraw.Draw(drawn)
        w, h = drawn.size
        pen.rectangle((w * 0.2, h * 0.2, w * 0.45, h * 0.7), outline=(0, 255, 0), width=2)
        pen.text((w * 0.2 + 4, h * 0.2 + 4), "person", fill=(0, 255, 0))
        drawn.save(boxed, quality=90)
    report = verify_path(boxed, home=home)
    assert report.exit_code == 3, report.summary
    [match] = [m for m in report.ownership.matches if m.record_id == registered.record_id]
    assert match.placement is not None
    assert match.placement.state == "altered", match.placement
    assert "parts differ" in report.summary
    honest = verify_path(resaved, home=home)
    assert honest.exit_code == 0, honest.summary
    assert "the whole of that picture" in honest.summary


def test_registering_an_older_original_again_gives_it_its_detailed_reference(tmp_path: Path) -> None:
    """A red-team: an original registered before schema 5 has no reference picture, and registering
    the same file again did not add one, so drawn boxes on its copies could never be seen."""
    from provenance.register import register_paths

    home = Home(tmp_path / "archive")
    photo = tmp_path / "photo.jpg"
    Image.open(SAMPLES / "rocket.jpg").convert("RGB").save(photo, quality=95)
    (first,) = register_paths([photo], home=home, owner="Desk")
    with sqlite3.connect(home.registry_path) as conn:  # as a record from before schema 5 has it
        conn.execute("UPDATE records SET reference = NULL")
    (again,) = register_paths([photo], home=home, owner="Desk")
    assert again.status == "already-registered"
    assert first.record_id is not None
    with Registry.open(home.registry_path) as registry:
        record = registry.get(first.record_id)
        assert record is not None
        assert record.reference is not None
        assert record.reference[:2] == b"\xff\xd8"  # a JPEG, as a claim thumbnail is


def test_one_owners_two_spellings_are_one_owner_not_a_contest(tmp_path: Path) -> None:
    """Register compares owners without case (a newsroom re-registered its own re-save as "daily
    planet"), and verify must too: copies read "registered to different owners", inconclusive, for one
    newsroom's two records, while register had let the second in as the same owner's."""
    from provenance.register import register_paths

    home = Home(tmp_path / "archive")
    picture = Image.open(SAMPLES / "rocket.jpg").convert("RGB")
    first, second, copy = tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "copy.jpg"
    picture.save(first, quality=95)
    picture.save(second, quality=90)
    picture.save(copy, quality=85)
    assert register_paths([first], home=home, owner="Daily Planet")[0].status == "registered"
    assert register_paths([second], home=home, owner="daily  planet")[0].status == "registered"
    report = verify_path(copy, home=home)
    assert report.ownership.verdict == "registered", report.ownership.summary
    assert "different owners" not in report.ownership.summary
    assert report.exit_code == 0


def test_stamping_a_copy_of_another_owners_registered_original_is_refused(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough stamped a re-save of a wire agency's registered photo as the newsroom's capture:
    it became the newsroom's original without a word, and the wire's own copies read contested.
    Refused, naming the wire's record; an AI stamp makes no claim on the picture and is not."""
    from provenance.register import register_paths

    wire = tmp_path / "wire.png"
    Image.open(SAMPLES / "rocket.jpg").convert("RGB").save(wire)
    (registered,) = register_paths([wire], home=Home(keyed_home), owner="Wire Agency", title="Wire: rocket")
    assert registered.status == "registered"
    resaved = tmp_path / "resaved.jpg"
    Image.open(wire).save(resaved, quality=80)
    refused = run_cli("stamp", resaved, "-o", tmp_path / "ours.jpg", "--source-type", "captured", "--user", "tom",
                      home=keyed_home)  # fmt: skip
    assert refused.code == 2, refused.stdout
    assert (
        f"it looks like record {registered.record_id} here (owner Wire Agency, title 'Wire: rocket')" in refused.stderr
    )
    assert not (tmp_path / "ours.jpg").exists()
    # the same owner, spelt with other case or spaces, is not another owner
    smaller = tmp_path / "smaller.jpg"
    Image.open(wire).resize((480, 320)).save(smaller, quality=85)
    (again,) = register_paths([smaller], home=Home(keyed_home), owner=" wire  agency ")
    assert again.status == "registered", again
    forced = run_cli("stamp", resaved, "-o", tmp_path / "ours.jpg", "--source-type", "captured", "--user", "tom",
                     "--allow-contradiction", home=keyed_home)  # fmt: skip
    assert forced.code == 0, forced.stderr
    assert "registered as stamped here, not as" in forced.stderr + forced.stdout
    # nor as AI-made (a red-team's AI stamp of the re-save made every copy of the wire's photo read AI)
    ai = run_cli("stamp", resaved, "-o", tmp_path / "ai.jpg", "--user", "r", "--owner", "Rival", home=keyed_home)
    assert ai.code == 2, ai.stdout
    assert "not stamped as AI-made" in ai.stderr


def test_flat_pictures_and_pictures_alike_by_one_hash_are_not_one_picture(keyed_home: Path, tmp_path: Path) -> None:
    """A red-team: a solid blue picture "matched the registered original" solid red one (pHash 0, the
    same for every flat picture; PDQ 168), exit 0, and was refused registration as its copy; two
    different pages of text were refused on their pHashes alone."""
    from provenance.register import register_paths

    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    Image.new("RGB", (800, 600), (200, 20, 20)).save(red)
    Image.new("RGB", (800, 600), (20, 20, 200)).save(blue)
    (first,) = register_paths([red], home=Home(keyed_home), owner="Wire Agency")
    assert first.status == "registered"
    report = verify_path(blue, home=Home(keyed_home))
    assert report.ownership.verdict != "registered", report.ownership.summary
    assert report.exit_code == 3
    (second,) = register_paths([blue], home=Home(keyed_home), owner="Daily Planet")
    assert second.status == "registered", second


def test_a_copy_of_an_ai_stamp_that_lost_its_mark_is_still_ai(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough's square crops of stamped AI images, resized to 400 px, lost the mark and
    read "possibly its unsigned source" with "No AI signal found". A copy of an AI stamp, or of
    the AI image it was stamped from, is AI-made either way; the words say it is a crop."""
    from PIL import ImageFilter

    stamped = tmp_path / "stamped.png"
    assert run_cli("stamp", SAMPLES / "astronaut.png", "-o", stamped, "--user", "u", home=keyed_home).code == 0
    crop = tmp_path / "crop.jpg"
    with Image.open(stamped) as img:
        part = img.convert("RGB").crop((16, 16, 496, 496)).filter(ImageFilter.GaussianBlur(2))
        part.resize((400, 400)).save(crop, quality=85)
    report = verify_path(crop, home=Home(keyed_home))
    assert not report.watermark.found
    assert report.ownership.verdict == "similar", report.ownership.summary
    assert "looks like a crop of registered record" in report.ownership.summary
    assert report.ai.verdict == "ai-generated", report.ai
    assert "AI-made either way" in report.ai.signals[0].evidence
    assert report.exit_code == 3


def test_a_twin_blurred_until_its_mark_is_lost_is_named_as_a_twin_or_its_photo(
    keyed_home: Path, tmp_path: Path
) -> None:
    """A walkthrough's twin blurred past its mark read "possibly its unsigned source" (a twin never
    leaves unstamped: it has none) with no word of AI. It may be a copy of the twin or of the photo
    the twin copies: both named, the twin's AI reported but not counted."""
    from PIL import ImageFilter

    twin_out = tmp_path / "twin.png"
    made = run_cli("twin", SAMPLES / "chelsea.png", "-o", twin_out, "--user", "eve", home=keyed_home)
    assert made.code == 0, made.stderr
    blurred = tmp_path / "blurred.jpg"
    with Image.open(twin_out) as img:
        img.convert("RGB").filter(ImageFilter.GaussianBlur(3)).save(blurred, quality=90)
    report = verify_path(blurred, home=Home(keyed_home))
    assert not report.watermark.found
    summary = report.ownership.summary
    assert "looks like registered AI twin 'twin.png'" in summary, summary
    assert "unsigned source" not in summary, summary
    assert "'chelsea.png'" in summary, summary
    assert report.ai.verdict == "no-evidence", report.ai
    twin_said = [s for s in report.ai.signals if "an AI twin made here" in s.evidence]
    assert twin_said, report.ai.signals
    assert twin_said[0].strength == "info"
    assert report.exit_code == 3


def test_a_stamped_file_cut_short_names_the_record_its_manifest_names(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough's stamped JPEG cut at 90 % of its bytes read "No registered match by file hash
    or manifest" though its manifest names a record here. Named, never established."""
    stamped = tmp_path / "stamped.jpg"
    made = run_cli("stamp", SAMPLES / "coffee.png", "-o", stamped, "--user", "u", "--source-type", "captured",
                   home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    record = json.loads(run_cli("verify", "--json", stamped, home=keyed_home).stdout)["credentials"]["record_id"]
    data = stamped.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 9 // 10])
    report = verify_path(cut, home=Home(keyed_home))
    assert report.credentials.state == "truncated"
    assert report.ownership.verdict == "inconclusive", report.ownership.summary
    assert record in report.ownership.summary
    assert "named, not established" in report.ownership.summary
    assert report.exit_code == 4


def _collage_and_blurred_copy(tmp_path: Path) -> tuple[Path, str, Path, Path]:
    """Daily Planet's home and stamped photo's record; a collage holding the photo whole, its mark
    read, and a copy blurred past its mark."""
    from PIL import ImageFilter

    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    published = tmp_path / "published.jpg"
    made = run_cli("stamp", SAMPLES / "rocket.jpg", "-o", published, "--source-type", "captured",
                   "--user", "Jane Doe", home=home)  # fmt: skip
    assert made.code == 0, made.stderr
    collage, blurred = tmp_path / "collage.jpg", tmp_path / "blurred.jpg"
    with Image.open(published) as img, Image.open(SAMPLES / "astronaut.png") as other:
        picture = img.convert("RGB")
        page = other.convert("RGB").resize((round(picture.width * 1.6), round(picture.height * 1.6)))
    page.paste(picture, (20, 20))
    page.save(collage, quality=92)
    picture.filter(ImageFilter.GaussianBlur(5)).save(blurred, quality=70)
    return home, made.stdout.splitlines()[1].split()[1], collage, blurred


def test_a_collage_or_a_blurred_copy_of_a_stamped_photo_is_not_another_owners_original(tmp_path: Path) -> None:
    """A walkthrough registered a collage holding Daily Planet's stamped photo whole, and a copy
    blurred past its mark, as a rival's originals: verify then named the rival, and check put Daily
    Planet's own copies on rights review. Refused unless allowed."""
    home, record, collage, blurred = _collage_and_blurred_copy(tmp_path)
    for path, said in ((collage, f"it contains record {record} here"), (blurred, f"it looks like record {record}")):
        claimed = run_cli("register", path, "--owner", "Evil Corp", home=home)
        assert claimed.code == 2, (path, claimed.stdout)
        assert f"{path}: {said}" in claimed.stderr, claimed.stderr
        assert "not registered as Evil Corp's original" in claimed.stderr
    assert _owners(home) == {"Daily Planet"}
    allowed = run_cli("register", blurred, "--owner", "Evil Corp", "--allow-contradiction", home=home)
    assert allowed.code == 0, allowed.stderr
    assert "registered as Evil Corp's original anyway (--allow-contradiction)" in allowed.stderr


def test_a_look_alike_names_the_picture_a_rivals_look_alike_was_made_from(tmp_path: Path) -> None:
    """A walkthrough: a rival stamped a copy of our stamped photo blurred past its mark, recorded
    as made from ours (--source). A blurred copy of our unsigned photo, nearer to the rival's
    blurred stamp than to our record, was summarised as looking like 'rival-blur.jpg' (owner
    Rival Media). The picture the rival's was made from is named first."""
    from PIL import ImageFilter

    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    ours = tmp_path / "ours.jpg"
    assert run_cli("stamp", SAMPLES / "rocket.jpg", "-o", ours, "--source-type", "captured",
                   "--user", "Jane Doe", home=home).code == 0  # fmt: skip
    blurred, unsigned = tmp_path / "blurred.jpg", tmp_path / "unsigned-blurred.jpg"
    for source, target in ((ours, blurred), (SAMPLES / "rocket.jpg", unsigned)):
        with Image.open(source) as img:
            img.convert("RGB").filter(ImageFilter.GaussianBlur(5)).save(target, quality=85)
    rival = run_cli("stamp", blurred, "-o", tmp_path / "rival-blur.jpg", "--source", ours, "--source-type", "edited",
                    "--user", "M. Allory", "--owner", "Evil Corp", "--allow-contradiction", home=home)  # fmt: skip
    assert rival.code == 0, rival.stderr

    report = _json(run_cli("verify", "--json", unsigned, home=home).stdout)
    own = report["ownership"]
    alike = [m for m in own["matches"] if m["relation"] == "similar-to"]
    assert [m["owner"] for m in alike] == ["Daily Planet", "Evil Corp"], alike
    pdq = [next(d for name, d in m["distances"].items() if name.startswith("pdq")) for m in alike]
    assert pdq[0] > pdq[1]  # the rival's is nearer by PDQ
    assert "It looks like registered record 'ours.jpg'" in own["summary"]
    assert report["exit_code"] == 3


def test_a_rivals_collage_built_again_from_our_marked_photo_is_nobodys_alone(tmp_path: Path) -> None:
    """A walkthrough: a rival pastes a copy of our stamped photo, blurred past its mark, into a
    collage and registers it (nothing refuses it: the mark cannot be read). The same collage built
    from our sharp photo verified as "matches the registered original ... owned by Evil Corp", exit
    0, our record listed as an inconclusive "same-as". It holds our picture whole, read by its
    mark: whose it is cannot be told (exit 3), our record is listed as what it is to the image
    (``contains``), and check sends it to rights review for either owner."""
    from PIL import ImageFilter

    home, record, _, _ = _collage_and_blurred_copy(tmp_path)
    published = tmp_path / "published.jpg"
    with Image.open(published) as img, Image.open(SAMPLES / "coffee.png") as other:
        ours = img.convert("RGB")
        side = other.convert("RGB").resize(ours.size)

    def collage(insert: Image.Image, path: Path) -> Path:
        page = Image.new("RGB", (ours.width * 2, ours.height), (30, 60, 90))
        page.paste(side, (0, 0))
        page.paste(insert, (ours.width, 0))
        page.save(path, quality=92)
        return path

    rivals = collage(ours.filter(ImageFilter.GaussianBlur(5)), tmp_path / "rival-collage.jpg")
    claimed = run_cli("register", rivals, "--owner", "Evil Corp", home=home)
    assert claimed.code == 0, claimed.stderr  # the mark is gone: nothing to refuse it by
    sharp = collage(ours, tmp_path / "sharp-collage.jpg")

    result = run_cli("verify", "--json", sharp, home=home)
    report = json.loads(result.stdout)
    own = report["ownership"]
    assert result.code == 3, report["summary"]
    assert own["verdict"] == "inconclusive"
    assert "Evil Corp's registered original 'rival-collage.jpg'" in own["summary"]
    assert f"Daily Planet's registered original 'published.jpg' ({record}) whole as part of it" in own["summary"]
    # the summary does not say "no exact registry match" and then name one (a walkthrough)
    settled = "no watermark that could be confirmed and no registry match that settles it. Inconclusive:"
    assert settled in report["summary"]
    assert "no exact registry match" not in report["summary"]
    relations = {m["record_id"]: m["relation"] for m in own["matches"]}
    assert relations[record] == "contains"
    assert report["credentials"]["state"] == "absent"  # neither record's credentials are handed over

    policy = (ROOT / "docs" / "examples" / "publishing-policy.toml").read_text()
    for desk, rule in (("Evil Corp", "holds a registered original of Daily Planet"),
                       ("Daily Planet", "matches a registered original of Evil Corp")):  # fmt: skip
        file = tmp_path / f"{desk}.toml"
        file.write_text(re.sub(r"(?m)^# our_owners = .*$", f'our_owners = ["{desk}"]', policy))
        checked = run_cli("check", "--policy", file, "--json", sharp, home=home)
        assert checked.code == 1, checked.stdout
        rights = next(r for r in json.loads(checked.stdout)["rules"] if r["rule"] == "rights-review")
        assert rights["outcome"] == "review", rights
        assert rule in rights["reason"], rights

    alone = run_cli("verify", rivals, home=home)  # the rival's own file, which holds no readable mark
    assert alone.code == 0, alone.stdout


def test_a_collage_or_a_blurred_copy_of_a_stamped_photo_is_not_stamped_as_another_owners_original(
    tmp_path: Path,
) -> None:
    """As register refuses them (above), so does stamp with a photo declaration: a walkthrough
    stamped a collage holding our photo as a rival's captured original. Allowed, it is recorded as
    stamped here, not as their original; an AI stamp (its user's work) makes no claim."""
    home, record, collage, blurred = _collage_and_blurred_copy(tmp_path)
    for path, said in ((collage, f"it contains record {record} here"), (blurred, f"it looks like record {record}")):
        out = tmp_path / f"{path.stem}-stamped.jpg"
        claimed = run_cli("stamp", path, "-o", out, "--source-type", "composite", "--user", "M. Allory",
                          "--owner", "Evil Corp", home=home)  # fmt: skip
        assert claimed.code == 2, (path, claimed.stdout)
        assert f"{path.name}: {said}" in claimed.stderr, claimed.stderr
        assert "not stamped as Evil Corp's original" in claimed.stderr
        assert not out.exists()
    assert _owners(home) == {"Daily Planet"}
    allowed_out = tmp_path / "allowed.jpg"
    allowed = run_cli("stamp", collage, "-o", allowed_out, "--source-type", "composite", "--user", "M. Allory",
                      "--owner", "Evil Corp", "--allow-contradiction", home=home)  # fmt: skip
    assert allowed.code == 0, allowed.stderr
    assert "registered  as stamped here, owner Evil Corp" in allowed.stdout
    ai = run_cli("stamp", collage, "-o", tmp_path / "ai.jpg", "--user", "M. Allory", home=home)
    assert ai.code == 0, ai.stderr


def test_records_in_a_sentence_are_counted_not_called_both() -> None:
    """A walkthrough's 10 px thumbnail matched six records of a drift chain; the summary named three
    and called them "both"."""
    from provenance.verify import _records_named

    assert _records_named(["'a'"]) == "'a'"
    assert _records_named(["'a'", "'b'"]) == "'a' and 'b'"
    assert _records_named(["'a'", "'b'", "'c'"]) == "'a', 'b' and 'c'"
    assert _records_named(["'a'", "'b'", "'c'", "'d'", "'e'"]) == "'a', 'b', 'c' and 2 more"


def test_registry_list_and_show_name_the_records_without_an_export(tmp_path: Path, keyed_home: Path) -> None:
    """A walkthrough: an artist could find a record only by exporting the registry or running the
    service. registry list gives a line a record (filtered by owner and kind); registry show one
    record, in words or as the service's JSON; an unknown id is one line, exit 2."""
    home = keyed_home
    assert run_cli("register", SAMPLES / "rocket.jpg", "--owner", "Archive", home=home).code == 0
    stamped = tmp_path / "stamped.png"
    assert run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "u", home=home).code == 0
    listed = run_cli("registry", "list", home=home)
    assert listed.code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2
    assert "2 records" in listed.stderr
    rocket = next(line for line in lines if "rocket.jpg" in line).split()[0]
    originals = run_cli("registry", "list", "--owner", "Archive", "--kind", "original", "--json", home=home)
    assert [r["record_id"] for r in _json(originals.stdout)] == [rocket]
    shown = run_cli("registry", "show", rocket, home=home)
    assert shown.code == 0
    assert f"record       {rocket}" in shown.stdout
    assert "owner        Archive" in shown.stdout
    assert "fingerprint  pdq-256" in shown.stdout
    as_json = _json(run_cli("registry", "show", rocket.upper(), "--json", home=home).stdout)
    assert as_json["owner"] == "Archive"
    assert "manifest" not in as_json
    assert "thumbnail" not in as_json
    # what copies are compared with at full detail, said (a walkthrough could not tell)
    assert as_json["detail_reference"] == "reference"
    assert "detail       copies compared with its kept reference picture" in shown.stdout
    stamp_id = next(line for line in lines if "stamped" in line).split()[0]
    assert _json(run_cli("registry", "show", stamp_id, "--json", home=home).stdout)["detail_reference"] == (
        "claim-thumbnail"
    )
    unknown = run_cli("registry", "show", "0000000000000000", home=home)
    assert unknown.code == 2
    assert "no such record: 0000000000000000" in unknown.stderr


def test_a_rivals_registration_of_a_blurred_copy_of_our_stamp_is_contested_not_theirs(tmp_path: Path) -> None:
    """A red-team walkthrough: a rival registered a blurred copy of our stamp (--allow-contradiction,
    with its warning). A later copy of the blur carries no mark, so our stamp was only "similar",
    and the rival's record alone read "Registered ... owned by Rival", exit 0. Two owners' near-
    identical pictures: whose it is cannot be told (exit 3), and both are named."""
    from PIL import ImageFilter

    home = tmp_path / "home"
    assert run_cli("keys", "init", "--org", "Daily Planet", home=home).code == 0
    big, stamped = tmp_path / "big.jpg", tmp_path / "stamped.jpg"
    with Image.open(SAMPLES / "rocket.jpg") as img:
        img.convert("RGB").resize((1280, 854), Image.Resampling.LANCZOS).save(big, quality=92)
    made = run_cli("stamp", big, "-o", stamped, "--source-type", "captured", "--user", "Alice", home=home)
    assert made.code == 0, made.stderr
    with Image.open(stamped) as img:
        blurred = img.convert("RGB").filter(ImageFilter.GaussianBlur(8))
    blurred.save(tmp_path / "theirs.jpg", quality=90)
    blurred.save(tmp_path / "copy.jpg", quality=70)
    taken = run_cli("register", tmp_path / "theirs.jpg", "--owner", "Rival News", "--allow-contradiction", home=home)
    assert taken.code == 0, taken.stdout + taken.stderr
    result = run_cli("verify", "--json", tmp_path / "copy.jpg", home=home)
    report = json.loads(result.stdout)
    assert report["watermark"]["found"] is False  # the premise: the blur took the mark
    ownership = report["ownership"]
    assert ownership["verdict"] == "inconclusive", ownership["summary"]
    assert "owner Rival News" in ownership["summary"]
    assert "owner Daily Planet" in ownership["summary"]
    assert "whose picture it is cannot be told" in ownership["summary"]
    assert report["exit_code"] == 3


def test_one_owner_typed_two_ways_is_one_owner_in_stats_and_list(tmp_path: Path) -> None:
    """A walkthrough registered as "daily  planet " after "Daily Planet": register treats them as one
    owner, but `registry stats` counted two and `registry list --owner "Daily Planet"` left the
    second out."""
    home = tmp_path / "home"
    assert run_cli("register", SAMPLES / "coffee.png", "--owner", "Daily Planet", home=home).code == 0
    assert run_cli("register", SAMPLES / "rocket.jpg", "--owner", "daily  planet ", home=home).code == 0
    assert run_cli("register", SAMPLES / "chelsea.png", "--owner", "Wire", home=home).code == 0
    stats = _json(run_cli("registry", "stats", "--json", home=home).stdout)
    assert stats["owners"] == 2
    listed = _json(run_cli("registry", "list", "--owner", "DAILY PLANET", "--json", home=home).stdout)
    assert sorted(r["title"] for r in listed) == ["coffee.png", "rocket.jpg"]
