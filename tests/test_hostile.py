"""Hostile inputs (issue 23): bombs and malformed files end in one line and a documented
exit code, memory stays bounded by the pixels a check needs, and the service admits work
by a memory budget. The files are crafted here (benchmarks/hostile.py makes the same ones,
larger, and measures them)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.hostile import _chunk, exif_loop, jpeg_declaring, png, ztxt_bomb
from provenance.detect import sd_watermark
from provenance.service.errors import Busy
from provenance.service.gate import Gate
from provenance.verdicts import ExitCode
from provenance.watermark import wm1, wm2
from tests.conftest import ROOT, run_cli


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("provenance: error: "), stderr
    assert "internal error" not in stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc to read a peak")
def test_a_7000x7000_zero_png_verifies_within_a_memory_ceiling(tmp_path: Path) -> None:
    """47 KB on disk, 49 megapixels: verify took 2.7 GB before; a child process measures its peak.

    Its own peak: the kernel's VmHWM of the child's memory. Not ru_maxrss, which Linux carries
    across exec from the process that started it: run inside a large test session, the child
    reported the session's peak (895 MB measured, against 550 MB of its own)."""
    bomb = tmp_path / "zeros.png"
    bomb.write_bytes(png(7000, 7000))
    script = textwrap.dedent(f"""
        import re
        from pathlib import Path
        from provenance.config import Home
        from provenance.verify import verify_path
        report = verify_path(Path({str(bomb)!r}), home=Home(Path({str(tmp_path / "home")!r})))
        peak_kb = int(re.search(r"VmHWM:\\s*(\\d+)", Path("/proc/self/status").read_text()).group(1))
        print(report.exit_code, peak_kb // 1024)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    code, peak_mb = (int(v) for v in done.stdout.split())
    assert code == ExitCode.ABSENT
    assert peak_mb < 800, f"peak {peak_mb} MB"


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("declared.jpg", jpeg_declaring(65535, 65535), "pixel limit"),
        ("ztxt-bomb.png", png(300, 300, extra=ztxt_bomb(64 << 20)), "too large once expanded, far past what any"),
        ("magic.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64, ""),
        ("magic.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64, ""),
        ("over.png", png(12000, 9000, colour=0, depth=1), "pixel limit"),
    ],
)
def test_hostile_files_fail_in_one_line_with_exit_4(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = run_cli("verify", path, home=tmp_path / "home")
    assert result.code == ExitCode.UNREADABLE, result.stderr
    assert words in _one_line(result.stderr)


def test_an_exif_ifd_loop_is_read_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "loop.jpg"
    path.write_bytes(exif_loop())
    result = run_cli("verify", path, home=tmp_path / "home", timeout=120)
    assert result.code == ExitCode.ABSENT, result.stderr
    assert "Traceback" not in result.stderr


def test_a_huge_text_chunk_is_read_without_an_internal_error(tmp_path: Path) -> None:
    path = tmp_path / "text.png"
    path.write_bytes(png(300, 300, extra=_chunk(b"tEXt", b"Comment\x00" + b"A" * (4 << 20))))
    result = run_cli("verify", path, home=tmp_path / "home")
    assert result.code in (ExitCode.ABSENT, ExitCode.UNREADABLE), result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def test_the_residual_read_in_strips_is_the_whole_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above STRIP_PIXELS the tiles' residual is folded a strip at a time: the same fold and window."""
    rng = np.random.default_rng(7)
    y = (rng.normal(128, 40, (1300, 900)) + np.linspace(0, 60, 900)).astype(np.float32)
    whole = wm2.residual_fold(y, wm1._SWEEP_WINDOW)
    monkeypatch.setattr(wm2, "STRIP_PIXELS", 0)
    strips = wm2.residual_fold(y, wm1._SWEEP_WINDOW)
    np.testing.assert_allclose(strips[0], whole[0], rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(strips[1], whole[1])


def test_luma_and_sd_votes_read_in_strips_are_the_whole_pictures() -> None:
    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 256, (605, 333, 3), dtype=np.uint8), "RGB")  # 3 strips, ragged end
    rgb = np.asarray(img)
    np.testing.assert_array_equal(wm1.picture_luma(img), wm1._luma(rgb))
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    whole = {
        "BGR": sd_watermark._block_votes(bgr),
        "RGB": sd_watermark._block_votes(rgb),
        "BGR float": sd_watermark._block_votes(bgr.astype(np.float32)),
        "RGB float": sd_watermark._block_votes(rgb.astype(np.float32)),
    }
    expected = []
    for order, votes in whole.items():
        for mark in sd_watermark.KNOWN_MARKS:
            bits = sd_watermark.decode_bits(votes, mark.bits.size)
            expected.append((mark.name, order, float(np.mean(bits == mark.bits))))
    got = [(r.name, r.channel_order, r.agreement) for r in sd_watermark.agreements(img)]
    assert sorted(got) == sorted(expected)


def test_the_gate_admits_by_memory_not_only_by_count() -> None:
    async def scenario() -> tuple[int, list[int]]:
        gate = Gate(concurrent=4, queue=8, timeout_s=30, budget=100)
        peak, seen = 0, []

        def work(tag: int) -> int:
            nonlocal peak
            peak = max(peak, gate.in_use)
            seen.append(tag)
            return tag

        results = await asyncio.gather(gate.run(lambda: work(1), 60), gate.run(lambda: work(2), 60),
                                       gate.run(lambda: work(3), 500))  # fmt: skip
        assert list(results) == [1, 2, 3]
        assert gate.in_use == 0
        return peak, seen

    peak, seen = asyncio.run(scenario())
    assert peak <= 100  # the second waited for the first; the over-budget one ran alone
    assert seen == [1, 2, 3]


def test_the_gate_answers_busy_when_its_queue_is_full() -> None:
    async def scenario() -> None:
        gate = Gate(concurrent=1, queue=1, timeout_s=30, budget=100)
        release = asyncio.Event()
        loop = asyncio.get_running_loop()

        def slow() -> None:
            asyncio.run_coroutine_threadsafe(release.wait(), loop).result()

        first = asyncio.ensure_future(gate.run(slow, 100))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(gate.run(lambda: None, 50))  # waits for memory
        await asyncio.sleep(0.05)
        with pytest.raises(Busy):
            await gate.run(lambda: None, 10)
        release.set()
        await asyncio.gather(first, second)
        assert gate.in_use == 0

    asyncio.run(scenario())
