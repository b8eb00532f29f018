"""Journeys: every real path a picture takes before ``verify``, judged on each verdict.

Usage: python benchmarks/journeys.py [--set design|evaluation|both] [--jobs 2] [--limit N]
                                     [--out benchmarks/results/journeys.md] [--csv rows.csv]

A generated matrix (issue 19). Starting pictures, AI images and camera photos, are put
in three throwaway homes, each with a fresh test identity: in each home a third of the
pictures is stamped (the library's stamp API: ``--source-type ai`` for AI images,
``captured`` for camera photos), a third registered, a third never seen, rotating so
that every picture meets every condition once. Each picture then goes through every
journey below (published, re-compressed, downscaled, cropped, screenshotted, edited,
grafted...) and the result is verified in that home. For every (picture, condition,
journey) the expected outcome on each axis (credentials, watermark, ownership, AI) and
the exit code is a set of right states, a set of acceptable (inconclusive) states and a
list of forbidden outcomes with the reason each is wrong; what verify says is graded
right, acceptable, miss (acceptable, where the rule asks for the right state: counted
against the owner-naming target) or WRONG. The tables and every WRONG row go to --out.

Design and evaluation are kept apart (docs: never report a figure on the data you tuned
on): the design set (samples/, scikit-image's, scikit-learn's and matplotlib's bundled
photos) is for whoever tunes thresholds; the evaluation set (the camera photos, C2PA
reference photographs, ComfyUI images and TrustMark picture under ../shared/fixtures,
read in place) influenced nothing. Verification runs in worker processes with one thread
each; stamping and registering run first, one worker per home.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import hashlib
import importlib.util
import io
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps, PngImagePlugin  # noqa: E402

from benchmarks.stamp_verify import machine  # noqa: E402
from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.credentials.trust import TrustPolicy, build_policy  # noqa: E402
from provenance.errors import ProvenanceError  # noqa: E402
from provenance.imaging import turned_crop_share  # noqa: E402
from provenance.register import register_paths  # noqa: E402
from provenance.report import VerifyReport  # noqa: E402
from provenance.runtime import single_threaded  # noqa: E402
from provenance.stamp import stamp_file  # noqa: E402
from provenance.verify import VerifyOptions, verify_path  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
MAX_SIDE = 1280  # starting pictures are scaled down to this long side first (verify's cost grows with pixels)
OWNER_AREA = 0.5  # the owner must be named when the picture keeps this much of its area...
OWNER_SIDE = 256  # ...at a short side of this many pixels or more (issue 19, must-show 2)
HOMES = 3  # stamped / registered / never seen, rotated

AXES = ("credentials", "watermark", "ownership", "ai", "exit")
CREDITED = frozenset({"trusted", "valid", "recovered"})  # states that hand a file credentials
AI_STATES = frozenset({"ai-generated", "ai-edited"})


# --------------------------------------------------------------------------- pictures


@dataclass(frozen=True)
class Source:
    """One starting picture: where its pixels come from and what it is."""

    pid: str
    loader: str  # "file", or "skimage:NAME", "sklearn:NAME", "matplotlib:NAME"
    origin: str  # camera, ai, ai-edited (a photo with AI-made parts) or unknown: what made the pixels
    path: Path | None = None
    tile: tuple[int, int, int, int] | None = None  # columns, rows, column, row: a non-overlapping part
    stamp_type: str = ""  # --source-type when stamped (default: from origin)

    @property
    def label(self) -> str:
        where = self.path.relative_to(FIXTURES) if self.path and self.path.is_relative_to(FIXTURES) else None
        name = str(where or (self.path.name if self.path else self.loader))
        if self.tile:
            cols, rows, col, row = self.tile
            name += f" [tile {col + 1},{row + 1} of {cols}x{rows}]"
        return name

    @property
    def claim(self) -> str:
        return self.stamp_type or {"ai": "ai", "ai-edited": "ai", "camera": "captured"}.get(self.origin, "edited")


@dataclass(frozen=True)
class Foreign:
    """A file signed by someone else, verified as it is and after a few journeys, in a home
    where its picture was never seen (its own manifest is the point)."""

    pid: str
    path: Path
    origin: str
    base: str | None  # the starting picture with the same pixels (decides the home)


def design_sources() -> list[Source]:
    """samples/ and the photographs bundled with scikit-image, scikit-learn and matplotlib."""
    out = [
        Source(f"d-{p.stem}", "file", "camera", p)
        for p in sorted((ROOT / "samples").iterdir())
        if p.suffix in {".png", ".jpg"}
    ]
    bundled = {p.stem for p in (ROOT / "samples").iterdir()}  # samples/ holds copies of some
    names = ("camera", "coins", "moon", "hubble_deep_field", "immunohistochemistry", "stereo_motorcycle", "retina")
    out += [Source(f"d-{n}", f"skimage:{n}", "camera") for n in names if n not in bundled]
    out += [Source("d-china", "sklearn:china.jpg", "camera"), Source("d-flower", "sklearn:flower.jpg", "camera")]
    out.append(Source("d-grace_hopper", "matplotlib:grace_hopper.jpg", "camera"))
    # A library that is not installed gives no pictures (the results file lists those used).
    out = [s for s in out if s.path or importlib.util.find_spec(s.loader.split(":")[0]) is not None]
    # No AI images in the design set: every other picture is stamped --source-type ai, as a
    # newsroom stamps an AI image (the claim is what verify reads; the pixels stay photos).
    return [Source(s.pid, s.loader, s.origin, s.path, s.tile, "ai" if i % 2 else "captured") for i, s in enumerate(out)]


def _tiles(pid: str, path: Path, origin: str, cols: int, rows: int) -> list[Source]:
    return [
        Source(f"{pid}-t{r * cols + c + 1}", "file", origin, path, (cols, rows, c, r))
        for r in range(rows)
        for c in range(cols)
    ]


def evaluation_sources() -> list[Source]:
    """The fixtures' distinct natural pictures (40). The biggest are cut into
    non-overlapping tiles, each its own starting picture (the whole is then not used)."""
    photos, c2pa, ai = FIXTURES / "photos", FIXTURES / "c2pa" / "c2pa-rs", FIXTURES / "ai" / "comfyui"
    ex = "exif-samples__exif-org__"
    out = [
        Source(f"e-{n}", "file", "camera", photos / f"{ex}{n}.jpg")
        for n in ("canon-ixus", "fujifilm-dx10", "kodak-dc240", "nikon-e950", "olympus-c960", "sony-d700")
    ]
    out += _tiles("e-canon_hdr", photos / "exif-samples__hdr__canon_hdr_NO.jpg", "camera", 3, 2)
    out += _tiles("e-canon_tags", photos / "exif-samples__tests__22-canon_tags.jpg", "camera", 2, 2)
    out += _tiles("e-11-tests", photos / "exif-samples__tests__11-tests.jpg", "camera", 2, 1)
    out += [
        Source(f"e-{Path(n).stem}", "file", "camera", c2pa / n)
        for n in ("sample1.png", "earth_apollo17.jpg", "P1000827.jpg", "no_alg.jpg")
    ]
    # Photoshop's own manifest says this one was edited with Adobe Firefly (compositeWithTrainedAlgorithmicMedia).
    out.append(Source("e-ocsp", "file", "ai-edited", c2pa / "ocsp.jpg"))
    out.append(Source("e-ocsp_with_assertion", "file", "camera", c2pa / "ocsp_with_assertion.jpg"))
    out += _tiles("e-mars", c2pa / "mars.webp", "camera", 2, 1)
    out += _tiles("e-sample1_avif", c2pa / "sample1.avif", "camera", 2, 1)
    out += _tiles("e-sample1_webp", c2pa / "sample1.webp", "camera", 2, 1)
    for name in ("flux_flux_dev_example.png", "sd3_sd3.5_simple_example.png", "sdxl_sdxl_simple_example.png"):
        out += _tiles(f"e-{name.split('_')[0]}", ai / name, "ai", 2, 1)
    out += [
        Source(f"e-{n.split('_')[0]}", "file", "ai", ai / n)
        for n in (
            "hypernetworks_hypernetwork_example_output.png",
            "sdturbo_sdxlturbo_example.png",
            "mochi_mochi_simple_checkpoint.webp",
        )
    ]
    out.append(Source("e-bfly", "file", "unknown", FIXTURES / "watermarked" / "trustmark" / "images_bfly_rgba_Q.png"))
    return [s for s in out if s.path is None or s.path.exists()]


def evaluation_foreign() -> list[Foreign]:
    """Files signed elsewhere whose reference result is a valid manifest (c2pa/MANIFEST.tsv)."""
    c2pa = FIXTURES / "c2pa" / "c2pa-rs"
    items = [
        Foreign("f-CA", c2pa / "CA.jpg", "camera", "e-sample1"),
        Foreign("f-C_with_CAWG", c2pa / "C_with_CAWG_data.jpg", "camera", "e-sample1"),
        Foreign("f-boxhash", c2pa / "boxhash.jpg", "camera", "e-sample1"),
        Foreign("f-ocsp", c2pa / "ocsp.jpg", "ai-edited", "e-ocsp"),
        Foreign("f-ocsp_with_assertion", c2pa / "ocsp_with_assertion.jpg", "camera", "e-ocsp_with_assertion"),
        Foreign("f-update_manifest", c2pa / "update_manifest.jpg", "camera", "e-earth_apollo17"),
        Foreign(
            "f-trustmark_signed", FIXTURES / "watermarked" / "trustmark" / "c2pa_example_wm_signed.jpg", "unknown", None
        ),
    ]
    return [f for f in items if f.path.exists()]


def _library_picture(loader: str) -> Image.Image:
    kind, name = loader.split(":", 1)
    if kind == "skimage":
        import skimage.data

        array = getattr(skimage.data, name)()
        array = array[0] if isinstance(array, tuple) else array  # stereo_motorcycle: (left, right, disparity)
        return Image.fromarray(array)
    if kind == "sklearn":
        from sklearn.datasets import load_sample_image

        return Image.fromarray(load_sample_image(name))
    import matplotlib.cbook

    handle = matplotlib.cbook.get_sample_data(name)
    assert not isinstance(handle, np.ndarray)
    with handle:
        return Image.open(io.BytesIO(handle.read()))


@dataclass(frozen=True)
class Start:
    """A starting picture as written for the run: a file with no manifest."""

    source: Source
    path: Path
    fmt: str  # JPEG or PNG
    size: tuple[int, int]
    note: str = ""


def make_start(source: Source, folder: Path) -> Start:
    """Decode, cut the tile, scale to MAX_SIDE, and save with the source's own generator
    metadata (EXIF for JPEG, text chunks for PNG) but never its manifest."""
    notes = []
    exif: bytes | None = None
    if source.path is not None:
        with Image.open(source.path) as opened:
            opened.seek(0)
            info = dict(opened.info)
            fmt = "JPEG" if opened.format == "JPEG" else "PNG"
            img = _upright(opened)  # first: the orientation is read from the EXIF below
            if "exif" in info:  # carried over upright: the pixels are turned as the orientation said
                tags = opened.getexif()
                tags.pop(ORIENTATION, None)
                exif = tags.tobytes()
        if fmt == "PNG" and opened.format != "PNG":
            notes.append(f"{opened.format} re-saved as PNG")
    else:
        img, info, fmt = _library_picture(source.loader).convert("RGB"), {}, "PNG"
    if source.tile:
        cols, rows, col, row = source.tile
        w, h = img.size[0] // cols, img.size[1] // rows
        img = img.crop((col * w, row * h, col * w + w, row * h + h))
    if max(img.size) > MAX_SIDE:
        notes.append(f"scaled from {img.size[0]}x{img.size[1]}")
        img = _scale(img, MAX_SIDE / max(img.size))
    path = folder / f"{source.pid}.{'jpg' if fmt == 'JPEG' else 'png'}"
    if fmt == "JPEG":
        kwargs: dict[str, Any] = {"exif": exif} if exif else {}
        img.save(path, "JPEG", quality=95, **kwargs)
    else:
        text = PngImagePlugin.PngInfo()
        for key, value in info.items():
            if isinstance(key, str) and isinstance(value, str):
                text.add_text(key, value)
        img.save(path, "PNG", pnginfo=text)
    return Start(source, path, fmt, img.size, "; ".join(notes))


# --------------------------------------------------------------------------- pixels


ORIENTATION = 0x0112


def _upright(img: Image.Image) -> Image.Image:
    """RGB pixels turned as the EXIF orientation says, as verify decodes them."""
    return (ImageOps.exif_transpose(img) or img).convert("RGB")


def _open(source: Path | bytes) -> Image.Image:
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
        return _upright(img)


def _scale(img: Image.Image, factor: float, resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    return img.resize((max(1, round(img.width * factor)), max(1, round(img.height * factor))), resample)


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to cover ``size`` and cut the centre: another picture made to fit."""
    factor = max(size[0] / img.width, size[1] / img.height)
    big = img.resize((max(size[0], math.ceil(img.width * factor)), max(size[1], math.ceil(img.height * factor))))
    left, top = (big.width - size[0]) // 2, (big.height - size[1]) // 2
    return big.crop((left, top, left + size[0], top + size[1]))


