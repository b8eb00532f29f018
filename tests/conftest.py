"""Shared fixtures. Expensive things (the tiny model, a twin) are made once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path | int, home: Path, env: dict[str, str] | None = None, timeout: float = 300) -> CliResult:
    """Run the real console entry point in a subprocess, as a user would."""
    full_env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "provenance_cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def empty_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def keyed_home(tmp_path: Path) -> Path:
    """A home with a fresh development identity (fast: two EC keys)."""
    from provenance.config import Home
    from provenance.credentials import init_identity

    home = tmp_path / "home"
    init_identity(Home(home), org="Test Newsroom")
    return home


@dataclass
class Twin:
    home: Path
    path: Path
    source: Path
    record_id: str
    source_record_id: str


@pytest.fixture(scope="session")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Twin:
    """One twin of a sample photo, made through the CLI with the tiny model."""
    base = tmp_path_factory.mktemp("twin")
    home = base / "home"
    assert run_cli("keys", "init", "--org", "Test Newsroom", home=home).code == 0
    out = base / "chelsea-twin.png"
    result = run_cli(
        "twin",
        SAMPLES / "chelsea.png",
        "-o",
        out,
        "--model",
        "tiny",
        "--user",
        "alice",
        "--steps",
        "4",
        "--strength",
        "0.5",
        "--seed",
        "3",
        home=home,
    )
    assert result.code == 0, result.stderr
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines()[1:] if line.strip())
    return Twin(
        home=home,
        path=out,
        source=SAMPLES / "chelsea.png",
        record_id=fields["record"].split()[0],
        source_record_id=fields["source"].split()[1],  # "record ID", and what was registered now
    )


def require_fixtures(*parts: str) -> Path:
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixtures not present at {path} (a standalone clone)")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a real PostgreSQL server on loopback, started for this test session
    (in a folder of its own: pytest's temporary folders are closed to the server's user)."""
    from tests.postgres import find_bin, running_server

    if find_bin() is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql); .ci/run installs it")
    folder = Path(tempfile.mkdtemp(prefix="provenance-pg-"))
    folder.chmod(0o755)
    try:
        with running_server(folder / "server") as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty registry of each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "registry.sqlite3")
    import uuid

    import psycopg

    server: str = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def vignette(img: Image.Image, strength: float) -> Image.Image:
    """``img`` with its corners darkened by ``strength`` (the centre kept), as a phone's filter does."""
    rgb = np.asarray(img, np.float32)
    h, w = rgb.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    r2 = (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2) / 2
    return Image.fromarray(np.clip(rgb * (1 - strength * r2)[..., None], 0, 255).astype(np.uint8))
