"""The rules that make verify cost little more than decoding (issue 22). Timings live in
benchmarks/stamp_verify.py; these tests assert what must hold for them: the fast paths give
the answers of the slow ones, heavy modules load only where they are used, memory stays
bounded, and a check skipped on a picture is named in its report."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance import fingerprint, verdicts, watermark
from provenance.config import Home
from provenance.credentials.claims import SCHEME_FOR_ALG, SOFT_BINDING_ALG
from provenance.detect import sd_watermark, skipped_checks
from provenance.fingerprint import PDQ_MAX_SIDE, pdq_factor
from provenance.verify import verify_path
from tests.conftest import ROOT, run_cli

SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in {".png", ".jpg"})
HEAVY = ("torch", "diffusers", "transformers", "onnxruntime", "scipy", "faiss", "pywt", "imagehash", "ray")


def _modules_after(code: str) -> set[str]:
    """Top-level modules a fresh interpreter has loaded after ``code``."""
    script = code + "\nimport json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _open(path: Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGB")


def _variants(rgb: Image.Image) -> list[Image.Image]:
    return [rgb, rgb.resize((rgb.width * 3 // 2, rgb.height * 3 // 2)), rgb.crop((7, 3, rgb.width - 5, rgb.height))]


def test_phash_gives_imagehash_s_bits() -> None:
    imagehash = pytest.importorskip("imagehash")
    flat = Image.new("RGB", (40, 30), (120, 130, 140))
    for path in SAMPLES:
        for img in [*_variants(_open(path)), flat]:
            assert fingerprint.phash(img).value == str(imagehash.phash(img)), path.name


def test_pdq_reduces_by_a_whole_factor_within_memory_and_keeps_the_hash_close() -> None:
    assert pdq_factor(1155, 866) == 1  # short side under a quarter of PDQ_MAX_SIDE * 2: as it is
    assert pdq_factor(2000, 1500) == 2
    assert pdq_factor(7000, 7000) >= 7000 / PDQ_MAX_SIDE
    for width, height in ((7000, 7000), (100_000, 1000), (1000, 100_000), (5657, 4243), (8192, 2048)):
        factor = pdq_factor(width, height)
        assert max(width, height) / factor <= PDQ_MAX_SIDE  # memory: pdqhash's float grey stays bounded
        if max(width, height) <= 4 * min(width, height):  # a photo's shape: PDQ still sees 512 px or more
            assert min(width, height) // factor >= PDQ_MAX_SIDE // 4
    # a photo scaled up 3x hashes within the match distance of itself at its own size
    import pdqhash

    for path in SAMPLES:
        img = _open(path)
        big = img.resize((img.width * 4, img.height * 4), Image.Resampling.BICUBIC)
        full_bits, _ = pdqhash.compute(np.ascontiguousarray(np.asarray(big)))
        full = np.packbits(np.asarray(full_bits, dtype=np.uint8)).tobytes().hex()
        moved = fingerprint.Fingerprint(fingerprint.PDQ, full).distance(fingerprint.pdq(big))
        assert moved <= fingerprint.THRESHOLDS[fingerprint.PDQ].match // 2, (path.name, moved)


def _pywt_votes(bgr: np.ndarray) -> np.ndarray:
    """invisible-watermark's per-block votes the way it computes them (PyWavelets' full DWT)."""
    import cv2

    pywt = pytest.importorskip("pywt")
    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    ca1, _ = pywt.dwt2(yuv[: rows // 4 * 4, : cols // 4 * 4, 1], "haar")
    br, bc = ca1.shape[0] // 4, ca1.shape[1] // 4
    flat = ca1[: br * 4, : bc * 4].reshape(br, 4, bc, 4).swapaxes(1, 2).reshape(br * bc, 16)
    pos = np.argmax(np.abs(flat[:, 1:]), axis=1) + 1
    val = np.abs(flat[np.arange(flat.shape[0]), pos])
    votes: np.ndarray = ((val % 36.0) > 18.0).astype(np.float64)
    return votes


def test_sd_watermark_votes_are_pywavelets_bit_for_bit() -> None:
    """The LL band computed directly and the 8-bit votes read from integer sums agree with the
    library's full transform in every channel order, flat pictures included (every block on
    the boundary)."""
    rng = np.random.default_rng(0)
    pictures = [np.asarray(_open(p)) for p in SAMPLES]
    pictures += [np.full((96, 120, 3), 128, np.uint8), (rng.integers(0, 8, (90, 130, 3)) * 36).astype(np.uint8)]
    for rgb in pictures:
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        for array in (bgr, rgb, bgr.astype(np.float32), rgb.astype(np.float32)):
            (ours,) = sd_watermark._block_votes(array)
            np.testing.assert_array_equal(ours, _pywt_votes(array))
        (swapped,) = sd_watermark._block_votes(rgb, swapped=True)
        np.testing.assert_array_equal(swapped, _pywt_votes(bgr))


def test_the_scheme_claims_name_is_the_watermark_s() -> None:
    assert SCHEME_FOR_ALG[SOFT_BINDING_ALG] == watermark.SCHEME


def test_help_imports_nothing_heavy() -> None:
    loaded = _modules_after("import sys; sys.argv = ['provenance', '--help']\nfrom provenance_cli.main import run\n"
                            "try:\n    run()\nexcept SystemExit:\n    pass")  # fmt: skip
    assert not loaded & {*HEAVY, "numpy", "cv2", "c2pa", "PIL", "cryptography"}, loaded


def test_reading_a_manifest_needs_no_numpy(tmp_path: Path) -> None:
    """verify --metadata-only reads manifests and metadata: numpy, OpenCV and the watermark load
    only where pixels are checked."""
    code = (
        "from pathlib import Path\nfrom provenance.config import Home\n"
        "from provenance.verify import VerifyOptions, verify_path\n"
        f"r = verify_path(Path({str(ROOT / 'samples' / 'rocket.jpg')!r}), home=Home(Path({str(tmp_path)!r})),"
        " options=VerifyOptions(pixels='never'))\nassert r.exit_code == 3, r.summary"
    )
    loaded = _modules_after(code)
    assert not loaded & {*HEAVY, "numpy", "cv2", "pdqhash"}, loaded
    # nor what only fetching trust lists (urllib.request: http, email, ssl) or signing (keys) needs
    assert not loaded & {"urllib.request", "provenance.credentials.keys"}, loaded


def test_verifying_pixels_loads_no_scipy_faiss_or_torch(tmp_path: Path) -> None:
    """Each of these cost a verify process 30-200 ms of imports: the watermark's tile search uses
    numpy's FFT (scipy.fft's import alone was 0.2 s), and pHash's median is taken without
    np.median (whose first call imports numpy.ma)."""
    code = (
        "from pathlib import Path\nfrom provenance.config import Home\nfrom provenance.verify import verify_path\n"
        f"r = verify_path(Path({str(ROOT / 'samples' / 'rocket.jpg')!r}), home=Home(Path({str(tmp_path)!r})))\n"
        "assert r.ai.pixels_checked is False or r.exit_code == 3"
    )
    loaded = _modules_after(code)
    assert not loaded & {*HEAVY, "numpy.ma", "pdqhash"}, loaded


def test_a_registry_under_20000_codes_is_searched_without_faiss() -> None:
    from provenance.registry.index import NUMPY_MAX, HashIndex

    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (500, 32), dtype=np.uint8)
    index = HashIndex.from_arrays(256, np.arange(500, dtype=np.int64), codes, epoch=0)
    query = codes[7].copy()
    query[0] ^= 0b101
    hits = index.range_search(query.tobytes(), 100)
    assert hits[0] == (7, 2)
    assert all(d <= 100 for _, d in hits)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(hits))
    assert NUMPY_MAX >= 20_000


def test_a_check_skipped_for_size_is_named_in_the_report(tmp_path: Path) -> None:
    """No check is dropped silently: a picture too small for the Stable Diffusion decoder, or
    for our watermark, says which check did not run and why."""
    small = tmp_path / "small.png"
    _open(ROOT / "samples" / "rocket.jpg").resize((200, 150)).save(small)
    named = skipped_checks(_open(small))
    assert len(named) == 1
    assert named[0].startswith("Stable Diffusion watermarks (invisible-watermark dwtDct): the image has under")
    report = verify_path(small, home=Home(tmp_path / "home"))
    assert report.ai.pixels_checked
    assert report.ai.skipped == named
    # read all the same (a walkthrough found the card's "Not checked" beside "read all the same")
    assert report.watermark.state == "too-small"
    assert verdicts.word("watermark", "too-small").label == "Too small to tell"
    assert "to carry a watermark" not in (report.watermark.note or "")  # other marks (TrustMark) fit in 200 px
    # 150 px is read all the same (a walkthrough read "not checked" as "not tried"); a miss says nothing
    said = "image under 256 px (200 x 150): read all the same, and none found, which at this size says nothing"
    assert report.watermark.note == said
    # and the summary does not call a picture that was read "not checked", in nested brackets
    assert "no known watermark found (at this size, a miss tells nothing) and" in report.summary, report.summary
    assert "watermark not checked" not in report.summary
    shown = run_cli("verify", small, home=tmp_path / "home")
    assert "  Watermark   Too small to tell\n" in shown.stdout
    # a skipped check is not listed like a signal (a "- " bullet under AI)
    assert "\n              not checked: Stable Diffusion watermarks (invisible-watermark dwtDct)" in shown.stdout
    assert "- Stable Diffusion watermarks" not in shown.stdout
    tiny = tmp_path / "tiny.png"
    _open(ROOT / "samples" / "rocket.jpg").resize((120, 90)).save(tiny)
    unread = verify_path(tiny, home=Home(tmp_path / "home"))
    assert unread.watermark.state == "not-checked"  # under 128 px the mark is not read at all
    unsaid = "image under 128 px (120 x 90): too small to tell whether it carries the watermarks this tool reads"
    assert unread.watermark.note == unsaid
    assert skipped_checks(_open(ROOT / "samples" / "rocket.jpg")) == []


def test_a_small_copy_whose_mark_is_read_is_not_called_too_small(tmp_path: Path) -> None:
    """A 320 x 240 copy of a marked picture still reads its mark: the report says found,
    and does not also say the picture was too small to read one."""
    small = tmp_path / "small.png"
    marked = watermark.embed(_open(ROOT / "samples" / "rocket.jpg"), "00c0ffee42decade")
    marked.resize((320, 240)).save(small)
    report = verify_path(small, home=Home(tmp_path / "home"))
    assert report.watermark.found
    assert report.watermark.record_id == "00c0ffee42decade"
    assert "too small" not in (report.watermark.note or "")
    assert report.watermark.state != "not-checked"
