"""Watermark robustness: our scheme next to invisible-watermark's methods, under attack.

Usage: python benchmarks/watermark.py [--payloads 2] [--jobs 2]
                                      [--methods provenance-wm-1,provenance-wm-0,dwtDct,dwtDctSvd,rivaGan]
                                      [--out benchmarks/results/watermark.md]

Natural images (the must-show set): samples/, the camera photos and the C2PA reference
photographs in ../shared/fixtures, and scikit-image's bundled photographs, scaled to at
most 1600 px and kept when at least 256 px on the short side. A text page on white is
measured apart, as a document. Each image gets each payload with each method, then every
attack below; we report bit accuracy, exact-payload rate, PSNR, SSIM, embed and decode
time per megapixel (and the decode of the unmarked picture), with the machine it ran on.
Pictures are spread over worker processes with one thread each. rivaGan needs onnxruntime
(the bench extra) and takes about a second per decode.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import statistics
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
from PIL import Image, ImageEnhance, ImageFilter  # noqa: E402

from benchmarks.stamp_verify import machine, publish, reference_ms  # noqa: E402
from provenance.runtime import single_threaded  # noqa: E402
from provenance.watermark import wm0, wm1  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
Attack = Callable[[Image.Image], Image.Image]


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


def _scale(img: Image.Image, f: float) -> Image.Image:
    return img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.Resampling.BICUBIC)


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
    "rotate2": lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
    "screenshot": lambda im: _crop(_encode(_scale(im, 0.8), "JPEG", quality=75), 0.95),
}


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


def _imwatermark_full():  # type: ignore[no-untyped-def]
    """The whole package (imports torch): fine in a benchmark, never in verify."""
    import imwatermark

    return imwatermark


def _ours(module: Any) -> Method:
    """One of our schemes (wm0, wm1): payload bits <-> record id."""
    bits = module.ID_BITS
    width = bits // 4

    def embed(img: Image.Image, payload: list[int]) -> Image.Image:
        value = int("".join(map(str, payload)), 2)
        return module.embed(img, f"{value:0{width}x}")  # type: ignore[no-any-return]

    def decode(img: Image.Image) -> list[int] | None:
        reading = module.detect(img)
        if not reading.found or reading.record_id is None:
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


# scikit-image's bundled photographs (the wheel ships them; no download). Synthetic ones
# (colorwheel, horse, chessboard) and text pages are left out: they are not natural images.
SKIMAGE_PHOTOS = ("astronaut", "brick", "camera", "cell", "chelsea", "clock", "coffee", "coins", "grass",
                  "gravel", "hubble_deep_field", "immunohistochemistry", "moon", "retina", "rocket",
                  "stereo_motorcycle")  # fmt: skip
C2PA_PHOTOS = ("A.jpg", "earth_apollo17.jpg", "IMG_0003.jpg", "P1000827.jpg", "mars.webp", "sample1.png", "C.jpg",
               "CA.jpg", "boxhash.jpg")  # fmt: skip
# Reported apart: a text page on white (97% of pixels at 250+), where brightening and heavy
# compression leave almost no pixel that can carry a mark. Not a natural image.
DOCUMENTS = ("no_manifest.jpg",)


def _skimage_photos() -> list[tuple[str, Image.Image]]:
    try:
        import skimage.data
    except ImportError:
        raise SystemExit("the benchmark needs scikit-image's photos: pip install -e '.[bench]'") from None
    out = []
    for name in SKIMAGE_PHOTOS:
        array = getattr(skimage.data, name)()
        array = array[0] if isinstance(array, tuple) else array  # stereo_motorcycle: (left, right, disparity)
        out.append((f"skimage:{name}", Image.fromarray(array).convert("RGB")))
    return out


def images(kind: str = "natural") -> list[tuple[str, Image.Image]]:
    """(name, RGB image) of the benchmark's pictures, at least 256 px on the short side.

    ``natural``: photographs (the must-show set); ``documents``: reported apart."""
    c2pa = FIXTURES / "c2pa" / "c2pa-rs"
    if kind == "documents":
        found, paths = [], [c2pa / n for n in DOCUMENTS]
    else:
        found = _skimage_photos()
        bundled = {name.split(":")[1] for name, _ in found}  # samples/ holds copies of some of them
        samples = sorted((ROOT / "samples").iterdir())
        paths = [p for p in samples if p.suffix in {".png", ".jpg"} and p.stem not in bundled]
        paths += sorted((FIXTURES / "photos").glob("*.jpg")) + [c2pa / n for n in C2PA_PHOTOS]
    for path in paths:
        if path.exists():
            with Image.open(path) as img:
                found.append((path.name, img.convert("RGB")))
    usable = []
    for name, picture in found:
        img = _scale(picture, 1600 / max(picture.size)) if max(picture.size) > 1600 else picture
        if min(img.size) >= 256:
            usable.append((name, img))
    return usable


@dataclass
class Tally:
    bit_acc: list[float] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)


@dataclass
class Results:
    """Everything measured for one method, over every picture."""

    tallies: dict[str, Tally] = field(default_factory=lambda: {a: Tally() for a in ATTACKS})
    quality: list[tuple[float, float]] = field(default_factory=list)
    embed_ms: list[float] = field(default_factory=list)
    decode_ms: list[float] = field(default_factory=list)
    unmarked_ms: list[float] = field(default_factory=list)
    false_found: int = 0

    def add(self, other: Results) -> None:
        for attack_name, tally in other.tallies.items():
            self.tallies[attack_name].bit_acc += tally.bit_acc
            self.tallies[attack_name].exact += tally.exact
        self.quality += other.quality
        self.embed_ms += other.embed_ms
        self.decode_ms += other.decode_ms
        self.unmarked_ms += other.unmarked_ms
        self.false_found += other.false_found


BITS = {wm1.SCHEME: wm1.ID_BITS, wm0.SCHEME: wm0.ID_BITS, "dwtDct": 64, "dwtDctSvd": 64, "rivaGan": 32}
UNMARKED_REPEATS = 3  # decodes of each unmarked picture; the median is reported


def _methods(names: list[str]) -> list[Method]:
    ours = {wm1.SCHEME: wm1, wm0.SCHEME: wm0}
    return [_ours(ours[name]) if name in ours else _imw(name, BITS[name]) for name in names]


def _per_mp(start: float, img: Image.Image) -> float:
    return (time.perf_counter() - start) * 1000 / (img.width * img.height / 1e6)


def measure(job: tuple[list[str], int, Image.Image, int]) -> dict[str, Results]:
    """Every method on one picture: embed, attack, decode; and a decode of the unmarked picture.

    Runs in a worker process with one thread, so the timings are one core's."""
    names, index, img, payloads = job
    single_threaded()
    rng = np.random.default_rng([2026, index])
    out = {}
    for method in _methods(names):
        res = out[method.name] = Results()
        times = []
        for _ in range(UNMARKED_REPEATS):  # one cold call alone measures the cache more than the code
            start = time.perf_counter()
            got = method.decode(img)
            times.append(_per_mp(start, img))
        res.unmarked_ms.append(statistics.median(times))
        res.false_found += got is not None and method.name.startswith("provenance")  # others always decode
        for _ in range(payloads):
            payload = [int(b) for b in rng.integers(0, 2, method.bits)]
            start = time.perf_counter()
            marked = method.embed(img, payload)
            res.embed_ms.append(_per_mp(start, img))
            res.quality.append((psnr(img, marked), ssim(img, marked)))
            for attack_name, attack in ATTACKS.items():
                attacked = attack(marked)
                start = time.perf_counter()
                got = method.decode(attacked)
                res.decode_ms.append(_per_mp(start, attacked))
                agree = 0.5 if got is None else float(np.mean(np.array(got) == np.array(payload)))
                res.tallies[attack_name].bit_acc.append(agree)
                res.tallies[attack_name].exact.append(got == payload)
    return out


