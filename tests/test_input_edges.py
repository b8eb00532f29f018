"""Inputs at the edges: a JPEG declaring 65535x65535, the formats a folder scan picks
up (DNG), looping symlinks, and ``verify --extract`` into a folder with files."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from tests.conftest import SAMPLES, run_cli


def _jpeg_declaring(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_a_jpeg_declaring_65535_square_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(_jpeg_declaring(65535, 65535))
    home = tmp_path / "home"
    result = run_cli("verify", bomb, home=home)
    assert result.code == 4, result.stderr
    assert "internal error" not in result.stderr
    assert "pixel limit" in result.stderr
    scan = run_cli("scan", tmp_path, "--report", tmp_path / "r.json", home=home)
    assert scan.code == 4, scan.stderr
    assert "internal error" not in scan.stderr
    (row,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert "pixel limit" in row["error"]


def test_folder_scans_include_dng_and_report_looping_symlinks(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(folder / "camera.dng", "TIFF")  # DNG is TIFF
    (folder / "loop.jpg").symlink_to(folder / "loop.jpg")
    (folder / "gone.png").symlink_to(folder / "missing.png")
    report = tmp_path / "r.json"
    result = run_cli("scan", folder, "--report", report, home=tmp_path / "home")
    assert result.code == 4, result.stderr
    rows = {Path(r["file"]).name: r for r in json.loads(report.read_text())["results"]}
    # a dangling link: reported by its own name (the name in the folder), its target named in the error
    assert set(rows) == {"camera.dng", "loop.jpg", "gone.png"}
    assert not rows["camera.dng"].get("error")
    assert "symbolic links" in rows["loop.jpg"]["error"]
    assert f"no such file (a link to {folder / 'missing.png'}, which is missing)" in rows["gone.png"]["error"]


def test_verify_extract_keeps_existing_files_without_force(keyed_home: Path, tmp_path: Path) -> None:
    stamped = tmp_path / "stamped.png"
    assert run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "u", home=keyed_home).code == 0
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "manifest_store.json").write_text("mine")
    refused = run_cli("verify", stamped, "--extract", folder, home=keyed_home)
    assert refused.code == 2
    assert "already has files" in refused.stderr
    assert "--force" in refused.stderr
    assert (folder / "manifest_store.json").read_text() == "mine"
    assert run_cli("verify", stamped, "--extract", tmp_path / "new", home=keyed_home).code == 0
    assert (tmp_path / "new" / "manifest_store.json").is_file()
    assert run_cli("verify", stamped, "--extract", folder, "--force", home=keyed_home).code == 0
    assert json.loads((folder / "manifest_store.json").read_text())["manifests"]
    # a copy stripped of its manifest (recovered from the registry) has nothing of its own to extract:
    # said, where it printed nothing and made no folder
    copy = tmp_path / "copy.png"
    Image.open(stamped).convert("RGB").save(copy)
    empty = run_cli("verify", copy, "--extract", tmp_path / "none", home=keyed_home)
    assert "nothing extracted: the file carries no manifest of its own" in empty.stderr
    assert "recovered from the registry" in empty.stderr


def test_usage_errors_are_one_line_like_every_other_error(tmp_path: Path) -> None:
    """click's own usage error is three lines (Usage, Try, Error); the CLI's errors are one."""
    for args in (("stamp", SAMPLES / "chelsea.png", "-o", tmp_path), ("verify", "--bogus", "x"), ("nosuchcmd",)):
        result = run_cli(*args, home=tmp_path / "home")
        assert result.code == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, lines)
        assert lines[0].startswith("provenance: error: "), lines
        assert "--help" in lines[0]


def test_stamping_a_file_cut_short_names_it(tmp_path: Path, keyed_home: Path) -> None:
    """A walkthrough's truncated JPEG read "error: the file is incomplete: ...", with no file name:
    its manifest was read before its pixels. The pixels are decoded first now, and the one line
    names the file; nothing is written."""
    exif = Image.Exif()
    exif[0x010E] = "a description long enough to make the EXIF segment run past the cut " * 20
    buf = io.BytesIO()
    Image.open(SAMPLES / "rocket.jpg").save(buf, "JPEG", exif=exif.tobytes())
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(buf.getvalue()[:400])  # inside the EXIF segment, where the manifest reader stopped
    out = tmp_path / "out.png"
    result = run_cli("stamp", cut, "-o", out, "--user", "u", "--source-type", "captured", home=keyed_home)
    assert result.code == 4, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(cut) in lines[0], lines[0]
    assert "incomplete" in lines[0], lines[0]
    assert not out.exists()


def test_stamping_an_animation_says_only_its_first_frame_is_signed(tmp_path: Path, keyed_home: Path) -> None:
    """A walkthrough's animated GIF was stamped as its first frame, without a word."""
    frames = [Image.open(SAMPLES / "chelsea.png").convert("RGB").rotate(angle) for angle in (0, 10, 20)]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    result = run_cli("stamp", gif, "-o", tmp_path / "out.png", "--user", "u", home=keyed_home)
    assert result.code == 0, result.stderr
    assert "anim.gif is animated (3 frames): only its first frame is stamped" in result.stderr
