"""Watermark robustness: our scheme next to invisible-watermark's methods, under attack.

Usage: python benchmarks/watermark.py [--payloads 2] [--methods wm0,dwtDct,dwtDctSvd,rivaGan]
                                      [--out benchmarks/results/watermark.md]

Images: samples/ plus the natural photographs in ../shared/fixtures (photos, and the C2PA
reference photos), at least 256 px on the short side. Each image gets each payload with each
method, then every attack below; we report bit accuracy, exact-payload rate, PSNR, SSIM and
embed/decode time per megapixel, with the machine it ran on. rivaGan is slow (about a second
per decode) and carries only 32 bits; leave it out with --methods for a quick run.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance, ImageFilter  # noqa: E402

from benchmarks.stamp_verify import machine  # noqa: E402
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
        try:
            _imwatermark_full().WatermarkEncoder.loadModel()  # its ONNX models ship in the package
        except ImportError:
            raise SystemExit("rivaGan needs onnxruntime: pip install -e '.[bench]'") from None

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


def images() -> list[Path]:
    found = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in {".png", ".jpg"})
    found += sorted((FIXTURES / "photos").glob("*.jpg"))
    natural = ["A.jpg", "earth_apollo17.jpg", "IMG_0003.jpg", "P1000827.jpg", "mars.webp", "sample1.png",
               "C.jpg", "CA.jpg", "no_manifest.jpg", "boxhash.jpg"]  # fmt: skip
    found += [FIXTURES / "c2pa" / "c2pa-rs" / n for n in natural if (FIXTURES / "c2pa" / "c2pa-rs" / n).exists()]
    usable = []
    for path in found:
        with Image.open(path) as img:
            if min(img.size) >= 256:
                usable.append(path)
    return usable


@dataclass
class Tally:
    bit_acc: list[float] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)


def run(methods: list[Method], paths: list[Path], payloads: int) -> str:
    rng = np.random.default_rng(2026)
    tallies = {(m.name, a): Tally() for m in methods for a in ATTACKS}
    quality: dict[str, list[tuple[float, float]]] = {m.name: [] for m in methods}
    timing: dict[str, tuple[list[float], list[float]]] = {m.name: ([], []) for m in methods}
    for path in paths:
        img = Image.open(path).convert("RGB")
        if max(img.size) > 1600:
            img = _scale(img, 1600 / max(img.size))
        mp = img.width * img.height / 1e6
        for method in methods:
            for _ in range(payloads):
                payload = [int(b) for b in rng.integers(0, 2, method.bits)]
                start = time.perf_counter()
                marked = method.embed(img, payload)
                timing[method.name][0].append((time.perf_counter() - start) * 1000 / mp)
                quality[method.name].append((psnr(img, marked), ssim(img, marked)))
                for attack_name, attack in ATTACKS.items():
                    attacked = attack(marked)
                    start = time.perf_counter()
                    got = method.decode(attacked)
                    timing[method.name][1].append(
                        (time.perf_counter() - start) * 1000 / (attacked.width * attacked.height / 1e6)
                    )
                    tally = tallies[(method.name, attack_name)]
                    agree = 0.5 if got is None else float(np.mean(np.array(got) == np.array(payload)))
                    tally.bit_acc.append(agree)
                    tally.exact.append(got == payload)
    header = "| method | bits | PSNR | SSIM | embed ms/MP | decode ms/MP | " + " | ".join(ATTACKS) + " |"
    lines = [f"Machine: {machine()}", f"Images: {len(paths)}, payloads per image: {payloads}", "",
             "Exact-payload rate (bit accuracy in brackets; an undecodable result counts as 0.5):", "",
             header, "|---" * (6 + len(ATTACKS)) + "|"]  # fmt: skip
    for method in methods:
        q = quality[method.name]
        cells = [
            method.name,
            str(method.bits),
            f"{statistics.mean(p for p, _ in q):.1f}",
            f"{statistics.mean(s for _, s in q):.3f}",
            f"{statistics.median(timing[method.name][0]):.0f}",
            f"{statistics.median(timing[method.name][1]):.0f}",
        ]
        for attack_name in ATTACKS:
            t = tallies[(method.name, attack_name)]
            cells.append(f"{np.mean(t.exact):.2f} ({np.mean(t.bit_acc):.2f})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=2)
    parser.add_argument("--methods", default=f"{wm1.SCHEME},{wm0.SCHEME},dwtDct,dwtDctSvd,rivaGan")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    known = {
        wm1.SCHEME: lambda: _ours(wm1),
        wm0.SCHEME: lambda: _ours(wm0),
        "dwtDct": lambda: _imw("dwtDct", 64),
        "dwtDctSvd": lambda: _imw("dwtDctSvd", 64),
        "rivaGan": lambda: _imw("rivaGan", 32),
    }
    methods = [known[name]() for name in args.methods.split(",")]
    paths = images()
    text = run(methods, paths, args.payloads)
    print(text)
    if args.out:
        args.out.write_text("# Watermark robustness\n\n" + text + "\n")


if __name__ == "__main__":
    main()
