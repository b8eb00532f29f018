"""The issue's acceptance list, through the real command line."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from PIL import Image

from tests.conftest import ROOT, SAMPLES, Twin, run_cli


def _json(result_stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result_stdout)  # a command's --json output
    return data


def test_fresh_twin_verifies_trusted_with_model_user_source_watermark_and_owner(twin: Twin) -> None:
    result = run_cli("verify", "--json", twin.path, home=twin.home)
    assert result.code == 0, result.stderr
    report = _json(result.stdout)
    cred = report["credentials"]
    assert cred["state"] == "trusted"
    assert cred["trust"] == "trusted"
    assert cred["model"] == "tiny"
    assert cred["author"] == "alice"
    assert [i["title"] for i in cred["ingredients"]] == ["chelsea.png"]
    assert cred["ingredients"][0]["relationship"] == "parentOf"
    assert report["watermark"]["found"] is True
    assert report["watermark"]["record_id"] == twin.record_id
    assert report["watermark"]["agrees_with_manifest"] is True
    relations = {(m["record_id"], m["relation"]) for m in report["ownership"]["matches"]}
    assert (twin.source_record_id, "twin-of") in relations
    assert (twin.record_id, "same-as") in relations
    assert report["ai"]["verdict"] == "ai-generated"
    assert all(s["evidence"] for s in report["ai"]["signals"])
    assert set(report) >= {"file", "credentials", "watermark", "ownership", "ai", "summary"}


def test_text_report_names_verdicts_in_words(twin: Twin) -> None:
    result = run_cli("verify", twin.path, home=twin.home)
    assert result.code == 0
    assert "AI-generated image" in result.stdout
    assert "trusted" in result.stdout
    assert f"record {twin.record_id}" in result.stdout
    assert "twin-of" in result.stdout


def test_untrusted_signer_is_valid_not_invalid(twin: Twin, tmp_path: Path) -> None:
    other_home = tmp_path / "elsewhere"
    result = run_cli("verify", "--json", twin.path, home=other_home)
    report = _json(result.stdout)
    assert report["credentials"]["state"] == "valid"
    assert report["credentials"]["trust"] == "untrusted"
    # Intact but from a signer this home does not trust: who signed is unproven, so no provenance
    # is established (exit 3; it was 0, which let anyone's key in any name pass as established).
    assert result.code == 3
    assert report["summary"].startswith("No provenance established: credentials intact, signer unproven")
    assert not other_home.exists(), "verify must not create a home or registry"


def _flip_pixel_byte(data: bytes) -> bytes:
    """Flip one byte inside the first IDAT chunk's compressed pixel data."""
    start = data.index(b"IDAT") + 4 + 100
    return data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1 :]


def test_one_flipped_pixel_byte_is_invalid_exit_1(twin: Twin, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(_flip_pixel_byte(twin.path.read_bytes()))
    result = run_cli("verify", "--json", tampered, home=twin.home)
    assert result.code == 1, result.stderr
    report = _json(result.stdout)
    assert report["credentials"]["state"] == "invalid"
    assert any("mismatch" in s["code"] for s in report["credentials"]["status_codes"])
    assert "Traceback" not in result.stderr
    # the summary says it in words a desk reads; c2pa's own text ("jumbf manifest", "hash
    # verification( Hashes do not match )") stays in the problems listed below it
    assert report["summary"] == (
        "Provenance broken: the Content Credentials do not match this file: the file's bytes changed after"
        " signing, so its hash does not match (assertion.dataHash.mismatch)."
    ), report["summary"]
    assert "jumbf" in report["credentials"]["error"]


def test_a_tampered_file_beside_an_unsigned_one_exits_1_not_3(twin: Twin, tmp_path: Path) -> None:
    """Several files exit with the most serious code: a broken file (1) outranks one with no
    provenance (3) and an unreadable one (4). By the highest, a desk's folder holding one unsigned
    photo beside a tampered file exited 3, and the tampering went unseen (a walkthrough)."""
    from provenance import verdicts

    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "tampered.png").write_bytes(_flip_pixel_byte(twin.path.read_bytes()))
    shutil.copy(SAMPLES / "coffee.png", folder / "unsigned.png")
    (folder / "empty.jpg").write_bytes(b"")
    files = sorted(folder.iterdir())
    assert run_cli("verify", *files, home=twin.home).code == 1
    assert run_cli("verify", folder / "unsigned.png", folder / "empty.jpg", home=twin.home).code == 4
    scanned = run_cli("scan", folder, "--jobs", "1", home=twin.home)
    assert scanned.code == 1, scanned.stdout
    assert verdicts.most_serious([0, 3, 2]) == 3
    assert verdicts.most_serious([4, 1, 3]) == 1
    assert verdicts.most_serious([1, 5]) == 5
    assert verdicts.most_serious([]) == 0