def _encode(img: Image.Image, fmt: str, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=quality)
    elif fmt == "WEBP":
        img.convert("RGB").save(buf, "WEBP", quality=quality)
    else:
        img.convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def _gamma(img: Image.Image, gamma: float, gains: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> Image.Image:
    lut: list[int] = []
    for gain in gains:
        lut += [min(255, round(255 * (v / 255) ** gamma * gain)) for v in range(256)]
    return img.convert("RGB").point(lut)


def crop_box(
    size: tuple[int, int], area: float, aspect: float, centred: bool
) -> tuple[tuple[int, int, int, int], float]:
    """The largest box of ``aspect`` with ``area`` of the picture (less where the aspect does
    not fit), centred or pushed towards the top-right; returns the box and the area kept."""
    w, h = size
    ch = math.sqrt(area * w * h / aspect)
    cw = ch * aspect
    if cw > w:
        cw, ch = w, w / aspect
    if ch > h:
        cw, ch = h * aspect, h
    cw_i, ch_i = max(1, round(cw)), max(1, round(ch))
    fx, fy = (0.5, 0.5) if centred else (0.9, 0.15)
    left, top = round((w - cw_i) * fx), round((h - ch_i) * fy)
    return (left, top, left + cw_i, top + ch_i), cw_i * ch_i / (w * h)


# --------------------------------------------------------------------------- containers


def jpeg_segments(data: bytes) -> tuple[list[bytes], bytes]:
    """The marker segments before the scan (each with its marker) and the rest of the file."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    segments: list[bytes] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xDA:
            return segments, data[pos:]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segments.append(data[pos : pos + 2 + length])
        pos += 2 + length
    raise ValueError("JPEG without a scan")


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, whole chunk) of a PNG, in order."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    out, pos = [], 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        out.append((kind, data[pos : pos + 12 + length]))
        pos += 12 + length
    return out


_JPEG_KEEP = {0xE0}  # APP0 (JFIF); every other APPn and COM is metadata
_PNG_KEEP = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def strip_metadata(data: bytes, fmt: str) -> bytes:
    """Every metadata segment or chunk removed, the coded pixels untouched."""
    if fmt == "JPEG":
        segments, rest = jpeg_segments(data)
        kept = [s for s in segments if not (0xE0 <= s[1] <= 0xEF or s[1] == 0xFE) or s[1] in _JPEG_KEEP]
        return b"\xff\xd8" + b"".join(kept) + rest
    chunks = png_chunks(data)
    return b"\x89PNG\r\n\x1a\n" + b"".join(c for kind, c in chunks if kind in _PNG_KEEP)


def graft_manifest(donor: bytes, target: bytes, fmt: str) -> bytes:
    """The donor's C2PA manifest (JPEG APP11 segments, PNG caBX chunks) put into the target."""
    if fmt == "JPEG":
        manifest = [s for s in jpeg_segments(donor)[0] if s[1] == 0xEB]
        segments, rest = jpeg_segments(target)
        head = [s for s in segments if s[1] == 0xE0]
        tail = [s for s in segments if s[1] != 0xE0]
        return b"\xff\xd8" + b"".join(head + manifest + tail) + rest
    store = [c for kind, c in png_chunks(donor) if kind == b"caBX"]
    chunks = png_chunks(target)
    at = next(i for i, (kind, _) in enumerate(chunks) if kind == b"IDAT")
    parts = [c for _, c in chunks[:at]] + store + [c for _, c in chunks[at:]]
    return b"\x89PNG\r\n\x1a\n" + b"".join(parts)


# --------------------------------------------------------------------------- journeys


@dataclass
class Given:
    """What a journey starts from."""

    data: bytes  # the file handed over: the stamped file, or the starting picture
    fmt: str
    original: Path  # the starting picture (before any stamp)
    similar: Path  # a never-seen picture of this home that looks most like this one
    other: Path  # another never-seen picture of this home

    def pixels(self) -> Image.Image:
        return _open(self.data)


@dataclass
class Made:
    data: bytes
    ext: str
    area: float  # share of the starting picture's area still shown
    short: int  # short side, in pixels, of the starting picture's content in the result


Make = Callable[[Given], Made]


@dataclass(frozen=True)
class Journey:
    name: str
    kind: str  # honest, graft-mark, graft-paste, graft-manifest, unsigned-original, unrelated
    make: Make
    what: str


def _made(img: Image.Image, fmt: str, area: float = 1.0, short: int | None = None, quality: int = 92) -> Made:
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
    return Made(_encode(img, fmt, quality), ext, area, min(img.size) if short is None else short)


def _ext(fmt: str) -> str:
    return "jpg" if fmt == "JPEG" else "png"


def _untouched(g: Given) -> Made:
    img = g.pixels()
    return Made(g.data, _ext(g.fmt), 1.0, min(img.size))


def _strip(g: Given) -> Made:
    return Made(strip_metadata(g.data, g.fmt), _ext(g.fmt), 1.0, min(g.pixels().size))


def _resave(g: Given) -> Made:
    return _made(g.pixels(), g.fmt, quality=95)


def _recompress(fmt: str, quality: int) -> Make:
    return lambda g: _made(g.pixels(), fmt, quality=quality)


def _downscale(factor: float) -> Make:
    return lambda g: _made(_scale(g.pixels(), factor), g.fmt)


def _crop(area: float, aspect: float, centred: bool, long_side: int | None = None) -> Make:
    def make(g: Given) -> Made:
        img = g.pixels()
        box, kept = crop_box(img.size, area, aspect, centred)
        part = img.crop(box)
        if long_side:
            part = _scale(part, long_side / max(part.size))
        return _made(part, g.fmt, kept)

    return make


def _turn(degrees: float, straighten: bool) -> Make:
    """Turned counter-clockwise on the picture's own canvas, the corners filled black; or,
    ``straighten``, cropped to the largest centred rectangle of its shape free of filled
    corners (a photo editor's straighten tool). How much of the picture stays: the share of
    its area inside the canvas (a mask turned alike), or the crop's."""

    def make(g: Given) -> Made:
        img = g.pixels()
        turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC)
        if not straighten:
            kept = Image.new("L", img.size, 255).rotate(degrees, resample=Image.Resampling.BILINEAR)
            area = float(sum(i * n for i, n in enumerate(kept.histogram()))) / (255 * img.width * img.height)
            return _made(turned, g.fmt, area)
        w, h = img.size
        k = 0.995 * turned_crop_share(w, h, degrees)
        cw, ch = round(w * k), round(h * k)
        left, top = (w - cw) // 2, (h - ch) // 2
        return _made(turned.crop((left, top, left + cw, top + ch)), g.fmt, cw * ch / (w * h))

    return make


