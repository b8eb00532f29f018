"""Time the stamp and verify paths per image and per megapixel.

Usage: python benchmarks/stamp_verify.py [--repeat N] [--out benchmarks/results/stamp_verify.md]

Stamps each sample photo (watermark, encode, sign, register) and verifies the
result (manifest, watermark, registry lookup) in a throwaway home, then prints a
table with the machine it ran on. No generation model is involved.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.twin import stamp_file  # noqa: E402
from provenance.verify import verify_path  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def reference_ms() -> float:
    """Milliseconds of a fixed workload on one thread (1024x1024 float32 FFT, median of 30), printed
    beside timings: this machine's speed varies between runs (shared hosts), and the figure
    says how fast it was during this one."""
    import numpy as np
    from scipy import fft

    from provenance.runtime import single_threaded

    single_threaded()
    data = np.random.default_rng(0).normal(size=(1024, 1024)).astype(np.float32)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        fft.rfft2(data)
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def publish(lines: list[str], out: Path | None) -> None:
    """Print a results table and, with --out, write it (the new benchmarks share this)."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        out.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    samples = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in {".png", ".jpg"})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home")
        identity = init_identity(home, org="Bench")
        for sample in samples:
            megapixels = Image.open(sample).size[0] * Image.open(sample).size[1] / 1e6
            stamp_s, verify_s = [], []
            for i in range(args.repeat):
                out = Path(tmp) / f"{sample.stem}-{i}.jpg"
                start = time.perf_counter()
                stamp_file(sample, out, user="bench", model="bench", identity=identity, home=home)
                stamp_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                report = verify_path(out, home=home)
                verify_s.append(time.perf_counter() - start)
                if report.credentials.state != "trusted" or not report.watermark.found:
                    raise SystemExit(f"{out}: stamp did not verify")
            rows.append((sample.name, megapixels, statistics.median(stamp_s), statistics.median(verify_s)))
    lines = [
        f"Machine: {machine()}",
        "",
        "| image | MP | stamp ms | verify ms | stamp ms/MP | verify ms/MP |",
        "|---|---|---|---|---|---|",
    ]
    for name, mp, st, ve in rows:
        cells = [name, f"{mp:.2f}", f"{st * 1e3:.0f}", f"{ve * 1e3:.0f}"]
        cells += [f"{st * 1e3 / mp:.0f}", f"{ve * 1e3 / mp:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text("# stamp and verify timings\n\n" + text + "\n")


if __name__ == "__main__":
    main()
