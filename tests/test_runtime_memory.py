"""provenance.runtime.keep_freed_memory: a freed picture-sized array's memory is reused.

Without it glibc returns every allocation over 32 MB to the kernel on free, and the next
one is faulted in again page by page (about 10 ms per MB on virtual machines)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from provenance.runtime import keep_freed_memory
    applied = keep_freed_memory() if sys.argv[1] == "keep" else False
    a = np.ones(25_000_000, np.float32)  # 100 MB, as a float plane of a 25 MP picture
    del a
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    b = np.ones(25_000_000, np.float32)
    print(int(applied), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


def _faults(mode: str) -> tuple[bool, int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        capture_output=True,
        text=True,
        check=True,
        env={"NUMPY_MADVISE_HUGEPAGE": "0", "PATH": ""},
    )
    applied, faults = done.stdout.split()
    return applied == "1", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_picture_memory_is_reused_not_faulted_in_again() -> None:
    applied, kept = _faults("keep")
    if not applied:
        pytest.skip("not glibc: mallopt is not available")
    _, default = _faults("default")
    assert default > 20_000  # 100 MB in 4 KB pages, faulted in again
    assert kept < default / 20


CLI_THEN_POOLS = textwrap.dedent("""
    import sys
    from provenance_cli.main import run
    sys.argv = ["provenance", "--home", sys.argv[2], "verify", sys.argv[1]]
    try:
        run()
    except SystemExit:
        pass
    from threadpoolctl import threadpool_info
    print(sorted({p["num_threads"] for p in threadpool_info() if p["internal_api"] == "openblas"}))
""")


def test_the_cli_runs_numpys_blas_on_one_thread(tmp_path: Path) -> None:
    """A verify process spent a third more CPU than wall time in OpenBLAS's spinning pool."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    rocket = Path(__file__).resolve().parents[1] / "samples" / "rocket.jpg"
    done = subprocess.run(
        [sys.executable, "-c", CLI_THEN_POOLS, str(rocket), str(tmp_path / "home")],
        capture_output=True, text=True, check=True, env={**env, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[1]", done.stdout + done.stderr