def test_stripped_copy_is_absent_but_watermark_recovers_record_exit_0(twin: Twin, tmp_path: Path) -> None:
    stripped = tmp_path / "stripped.png"
    Image.open(twin.path).convert("RGB").save(stripped, "PNG")
    result = run_cli("verify", "--json", stripped, home=twin.home)
    assert result.code == 0, result.stderr
    report = _json(result.stdout)
    cred = report["credentials"]
    assert cred["state"] == "recovered"  # none in the file; the registry's signed manifest, bound by watermark
    assert report["watermark"]["found"] is True
    assert report["watermark"]["record_id"] == twin.record_id
    assert cred["recovered"] is True
    assert cred["recovered_via"] == "watermark"
    assert cred["recovered_manifest"]["state"] == "trusted"
    assert cred["recovered_manifest"]["record_id"] == twin.record_id
    assert report["ai"]["verdict"] == "ai-generated"
    assert any(m["record_id"] == twin.record_id for m in report["ownership"]["matches"])


def test_camera_photo_without_provenance_is_absent_no_evidence_exit_3(empty_home: Path) -> None:
    result = run_cli("verify", "--json", SAMPLES / "rocket.jpg", home=empty_home)
    assert result.code == 3
    report = _json(result.stdout)
    assert report["credentials"]["state"] == "absent"
    assert report["ai"]["verdict"] == "no-evidence"
    assert report["watermark"]["found"] is False
    assert "fake" not in report["summary"].lower()