def _screenshot(g: Given) -> Made:
    """Shown on a screen at 80 %, grabbed as PNG, a display's gamma and tint, posted as JPEG."""
    shot = _scale(g.pixels(), 0.8, Image.Resampling.BILINEAR)
    shot = Image.open(io.BytesIO(_encode(shot, "PNG")))
    return _made(_gamma(shot, 1.08, (1.03, 1.0, 0.97)), "JPEG", quality=85)


def _post(g: Given) -> Made:
    """Shown at 60 % in a social post's screenshot: an avatar, a name and a line of text above it,
    counts and a rule below, on a white page, posted as JPEG 85."""
    shown = _scale(g.pixels(), 0.6)
    w, h = shown.size
    page = Image.new("RGB", (w + 40, h + 200), "white")
    draw = ImageDraw.Draw(page)
    draw.ellipse((20, 16, 60, 56), fill=(40, 120, 200))
    draw.text((72, 18), "Daily Planet @dailyplanet · 2h", fill=(20, 20, 20), font=_font(14))
    draw.text((72, 40), "The scene this morning, as our photographer saw it.", fill=(20, 20, 20), font=_font(14))
    page.paste(shown, (20, 72))
    draw.text((20, h + 90), "12.4K Reposts   48.1K Likes", fill=(90, 90, 90), font=_font(13))
    draw.line((20, h + 120, w + 20, h + 120), fill=(220, 220, 220))
    return _made(page, "JPEG", short=min(shown.size), quality=85)


