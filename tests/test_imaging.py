from __future__ import annotations

import io
import math
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from provenance.errors import InputError, OutputExistsError, UsageError
from provenance.imaging import (
    check_output,
    load_image,
    output_format,
    sniff_mime,
    truncation,
    turned_crop_share,
    write_atomic,
)
from tests.conftest import SAMPLES


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_sniff_uses_magic_bytes_not_extensions(tmp_path: Path) -> None:
    disguised = tmp_path / "photo.png"
    disguised.write_bytes((SAMPLES / "rocket.jpg").read_bytes())
    assert load_image(disguised).mime == "image/jpeg"
    assert sniff_mime(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_mime(b"\x00\x00\x00\x1cftypavif") == "image/avif"
    assert sniff_mime(b"hello world") is None


def test_decompression_bomb_is_refused_without_decoding(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IEND", b"")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(data)
    image = load_image(bomb)
    with pytest.raises(InputError, match="pixel"):
        image.pixels()


def test_truncated_and_empty_and_special_files(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), "red").save(buf, "PNG")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(buf.getvalue()[:-40])
    with pytest.raises(InputError, match=r"truncated image: the file is incomplete \(the PNG"):
        load_image(truncated).pixels()  # its chunks say it was cut short: not called "corrupt"
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        load_image(empty)
    with pytest.raises(InputError, match="is a folder") as folder:
        load_image(tmp_path)
    assert "provenance scan DIR checks every picture in a folder" in folder.value.diagnostics()  # what to do
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_image(fifo)


def test_a_truncated_png_names_a_chunk_only_by_ascii_letters() -> None:
    """A chunk type is shown when it is four ASCII letters; other bytes as hex, never raw
    (a control byte or a non-ASCII one in an error line)."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    whole = buf.getvalue()
    start = whole[: whole.index(b"IEND") - 4]  # every chunk but IEND
    for kind, named in ((b"tEXt", "its 'tEXt' chunk"), (b"=\x0e2\xae", "an unnamed chunk (type bytes 3D0E32AE)")):
        message = truncation(start + struct.pack(">I", 1000) + kind + b"\0" * 20, "image/png")
        assert message == f"the PNG ends inside {named}", message
        assert message.isascii(), message
        assert message.isprintable(), message


def test_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\x00" * 2000)
    with pytest.raises(InputError, match="over the 1000-byte limit"):
        load_image(big, max_bytes=1000)


def test_write_atomic_replaces_whole_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_check_output_refuses_existing_and_own_input(tmp_path: Path) -> None:
    existing = tmp_path / "x.png"
    existing.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="already exists"):
        check_output(existing, force=False)
    with pytest.raises(OutputExistsError, match="its own input"):
        check_output(existing, force=True, inputs=(existing,))
    check_output(existing, force=True)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(UsageError, match="does not exist"):
        check_output(tmp_path / "nope" / "x.png", force=False)


def test_output_format_from_extension() -> None:
    assert output_format(Path("a.JPG")) == "JPEG"
    assert output_format(Path("a.webp")) == "WEBP"
    with pytest.raises(UsageError, match="unsupported output extension"):
        output_format(Path("a.gif"))


def test_a_turned_crop_keeps_the_share_that_holds_no_filled_corner() -> None:
    """A square turned 45 degrees keeps 1/sqrt(2) of each side; no turn keeps it all; either
    way round keeps the same; and the rectangle kept, turned back, fits inside the picture."""
    assert turned_crop_share(512, 512, 45) == pytest.approx(2**-0.5)
    assert turned_crop_share(640, 426, 0) == pytest.approx(1.0)
    assert turned_crop_share(640, 426, -30) == pytest.approx(turned_crop_share(640, 426, 30))
    w, h, degrees = 640, 426, 30
    k = turned_crop_share(w, h, degrees)
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    corner = (w * k / 2, h * k / 2)  # the kept rectangle's corner, turned back into the picture
    assert abs(corner[0] * c + corner[1] * s) <= w / 2 + 1e-9
    assert abs(corner[0] * s + corner[1] * c) <= h / 2 + 1e-9
    assert max(abs(corner[0] * c + corner[1] * s) - w / 2, abs(corner[0] * s + corner[1] * c) - h / 2) > -1e-6


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_a_grey_picture_of_more_than_8_bits_is_scaled_not_clipped(tmp_path: Path, mode: str) -> None:
    """A walkthrough's 16-bit grey PNG of a photograph was stamped and registered 99 % white:
    Pillow's conversion clips 16-bit levels at 255. Its pixels are now the photograph's."""
    import numpy as np

    from provenance.imaging import as_rgb
    from provenance.scan.item import thumbnail

    grey = np.asarray(Image.open(SAMPLES / "rocket.jpg").convert("L"))
    if mode == "F":
        wide = Image.fromarray(grey.astype(np.float32) / 255.0, "F")
    else:
        wide = Image.fromarray(grey.astype(np.uint16) * 257)
        if mode == "I":
            wide = wide.convert("I")
    assert wide.mode == mode
    shown = np.asarray(as_rgb(wide))
    assert shown.shape == (*grey.shape, 3)
    assert np.abs(shown[..., 0].astype(int) - grey).max() <= 1
    if mode == "I;16":  # the whole path: a PNG file as verify and stamp load it, and scan's thumbnail
        wide.save(tmp_path / "grey16.png")
        loaded = np.asarray(load_image(tmp_path / "grey16.png").pixels())
        assert np.abs(loaded[..., 1].astype(int) - grey).max() <= 1
        assert (loaded == 255).mean() < 0.1  # was 0.99
        assert thumbnail(str(tmp_path / "grey16.png")) is not None