def test_bad_inputs_one_line_error_exit_4(tmp_path: Path, empty_home: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("this is not an image\n")
    truncated = tmp_path / "truncated.jpg"
    buf = io.BytesIO()
    Image.open(SAMPLES / "rocket.jpg").save(buf, "JPEG", quality=90)
    truncated.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    missing = tmp_path / "missing.jpg"
    for path, words in ((text, "not a supported image"), (truncated, "truncated"), (missing, "no such file")):
        result = run_cli("verify", path, home=empty_home)
        assert result.code == 4, (path, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert words in lines[0]
        assert "Traceback" not in result.stderr


def test_metadata_only_and_deep_together_are_a_usage_error(empty_home: Path, tmp_path: Path) -> None:
    """The two pixel modes contradict each other: in either order, for verify and scan, one
    line and exit 2 (not the last one silently winning); each alone still does its job."""
    for command in ("verify", "scan"):
        for flags in (["--metadata-only", "--deep"], ["--deep", "--metadata-only"]):
            result = run_cli(command, *flags, SAMPLES / "rocket.jpg", home=empty_home)
            assert result.code == 2, (command, flags, result.stderr)
            assert result.stderr.strip().splitlines() == [
                "provenance: error: --metadata-only and --deep contradict each other; give one."
            ]
            assert result.stdout == ""
    for flag, checked in (("--metadata-only", False), ("--deep", True)):
        report = _json(run_cli("verify", "--json", flag, SAMPLES / "rocket.jpg", home=empty_home).stdout)
        assert report["ai"]["pixels_checked"] is checked, flag


def test_several_files_exit_with_the_most_serious_code(twin: Twin, tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    result = run_cli("verify", "--json", twin.path, SAMPLES / "rocket.jpg", missing, home=twin.home)
    assert result.code == 4
    reports = json.loads(result.stdout)
    assert [r["exit_code"] for r in reports] == [0, 3, 4]


def test_verify_does_not_import_torch_or_diffusers(twin: Twin) -> None:
    code = (
        "import sys\n"
        "from provenance_cli.main import main\n"
        f"rc = main(['verify', '--json', {str(twin.path)!r}])\n"
        "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "PROVENANCE_HOME": str(twin.home)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("HEAVY="), proc.stdout[-200:]


def test_unknown_model_offline_fails_clearly_before_loading_torch(keyed_home: Path, tmp_path: Path) -> None:
    result = run_cli(
        "twin",
        SAMPLES / "chelsea.png",
        "-o",
        tmp_path / "t.png",
        "--model",
        "some/unknown-model",
        "--user",
        "alice",
        home=keyed_home,
    )
    assert result.code == 2
    assert "some/unknown-model" in result.stderr
    assert "offline" in result.stderr
    assert "offline demo model" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t.png").exists()
    # No hang and no waiting on a multi-second import: the miss is decided from the cache alone.
    code = (
        "import sys\n"
        "from provenance_cli.main import main\n"
        f"rc = main(['twin', {str(SAMPLES / 'chelsea.png')!r}, '-o', {str(tmp_path / 'u.png')!r},"
        " '--model', 'some/unknown-model'])\n"
        "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
        "print('RC=%s HEAVY=%s' % (rc, ','.join(heavy)))\n"
    )
    env = {**os.environ, "PROVENANCE_HOME": str(keyed_home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=120
    )
    assert proc.stdout.strip().endswith("RC=2 HEAVY="), (proc.stdout[-200:], proc.stderr[-500:])


def test_twin_refuses_to_overwrite_and_never_writes_unstamped(twin: Twin) -> None:
    before = twin.path.read_bytes()
    result = run_cli("twin", twin.source, "-o", twin.path, "--user", "alice", home=twin.home)
    assert result.code == 2
    assert "already exists" in result.stderr
    assert twin.path.read_bytes() == before


def test_twin_never_signs_a_login_name_unasked(keyed_home: Path, tmp_path: Path) -> None:
    """The signed manifest is published with the picture: without --user no twin is made (before it
    used the login name of whoever ran the command)."""
    result = run_cli("twin", SAMPLES / "chelsea.png", "-o", tmp_path / "t.png", "--model", "tiny", home=keyed_home)
    assert result.code == 2
    assert "--user" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "t.png").exists()


def test_twin_without_identity_says_how_to_make_one(empty_home: Path, tmp_path: Path) -> None:
    result = run_cli("twin", SAMPLES / "chelsea.png", "-o", tmp_path / "t.png", home=empty_home)
    assert result.code == 2
    assert "keys init" in result.stderr
    assert not (tmp_path / "t.png").exists()


def test_stamp_an_image_made_elsewhere(keyed_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "stamped.jpg"
    result = run_cli(
        "stamp",
        SAMPLES / "coffee.png",
        "-o",
        out,
        "--user",
        "bob",
        "--model",
        "dall-e-3",
        "--source",
        SAMPLES / "chelsea.png",
        home=keyed_home,
    )
    assert result.code == 0, result.stderr
    report = _json(run_cli("verify", "--json", out, home=keyed_home).stdout)
    assert report["credentials"]["state"] == "trusted"
    assert report["credentials"]["model"] == "dall-e-3"
    assert report["credentials"]["author"] == "bob"
    assert report["watermark"]["found"] is True
    relations = {m["relation"] for m in report["ownership"]["matches"]}
    assert "derivative-of" in relations
    assert report["ai"]["verdict"] == "ai-generated"


def test_a_stamp_titled_by_its_user_is_named_by_that_title(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough: `stamp nikon.jpg -o stamped.jpg` made a record every report named 'stamped.jpg'.
    --title names it; without it the output's file name stays the title (C2PA's default)."""
    out = tmp_path / "stamped.jpg"
    made = run_cli("stamp", SAMPLES / "rocket.jpg", "-o", out, "--user", "Ann", "--source-type", "captured",
                   "--title", "Launch at dawn, pad 39A", home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    report = _json(run_cli("verify", "--json", out, home=keyed_home).stdout)
    assert report["ownership"]["matches"][0]["title"] == "Launch at dawn, pad 39A"
    copy = tmp_path / "copy.jpg"
    Image.open(out).convert("RGB").save(copy, quality=85)  # its manifest gone: the registry names it
    said = _json(run_cli("verify", "--json", copy, home=keyed_home).stdout)
    assert "'Launch at dawn, pad 39A'" in said["summary"], said["summary"]
    plain = tmp_path / "plain.jpg"
    assert run_cli("stamp", SAMPLES / "coffee.png", "-o", plain, "--user", "Ann", home=keyed_home).code == 0
    report = _json(run_cli("verify", "--json", plain, home=keyed_home).stdout)
    assert report["ownership"]["matches"][0]["title"] == "plain.jpg"


def test_keys_init_without_org_warns_that_the_identity_is_a_demo_one(tmp_path: Path) -> None:
    """Stamps name the signer: a home made without --org signs as "Provenance Demo", and is told
    so in one line on stderr, with how to name the organisation; with --org, no warning."""
    demo = run_cli("keys", "init", home=tmp_path / "demo")
    assert demo.code == 0
    assert "O=Provenance Demo" in demo.stdout
    lines = demo.stderr.strip().splitlines()
    assert len(lines) == 1, demo.stderr
    assert lines[0].startswith("provenance: warning: ")
    assert "demo identity" in lines[0]
    assert "--org NAME" in lines[0]
    named = run_cli("keys", "init", "--org", "Daily Planet", home=tmp_path / "named")
    assert named.code == 0
    assert "O=Daily Planet" in named.stdout
    assert named.stderr == ""


def _exit_codes_listed(help_text: str) -> list[int]:
    """The codes of a --help text's exit-code block, in order (none without a block)."""
    lines = help_text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.strip().startswith("Exit codes")), None)
    if start is None:
        return []
    codes = []
    for line in lines[start + 1 :]:
        if not (match := re.match(r"\s+(\d)  \S", line)):
            break
        codes.append(int(match.group(1)))
    return codes


def _leaf_commands() -> dict[str, click.Command]:
    from provenance_cli.main import cli

    leaves: dict[str, click.Command] = {}
    for name in cli.list_commands(click.Context(cli)):
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub in command.list_commands(click.Context(command)):
                leaf = command.get_command(click.Context(command), sub)
                assert leaf is not None
                leaves[f"{name} {sub}"] = leaf
        else:
            leaves[name] = command
    return leaves


def test_help_lists_the_exit_codes_each_command_can_return(empty_home: Path) -> None:
    """Each command's --help lists the exit codes that command can return (verdicts.COMMAND_EXITS),
    and no others; one that returns only the generic 0, 2 and 5 lists none (keys init lists no
    verification codes); the top-level help lists the whole scheme."""
    from provenance.verdicts import COMMAND_EXITS, EXIT, GENERIC_EXITS

    leaves = _leaf_commands()
    assert set(leaves) == set(COMMAND_EXITS)  # every command says what it returns
    for path, command in leaves.items():
        text = command.get_help(click.Context(command, info_name=path))
        codes = [int(code) for code in COMMAND_EXITS[path]]
        expected = [] if set(COMMAND_EXITS[path]) <= GENERIC_EXITS else codes
        assert _exit_codes_listed(text) == expected, path
    everything = [int(code) for code in EXIT]
    for words, expected in (([], everything), (["verify"], everything), (["keys", "init"], [])):
        result = run_cli(*words, "--help", home=empty_home)
        assert result.code == 0
        assert _exit_codes_listed(result.stdout) == expected, words
    keys_help = run_cli("keys", "init", "--help", home=empty_home).stdout
    assert "provenance established" not in keys_help
    assert "Exit codes" not in keys_help
    stamp_help = run_cli("stamp", "--help", home=empty_home).stdout
    assert _exit_codes_listed(stamp_help) == [0, 1, 2, 4, 5]
    assert "provenance established" not in stamp_help  # a stamp is made, not verified


def test_demo_script_runs_offline(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DEMO_OUT": str(tmp_path / "demo"),
    }
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "AI-generated image" in proc.stdout
    assert "trust trusted" in proc.stdout
    assert "provenance-wm-2 watermark" in proc.stdout
    assert "an AI twin of the registered original 'astronaut.png'" in proc.stdout


def test_watermark_copied_onto_another_picture_is_broken_not_credited(twin: Twin, tmp_path: Path) -> None:
    from provenance import fingerprint, watermark

    twin_print = fingerprint.phash(Image.open(twin.path).convert("RGB"))
    candidates = [Image.open(p).convert("RGB") for p in sorted(SAMPLES.iterdir()) if p.suffix != ".md"]
    victim = max(candidates, key=lambda img: twin_print.distance(fingerprint.phash(img)))
    assert twin_print.distance(fingerprint.phash(victim)) > 26
    forged = tmp_path / "forged.png"
    watermark.embed(victim, twin.record_id).save(forged)
    result = run_cli("verify", "--json", forged, home=twin.home)
    assert result.code == 1, result.stdout
    report = _json(result.stdout)
    assert report["watermark"]["record_id"] == twin.record_id
    assert report["watermark"]["agrees_with_manifest"] is False
    assert "copied onto another image" in report["watermark"]["note"]
    assert report["ai"]["verdict"] == "no-evidence"
    assert report["summary"].startswith("Provenance broken")


def test_stamp_with_an_identity_from_elsewhere(empty_home: Path, tmp_path: Path) -> None:
    from tests.conftest import require_fixtures

    certs = require_fixtures("c2pa", "c2pa-rs", "certs")
    out = tmp_path / "ref-signed.png"
    result = run_cli(
        "stamp", SAMPLES / "coffee.png", "-o", out, "--user", "dana",
        "--cert", certs / "es256.pub", "--key", certs / "es256.pem",
        home=empty_home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = _json(run_cli("verify", "--json", out, home=empty_home).stdout)
    assert report["credentials"]["state"] == "valid"
    assert report["credentials"]["trust"] == "untrusted"
    assert report["credentials"]["author"] == "dana"


def test_source_photo_of_a_stamped_look_alike_is_not_called_ai(keyed_home: Path, tmp_path: Path) -> None:
    # A stamped copy looks exactly like its source photo; the photo lacks the copy's
    # watermark, so it must not inherit the copy's record, credentials or AI verdict.
    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", SAMPLES / "rocket.jpg", "-o", stamped, "--user", "s", home=keyed_home)
    assert made.code == 0, made.stderr
    result = run_cli("verify", "--json", SAMPLES / "rocket.jpg", home=keyed_home)
    report = _json(result.stdout)
    assert result.code == 3
    assert report["ai"]["verdict"] == "no-evidence"
    assert report["credentials"]["recovered"] is False
    # the very file it was stamped from: named as such (issue 19 case 2); a copy of it only looks like it
    assert [m["relation"] for m in report["ownership"]["matches"]] == ["source-of"]
    assert "unsigned original" in report["summary"]
    copy = tmp_path / "copy.jpg"
    Image.open(SAMPLES / "rocket.jpg").save(copy, quality=85)
    again = _json(run_cli("verify", "--json", copy, home=keyed_home).stdout)
    assert [m["relation"] for m in again["ownership"]["matches"]] == ["similar-to"]
    assert again["credentials"]["recovered"] is False
    assert "lacks that image's watermark" in again["summary"]


def test_a_mark_that_does_not_read_back_is_refused_and_nothing_written(
    keyed_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance import watermark
    from provenance.config import Home
    from provenance.credentials.keys import home_identity
    from provenance.errors import WatermarkError
    from provenance.registry import Registry
    from provenance.twin import stamp_file

    monkeypatch.setattr(watermark, "detect", lambda img, **_: watermark.WatermarkReading(False, "x", None, 0.0))
    out = tmp_path / "stamped.png"
    home = Home(keyed_home)
    with pytest.raises(WatermarkError, match="does not read back"):
        stamp_file(SAMPLES / "coffee.png", out, user="u", model="m", identity=home_identity(home), home=home)
    assert not out.exists()
    with Registry.open(home.registry_path) as registry:
        assert registry.count() == 0


def test_every_listed_command_loads_and_help_imports_no_part() -> None:
    """Commands load on first use: each listed name resolves to the command of that name,
    and the top-level --help imports none of the library's parts (it answers at once)."""
    import click
    from provenance_cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.name == name
    code = (
        "import sys; from provenance_cli.main import main; rc = main(['--help']);"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'c2pa') or m.startswith("
        "('provenance.credentials', 'provenance.verify', 'provenance.registry')));"
        "print(rc, heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr
    assert all(name in proc.stdout for name in COMMANDS)


def test_a_twin_made_smaller_than_its_source_says_so(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough's 2048 px photo came back as a 1024 px twin, and nothing said so."""
    from PIL import Image

    source = tmp_path / "wide.png"
    Image.open(SAMPLES / "chelsea.png").convert("RGB").resize((1300, 330)).save(source)
    out = tmp_path / "t.png"
    quick = ("--steps", "2", "--strength", "0.5")  # the size is the point, not the picture (it took 100 s)
    result = run_cli("twin", source, "-o", out, "--model", "tiny", *quick, "--user", "u", home=keyed_home)
    assert result.code == 0, result.stderr
    with Image.open(out) as made:
        assert made.size == (1024, 256)
    assert "size        1024 x 256 (the source is 1300 x 330: fitted to the model's 1024 px long side)" in result.stdout


@pytest.mark.slow
def test_a_twin_says_when_it_registered_its_source_photo_and_to_whom(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough made a twin of a wire photo; verify then called that unsigned photo "owned by"
    the newsroom (the source is registered as an original of the organisation), and nothing the twin
    command printed had said so. It says so now; a second twin of it registers nothing."""
    source = tmp_path / "wire.png"
    shutil.copy(SAMPLES / "chelsea.png", source)
    quick = ("--model", "tiny", "--steps", "2", "--strength", "0.5", "--user", "u")
    first = run_cli("twin", source, "-o", tmp_path / "t1.png", *quick, "--seed", "1", home=keyed_home)
    assert first.code == 0, first.stderr
    assert "the source photo, registered now as an original of" in first.stdout
    again = run_cli("twin", source, "-o", tmp_path / "t2.png", *quick, "--seed", "2", "--json", home=keyed_home)
    assert again.code == 0, again.stderr
    made = json.loads(again.stdout)
    assert made["source_registered_to"] is None
    assert made["source_record_id"]