def _enhance(kind: str, factor: float) -> Make:
    def make(g: Given) -> Made:
        img = g.pixels()
        if kind == "colour":
            out = ImageEnhance.Color(img).enhance(factor)
        elif kind == "brightness":
            out = ImageEnhance.Brightness(img).enhance(factor)
        else:
            out = _gamma(img, factor)
        return _made(out, g.fmt)

    return make


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text(g: Given) -> Made:
    """A caption band over the bottom 14 % (semi-transparent black, white text)."""
    img = g.pixels().convert("RGBA")
    band = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    top = round(img.height * 0.86)
    draw.rectangle((0, top, img.width, img.height), fill=(0, 0, 0, 160))
    draw.text(
        (img.width * 0.04, top + img.height * 0.03),
        "BREAKING: what happened here",
        fill="white",
        font=_font(max(10, img.height // 16)),
    )
    return _made(Image.alpha_composite(img, band), g.fmt, area=0.86)


def _logo(g: Given) -> Made:
    """An opaque round logo with letters in the top-right corner."""
    img = g.pixels()
    side = max(24, round(min(img.size) * 0.18))
    draw = ImageDraw.Draw(img)
    x0, y0 = img.width - side - side // 4, side // 4
    draw.ellipse((x0, y0, x0 + side, y0 + side), fill=(200, 30, 40), outline="white", width=max(1, side // 20))
    draw.text((x0 + side * 0.18, y0 + side * 0.3), "NEWS", fill="white", font=_font(max(8, side // 4)))
    return _made(img, g.fmt, area=1 - math.pi * side * side / 4 / (img.width * img.height))


def _border(g: Given) -> Made:
    img = g.pixels()
    pad = max(8, min(img.size) // 16)
    framed = Image.new("RGB", (img.width + 2 * pad, img.height + 2 * pad), "white")
    framed.paste(img, (pad, pad))
    return _made(framed, g.fmt, short=min(img.size))


def _other(path: Path, size: tuple[int, int]) -> Image.Image:
    return _cover(_open(path), size)


def _graft_mark(onto: str) -> Make:
    """The watermark residual (stamped minus original pixels) added to another picture."""

    def make(g: Given) -> Made:
        stamped = np.asarray(g.pixels(), dtype=np.float32)
        original = np.asarray(_open(g.original), dtype=np.float32)
        size = (stamped.shape[1], stamped.shape[0])
        target = np.asarray(_other(g.similar if onto == "similar" else g.other, size), dtype=np.float32)
        out = np.clip(target + stamped - original, 0, 255).round().astype(np.uint8)
        return _made(Image.fromarray(out), g.fmt, area=0.0, short=0, quality=95)

    return make


def _graft_paste(g: Given) -> Made:
    """The stamped picture pasted whole into a larger scene (it covers 44 % of it): a composite, which
    holds the picture untouched but is not it (exit 3 since session 17; "broken" before)."""
    img = g.pixels()
    canvas = _other(g.other, (round(img.width * 1.5), round(img.height * 1.5)))
    canvas.paste(img, (round(img.width * 0.1), round(img.height * 0.3)))
    return _made(canvas, g.fmt, area=1.0, short=min(img.size))


def _graft_manifest(g: Given) -> Made:
    """The stamped file's C2PA manifest moved into another picture's file."""
    img = g.pixels()
    target = _encode(_other(g.other, img.size), g.fmt, 95)
    return Made(graft_manifest(g.data, target, g.fmt), _ext(g.fmt), 0.0, 0)


def _original(g: Given) -> Made:
    short = min(_open(g.original).size)
    return Made(g.original.read_bytes(), g.original.suffix.lstrip("."), 0.0, short)


def _unrelated(edited: bool) -> Make:
    def make(g: Given) -> Made:
        if not edited:
            return Made(g.similar.read_bytes(), g.similar.suffix.lstrip("."), 0.0, 0)
        img = _open(g.similar)
        box, _ = crop_box(img.size, 0.6, img.width / img.height, True)
        other = ImageEnhance.Color(img.crop(box)).enhance(1.35)
        return _made(_cover(other, g.pixels().size), "JPEG", area=0.0, short=0)

    return make


ASPECTS = {"16x9": 16 / 9, "1x1": 1.0, "4x5": 0.8}


def journeys() -> list[Journey]:
    """Every journey, honest ones first."""
    out = [
        Journey("untouched", "honest", _untouched, "the file as it is"),
        Journey("strip-metadata", "honest", _strip, "every metadata segment/chunk removed, coded pixels untouched"),
        Journey("strip-resave", "honest", _resave, "pixels re-saved (JPEG 95 / PNG), no metadata"),
        Journey("jpeg85", "honest", _recompress("JPEG", 85), "re-encoded as JPEG quality 85"),
        Journey("jpeg60", "honest", _recompress("JPEG", 60), "re-encoded as JPEG quality 60"),
        Journey("jpeg40", "honest", _recompress("JPEG", 40), "re-encoded as JPEG quality 40"),
        Journey("webp80", "honest", _recompress("WEBP", 80), "re-encoded as WebP quality 80"),
    ]
    out += [
        Journey(f"down{p}", "honest", _downscale(p / 100), f"downscaled to {p} % of each side")
        for p in (75, 50, 33, 25)
    ]
    for area in (90, 70, 50, 30):
        for aspect, ratio in ASPECTS.items():
            for centred in (True, False):
                where = "centre" if centred else "off"
                out.append(
                    Journey(
                        f"crop{area}-{aspect}-{where}",
                        "honest",
                        _crop(area / 100, ratio, centred),
                        f"crop to {aspect.replace('x', ':')}, {area} % of the area (less where the aspect does not"
                        f" fit), {'centred' if centred else 'off-centre (top-right)'}",
                    )
                )
    out += [
        Journey("crop70-16x9-1200px", "honest", _crop(0.7, 16 / 9, True, 1200), "16:9 crop, 70 %, resized to 1200 px"),
        Journey("crop50-1x1-400px", "honest", _crop(0.5, 1.0, True, 400), "square crop, 50 %, resized to 400 px"),
        Journey("screenshot", "honest", _screenshot, "shown at 80 %, PNG grab, gamma 1.08 and tint, JPEG 85"),
        Journey("post", "honest", _post, "shown at 60 % in a social post's screenshot (text above and below), JPEG 85"),
        Journey("turn5", "honest", _turn(5, False), "turned 5 degrees on its own canvas, corners filled black"),
        Journey("turn45", "honest", _turn(45, False), "turned 45 degrees on its own canvas, corners filled black"),
        Journey(
            "turn10-straighten",
            "honest",
            _turn(10, True),
            "turned 10 degrees and cropped to the largest centred rectangle free of filled corners",
        ),
        Journey("saturation", "honest", _enhance("colour", 1.4), "colour saturation x1.4"),
        Journey("brightness", "honest", _enhance("brightness", 1.2), "brightness x1.2"),
        Journey("gamma", "honest", _enhance("gamma", 0.7), "gamma 0.7"),
        Journey("text", "honest", _text, "a caption band over the bottom 14 %"),
        Journey("logo", "honest", _logo, "an opaque logo in a corner"),
        Journey("border", "honest", _border, "a white border"),
        Journey(
            "graft-mark-similar",
            "graft-mark",
            _graft_mark("similar"),
            "our mark's residual (stamped - original) added to the most similar never-seen picture",
        ),
        Journey(
            "graft-mark-other",
            "graft-mark",
            _graft_mark("other"),
            "our mark's residual added to another never-seen picture",
        ),
        Journey(
            "graft-paste",
            "graft-paste",
            _graft_paste,
            "the stamped picture pasted into another picture 1.5 times its size",
        ),
        Journey(
            "graft-manifest",
            "graft-manifest",
            _graft_manifest,
            "the stamped file's C2PA manifest moved into another picture's file",
        ),
        Journey(
            "unsigned-original",
            "unsigned-original",
            _original,
            "the untouched, unsigned original of the stamped picture",
        ),
        Journey(
            "unrelated-similar",
            "unrelated",
            _unrelated(False),
            "another picture of the set, never seen here, the most similar to this one",
        ),
        Journey(
            "unrelated-edited",
            "unrelated",
            _unrelated(True),
            "that picture cropped to 60 %, saturated, resized to this picture's size",
        ),
    ]
    return out


JOURNEYS = {j.name: j for j in journeys()}
STAMPED_ONLY = {"graft-mark", "graft-paste", "graft-manifest", "unsigned-original"}
FOREIGN_JOURNEYS = ("untouched", "strip-resave", "jpeg85", "down50", "crop50-1x1-centre", "screenshot")
# Registered and never-seen pictures go through 6 of the 24 crops (every area, aspect and
# position at least once): they test false matches, and the time budget is the stamped rows'.
FEW_CROPS = {
    "crop90-16x9-centre",
    "crop70-4x5-off",
    "crop50-1x1-centre",
    "crop50-16x9-off",
    "crop30-1x1-off",
    "crop30-4x5-centre",
}


def journeys_for(condition: str) -> list[str]:
    """The journeys a picture in ``condition`` goes through."""
    if condition == "foreign":
        return [name for name in FOREIGN_JOURNEYS if name in JOURNEYS]
    if condition == "stamped":
        return list(JOURNEYS)
    names = [j.name for j in JOURNEYS.values() if j.kind not in STAMPED_ONLY]
    names = [n for n in names if not n.endswith(("-centre", "-off")) or n in FEW_CROPS]
    # A never-seen picture's look-alike is another never-seen picture of the same home: its own rows.
    return [n for n in names if not (condition == "never" and n == "unrelated-similar")]


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Expect:
    """What a careful expert accepts on one axis: right states, acceptable (inconclusive)
    ones, and, for everything else, why it is wrong (``forbidden``; default: unexpected)."""

    right: frozenset[str]
    acceptable: frozenset[str] = frozenset()
    forbidden: tuple[tuple[str, str], ...] = ()
    required: bool = False  # an acceptable state is a miss here

    def grade(self, got: str) -> str:
        if got in self.right:
            return "right"
        if got in self.acceptable:
            return "miss" if self.required else "acceptable"
        return "WRONG"

    def why(self, got: str) -> str:
        return dict(self.forbidden).get(got, "not among the acceptable states")

    @property
    def label(self) -> str:
        right = "/".join(sorted(self.right))
        return right + (f" (or {'/'.join(sorted(self.acceptable))})" if self.acceptable else "")


def _e(
    right: Iterable[str],
    acceptable: Iterable[str] = (),
    forbidden: dict[str, str] | None = None,
    required: bool = False,
) -> Expect:
    return Expect(frozenset(right), frozenset(acceptable), tuple((forbidden or {}).items()), required)


@dataclass(frozen=True)
class Case:
    """One row of the matrix before it is run."""

    set: str
    home: int
    pid: str
    origin: str  # of the starting picture
    claim: str  # --source-type it was (or would be) stamped with
    condition: str  # stamped, registered, never, foreign
    journey: str
    other_origin: str  # origin of the other picture used by grafts and unrelated journeys
    similar_origin: str


NEVER_CARRIED = "credentials the file never carried"
# a mark not looked for (under 128 px, metadata only), or looked for where a miss says nothing (under 256 px)
UNREAD = ("not-checked", "too-small")
BROKEN = "an honest derivative reported broken"
NOT_AI = "a non-AI picture reported AI"


def _ai_expect(truth: str, signed: bool) -> Expect:
    """``truth``: ai, ai-edited, camera, unknown (pixels' origin) or claim-ai/claim-captured/claim-edited
    (a signed claim the file carries, or recovers)."""
    no_signer = "captured without a trusted signer's claim"
    if truth == "ai-edited":
        return _e(
            {"ai-edited"},
            {"ai-generated", "no-evidence"},
            {"captured": "an AI-edited picture reported captured"},
        )
    if truth == "claim-edited":  # IPTC minorHumanEdits: captured or made by a person, then lightly edited
        return _e({"no-evidence", "captured"}, {"ai-generated", "ai-edited"})
    if truth in ("ai", "claim-ai"):
        return _e(
            {"ai-generated"},
            {"ai-edited", "no-evidence"},
            {"captured": "an AI picture reported captured"},
        )
    if truth == "claim-captured":
        return _e({"captured"}, {"no-evidence"}, dict.fromkeys(AI_STATES, NOT_AI), required=signed)
    if truth == "camera":
        return _e({"no-evidence"}, (), {"ai-generated": NOT_AI, "ai-edited": NOT_AI, "captured": no_signer})
    return _e({"no-evidence"}, {"ai-generated", "ai-edited"}, {"captured": no_signer})


def expectations(case: Case, area: float, short: int) -> dict[str, Expect]:
    """The expected outcome of one case on each axis, as a careful expert would judge it."""
    kind = JOURNEYS[case.journey].kind
    untouched = case.journey == "untouched"
    ai_pixels = bool({"ai", "ai-edited"} & {case.origin, case.other_origin})
    known_ai = {"known-ai"} if ai_pixels else set()
    ours_mark = dict.fromkeys(("ours", "mismatch", "unconfirmed"), "a mark of ours where there is none")
    no_owner = _e(
        {"no-match"},
        {"similar", "inconclusive"},
        {
            "wrong-owner": "an owner named for a picture never registered",
            "named": "the stamped picture's owner named for another picture",
        },
    )
    absent = _e({"absent"}, (), dict.fromkeys(CREDITED, NEVER_CARRIED))
    if case.condition == "foreign":
        base = _e(
            {"valid", "trusted"}, (), {"invalid": "a valid manifest called broken", "absent": "a manifest missed"}
        )
        declared = case.pid == "f-trustmark_signed" and untouched  # its manifest declares a TrustMark (issue 19, 17)
        return {
            "credentials": base if untouched else absent,
            "watermark": _e({"declared"} if declared else {"none"}, {"none", *UNREAD}, ours_mark, required=declared),
            "ownership": no_owner,
            "ai": _ai_expect(case.origin, False),
            "exit": _e({"0"}, {"3"}, {"1": "a valid manifest called broken"})
            if untouched
            else _e({"3"}, (), {"0": "provenance claimed for a picture never seen", "1": BROKEN}),
        }
    if kind == "honest" and case.condition == "stamped":
        exact = case.journey in ("untouched", "strip-metadata", "strip-resave")
        named = area >= OWNER_AREA - 0.005 and short >= OWNER_SIDE  # 49.99 % after rounding the box is 50 %
        return {
            "credentials": _e({"trusted"}, (), {"invalid": BROKEN, "absent": "the manifest missed"})
            if untouched
            else _e({"recovered"}, {"absent"}, {"invalid": BROKEN, "truncated": BROKEN}, required=exact),
            "watermark": _e(
                {"ours"},
                {"unconfirmed", "none", *UNREAD} | known_ai,  # unconfirmed: named, not credited
                {"mismatch": "our own mark called copied onto another picture"},
                required=exact,
            ),
            "ownership": _e(
                {"named"},
                {"similar", "inconclusive", "no-match"},
                {"wrong-owner": "the wrong owner named"},
                required=named,
            ),
            "ai": _ai_expect(f"claim-{case.claim}", exact),
            "exit": _e({"0"}, {"3"}, {"1": BROKEN}, required=exact),
        }
    if kind == "honest" and case.condition == "registered":
        return {
            "credentials": absent,
            "watermark": _e({"none"}, {*UNREAD} | known_ai, ours_mark),
            "ownership": _e(
                {"named"},
                {"similar", "inconclusive", "no-match"},
                {"wrong-owner": "the wrong owner named"},
                required=untouched,
            ),
            "ai": _ai_expect(case.origin, False),
            "exit": _e({"0"}, {"3"}, {"1": BROKEN}, required=untouched),
        }
    if kind == "honest":  # never seen
        return {
            "credentials": absent,
            "watermark": _e({"none"}, {*UNREAD} | known_ai, ours_mark),
            "ownership": no_owner,
            "ai": _ai_expect(case.origin, False),
            "exit": _e({"3"}, (), {"0": "provenance claimed for a picture never seen", "1": BROKEN}),
        }
    if kind == "unsigned-original":
        return {
            "credentials": absent,
            "watermark": _e({"none"}, {*UNREAD}, ours_mark),
            "ownership": _e(
                {"similar"}, {"inconclusive", "no-match", "named"}, {"wrong-owner": "the wrong owner named"}
            ),
            "ai": _ai_expect(case.origin, False),
            "exit": _e({"3"}, {"0"}, {"1": BROKEN}),
        }
    if kind == "unrelated":
        return {
            "credentials": absent,
            "watermark": _e({"none"}, {*UNREAD} | known_ai, ours_mark),
            "ownership": no_owner,
            "ai": _ai_expect(case.similar_origin, False),
            "exit": _e({"3"}, (), {"0": "provenance claimed for an unrelated picture", "1": BROKEN}),
        }
    graft_passed = "a graft accepted as provenance"
    other = case.similar_origin if case.journey == "graft-mark-similar" else case.other_origin
    if kind == "graft-mark":
        return {
            "credentials": absent,
            "watermark": _e({"mismatch"}, {"unconfirmed", "none", *UNREAD}, {"ours": "a grafted mark accepted"}),
            "ownership": no_owner,
            "ai": _ai_expect(other, False),
            "exit": _e({"1"}, {"3"}, {"0": graft_passed}),
        }
    if kind == "graft-paste":
        # the stamped picture whole inside a larger one: named as part of it, nothing handed over (exit 3);
        # until session 17, "broken" (exit 1), which claims a tampering no evidence shows
        composite = "ai" if ai_pixels or case.claim == "ai" else "camera"
        return {
            "credentials": absent,
            "watermark": _e({"unconfirmed"}, {"none", *UNREAD, "ours", "mismatch"}),
            "ownership": _e(
                {"named", "similar", "inconclusive", "no-match"}, (), {"wrong-owner": "the wrong owner named"}
            ),
            "ai": _ai_expect(composite, False),
            "exit": _e({"3"}, {"1"}, {"0": graft_passed}),
        }
    return {  # graft-manifest
        "credentials": _e(
            {"invalid"}, (), {**dict.fromkeys(CREDITED, NEVER_CARRIED), "absent": "a moved manifest missed"}
        ),
        "watermark": _e({"none"}, {*UNREAD, "mismatch"}, {"ours": "a mark of ours where there is none"}),
        "ownership": no_owner,
        "ai": _ai_expect(other, False),
        "exit": _e({"1"}, (), {"0": graft_passed, "3": "a moved manifest missed"}),
    }


# --------------------------------------------------------------------------- outcomes


def outcome(report: VerifyReport, legit_owners: set[str]) -> dict[str, str]:
    """verify's answer on each axis, in the vocabulary's states (provenance/verdicts.py),
    read from the report as it is today (or its future explicit ``state`` fields)."""
    if report.error:
        return dict.fromkeys(AXES[:-1], "unreadable") | {"exit": str(report.exit_code)}
    cred = report.credentials
    credentials = str(cred.state)
    if credentials == "absent" and (cred.recovered or cred.recovered_manifest is not None):
        credentials = "recovered"
    mark = report.watermark
    mark_state = getattr(mark, "state", None)
    if not isinstance(mark_state, str):
        note = (mark.note or "").lower()
        if mark.agrees_with_manifest is False:
            mark_state = "mismatch"
        elif mark.found:
            mark_state = "ours" if str(mark.scheme or "").startswith("provenance") else "known-ai"
        elif "not checked" in note or "too small" in note or "could not be decoded" in note:
            mark_state = "not-checked"
        else:
            mark_state = "none"
    own = report.ownership
    solid = {m.owner for m in own.matches if m.strength != "inconclusive" and m.relation != "similar-to"}
    ownership = str(own.verdict)
    if ownership in ("registered", "derived"):
        ownership = "wrong-owner" if solid - legit_owners or not solid & legit_owners else "named"
    return {
        "credentials": credentials,
        "watermark": mark_state,
        "ownership": ownership,
        "ai": str(report.ai.verdict),
        "exit": str(report.exit_code),
    }


# --------------------------------------------------------------------------- running


@dataclass
class HomePlan:
    """One home: which pictures are stamped, registered or never seen in it."""

    index: int
    root: Path
    stamped: dict[str, Path] = field(default_factory=dict)  # pid -> stamped file
    registered: set[str] = field(default_factory=set)
    never: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # pid -> why the stamp was refused


@dataclass
class Plan:
    set: str
    starts: dict[str, Start]
    homes: list[HomePlan]
    foreign: list[Foreign]
    similar: dict[tuple[int, str], str]  # (home, pid) -> the most similar never-seen pid
    other: dict[tuple[int, str], str]


def owner_of(pid: str) -> str:
    return f"Owner {pid}"


def setup_home(args: tuple[str, int, Path, list[Start], list[int]]) -> HomePlan:
    """Make one home: a fresh identity; stamp one third, register one third."""
    _, index, root, starts, groups = args
    single_threaded()
    home = Home(root)
    identity = init_identity(home, org=f"Journeys Newsroom {index}")
    plan = HomePlan(index, root)
    out = root / "stamped"
    out.mkdir()
    for start, group in zip(starts, groups, strict=True):
        pid = start.source.pid
        role = (group - index) % HOMES
        if role == 0:
            target = out / start.path.name
            try:
                stamp_file(
                    start.path,
                    target,
                    user=f"photographer {pid}",
                    identity=identity,
                    home=home,
                    source_type=start.source.claim,
                    owner=owner_of(pid),
                )
                plan.stamped[pid] = target
            except ProvenanceError as exc:
                plan.refused[pid] = str(exc).splitlines()[0]
        elif role == 1:
            register_paths([start.path], owner=owner_of(pid), home=home)
            plan.registered.add(pid)
        else:
            plan.never.append(pid)
    return plan


def _phash(path: Path) -> int:
    with Image.open(path) as img:
        small = np.asarray(img.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float32)
    from scipy.fft import dctn

    low = dctn(small, norm="ortho")[:8, :8].ravel()
    return int("".join("1" if v > np.median(low) else "0" for v in low), 2)


def neighbours(plan: Plan) -> None:
    """For each picture in each home, the never-seen picture most like it (pHash) and another."""
    hashes = {pid: _phash(s.path) for pid, s in plan.starts.items()}
    for home in plan.homes:
        for pid in plan.starts:
            pool = [q for q in home.never if q != pid]
            if not pool:
                continue
            nearest = min(pool, key=lambda q: (bin(hashes[q] ^ hashes[pid]).count("1"), q))
            rest = [q for q in pool if q != nearest] or pool
            plan.similar[home.index, pid] = nearest
            plan.other[home.index, pid] = rest[int(hashlib.sha256(pid.encode()).hexdigest(), 16) % len(rest)]


def cases(plan: Plan) -> list[Case]:
    out = []
    origin = {pid: s.source.origin for pid, s in plan.starts.items()}
    for home in plan.homes:
        for pid, start in plan.starts.items():
            if pid in home.refused:
                continue
            if pid in home.stamped:
                condition = "stamped"
            elif pid in home.registered:
                condition = "registered"
            else:
                condition = "never"
            similar, other = plan.similar.get((home.index, pid)), plan.other.get((home.index, pid))
            if similar is None or other is None:
                continue
            out += [
                Case(
                    plan.set,
                    home.index,
                    pid,
                    start.source.origin,
                    start.source.claim,
                    condition,
                    name,
                    origin[other],
                    origin[similar],
                )
                for name in journeys_for(condition)
            ]
    for item in plan.foreign:
        index = next((h.index for h in plan.homes if item.base in h.never), 0)
        similar = plan.similar.get((index, item.base or ""), plan.homes[index].never[0])
        out += [
            Case(plan.set, index, item.pid, item.origin, "", "foreign", name, origin[similar], origin[similar])
            for name in journeys_for("foreign")
        ]
    return out


_PLANS: dict[str, Plan] = {}
_POLICIES: dict[Path, TrustPolicy] = {}


def given(plan: Plan, case: Case) -> Given:
    home = plan.homes[case.home]
    foreign = next((f for f in plan.foreign if f.pid == case.pid), None)
    key = foreign.base if foreign and foreign.base else case.pid
    similar = plan.similar.get((case.home, key), home.never[0])
    other = plan.other.get((case.home, key), home.never[-1])
    if foreign is not None:
        data, fmt, original = foreign.path.read_bytes(), "JPEG", foreign.path
    else:
        start = plan.starts[case.pid]
        path = home.stamped.get(case.pid, start.path)
        data, fmt, original = path.read_bytes(), start.fmt, start.path
    return Given(data, fmt, original, plan.starts[similar].path, plan.starts[other].path)


def run_case(item: tuple[int, Case]) -> dict[str, Any]:
    """Make the journey's file, verify it in the case's home, grade every axis."""
    index, case = item
    plan = _PLANS[case.set]
    home = plan.homes[case.home]
    row: dict[str, Any] = {"case": case, "index": index}
    try:
        made = JOURNEYS[case.journey].make(given(plan, case))
    except (OSError, ValueError) as exc:  # the harness could not make this journey: reported, not graded
        row["error"] = f"journey not made: {exc}"
        return row
    policy = _POLICIES.setdefault(home.root, build_policy(Home(home.root)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{case.pid}-{case.journey}.{made.ext}"
        path.write_bytes(made.data)
        with Image.open(path) as img:
            row["size"] = f"{img.width}x{img.height}"
        start = time.perf_counter()
        try:
            report = verify_path(path, home=Home(home.root), options=VerifyOptions(policy=policy))
            legit = {owner_of(case.pid)} if case.condition in ("stamped", "registered") else set()
            got = outcome(report, legit)
            summary = report.summary
        except Exception as exc:  # noqa: BLE001 - a crash in verify is a result to report, not to stop on
            got = dict.fromkeys(AXES[:-1], "crash") | {"exit": "5"}
            summary = f"verify raised {type(exc).__name__}: {exc}"
        row["seconds"] = time.perf_counter() - start
    row.update(got=got, summary=summary, area=made.area, short=made.short)
    expect = expectations(case, made.area, made.short)
    row["expect"] = {axis: e.label for axis, e in expect.items()}
    row["grade"] = {axis: expect[axis].grade(got[axis]) for axis in AXES}
    row["why"] = {axis: expect[axis].why(got[axis]) for axis in AXES if row["grade"][axis] == "WRONG"}
    row["required_owner"] = expect["ownership"].required and case.condition == "stamped"
    row["never_carried"] = any(
        reason == NEVER_CARRIED for state, reason in expect["credentials"].forbidden if state in CREDITED
    )
    row["non_ai"] = "ai-generated" in {s for s, r in expect["ai"].forbidden if r == NOT_AI}
    return row


def _init_worker() -> None:
    single_threaded()


def build(set_name: str, sources: list[Source], foreign: list[Foreign], work: Path, jobs: int) -> Plan:
    folder = work / set_name
    folder.mkdir()
    starts = {s.pid: make_start(s, folder) for s in sources}
    ordered = list(starts.values())
    groups = [i % HOMES for i in range(len(ordered))]
    jobs_args = [(set_name, k, folder / f"home{k}", ordered, groups) for k in range(HOMES)]
    if jobs == 1:
        homes = [setup_home(a) for a in jobs_args]
    else:
        with multiprocessing.get_context("fork").Pool(min(jobs, HOMES)) as pool:
            homes = pool.map(setup_home, jobs_args)
    plan = Plan(set_name, starts, homes, foreign, {}, {})
    neighbours(plan)
    return plan


def run(plans: list[Plan], jobs: int) -> list[dict[str, Any]]:
    for plan in plans:
        _PLANS[plan.set] = plan
    todo = [c for plan in plans for c in cases(plan)]
    rows: list[dict[str, Any]] = []
    start, last = time.perf_counter(), 0.0
    with contextlib.ExitStack() as stack:
        if jobs == 1:
            _init_worker()
            results: Iterable[dict[str, Any]] = map(run_case, enumerate(todo))
        else:
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(jobs, initializer=_init_worker))
            results = pool.imap_unordered(run_case, list(enumerate(todo)), chunksize=4)
        for row in results:
            rows.append(row)
            now = time.perf_counter() - start
            if now - last > 15 or len(rows) == len(todo):
                last = now
                eta = now / len(rows) * (len(todo) - len(rows))
                print(f"  {len(rows)}/{len(todo)} verified, {now:.0f} s, about {eta:.0f} s left", file=sys.stderr)
    rows.sort(key=lambda r: int(r["index"]))
    return rows


# --------------------------------------------------------------------------- report


def must_show(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(item, count, target) for issue 19's must-show 2."""
    graded = [r for r in rows if "grade" in r]
    honest = [r for r in graded if not JOURNEYS[r["case"].journey].kind.startswith("graft")]
    broken = sum(r["got"]["exit"] == "1" for r in honest)
    never = [r for r in graded if r["never_carried"]]
    given_creds = sum(r["got"]["credentials"] in CREDITED for r in never)
    grafts = [r for r in graded if JOURNEYS[r["case"].journey].kind in ("graft-mark", "graft-manifest")]
    graft_1 = sum(r["got"]["exit"] == "1" for r in grafts)
    pasted = [r for r in graded if JOURNEYS[r["case"].journey].kind == "graft-paste"]
    pasted_3 = sum(r["got"]["exit"] == "3" and r["got"]["credentials"] not in CREDITED for r in pasted)
    unread = sum(
        r["got"]["exit"] != "1" and r["got"]["watermark"] in ("none", *UNREAD)
        for r in grafts
        if JOURNEYS[r["case"].journey].kind != "graft-manifest"
    )
    unsure = sum(
        r["got"]["exit"] != "1" and r["got"]["watermark"] == "unconfirmed"
        for r in grafts
        if JOURNEYS[r["case"].journey].kind != "graft-manifest"
    )
    moved = [r for r in grafts if r["case"].journey == "graft-manifest"]
    non_ai = [r for r in graded if r["non_ai"]]
    said_ai = sum(r["got"]["ai"] in AI_STATES for r in non_ai)
    owned = [r for r in graded if r["required_owner"]]
    named = sum(r["got"]["ownership"] == "named" for r in owned)
    wrong = sum(any(g == "WRONG" for g in r["grade"].values()) for r in graded)
    rate = f"{named}/{len(owned)} ({100 * named / len(owned):.1f} %)" if owned else "0/0"
    return [
        ("honest journeys reported broken (exit 1)", f"{broken} of {len(honest)}", "0"),
        ("files given credentials they never carried", f"{given_creds} of {len(never)}", "0"),
        ("grafts (mark, manifest) with exit 1", f"{graft_1} of {len(grafts)}", "all"),
        (
            "stamped pictures pasted whole into a larger one: exit 3, nothing handed over",
            f"{pasted_3} of {len(pasted)}",
            "all",
        ),
        (
            "  of which moved manifests with exit 1",
            f"{sum(r['got']['exit'] == '1' for r in moved)} of {len(moved)}",
            "all",
        ),
        ("  grafted marks not flagged because the mark did not read", str(unread), "(honest: nothing to flag)"),
        ("  grafted marks read but left unconfirmed (exit 3, owner not credited)", str(unsure), "0"),
        ("non-AI pictures reported AI", f"{said_ai} of {len(non_ai)}", "0"),
        ("owner named, stamped pictures keeping >= 50 % of the area at >= 256 px", rate, ">= 99 %"),
        (
            "rows with a WRONG verdict on any axis (everything else: right or inconclusive)",
            f"{wrong} of {len(graded)}",
            "0",
        ),
    ]


def _table(header: Sequence[str], body: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in line) + " |" for line in body]
    return lines


def grades_table(rows: list[dict[str, Any]]) -> list[str]:
    graded = [r for r in rows if "grade" in r]
    body = []
    for condition in ("stamped", "registered", "never", "foreign"):
        sub = [r for r in graded if r["case"].condition == condition]
        if not sub:
            continue
        for axis in AXES:
            c = Counter(r["grade"][axis] for r in sub)
            body.append([condition, axis, len(sub), c["right"], c["acceptable"], c["miss"], c["WRONG"]])
    return _table(["condition", "axis", "rows", "right", "acceptable (inconclusive)", "miss", "WRONG"], body)


def confusion(rows: list[dict[str, Any]], axis: str) -> list[str]:
    graded = [r for r in rows if "grade" in r]
    cells: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: Counter[str] = Counter()
    for r in graded:
        cells[r["expect"][axis]][r["got"][axis]] += 1
        wrong[r["expect"][axis]] += r["grade"][axis] == "WRONG"
    states = sorted({s for c in cells.values() for s in c})
    body = [[exp, *[cells[exp][s] or "" for s in states], wrong[exp]] for exp in sorted(cells)]
    return _table([f"expected \\ got ({axis})", *states, "WRONG"], body)


def wrong_rows(rows: list[dict[str, Any]], starts: dict[str, Start], foreign: list[Foreign]) -> list[str]:
    labels = {pid: s.source.label for pid, s in starts.items()} | {f.pid: str(f.path.name) for f in foreign}
    body = []
    for r in rows:
        if "grade" not in r:
            continue
        c: Case = r["case"]
        for axis in AXES:
            if r["grade"][axis] == "WRONG":
                body.append(
                    [
                        f"{c.pid} ({labels.get(c.pid, '')})",
                        f"{c.condition}, home {c.home}",
                        c.journey,
                        axis,
                        r["expect"][axis],
                        r["got"][axis],
                        r["why"][axis],
                        r["summary"],
                    ]
                )
    if not body:
        return ["None."]
    return _table(["file", "condition", "journey", "axis", "expected", "got", "why wrong", "summary"], body)


def _family(journey: str) -> str:
    """Crops grouped by the area they keep (their aspects and positions fail alike)."""
    if journey.endswith(("-centre", "-off")):
        return journey.split("-", maxsplit=1)[0] + " (any aspect, position)"
    return journey


def wrong_patterns(rows: list[dict[str, Any]]) -> list[str]:
    """WRONG rows grouped by condition, journey and what went wrong: one line per likely cause."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        wrong = [f"{a} {r['got'][a]}" for a in AXES if r.get("grade", {}).get(a) == "WRONG"]
        if wrong:
            groups[r["case"].condition, _family(r["case"].journey), ", ".join(wrong)].append(r)
    if not groups:
        return ["None."]
    body = [
        [cond, journey, what, len(items), len({r["case"].pid for r in items}), items[0]["summary"]]
        for (cond, journey, what), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return _table(["condition", "journey", "WRONG (axis got)", "rows", "pictures", "one summary"], body)


def misses(rows: list[dict[str, Any]]) -> list[str]:
    """Owner not named where the rule asks for it, by journey (not WRONG: counted against 99 %)."""
    by: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.get("required_owner") and r["got"]["ownership"] != "named":
            by[r["case"].journey].append(f"{r['case'].pid} ({r['got']['ownership']})")
    if not by:
        return ["None."]
    return _table(
        ["journey", "misses", "pictures (ownership got)"], [[j, len(v), ", ".join(v)] for j, v in sorted(by.items())]
    )


def section(name: str, plan: Plan, rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"## {name} set", ""]
    not_made = [r for r in rows if "error" in r]
    lines += [
        f"Rows: {sum('grade' in r for r in rows)} verified"
        + (f", {len(not_made)} journeys the harness could not make (listed below)" if not_made else "")
        + ".",
        "",
    ]
    lines += ["### Must-show (issue 19, item 2)", ""]
    lines += [*_table(["item", "count", "target"], must_show(rows)), ""]
    lines += ["### Grades per axis and condition", "", *grades_table(rows), ""]
    lines += ["### Confusion per axis (rows: the expected right states, with the acceptable ones in brackets)", ""]
    for axis in AXES:
        lines += [*confusion(rows, axis), ""]
    lines += ["### Owner not named where the rule asks for it (stamped pictures)", "", *misses(rows), ""]
    lines += ["### WRONG rows by pattern", "", *wrong_patterns(rows), ""]
    lines += ["### Every WRONG row", "", *wrong_rows(rows, plan.starts, plan.foreign), ""]
    if not_made:
        lines += ["### Journeys not made", ""]
        lines += [f"- {r['case'].pid} {r['case'].journey}: {r['error']}" for r in not_made] + [""]
    return lines


def pictures(plan: Plan) -> list[str]:
    body = []
    for pid, start in plan.starts.items():
        conditions = []
        for home in plan.homes:
            if pid in home.stamped:
                conditions.append(f"stamped ({start.source.claim}) in home {home.index}")
            elif pid in home.refused:
                conditions.append(f"stamp refused in home {home.index}: {home.refused[pid]}")
            elif pid in home.registered:
                conditions.append(f"registered in home {home.index}")
        size = f"{start.size[0]}x{start.size[1]}"
        body.append([pid, start.source.label, start.source.origin, size, start.note, "; ".join(conditions)])
    lines = _table(["id", "picture", "origin", "size", "note", "stamped / registered (never seen in the third)"], body)
    if plan.foreign:
        lines += [
            "",
            "Signed elsewhere, verified with their own manifest in a home where their picture is never seen:",
            "",
        ]
        lines += [f"- {f.pid}: {f.path.relative_to(FIXTURES)}" for f in plan.foreign]
    return lines


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    dirty = (
        " (with uncommitted changes)"
        if git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks/results")
        else ""
    )
    return f"{git('rev-parse', '--short', 'HEAD')} on {git('rev-parse', '--abbrev-ref', 'HEAD')}{dirty}"


def write(
    out: Path | None,
    plans: list[Plan],
    rows: list[dict[str, Any]],
    *,
    seconds: float,
    argv: list[str],
    jobs: int,
    measured: str,
) -> None:
    by_set = {p.set: [r for r in rows if r["case"].set == p.set] for p in plans}
    lines = [
        "# Journeys: every path a picture takes, judged on each verdict",
        "",
        "Written by `benchmarks/journeys.py` (issue 19). Each starting picture is stamped (the stamp API,"
        " `--source-type ai` for AI images, `captured` for camera photos, a fresh test identity per home),"
        " registered, or never seen, rotating over three homes; every journey's result is verified in that home"
        " and graded on each axis against what a careful expert expects: right, acceptable (inconclusive), miss"
        " (inconclusive where the rule asks for the right state) or WRONG. The evaluation set influenced no"
        " threshold or rule; the design set is for tuning. One fix was prompted by an evaluation row (2026-12-04:"
        " a mark grafted onto another photo was left inconclusive because the thumbnail's fit, at the scale the"
        " mark measured, could still shrink the image onto a small patch; the fit now keeps that scale within"
        " 4 %). It changed no threshold; on the design pictures, 600 crops and rescales placed at their known"
        " scale gave the same verdicts before and after (none different), and tests/test_thumbnail.py holds it.",
        "",
        f"Commit: {measured}. Machine: {machine()}. Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC.",
        f"Command: `python benchmarks/journeys.py {' '.join(argv)}` ({jobs} worker processes, one thread each)."
        f" Run time: {seconds:.0f} s.",
        "",
        "Starting pictures are decoded, cut into tiles where listed (non-overlapping; the whole picture is then"
        f" not used), scaled to at most {MAX_SIDE} px on the long side and saved (JPEG 95 with the source's EXIF,"
        " or PNG with its text chunks: generator metadata kept, no manifest). Fixtures are read in place."
        " Counts vary a little between runs: every run makes new keys and random record ids, so the"
        " watermarked pixels, and the distances measured on them, differ slightly.",
        "",
        "Expectations, in short: a stamped picture's derivative gets its credentials `recovered` (or honestly"
        " `absent`), its mark `ours` (or `none` when it cannot survive), its owner named (required when the"
        f" picture keeps >= {OWNER_AREA:.0%} of its area at a short side >= {OWNER_SIDE} px), exit 0 (or 3); a"
        " registered picture the same without credentials or mark; a never-seen picture `absent`, `none`,"
        " `no-match`, exit 3. Never: exit 1 for an honest journey, credentials for a file that never carried them,"
        " AI for a non-AI picture, `captured` without a trusted signer, a wrong owner, exit 0 for a graft or an"
        " unrelated picture. Grafted marks and moved manifests: exit 1 (3 acceptable for a grafted mark that no"
        " longer reads). The unsigned original of a stamped picture: `similar-to` (README), no credentials.",
        "",
        "## Journeys",
        "",
    ]
    lines += [f"- `{j.name}` ({j.kind}): {j.what}" for j in JOURNEYS.values()]
    lines += [
        "",
        "Grafts and the unsigned original are run for stamped pictures only; signed-elsewhere files go"
        f" through {', '.join(FOREIGN_JOURNEYS)}.",
        "",
    ]
    for plan in sorted(plans, key=lambda p: p.set != "evaluation"):
        lines += [f"## Pictures: {plan.set} set ({len(plan.starts)} starting pictures)", "", *pictures(plan), ""]
    for plan in sorted(plans, key=lambda p: p.set != "evaluation"):
        lines += section(plan.set.capitalize(), plan, by_set[plan.set])
    text = "\n".join(lines) + "\n"
    if out is not None:
        tmp = out.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(out)
    for plan in plans:
        print(f"\n{plan.set} set", file=sys.stderr)
        for item, count, target in must_show(by_set[plan.set]):
            print(f"  {item}: {count} (target {target})", file=sys.stderr)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "set",
                "home",
                "pid",
                "condition",
                "journey",
                "area",
                "short",
                "size",
                "seconds",
                *[f"{a}_expected" for a in AXES],
                *[f"{a}_got" for a in AXES],
                *[f"{a}_grade" for a in AXES],
                "summary",
                "error",
            ]
        )
        for r in rows:
            c = r["case"]
            exp, got, grade = r.get("expect", {}), r.get("got", {}), r.get("grade", {})
            out.writerow(
                [
                    c.set,
                    c.home,
                    c.pid,
                    c.condition,
                    c.journey,
                    f"{r.get('area', 0):.2f}",
                    r.get("short"),
                    r.get("size"),
                    f"{r.get('seconds', 0):.2f}",
                    *[exp.get(a) for a in AXES],
                    *[got.get(a) for a in AXES],
                    *[grade.get(a) for a in AXES],
                    r.get("summary"),
                    r.get("error"),
                ]
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("design", "evaluation", "both"), default="both")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=0, help="at most this many starting pictures per set (>= 6)")
    parser.add_argument("--journeys", default="", help="comma-separated journey names (default: all)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--csv", type=Path, default=None, help="every row, for analysis (not committed)")
    args = parser.parse_args(argv)
    if args.journeys:
        unknown = set(args.journeys.split(",")) - set(JOURNEYS)
        if unknown:
            parser.error(f"unknown journeys: {', '.join(sorted(unknown))}")
        keep = set(args.journeys.split(","))
        for name in list(JOURNEYS):
            if name not in keep:
                del JOURNEYS[name]
    started, measured = time.perf_counter(), commit()  # the code measured is the code at the start
    plans = []
    with tempfile.TemporaryDirectory(prefix="journeys-") as tmp:
        for name in ("evaluation", "design") if args.set == "both" else (args.set,):
            sources = evaluation_sources() if name == "evaluation" else design_sources()
            foreign = evaluation_foreign() if name == "evaluation" else []
            if args.limit:
                sources = sources[: max(6, args.limit)]
                bases = {s.pid for s in sources}
                foreign = [f for f in foreign if f.base in bases]
            print(f"{name}: {len(sources)} starting pictures, stamping and registering...", file=sys.stderr)
            plans.append(build(name, sources, foreign, Path(tmp), args.jobs))
        rows = run(plans, args.jobs)
        command = sys.argv[1:] if argv is None else argv
        write(
            args.out,
            plans,
            rows,
            seconds=time.perf_counter() - started,
            argv=command,
            jobs=args.jobs,
            measured=measured,
        )
        if args.csv:
            write_csv(args.csv, rows)


if __name__ == "__main__":
    main()
