"""A mixed folder of images for batch tests: twins, stamped images, photos, fixtures,
attacked copies and broken files, all small so a thousand verify in seconds."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, ImageEnhance

from provenance.config import Home
from provenance.credentials import init_identity
from provenance.generate import TwinSettings
from provenance.imaging import load_image
from provenance.register import register_paths
from provenance.twin import TwinMaker, stamp_file
from tests.conftest import FIXTURES, SAMPLES

SIDE = 288


def _small(path: Path, side: int = SIDE) -> Image.Image:
    img = Image.open(path).convert("RGB")
    scale = side / min(img.size)  # the short side at ``side``: enough to carry a watermark
    return img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _attacks(img: Image.Image, n: int) -> list[tuple[str, bytes]]:
    """``n`` distinct attacked copies: re-compression, crops, resizes, brightness."""
    out: list[tuple[str, bytes]] = []
    k = 0
    while len(out) < n:
        kind = k % 4
        if kind == 0:
            out.append((f"jpeg{k}", _jpeg(img, 40 + k % 56)))
        elif kind == 1:
            margin = 2 + k % 30
            out.append((f"crop{k}", _jpeg(img.crop((margin, margin, img.width - margin, img.height - margin)), 90)))
        elif kind == 2:
            scale = 0.6 + (k % 40) / 100
            out.append((f"resize{k}", _jpeg(img.resize((int(img.width * scale), int(img.height * scale))), 90)))
        else:
            out.append((f"bright{k}", _jpeg(ImageEnhance.Brightness(img).enhance(0.8 + (k % 40) / 100), 90)))
        k += 1
    return out


def build_corpus(folder: Path, home_root: Path, total: int = 1000) -> dict[str, int]:
    """Fill ``folder`` with ``total`` files; returns how many of each kind."""
    folder.mkdir(parents=True)
    work = folder.parent / "corpus-work"
    work.mkdir()
    home = Home(home_root)
    identity = init_identity(home, org="Corpus Newsroom")
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".png", ".jpg"})
    kinds: dict[str, int] = {}

    def put(kind: str, name: str, data: bytes) -> None:
        (folder / f"{kind}-{sum(kinds.values()):04d}-{name}").write_bytes(data)
        kinds[kind] = kinds.get(kind, 0) + 1

    smalls = []
    for sample in samples:
        small = work / f"{sample.stem}.png"
        _small(sample).save(small)
        smalls.append(small)
    register_paths(smalls[:2], owner="archive", home=home)
    stamped = []
    for small in smalls:
        out = work / f"{small.stem}-stamped.png"
        stamp_file(small, out, user="desk", model="some model", identity=identity, home=home, source=small)
        stamped.append(out)
    maker = TwinMaker(TwinSettings(steps=2, strength=0.5), user="desk", identity=identity, home=home)
    twins = [maker.make(load_image(smalls[0]), work / "twin.png").output]
    for path in stamped + twins + smalls:
        put("signed" if path in stamped + twins else "photo", path.name, path.read_bytes())
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix.lower() in {".jpg", ".png"})[:40]
    for fixture in fixtures:
        if fixture.stat().st_size < 3_000_000:
            put("fixture", fixture.name, fixture.read_bytes())
    broken = [
        ("truncated.jpg", stamped[0].read_bytes()[:1500]),
        ("truncated.png", stamped[1].read_bytes()[:900]),
        ("empty.jpg", b""),
        ("text.jpg", b"this is not an image at all\n" * 10),
        ("garbage.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(range(256))),
    ]
    for name, data in broken:
        put("broken", name, data)
    sources = [Image.open(p).convert("RGB") for p in stamped + twins + smalls]
    left = total - sum(kinds.values())
    per = -(-left // len(sources))
    for index, img in enumerate(sources):
        for name, data in _attacks(img, per):
            if sum(kinds.values()) >= total:
                break
            put("attacked", f"{index}-{name}.jpg", data)
    shutil.rmtree(work)
    return kinds
