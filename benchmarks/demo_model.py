"""Does the offline demo model keep the picture, drift in chains, and leave copies traceable?

Usage:
  python benchmarks/demo_model.py [--model demo] [--photos DIR] [--generations 10] [--chains 5]
                                  [--out benchmarks/results/demo_model.md] [--json FILE]

Three measurements, all at the model's default settings (TwinSettings.for_model):

1. Fidelity: each photo scaled so its long side is 512 px, a stamped twin made
   (generate, watermark, sign, register), and the twin compared with that 512 px
   source: PSNR (dB) and PDQ distance (bits of 256; 31 is the match bound).
2. Drift: a chain of GENERATIONS re-creations of the first CHAINS photos; the mean
   PDQ distance to the source per generation (it should grow), and the drift
   report's colour temperature, saturation and sharpness.
3. Ownership of copies made elsewhere: each photo registered by an owner at its
   full size in a registry of its own, then a copy made by running the pipeline directly with diffusers
   (no stamp, no watermark, no manifest) on the 512 px photo and saved as JPEG
   (quality 90); `verify` must name the registered original and its owner, and
   must claim no credentials.

The evaluation photos are the camera photos in ../shared/fixtures/photos, which
neither the training (scripts/train_demo_model.py) nor the choice of defaults
saw. The design set, on which the defaults were chosen, is the two held-out
allowed photos named in the model card (matplotlib's grace_hopper.jpg and
scikit-learn's china.jpg): pass --design to measure it instead.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from benchmarks.stamp_verify import machine, publish  # noqa: E402
from provenance import fingerprint  # noqa: E402
from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.fingerprint import PDQ  # noqa: E402
from provenance.generate import DEMO_NAME, TwinSettings  # noqa: E402
from provenance.imaging import load_image  # noqa: E402
from provenance.register import register_paths  # noqa: E402
from provenance.registry.matching import distances  # noqa: E402
from provenance.twin import TwinMaker  # noqa: E402
from provenance.twin.chain import make_chain  # noqa: E402
from provenance.verify import verify_path  # noqa: E402

FIXTURE_PHOTOS = ROOT.parent / "shared" / "fixtures" / "photos"
OWNER = "Evaluation Newsroom"


@dataclass
class Fidelity:
    photo: str
    size: str
    psnr_db: float
    pdq: int
    seconds: float


@dataclass
class Ownership:
    photo: str
    traced: bool
    owner: str | None
    verdict: str
    credentials: str
    pdq: int | None


@dataclass
class Results:
    model: str
    settings: dict[str, Any]
    photos: str
    fidelity: list[Fidelity] = field(default_factory=list)
    drift: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ownership: list[Ownership] = field(default_factory=list)


def fit512(img: Image.Image) -> Image.Image:
    scale = min(1.0, 512 / max(img.size))
    size = (max(8, int(img.width * scale) // 8 * 8), max(8, int(img.height * scale) // 8 * 8))
    return img.resize(size, Image.Resampling.LANCZOS)


def psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB"), dtype=np.float64)
    y = np.asarray(b.convert("RGB").resize(a.size, Image.Resampling.LANCZOS), dtype=np.float64)
    return 10 * math.log10(255.0**2 / max(float(np.mean((x - y) ** 2)), 1e-12))


def pdq_distance(a: Image.Image, b: Image.Image) -> int:
    return distances(fingerprint.compute(a), fingerprint.compute(b))[PDQ]


def design_photos() -> list[Path]:
    """The held-out allowed photos (need scikit-learn and matplotlib installed)."""
    import importlib.util

    out = []
    for package, rel in (
        ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
        ("sklearn", "datasets/images/china.jpg"),
    ):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"error: {package} is not installed (needed for the design photos)")
        out.append(Path(next(iter(spec.submodule_search_locations))) / rel)
    return out


def _trained_by(model: str) -> str:
    """How a model folder made by scripts/train_demo_model.py was trained (its training.json)."""
    record = Path(model) / "training.json"
    if not record.is_file():
        return ""
    t = json.loads(record.read_text())
    return (
        f" Trained from scratch by `python scripts/train_demo_model.py` (seed {t.get('seed')}, commit"
        f" {t.get('git_commit')}, {t.get('vae_steps')} VAE and {t.get('unet_steps')} UNet steps on"
        f" {t.get('device', 'cpu')} with {t.get('torch_threads')} threads, {t.get('total_seconds')} s)."
    )


def measure(model: str, photos: list[Path], generations: int, chains: int, work: Path) -> Results:
    home = Home(work / "home")
    identity = init_identity(home, org="Bench")
    settings = TwinSettings.for_model(model)
    if (Path(model) / "training.json").is_file():  # a re-run of scripts/train_demo_model.py: the demo's defaults
        settings = replace(TwinSettings.for_model(DEMO_NAME), model=model)
    maker = TwinMaker(settings, user="bench", identity=identity, home=home)
    results = Results(model, asdict(settings), ", ".join(p.name for p in photos))
    sources = []
    for photo in photos:
        source = work / f"{photo.stem}-512.png"
        fit512(load_image(photo).pixels()).save(source)  # as the registry sees it: EXIF orientation applied
        sources.append(source)
    for photo, source in zip(photos, sources, strict=True):
        begin = time.perf_counter()
        result = maker.make(load_image(source), work / f"{photo.stem}-twin.png")
        seconds = time.perf_counter() - begin
        src, twin = Image.open(source).convert("RGB"), Image.open(result.output).convert("RGB")
        item = Fidelity(
            photo.name, f"{src.width}x{src.height}", round(psnr(src, twin), 2), pdq_distance(src, twin), seconds
        )
        results.fidelity.append(item)
        print(json.dumps(asdict(item)), flush=True)
    for photo, source in list(zip(photos, sources, strict=True))[:chains]:
        chain = make_chain(maker, source, work / f"{photo.stem}-chain", generations)
        results.drift[photo.name] = [asdict(s) for s in chain.drift.steps]
        print(photo.name, [s.to_source.get(PDQ, 0) for s in chain.drift.steps], flush=True)
    # A fresh registry holding only the owner's photos: the twins above registered their
    # 512 px sources under the bench user, which would match the copies first.
    results.ownership = ownership(maker, photos, sources, Home(work / "owner-home"), work)
    return results


def ownership(maker: TwinMaker, photos: list[Path], sources: list[Path], home: Home, work: Path) -> list[Ownership]:
    """Register the photos, copy each with diffusers directly, and verify the copies."""
    import torch

    for registered in register_paths(photos, owner=OWNER, home=home):
        if registered.status == "error":
            raise SystemExit(f"error: could not register {registered.path}: {registered.error}")
    pipe = maker.model.pipe  # the same weights, called as diffusers' own pipeline
    settings = maker.settings
    out = []
    for photo, source in zip(photos, sources, strict=True):
        generator = torch.Generator("cpu").manual_seed(1234)
        with torch.inference_mode():
            image = pipe(
                prompt="a photo",
                image=Image.open(source).convert("RGB"),
                strength=settings.strength,
                num_inference_steps=settings.steps,
                guidance_scale=settings.guidance,
                generator=generator,
            ).images[0]
        copy = work / f"{photo.stem}-diffusers-copy.jpg"
        image.save(copy, "JPEG", quality=90)
        report = verify_path(copy, home=home)
        owners = [m.owner for m in report.ownership.matches if m.strength in ("exact", "match")]
        titles = [m.title for m in report.ownership.matches if m.strength in ("exact", "match")]
        traced = bool(owners) and owners[0] == OWNER and photo.name in (titles[0] or "")
        match = report.ownership.matches[0] if report.ownership.matches else None
        item = Ownership(
            photo.name,
            traced,
            owners[0] if owners else None,
            report.ownership.verdict,
            report.credentials.state + (" (recovered)" if report.credentials.recovered else ""),
            match.distances.get(PDQ) if match else None,
        )
        out.append(item)
        print(json.dumps(asdict(item)), flush=True)
    return out


def commit() -> str:
    """The commit measured, marked dirty when the working tree differs from it."""
    import subprocess

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return run.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (
        " (with uncommitted changes)"
        if git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks/results")
        else ""
    )


def markdown(results: Results, design: bool) -> list[str]:
    fid = results.fidelity
    passed = sum(1 for f in fid if f.pdq <= 31)
    lines = [
        "# Offline demo model: fidelity, drift, ownership of copies",
        "",
        f"Written by `benchmarks/demo_model.py{' --design' if design else ''}` at commit {commit()}.",
        f"Machine: {machine()}",
        "",
        f"Model `{results.model}` at its defaults: strength {results.settings['strength']}, "
        f"steps {results.settings['steps']}, guidance {results.settings['guidance']}, seed {results.settings['seed']}."
        + _trained_by(results.model),
        "",
        "Design set (defaults chosen on it; never trained on): the held-out allowed photos grace_hopper.jpg"
        " (matplotlib) and china.jpg (scikit-learn). "
        + (
            "This run measures the design set."
            if design
            else "Evaluation set (this run; it influenced nothing, and nothing was trained on it): "
            f"the {len(fid)} camera photos in ../shared/fixtures/photos."
        ),
        "",
        "## 1. Twins keep the picture (512 px, stamped twin vs the 512 px source)",
        "",
        f"PDQ distance at most 31 for {passed} of {len(fid)} ({100 * passed / len(fid):.0f}%); "
        f"mean PSNR {statistics.mean(f.psnr_db for f in fid):.2f} dB "
        f"(min {min(f.psnr_db for f in fid):.2f}); median PDQ {statistics.median(f.pdq for f in fid):.0f} bits.",
        "",
        "| photo | size | PSNR (dB) | PDQ bits | seconds (whole twin) |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {f.photo} | {f.size} | {f.psnr_db:.2f} | {f.pdq} | {f.seconds:.1f} |" for f in fid]
    lines += ["", "## 2. Chains drift", ""]
    if results.drift:
        gens = len(next(iter(results.drift.values())))
        means = [
            statistics.mean(steps[g]["to_source"].get(PDQ, 0) for steps in results.drift.values()) for g in range(gens)
        ]
        lines += [
            f"Mean PDQ distance to the source by generation, over {len(results.drift)} chains "
            f"({', '.join(results.drift)}):",
            "",
            "| generation | " + " | ".join(str(g) for g in range(1, gens)) + " |",
            "|---|" + "---|" * (gens - 1),
            "| mean PDQ to source | " + " | ".join(f"{m:.1f}" for m in means[1:]) + " |",
        ]
        for name, steps in results.drift.items():
            last = steps[-1]
            lines.append(
                f"| {name} | "
                + " | ".join(str(s["to_source"][PDQ]) for s in steps[1:])
                + f" |  (last: {last['temperature']} {100 * last['warmth_shift']:+.1f} pts, saturation "
                f"{100 * last['saturation_shift']:+.1f} pts, sharpness {100 * last['sharpness_ratio']:.0f}%)"
            )
        rising = sum(1 for a, b in itertools.pairwise(means[1:]) if b >= a)
        lines += ["", f"The mean rises (or holds) at {rising} of {gens - 2} steps; generation 1 to {gens - 1}: "
                  f"{means[1]:.1f} -> {means[-1]:.1f} bits."]  # fmt: skip
    own = results.ownership
    traced = sum(1 for o in own if o.traced)
    lines += [
        "",
        "## 3. Copies made elsewhere (diffusers directly, no stamp) are traced to the owner",
        "",
        f"{traced} of {len(own)} copies ({100 * traced / max(1, len(own)):.0f}%) name the registered original "
        f"and its owner ({OWNER}); credentials claimed: "
        f"{sum(1 for o in own if o.credentials != 'absent')} of {len(own)}.",
        "",
        "| photo | traced | owner | ownership verdict | credentials | PDQ bits to original |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {o.photo} | {'yes' if o.traced else 'no'} | {o.owner or '-'} | {o.verdict} | {o.credentials} | {o.pdq} |"
        for o in own
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEMO_NAME)
    parser.add_argument("--photos", type=Path, default=FIXTURE_PHOTOS)
    parser.add_argument("--design", action="store_true", help="measure the design photos instead")
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--chains", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    if args.design:
        photos = design_photos()
    else:
        photos = sorted(p for p in args.photos.glob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not photos:
        sys.exit(f"error: no photos in {args.photos}")
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args.model, photos, args.generations, args.chains, Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(asdict(results), indent=1) + "\n")
    publish(markdown(results, args.design), args.out)


if __name__ == "__main__":
    main()