def run(names: list[str], pictures: list[tuple[str, Image.Image]], payloads: int, jobs: int) -> dict[str, Results]:
    merged = {name: Results() for name in names}
    work = [(names, i, img, payloads) for i, (_, img) in enumerate(pictures)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in pool.map(measure, work):
            for name, res in done.items():
                merged[name].add(res)
    return merged


def table(results: dict[str, Results]) -> list[str]:
    header = ("| method | bits | PSNR | SSIM | embed ms/MP | decode ms/MP | unmarked decode ms/MP | "
              + " | ".join(ATTACKS) + " |")  # fmt: skip
    lines = [header, "|---" * (7 + len(ATTACKS)) + "|"]
    for name, res in results.items():
        cells = [
            name,
            str(BITS[name]),
            f"{statistics.mean(p for p, _ in res.quality):.1f}",
            f"{statistics.mean(s for _, s in res.quality):.3f}",
            f"{statistics.median(res.embed_ms):.0f}",
            f"{statistics.median(res.decode_ms):.0f}",
            f"{statistics.median(res.unmarked_ms):.0f}",
        ]
        for attack_name in ATTACKS:
            t = res.tallies[attack_name]
            cells.append(f"{np.mean(t.exact):.2f} ({np.mean(t.bit_acc):.2f})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def unmarked_summary(results: dict[str, Results], pictures: list[tuple[str, Image.Image]]) -> list[str]:
    """The decode of unmarked pictures by size, for wm-1 and for what verify runs (wm-1, then wm-0).

    The geometric search is a cost per picture more than per megapixel, so small pictures
    pay more per megapixel: the medians are given apart for pictures under and over 0.5 MP."""
    if wm1.SCHEME not in results:
        return []
    first = results[wm1.SCHEME].unmarked_ms  # one entry per picture, in the pictures' order
    rows = [("provenance-wm-1", first)]
    if wm0.SCHEME in results:
        rows.append(
            (
                "verify's read (wm-1, then wm-0)",
                [a + b for a, b in zip(first, results[wm0.SCHEME].unmarked_ms, strict=True)],
            )
        )
    small = [img.width * img.height < 500_000 for _, img in pictures]
    lines = ["| unmarked decode, ms/MP (median) | all pictures | under 0.5 MP | 0.5 MP and over |", "|---|---|---|---|"]
    for name, values in rows:
        under = [v for v, s in zip(values, small, strict=True) if s]
        over = [v for v, s in zip(values, small, strict=True) if not s]
        cells = [f"{statistics.median(v):.0f} ({len(v)})" if v else "-" for v in (values, under, over)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=2)
    parser.add_argument("--methods", default=f"{wm1.SCHEME},{wm0.SCHEME},dwtDct,dwtDctSvd,rivaGan")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each (one picture each)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    names = args.methods.split(",")
    unknown = [n for n in names if n not in BITS]
    if unknown:
        raise SystemExit(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(BITS)}")
    natural, documents = images("natural"), images("documents")
    before = reference_ms()
    started = time.perf_counter()
    results = run(names, natural, args.payloads, args.jobs)
    lines = [f"Machine: {machine()}; {args.jobs} worker processes, one thread each; reference FFT (1024x1024 "
             f"float32, one thread) {before:.1f} ms before the run, {reference_ms():.1f} ms after",
             f"Natural images: {len(natural)} ({', '.join(n for n, _ in natural)}), payloads per image: "
             f"{args.payloads}", "",
             "Exact-payload rate (bit accuracy in brackets; an undecodable result counts as 0.5). Times are "
             "medians per megapixel on one core; 'unmarked decode' is the decode of the unmarked picture (median of "
             f"{UNMARKED_REPEATS} calls), "
             "which runs the whole geometric search:", ""]  # fmt: skip
    lines += table(results)
    summary = unmarked_summary(results, natural)
    if summary:
        lines += ["", "Decode of the unmarked pictures (count in brackets):", "", *summary]
    ours = [n for n in names if n.startswith("provenance")]
    lines += ["", "False detections of our schemes on the unmarked pictures: "
              + ", ".join(f"{n} {results[n].false_found} of {len(natural)}" for n in ours)]  # fmt: skip
    if documents:
        docs = run(names, documents, args.payloads, args.jobs)
        lines += ["", f"Documents, not in the natural set ({', '.join(n for n, _ in documents)}): a text page on white",
                  "", *table(docs)]  # fmt: skip
    lines += ["", f"Run time: {time.perf_counter() - started:.0f} s. "
              f"Command: `python benchmarks/watermark.py {' '.join(sys.argv[1:])}`"]  # fmt: skip
    publish(["# Watermark robustness", "", *lines], args.out)


if __name__ == "__main__":
    main()
