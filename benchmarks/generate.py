"""Seconds per twin by model, image size and device.

Usage:
  python benchmarks/generate.py [--model demo] [--device auto] [--sizes 256,512,768] [--steps 20]
                                [--strength 0.35] [--repeat 3] [--out benchmarks/results/generate.md]

Times the image-to-image pass alone and the whole twin (generate, watermark,
sign, register, write) in a throwaway home. On CPU with the offline demo model
here (its defaults: 20 steps at strength 0.3, guidance 1); with real weights on a
GPU, for example:

  python benchmarks/generate.py --model stabilityai/sd-turbo --device cuda --sizes 512,768,1024
  python benchmarks/generate.py --model stabilityai/stable-diffusion-xl-base-1.0 --device cuda --dtype fp16

(the model must be in the local Hugging Face cache, or the Hub reachable).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from benchmarks.demo_model import commit  # noqa: E402
from benchmarks.stamp_verify import machine, publish  # noqa: E402
from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.generate import LoadOptions, TwinSettings, load_pipeline, run_img2img  # noqa: E402
from provenance.imaging import load_image  # noqa: E402
from provenance.twin import TwinMaker  # noqa: E402


def _device_name(device: str) -> str:
    if device == "cuda":
        import torch

        return str(torch.cuda.get_device_name(0))
    return device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="demo")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--sizes", default="256,512,768")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--strength", type=float, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also time strength 1.0: every one of the steps runs")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    settings = TwinSettings.for_model(args.model, steps=args.steps, strength=args.strength)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home")
        identity = init_identity(home, org="Bench")
        load = LoadOptions(device=args.device, dtype=args.dtype)
        start = time.perf_counter()
        loaded = load_pipeline(args.model, home, options=load)
        load_s = time.perf_counter() - start
        maker = TwinMaker(settings, user="bench", identity=identity, home=home, load=load)
        maker._model = loaded
        photo = Image.open(ROOT / "samples" / "astronaut.png").convert("RGB")
        for size in sizes:
            source = Path(tmp) / f"source-{size}.png"
            photo.resize((size, size), Image.Resampling.LANCZOS).save(source)
            run_img2img(loaded, Image.open(source).convert("RGB"), settings)  # warm-up
            gen_s, twin_s = [], []
            for i in range(args.repeat):
                pixels = Image.open(source).convert("RGB")
                begin = time.perf_counter()
                run_img2img(loaded, pixels, settings)
                gen_s.append(time.perf_counter() - begin)
                begin = time.perf_counter()
                maker.make(load_image(source), Path(tmp) / f"twin-{size}-{i}.png")
                twin_s.append(time.perf_counter() - begin)
            full_s = []
            if args.full:
                full = dataclasses.replace(settings, strength=1.0)
                for _ in range(args.repeat):
                    begin = time.perf_counter()
                    run_img2img(loaded, Image.open(source).convert("RGB"), full)
                    full_s.append(time.perf_counter() - begin)
            rows.append((size, statistics.median(gen_s), statistics.median(twin_s), full_s))
    steps = int(settings.steps * settings.strength)
    lines = [
        f"# Twin generation: {args.model} on {_device_name(loaded.device)} ({loaded.dtype})",
        "",
        f"Machine: {machine()}; commit {commit()}",
        f"Settings: {settings.steps} steps at strength {settings.strength} ({steps} denoising steps), "
        f"guidance {settings.guidance}; median of {args.repeat}; model load {load_s:.1f} s (once).",
        "",
        "| size (px) | generate (s) | whole twin: generate + stamp + register (s) |"
        + (f" generate at strength 1.0: all {settings.steps} steps (s) |" if args.full else ""),
        "|---|---|---|" + ("---|" if args.full else ""),
        *[f"| {s}x{s} | {g:.2f} | {t:.2f} |" + (f" {statistics.median(f):.2f} |" if f else "") for s, g, t, f in rows],
        "",
        "Command: `python benchmarks/generate.py " + " ".join(sys.argv[1:]) + "`",
    ]
    publish(lines, args.out)


if __name__ == "__main__":
    main()
