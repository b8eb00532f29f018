"""What a batch is given: run from any folder (its workers import the real package),
and an empty folder says there is nothing to check instead of passing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.scan.run import exit_code
from tests.conftest import ROOT, SAMPLES, CliResult, run_cli

# The console script's situation: sys.path[0] is a bin folder, not the current
# folder; the package comes from ROOT (in CI: an editable install of the clone).
_ENTRY = f"import sys; sys.path[0] = {str(ROOT)!r}; from provenance_cli.main import run; run()"


def _cli_in(cwd: Path, *args: str | Path, home: Path, timeout: float = 300) -> CliResult:
    env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", _ENTRY, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_scan_from_a_folder_that_holds_a_provenance_folder(tmp_path: Path, keyed_home: Path, engine: str) -> None:
    """Case 3: the parent of a clone holds a folder named provenance; the workers
    imported it (a namespace package) instead of the real one: ImportError, exit 5."""
    if engine == "ray":
        pytest.importorskip("ray", reason="the ray extra is not installed")
    (tmp_path / "provenance").mkdir()
    images = tmp_path / "images"
    images.mkdir()
    for name in ("rocket.jpg", "coffee.png", "chelsea.png"):
        shutil.copy(SAMPLES / name, images / name)
    report = tmp_path / "r.html"
    args: list[str | Path] = ["scan", "-r", "images", "--jobs", "2", "--engine", engine, "--report", report]
    result = _cli_in(tmp_path, *args, home=keyed_home, timeout=600)
    assert "Traceback" not in result.stderr
    assert "ImportError" not in result.stderr + report.read_text()
    assert result.code == 3, result.stderr  # nothing signed or registered: no provenance, no error
    assert report.read_text().count('data-credentials="absent"') == 3


def test_an_empty_folder_is_nothing_to_check(tmp_path: Path, keyed_home: Path) -> None:
    """Case 12: scan of an empty folder exited 0 ("provenance established") with an
    empty report; register said nothing. Both now say so in one line, exit 4."""
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no pictures here")
    for args in (
        ("scan", empty),
        ("scan", empty, "--report", tmp_path / "r.html"),
        ("scan", tmp_path / "notes", "-r", "--fail-on", "ai", "--json"),
        ("register", empty, "--owner", "desk"),
        ("register", tmp_path / "notes", "--owner", "desk", "--json"),
    ):
        result = run_cli(*args, home=keyed_home)
        assert result.code == 4, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "no image files found under" in lines[0]
        assert "formats read: " in lines[0]
        assert ".jpg" in lines[0]
        assert result.stdout == ""
    assert not (tmp_path / "r.html").exists()


def test_a_folder_whose_images_are_in_sub_folders_says_to_add_r(tmp_path: Path, keyed_home: Path) -> None:
    folder = tmp_path / "archive"
    (folder / "2024").mkdir(parents=True)
    shutil.copy(SAMPLES / "rocket.jpg", folder / "2024" / "rocket.jpg")
    result = run_cli("scan", folder, home=keyed_home)
    assert result.code == 4
    assert "add -r" in result.stderr
    assert run_cli("scan", folder, "-r", home=keyed_home).code == 3


def test_the_policy_check_of_an_empty_folder_does_not_pass(tmp_path: Path, keyed_home: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('name = "p"\n[[rule]]\nkind = "refuse-invalid"\n')
    (tmp_path / "empty").mkdir()
    result = run_cli("check", "--policy", policy, tmp_path / "empty", home=keyed_home)
    assert result.code == 4, result.stderr
    assert "no image files found under" in result.stderr


def test_the_aggregate_exit_code_of_no_rows_is_never_0() -> None:
    assert exit_code([], ()) == 4
    assert exit_code([], ("ai",)) == 4


def _altered_copy(stamped: Path, out: Path) -> Path:
    """The stamped picture, its manifest gone and a red block pasted over a sixth of it."""
    from PIL import Image, ImageDraw

    with Image.open(stamped) as img:
        copy = img.convert("RGB")
    ImageDraw.Draw(copy).rectangle((20, 20, copy.width // 2, copy.height // 3), fill=(255, 0, 0))
    copy.save(out)
    return out


def test_a_missing_path_is_a_row_and_each_count_says_what_it_counts(tmp_path: Path, keyed_home: Path) -> None:
    """A walkthrough: one missing path stopped the whole scan (exit 4, nothing scanned); the
    text summary counted an altered copy under "Credentials recovered" and "Registered", as
    did the HTML report's cards; an unreadable file met --fail-on as "an image"."""
    from provenance import verdicts

    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", SAMPLES / "coffee.png", "-o", stamped, "--source-type", "captured", "--user", "J",
                   home=keyed_home)  # fmt: skip
    assert made.code == 0, made.stderr
    altered = _altered_copy(stamped, tmp_path / "altered.png")
    missing = tmp_path / "missing.png"
    page = tmp_path / "r.html"
    result = run_cli("scan", stamped, missing, altered, "--report", page, home=keyed_home)
    assert result.code == 4, result.stderr  # the missing file's code; the others were scanned
    assert "no such file or folder" not in result.stderr
    recovered, registered = (verdicts.word("credentials", "recovered"), verdicts.word("ownership", "registered"))
    qualified = {axis: verdicts.shown_word(axis, state, "altered").label
                 for axis, state in (("credentials", "recovered"), ("ownership", "registered"))}  # fmt: skip
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert f"{qualified['credentials']} 1" in lines["credentials"]
    assert f"{recovered.label} 1" not in lines["credentials"].replace(qualified["credentials"], "")
    assert f"{verdicts.word('credentials', 'unreadable').label} 1" in lines["credentials"]
    assert f"{registered.label} 1; {qualified['ownership']} 1" in lines["ownership"]
    page_text = page.read_text(encoding="utf-8")
    assert page_text.count('data-credentials="unreadable"') == 1
    assert 'data-ownership="registered+altered"' in page_text
    assert f"{qualified['ownership']}</span><b>1</b>" in page_text
    assert f"{registered.label}</span><b>1</b>" in page_text  # not 2: the altered copy is not in it
    rows = run_cli("scan", stamped, missing, "--json", "--report", tmp_path / "r.json", home=keyed_home)
    assert rows.code == 4, rows.stderr
    results = {Path(r["file"]).name: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert set(results) == {"stamped.png", "missing.png"}
    assert "no such file" in results["missing.png"]["error"]
    assert results["stamped.png"]["exit_code"] == 0
    assert results["stamped.png"]["as_shown"]["ownership"] == "registered"  # each row, as verify --json has it
    failed = run_cli("scan", stamped, missing, "--fail-on", "broken", "--json", home=keyed_home)
    assert failed.code == 1
    # the unreadable file is what met it: said beside the count (a walkthrough read "3 files" beside "invalid: 2")
    assert json.loads(failed.stdout)["exit_reason"] == "1 file matched --fail-on broken (1 file unreadable)"
    # verify --json says the same as the scan: "registered" alone read as a pass to a CMS reading it
    said = json.loads(run_cli("verify", "--json", altered, stamped, home=keyed_home).stdout)
    assert said[0]["ownership"]["verdict"] == "registered"  # the state, as before
    assert said[0]["as_shown"] == {
        "credentials": "recovered+altered", "watermark": "ours", "ownership": "registered+altered", "ai": "no-evidence",
    }  # fmt: skip
    assert said[1]["as_shown"]["ownership"] == "registered"  # the stamped file itself: nothing qualified


def test_only_missing_paths_are_nothing_to_scan(tmp_path: Path, keyed_home: Path) -> None:
    result = run_cli("scan", tmp_path / "a.png", tmp_path / "b", home=keyed_home)
    assert result.code == 4
    assert "a.png" in result.stderr
    assert "no such file or folder" in result.stderr


def test_a_scan_without_r_says_which_sub_folders_it_did_not_read(tmp_path: Path, keyed_home: Path) -> None:
    """A walkthrough's `scan nest` read the one picture at the top and said nothing of the
    sub-folder's: "Scanned 1 file", exit 0, as if that were all."""
    top = tmp_path / "nest"
    (top / "sub").mkdir(parents=True)
    (top / ".hidden").mkdir()
    shutil.copy(SAMPLES / "coffee.png", top / "coffee.png")
    shutil.copy(SAMPLES / "rocket.jpg", top / "sub" / "rocket.jpg")
    shutil.copy(SAMPLES / "rocket.jpg", top / ".hidden" / "rocket.jpg")
    (top / "empty").mkdir()
    result = run_cli("scan", top, home=keyed_home)
    assert "1 sub-folder(s) with images not read; add -r" in result.stderr
    walked = run_cli("scan", "-r", top, home=keyed_home)
    assert "not read" not in walked.stderr
