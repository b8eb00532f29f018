"""The environment's faults under the registry: a damaged file, a read-only registry,
a full disk. Each is one line naming the cause and exit 2 (RegistryError), never an
"internal error" (exit 5), and nothing is half-written.

Read-only and full-disk tests use a real read-only bind mount and a real tiny tmpfs in
a private mount namespace (``unshare -m``: root, as in CI); they skip where that is not
allowed. The same faults are also raised in-process, which runs everywhere.
"""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.config import Home
from provenance.errors import RegistryError
from provenance.fingerprint import PDQ, PHASH, Fingerprint
from provenance.register import register_paths
from provenance.registry import Record, Registry, open_home_registry
from provenance.registry._backend import SQLiteBackend
from provenance.registry.index import HashIndex
from provenance.verdicts import ExitCode
from tests.conftest import ROOT, SAMPLES, run_cli

CLI = f"{shlex.quote(sys.executable)} -m provenance_cli.main"


def _one_line_error(stderr: str, *words: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("provenance: error: "), stderr
    assert "internal error" not in stderr
    for word in words:
        assert word in lines[0], stderr
    return lines[0]


def _fill(registry: Path, count: int) -> None:
    prints = [[Fingerprint(PDQ, f"{i:064x}"), Fingerprint(PHASH, f"{i:016x}")] for i in range(1, count + 1)]
    with Registry.open(registry) as reg, reg.transaction():
        reg.add_many([Record(f"{i:016x}", "original", "desk", f"sha{i}", prints[i - 1]) for i in range(1, count + 1)])


def test_a_registry_damaged_under_its_tables_fails_mid_query_in_one_line(tmp_path: Path) -> None:
    """The schema and meta pages are intact (the registry opens), the record pages are
    not: SQLite fails in the middle of a query. Before, that was exit 5."""
    home = tmp_path / "home"
    registry = home / "registry.sqlite3"
    home.mkdir()
    _fill(registry, 3000)
    with sqlite3.connect(registry) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        first_data_page = max(int(r[0]) for r in conn.execute("SELECT rootpage FROM sqlite_master")) + 1
    assert pages > first_data_page + 10
    with registry.open("r+b") as handle:  # garbage over every page after the tables' roots
        handle.seek(first_data_page * page)
        handle.write(os.urandom((pages - first_data_page) * page))
    for args in (("registry", "stats"), ("verify", str(SAMPLES / "rocket.jpg"))):
        result = run_cli(*args, home=home)
        assert result.code == ExitCode.USAGE, (args, result.stderr)
        _one_line_error(result.stderr, "the registry file is damaged", str(registry))


def test_disk_full_inside_a_write_is_a_registry_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Home(tmp_path / "home")
    register_paths([SAMPLES / "rocket.jpg"], owner="desk", home=home)
    real = SQLiteBackend._execute

    def full(self: SQLiteBackend, sql: str, params: object = ()) -> object:
        if sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLiteBackend, "_execute", full)
    with pytest.raises(RegistryError, match="the disk is full") as caught:
        register_paths([SAMPLES / "chelsea.png"], owner="desk", home=home)
    assert caught.value.exit_code == ExitCode.USAGE
    monkeypatch.undo()
    with open_home_registry(home) as reg:
        assert reg.count() == 1  # the failed transaction left nothing behind


def test_a_full_disk_under_the_index_files_is_a_registry_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(HashIndex, "save", no_space)
    with pytest.raises(RegistryError, match="the disk is full"):
        register_paths([SAMPLES / "rocket.jpg"], owner="desk", home=Home(tmp_path / "home"))


def _namespaces() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True, check=False
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _namespaces(), reason="needs root and unshare -m (mount namespaces)")


def _in_namespace(script: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )


@needs_mounts
def test_read_only_registry_register_and_stamp_fail_in_one_line(keyed_home: Path, tmp_path: Path) -> None:
    assert run_cli("register", SAMPLES / "rocket.jpg", "--owner", "desk", home=keyed_home).code == 0
    registry = keyed_home / "registry.sqlite3"
    out = tmp_path / "stamped.png"
    mount = f"mount --bind {registry} {registry} && mount -o remount,bind,ro {registry}"
    for command in (
        f"{CLI} register {SAMPLES / 'chelsea.png'} --owner desk",
        f"{CLI} stamp {SAMPLES / 'coffee.png'} -o {out} --user u",
    ):
        result = _in_namespace(f"{mount} && exec {command}", keyed_home)
        assert result.returncode == ExitCode.USAGE, result.stderr
        _one_line_error(result.stderr, "the registry is read-only")
    assert not out.exists()
    # verify only reads: a read-only registry (even a read-only home) still answers
    folder = f"mount --bind {keyed_home} {keyed_home} && mount -o remount,bind,ro {keyed_home}"
    verify = _in_namespace(f"{folder} && exec {CLI} verify --json {SAMPLES / 'rocket.jpg'}", keyed_home)
    assert verify.returncode == ExitCode.OK, verify.stderr
    assert '"registered"' in verify.stdout


@needs_mounts
def test_full_disk_register_and_stamp_fail_in_one_line(keyed_home: Path, tmp_path: Path) -> None:
    assert run_cli("register", SAMPLES / "rocket.jpg", "--owner", "desk", home=keyed_home).code == 0
    disk = tmp_path / "disk"
    disk.mkdir()
    registry = disk / "registry.sqlite3"
    out = tmp_path / "stamped.png"
    prepare = (
        f"mount -t tmpfs -o size=1m tmpfs {disk} && cp {keyed_home / 'registry.sqlite3'} {registry}"
        f" && (dd if=/dev/zero of={disk / 'fill'} bs=4k 2>/dev/null; true)"
    )
    for command in (
        f"{CLI} --registry {registry} register {SAMPLES / 'chelsea.png'} --owner desk",
        f"{CLI} --registry {registry} stamp {SAMPLES / 'coffee.png'} -o {out} --user u",
    ):
        result = _in_namespace(f"{prepare} && exec {command}", keyed_home)
        assert result.returncode == ExitCode.USAGE, result.stderr
        _one_line_error(result.stderr, "the disk is full")
    assert not out.exists()
