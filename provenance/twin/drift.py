"""How far a chain of re-creations drifts from its source, measured and drawn.

The viral "recreate this picture, change nothing" experiment shows a picture
wandering away, and a warm colour cast creeping in, generation by generation.
Here each generation gets numbers instead of impressions: perceptual distance
(PDQ and pHash bits) to the source and to the previous generation; colour
statistics (saturation-weighted mean hue, mean saturation and brightness, and
colour temperature as the red-blue balance: warmer or cooler) as shifts from the
source; and sharpness (mean gradient at a fixed size) relative to the source. The
plot (matplotlib) and the contact sheet (Pillow) are drawn from the same numbers
that go to JSON.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from provenance import fingerprint
from provenance.fingerprint import PDQ, PHASH
from provenance.imaging import write_atomic
from provenance.registry.matching import distances

THUMB = 224
SHARPNESS_SIDE = 512  # sharpness is measured at this long side, so sizes compare


@dataclass
class Colour:
    """Colour statistics of one image (HSV; hue in degrees, the rest 0..1), its colour
    temperature (mean red minus mean blue, -1..1: above the source's is warmer) and
    sharpness (mean absolute luminance gradient, 0..1, at a fixed size)."""

    hue_deg: float
    saturation: float
    brightness: float
    warmth: float = 0.0
    sharpness: float = 0.0


@dataclass
class DriftStep:
    """One generation (0 is the source) and how far it is from the source and its parent."""

    generation: int
    file: str
    record_id: str | None
    seed: int | None
    colour: Colour
    to_source: dict[str, int] = field(default_factory=dict)  # algorithm -> Hamming distance
    to_previous: dict[str, int] = field(default_factory=dict)
    hue_shift_deg: float = 0.0  # signed, from the source, in (-180, 180]
    saturation_shift: float = 0.0
    brightness_shift: float = 0.0
    warmth_shift: float = 0.0  # positive: warmer (redder, less blue) than the source
    temperature: str = "same"  # warmer, cooler or same (within 0.005) as the source
    sharpness_ratio: float = 1.0  # sharpness relative to the source's (below 1: softer)


@dataclass
class DriftReport:
    source: str
    model: str
    steps: list[DriftStep]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def colour_stats(img: Image.Image) -> Colour:
    """Mean hue as a circular mean weighted by saturation (grey pixels have no hue)."""
    hsv = np.asarray(img.convert("RGB").convert("HSV"), dtype=np.float64) / 255.0
    hue, sat, val = hsv[..., 0] * 2 * math.pi, hsv[..., 1], hsv[..., 2]
    weight = sat.sum()
    if weight > 0:
        angle = math.atan2(float((np.sin(hue) * sat).sum()), float((np.cos(hue) * sat).sum()))
        hue_deg = math.degrees(angle) % 360.0
    else:
        hue_deg = 0.0
    rgb = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0
    warmth = float(rgb[..., 0].mean() - rgb[..., 2].mean())
    return Colour(
        round(hue_deg, 2), round(float(sat.mean()), 4), round(float(val.mean()), 4), round(warmth, 4), sharpness(img)
    )


def sharpness(img: Image.Image) -> float:
    """Mean absolute luminance gradient at a long side of SHARPNESS_SIDE: blur lowers it."""
    grey = img.convert("L")
    scale = SHARPNESS_SIDE / max(grey.size)
    grey = grey.resize(
        (max(2, round(grey.width * scale)), max(2, round(grey.height * scale))), Image.Resampling.BILINEAR
    )
    lum = np.asarray(grey, dtype=np.float64) / 255.0
    gx, gy = np.abs(np.diff(lum, axis=1)), np.abs(np.diff(lum, axis=0))
    return round(float((gx.mean() + gy.mean()) / 2), 5)


def _temperature(shift: float) -> str:
    if abs(shift) < 0.005:
        return "same"
    return "warmer" if shift > 0 else "cooler"


def _hue_delta(a: float, b: float) -> float:
    delta = (b - a + 180.0) % 360.0 - 180.0
    return round(180.0 if delta == -180.0 else delta, 2)


def measure(
    source: Image.Image,
    generations: list[Image.Image],
    *,
    source_name: str,
    model: str,
    files: list[str],
    record_ids: list[str | None],
    seeds: list[int | None],
) -> DriftReport:
    """The drift report for ``source`` followed by its ``generations`` in order."""
    base_prints = fingerprint.compute(source)
    base = colour_stats(source)
    steps = [DriftStep(0, source_name, None, None, base)]
    previous = base_prints
    for number, img in enumerate(generations, 1):
        prints = fingerprint.compute(img)
        colour = colour_stats(img)
        steps.append(
            DriftStep(
                generation=number,
                file=files[number - 1],
                record_id=record_ids[number - 1],
                seed=seeds[number - 1],
                colour=colour,
                to_source=distances(prints, base_prints),
                to_previous=distances(prints, previous),
                hue_shift_deg=_hue_delta(base.hue_deg, colour.hue_deg),
                saturation_shift=round(colour.saturation - base.saturation, 4),
                brightness_shift=round(colour.brightness - base.brightness, 4),
                warmth_shift=round(colour.warmth - base.warmth, 4),
                temperature=_temperature(colour.warmth - base.warmth),
                sharpness_ratio=round(colour.sharpness / base.sharpness, 4) if base.sharpness else 1.0,
            )
        )
        previous = prints
    return DriftReport(source=source_name, model=model, steps=steps)


def plot_png(report: DriftReport) -> bytes:
    """Three panels: perceptual distance (share of bits that differ), colour shift, sharpness."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt

    gens = [s.generation for s in report.steps]
    fig, (top, middle, bottom) = plt.subplots(
        3, 1, figsize=(7.5, 8.5), sharex=True, constrained_layout=True, height_ratios=(3, 3, 2)
    )
    for alg, bits, colour in ((PDQ, 256, "tab:blue"), (PHASH, 64, "tab:orange")):
        name = alg.split("-")[0].upper()
        to_source = [s.to_source.get(alg, 0) / bits for s in report.steps]
        to_previous = [s.to_previous.get(alg, 0) / bits for s in report.steps[1:]]
        top.plot(gens, to_source, "o-", color=colour, label=f"{name} to source")
        top.plot(gens[1:], to_previous, "s--", color=colour, alpha=0.6, label=f"{name} to previous")
    top.axhline(31 / 256, color="tab:blue", linestyle=":", linewidth=1, label="PDQ match bound (31 bits)")
    top.set_ylabel("share of hash bits that differ")
    top.set_ylim(bottom=0)
    top.legend(fontsize=8)
    top.set_title(f"Drift of {report.source} over {len(gens) - 1} generations ({report.model})")
    middle.plot(gens, [s.hue_shift_deg for s in report.steps], "o-", color="tab:purple", label="mean hue (degrees)")
    points = middle.twinx()
    series = (
        ([100 * s.warmth_shift for s in report.steps], "D-", "tab:red", "warmth, red-blue (pts; + warmer)"),
        ([100 * s.saturation_shift for s in report.steps], "s-", "tab:green", "saturation (pts)"),
        ([100 * s.brightness_shift for s in report.steps], "^-", "tab:gray", "brightness (pts)"),
    )
    for values, style, colour, label in series:
        points.plot(gens, values, style, color=colour, label=label)
    points.axhline(0, color="black", linewidth=0.5)
    middle.set_ylabel("hue shift (degrees)")
    points.set_ylabel("shift from source (percentage points)")
    lines, more = middle.get_legend_handles_labels(), points.get_legend_handles_labels()
    middle.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="best")
    bottom.plot(gens, [100 * s.sharpness_ratio for s in report.steps], "o-", color="tab:brown")
    bottom.set_ylabel("sharpness (% of source)")
    bottom.set_xlabel("generation")
    bottom.set_xticks(gens)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def contact_sheet_png(report: DriftReport, images: list[Image.Image], *, columns: int = 6) -> bytes:
    """Source and every generation side by side, each labelled with its drift numbers."""
    columns = max(1, min(columns, len(images)))
    rows = math.ceil(len(images) / columns)
    label_h = 50
    sheet = Image.new("RGB", (columns * (THUMB + 8) + 8, rows * (THUMB + label_h + 8) + 8), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=12)
    for i, (img, step) in enumerate(zip(images, report.steps, strict=True)):
        thumb = img.convert("RGB")
        thumb.thumbnail((THUMB, THUMB))
        x = 8 + (i % columns) * (THUMB + 8)
        y = 8 + (i // columns) * (THUMB + label_h + 8)
        sheet.paste(thumb, (x + (THUMB - thumb.width) // 2, y + (THUMB - thumb.height) // 2))
        title, detail, colour = "source", "", ""
        if step.generation:
            pdq, previous = step.to_source.get(PDQ, "-"), step.to_previous.get(PDQ, "-")
            title = f"generation {step.generation}: PDQ {pdq} (prev {previous})"
            detail = f"{step.temperature} {100 * step.warmth_shift:+.1f}  sat {100 * step.saturation_shift:+.1f}"
            colour = f"hue {step.hue_shift_deg:+.0f}°  sharpness {100 * step.sharpness_ratio:.0f}%"
        draw.text((x, y + THUMB + 3), title, fill="black", font=font)
        draw.text((x, y + THUMB + 18), detail, fill="dimgray", font=font)
        draw.text((x, y + THUMB + 33), colour, fill="dimgray", font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_report(report: DriftReport, images: list[Image.Image], outdir: Path) -> dict[str, Path]:
    """drift.json, drift.png and contact-sheet.png in ``outdir``, each written atomically."""
    paths = report_paths(outdir)
    write_atomic(paths["json"], report.to_json().encode())
    write_atomic(paths["plot"], plot_png(report))
    write_atomic(paths["contact_sheet"], contact_sheet_png(report, images))
    return paths


def report_paths(outdir: Path) -> dict[str, Path]:
    return {"json": outdir / "drift.json", "plot": outdir / "drift.png", "contact_sheet": outdir / "contact-sheet.png"}
