"""The package as people install it: its layout, and the light install without torch.

The slow test builds a fresh virtual environment, runs ``pip install .`` (no extras)
with NumPy at the oldest version pyproject allows, and runs README's light-install
example there: verify, stamp, register, scan and serve, with no torch installed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SAMPLES

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README = (ROOT / "README.md").read_text()


def test_every_package_folder_is_listed_for_installation() -> None:
    """The packages are listed by hand (cli/ installs as provenance_cli): a new folder
    missing from the list would be left out of the wheel."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "provenance").rglob("__init__.py")} | {
        "provenance_cli"
    }
    assert set(setuptools["packages"]) == found
    assert setuptools["package-dir"] == {"provenance": "provenance", "provenance_cli": "cli"}
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["provenance"]
    assert (ROOT / "provenance" / "py.typed").is_file()
    assert PYPROJECT["project"]["scripts"] == {"provenance": "provenance_cli.main:run"}


def test_the_light_core_declares_no_torch() -> None:
    core = " ".join(PYPROJECT["project"]["dependencies"]).lower()
    assert "torch" not in core
    assert "invisible-watermark" not in core
    assert {"fastapi>=0.110", "uvicorn>=0.29"} <= set(PYPROJECT["project"]["dependencies"])  # serve works
    generate = " ".join(PYPROJECT["project"]["optional-dependencies"]["generate"]).lower()
    for name in ("torch", "diffusers", "invisible-watermark"):
        assert name in generate


def test_the_command_line_is_not_the_top_level_package_cli(tmp_path: Path) -> None:
    """Outside the checkout, ``import cli`` finds nothing of ours; the entry point's
    package is provenance_cli (cli/ and its relative imports)."""
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.find_spec('cli')\n"
        "print('CLI=' + ('none' if spec is None else str(spec.origin)))\n"
        "import provenance_cli.main\n"
        "print('MAIN=' + provenance_cli.main.__name__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    if "No module named 'provenance_cli'" in proc.stderr:
        pytest.skip("this environment predates provenance_cli: reinstall with pip install -e .")
    assert proc.returncode == 0, proc.stderr
    found = proc.stdout.split("CLI=")[1].splitlines()[0]
    assert found == "none" or not found.startswith(str(ROOT)), found
    assert "MAIN=provenance_cli.main" in proc.stdout


def _light_example() -> list[str]:
    """The commands of README's light-install example block."""
    match = re.search(r"<!-- light-install example.*?-->\s*```sh\n(.*?)```", README, re.S)
    assert match, "README lost its light-install example block"
    return [line.split("  #")[0].strip() for line in match.group(1).splitlines() if line.strip()]


def _registry_reachable(tmp_path: Path) -> bool:
    """Whether pip can get packages here (the offline registries, or a network)."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp_path / "probe"), "setuptools"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return probe.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy_source(target: Path) -> Path:
    """The files a build needs, so that building writes nothing into the checkout."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("provenance", "cli"):
        shutil.copytree(ROOT / folder, target / folder, ignore=ignore)
    return target


def _install_light(tmp_path: Path) -> Path:
    """A fresh venv with ``pip install .`` and the oldest NumPy allowed; its bin folder."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    floor = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("numpy"))
    oldest = floor.split(">=")[1]  # the oldest NumPy allowed, so the floor is known to be true
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(_copy_source(tmp_path / "src")), f"numpy~={oldest}.0"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].lower() for line in listed.splitlines()[2:] if line.strip()}
    assert not names & {"torch", "invisible-watermark", "diffusers"}, names
    assert re.search(rf"^numpy\s+{re.escape(oldest)}\.", listed, re.M), listed
    probe = (
        "import importlib.util, sys, numpy as np\n"
        "from provenance.registry.index import _distances\n"
        "codes = np.array([[0, 255], [15, 0]], dtype=np.uint8)\n"
        "assert list(_distances(codes, np.zeros(2, dtype=np.uint8))) == [8, 4]\n"
        "import provenance_cli.main, provenance.service\n"
        "assert importlib.util.find_spec('cli') is None\n"
        "print('HEAVY=' + ','.join(m for m in ('torch', 'imwatermark', 'diffusers') if m in sys.modules))\n"
    )
    checked = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "HEAVY="
    assert list((venv / "lib").glob("python*/site-packages/provenance/py.typed"))
    return venv / "bin"


def _serve_verifies(command: str, work: Path, env: dict[str, str]) -> None:
    """Start README's serve line on a free port and verify the stamped image over HTTP."""
    port = _free_port()
    serve = command.replace("--port 8000", f"--port {port}")
    assert serve != command
    with (work / "serve.log").open("w") as log:
        server = subprocess.Popen(shlex.split(serve), cwd=work, env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (work / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve did not start in a minute"
            time.sleep(0.3)
        with (work / "stamped.png").open("rb") as image:
            answer = httpx.post(f"{base}/v1/verify", files={"file": ("stamped.png", image)}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json()["credentials"]["state"] == "trusted"
        assert answer.json()["watermark"]["found"] is True
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.install
def test_plain_install_has_no_torch_and_runs_the_readme_example(tmp_path: Path) -> None:
    if not _registry_reachable(tmp_path):
        pytest.skip("no package registry reachable for pip")
    bindir = _install_light(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / "samples").symlink_to(SAMPLES)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PROVENANCE_HOME": str(tmp_path / "home"),
    }
    commands = _light_example()
    assert [c.split()[1] for c in commands] == ["keys", "register", "stamp", "verify", "scan", "serve"]
    for command in commands[:-1]:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, cwd=work, env=env, timeout=300, check=False
        )
        assert done.returncode == 0, f"{command}: {done.stderr}"
    assert (work / "stamped.png").is_file()
    assert (work / "report.html").is_file()
    _serve_verifies(commands[-1], work, env)
