"""What a batch is given: run from any folder (its workers import the real package),
and an empty folder says there is nothing to check instead of passing."""

from __future__ import annotations

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
